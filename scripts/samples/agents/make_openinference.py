"""Write sample_traces/agents/otel_genai/openinference_agent.json with the real OpenTelemetry SDK.

Spans carry OpenInference attributes (openinference-semantic-conventions
``SpanAttributes``: openinference.span.kind, llm.model_name, llm.token_count.*,
input.value / output.value, tool.name, agent.name). Each finished span is written by the
SDK's own ``ReadableSpan.to_json()`` and the file is the JSON list of them, as a span
dump made with ``[json.loads(s.to_json()) for s in spans]`` looks. The failing tool
span records the exception (an ``exception`` event) and sets status ERROR.
Run with a venv holding opentelemetry-sdk and openinference-semantic-conventions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from openinference.semconv.trace import OpenInferenceSpanKindValues as Kind
from openinference.semconv.trace import SpanAttributes as SA
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "otel_genai"
T0 = 1_767_229_200_000_000_000  # 2026-01-01T01:00:00Z in ns
SECOND = 1_000_000_000


def llm(tracer, at, prompt, output, tokens_in, tokens_out, seconds=1.2):
    span = tracer.start_span("ChatCompletion", start_time=at, attributes={
        SA.OPENINFERENCE_SPAN_KIND: Kind.LLM.value, SA.LLM_MODEL_NAME: "gpt-4o-mini",
        SA.LLM_PROVIDER: "openai", SA.INPUT_VALUE: prompt, SA.OUTPUT_VALUE: output,
        SA.LLM_TOKEN_COUNT_PROMPT: tokens_in, SA.LLM_TOKEN_COUNT_COMPLETION: tokens_out,
        SA.LLM_TOKEN_COUNT_TOTAL: tokens_in + tokens_out,
    })
    span.end(end_time=at + int(seconds * SECOND))
    return at + int(seconds * SECOND)


def tool(tracer, at, name, args, result, seconds=0.3, error=None):
    span = tracer.start_span(name, start_time=at, attributes={
        SA.OPENINFERENCE_SPAN_KIND: Kind.TOOL.value, SA.TOOL_NAME: name,
        SA.TOOL_PARAMETERS: json.dumps(args), SA.INPUT_VALUE: json.dumps(args),
    })
    if error:
        span.record_exception(error, timestamp=at + int(seconds * SECOND) - 1000)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    else:
        span.set_attribute(SA.OUTPUT_VALUE, result)
        span.set_status(Status(StatusCode.OK))
    span.end(end_time=at + int(seconds * SECOND))
    return at + int(seconds * SECOND)


def retriever(tracer, at, query, seconds=0.2):
    span = tracer.start_span("retrieve", start_time=at, attributes={
        SA.OPENINFERENCE_SPAN_KIND: Kind.RETRIEVER.value, SA.INPUT_VALUE: query,
        "retrieval.documents.0.document.content": "Refunds are allowed within 30 days of delivery.",
    })
    span.end(end_time=at + int(seconds * SECOND))
    return at + int(seconds * SECOND)


def support_trace(tp) -> None:
    """The refund tool fails (order service down); the agent gives up and the root span is ERROR."""
    tracer = tp.get_tracer("sample.openinference")
    task = "Refund order #4512, it arrived broken"
    at = T0
    with tracer.start_as_current_span("support_agent", start_time=at, end_on_exit=False, attributes={
        SA.OPENINFERENCE_SPAN_KIND: Kind.AGENT.value, SA.AGENT_NAME: "support", SA.INPUT_VALUE: task,
    }) as root:
        at = retriever(tracer, at + SECOND // 10, "refund policy broken item")
        at = llm(tracer, at, task, '{"tool": "lookup_order", "order_id": 4512}', 410, 25)
        at = tool(tracer, at, "lookup_order", {"order_id": 4512}, '{"status": "delivered", "total_usd": 42.0}')
        at = llm(tracer, at, "Order delivered, 42 USD", '{"tool": "issue_refund", "order_id": 4512}', 480, 30)
        at = tool(tracer, at, "issue_refund", {"order_id": 4512, "usd": 42.0}, None,
                  error=ConnectionError("order service unavailable (503)"))
        at = llm(tracer, at, "issue_refund failed", "Sorry, I could not issue the refund right now.", 530, 18)
        root.set_attribute(SA.OUTPUT_VALUE, "Sorry, I could not issue the refund right now.")
        root.set_status(Status(StatusCode.ERROR, "refund not issued"))
        root.end(end_time=at + SECOND // 10)


def write(name: str) -> None:
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    support_trace(tp)
    tp.shutdown()
    spans = [json.loads(span.to_json()) for span in exporter.get_finished_spans()]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(spans, indent=1) + "\n")


if __name__ == "__main__":
    write("openinference_agent.json")
    print("wrote", *sorted(p.name for p in OUT.iterdir()), file=sys.stderr)
