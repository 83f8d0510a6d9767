"""Write sample_traces/agents/otel_genai/*.json with the real OpenTelemetry SDK.

Spans follow the OpenTelemetry GenAI semantic conventions (gen_ai.operation.name,
gen_ai.agent.name, gen_ai.usage.*, gen_ai.tool.*). They are encoded with
opentelemetry-exporter-otlp-proto-common's ``encode_spans`` and written with
protobuf's ``MessageToJson`` (integer enums, as OTLP/JSON wants); trace and span ids are then rewritten from base64
to lowercase hex, as the OTLP/JSON specification requires (protobuf's generic
JSON mapping writes bytes as base64). Run with /tmp/agents-venv/bin/python.
"""

from __future__ import annotations

import json
import sys
from base64 import b64decode
from pathlib import Path

from google.protobuf.json_format import MessageToJson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "otel_genai"
T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in ns
SECOND = 1_000_000_000


def provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource.create({"service.name": "trip-planner"}))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    return tp, exporter


def chat(tracer, at, agent, tokens_in, tokens_out, output, seconds=1.5, finish="stop"):
    span = tracer.start_span("chat gpt-4o-mini", start_time=at, attributes={
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18", "gen_ai.agent.name": agent,
        "gen_ai.usage.input_tokens": tokens_in, "gen_ai.usage.output_tokens": tokens_out,
        "gen_ai.response.finish_reasons": [finish],
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": output}]}]),
    })
    span.end(end_time=at + int(seconds * SECOND))
    return at + int(seconds * SECOND)


def tool(tracer, at, name, args, result, seconds=0.4, error=None):
    span = tracer.start_span(f"execute_tool {name}", start_time=at, attributes={
        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": f"call_{name}_{at % 10000}", "gen_ai.tool.call.arguments": json.dumps(args),
        "gen_ai.tool.call.result": result,
    })
    if error:
        span.set_attribute("error.type", error)
        span.set_status(Status(StatusCode.ERROR, result))
    span.end(end_time=at + int(seconds * SECOND))
    return at + int(seconds * SECOND)


def agent_span(tracer, name, at, task):
    return tracer.start_as_current_span(f"invoke_agent {name}", start_time=at, end_on_exit=False, attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name, "gen_ai.agent.id": f"agent-{name}",
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": task}]}]),
    })


def good_trace(tp) -> None:
    tracer = tp.get_tracer("sample.trip_planner")
    at = T0
    with agent_span(tracer, "planner", at, "Plan a day trip to Kyoto with the weather forecast") as root:
        at = chat(tracer, at + SECOND // 10, "planner", 320, 45, "Calling get_weather(Kyoto)", finish="tool_calls")
        at = tool(tracer, at, "get_weather", {"city": "Kyoto"}, '{"forecast": "sunny", "high_c": 24}')
        with agent_span(tracer, "booking", at, "Book a table near Kinkaku-ji") as child:
            at = chat(tracer, at + SECOND // 10, "booking", 210, 30, "Calling book_table", finish="tool_calls")
            at = tool(tracer, at, "book_table", {"place": "Kinkaku-ji", "time": "12:30"}, '{"confirmed": true}')
            at = chat(tracer, at, "booking", 260, 20, "Table booked for 12:30.")
            child.set_status(Status(StatusCode.OK))
            child.end(end_time=at)
        at = chat(tracer, at, "planner", 540, 160, "Sunny, 24C. Kinkaku-ji at 10:00, lunch booked at 12:30.")
        root.set_status(Status(StatusCode.OK))
        root.end(end_time=at + SECOND // 10)


def cascading_trace(tp) -> None:
    """The search tool fails (auth error); the planner retries the same call, then hands off wrongly."""
    tracer = tp.get_tracer("sample.trip_planner")
    at = T0 + 3600 * SECOND
    with agent_span(tracer, "planner", at, "Find a hotel in Osaka under 100 USD") as root:
        at = chat(tracer, at + SECOND // 10, "planner", 300, 40, "Calling search_hotels", finish="tool_calls")
        at = tool(tracer, at, "search_hotels", {"city": "Osaka", "max_usd": 100},
                  "401 Unauthorized: API key expired", error="HTTPError")
        at = chat(tracer, at, "planner", 380, 40, "Retrying search_hotels", finish="tool_calls")
        at = tool(tracer, at, "search_hotels", {"city": "Osaka", "max_usd": 100},
                  "401 Unauthorized: API key expired", error="HTTPError")
        with agent_span(tracer, "booking", at, "Book the cheapest hotel from the search results") as child:
            at = chat(tracer, at + SECOND // 10, "booking", 260, 60,
                      "There are no search results; booking Hotel Placeholder at 180 USD.", finish="tool_calls")
            at = tool(tracer, at, "book_hotel", {"name": "Hotel Placeholder", "usd": 180},
                      "Budget exceeded: 180 > 100", error="ValueError")
            child.set_status(Status(StatusCode.ERROR, "booking failed"))
            child.end(end_time=at)
        at = chat(tracer, at, "planner", 520, 30, "I could not book a hotel.")
        root.set_status(Status(StatusCode.ERROR, "task failed"))
        root.end(end_time=at + SECOND // 10)


def to_hex(node):
    if isinstance(node, dict):
        return {k: (b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") and v else to_hex(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [to_hex(v) for v in node]
    return node


def write(name: str, *builds) -> None:
    tp, exporter = provider()
    for build in builds:
        build(tp)
    tp.shutdown()
    request = encode_spans(exporter.get_finished_spans())
    document = to_hex(json.loads(MessageToJson(request, use_integers_for_enums=True)))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    write("trip_planner.json", good_trace, cascading_trace)
    print("wrote", *sorted(p.name for p in OUT.iterdir()), file=sys.stderr)
