"""OpenTelemetry GenAI spans exported as OTLP/JSON (``resourceSpans`` → ``scopeSpans`` → ``spans``).

Reads one ``ExportTraceServiceRequest`` JSON document, JSON lines of them (the
collector's file exporter), a JSON list of them, or a JSON list of the OpenTelemetry SDK's
``ReadableSpan.to_json()`` spans (see ``otel_spans``). OpenInference attributes are read
where the GenAI ones are missing (``openinference.span.kind``, ``llm.token_count.*``,
``input.value``/``output.value``, ``tool.name``, ``agent.name``; ``llm.model_name`` goes to
the ``models`` label). Every trace (``traceId``) is a trajectory, named
``<run_id>#<traceId>`` when the file holds several. Its spans are the steps,
numbered 0-based in start-time order (document order breaks ties).

Per span: ``kind`` from ``gen_ai.operation.name`` (``execute_tool`` → ``tool_call``,
``chat``/``text_completion``/``generate_content`` → ``message``, ``invoke_agent``/
``create_agent`` → ``message`` with role ``agent``); ``agent`` from ``gen_ai.agent.name``
or, failing that, the nearest ancestor span that has one; ``tool``, ``arguments`` and
``content`` from ``gen_ai.tool.name``, ``gen_ai.tool.call.arguments``,
``gen_ai.tool.call.result`` (or the output/input messages); ``tokens_in``/``tokens_out``
from ``gen_ai.usage.input_tokens``/``output_tokens``; ``cost`` from ``gen_ai.usage.cost``
when present; ``latency_s`` and ``timestamp`` from the span times; ``span_id`` and
``parent_span_id`` kept (hex; base64 ids, as protobuf's generic JSON mapping writes
them, are converted). ``is_error`` when the span status is ERROR (code 2) or
``error.type`` is set. ``outcome``: from the root span status (ERROR → failure,
OK → success, unset → unknown). ``task``: the root span's input messages.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import otel_spans as ot
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

MODEL_OPERATIONS = {"chat", "text_completion", "generate_content", "embeddings"}
AGENT_OPERATIONS = {"invoke_agent", "create_agent"}
STATUS_ERROR = {2, "2", "STATUS_CODE_ERROR"}
STATUS_OK = {1, "1", "STATUS_CODE_OK"}


def sniff(source: Input) -> float:
    head = source.text_prefix()
    start = head.lstrip()[:1] if head else ""
    if start == "[" and '"context"' in head and '"trace_id"' in head and '"span_id"' in head:
        return 0.95
    if start not in ("{", "[") or '"resourceSpans"' not in head:
        return 0.0
    return 0.95 if '"gen_ai.' in head or '"scopeSpans"' in head else 0.6


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    problems: list[Problem] = []
    text = tj.read_text(source, problems)
    spans = _spans(_documents(text, problems), problems)
    if not spans:
        raise ValueError(problems[0].error if problems else "no spans in resourceSpans")
    traces: dict[str, list[dict]] = {}
    for order, span in enumerate(spans):
        span["_order"] = order
        traces.setdefault(span["traceId"], []).append(span)
    table = ac.StepTable("otel_genai", path)
    for trace, members in traces.items():
        tid = ac.trajectory_id(run_id, trace if len(traces) > 1 else None)
        _trace(table, tid, members)
    return table.batch(problems)


def _documents(text: str, problems: list[Problem]) -> list[dict]:
    try:
        whole = tj.load_json(text)
    except ValueError as exc:
        lines = [v for _, v in tj.jsonl_objects(text, problems) if isinstance(v, dict)]
        if not lines:
            raise ValueError(str(exc)) from None
        return lines
    if isinstance(whole, list):
        return [item for item in whole if isinstance(item, dict)]
    return [whole] if isinstance(whole, dict) else []


def _spans(documents: list[dict], problems: list[Problem]) -> list[dict]:
    found = []
    for index, document in enumerate(documents):
        if ot.is_sdk_span(document):
            found.append(ot.from_sdk(document))
        elif "context" in document and "resourceSpans" not in document:
            problems.append(Problem("to_json span without context.trace_id or span_id: skipped", index))
        else:
            found.extend(_otlp_spans(document, problems))
    return found


def _otlp_spans(document: dict, problems: list[Problem]) -> list[dict]:
    found = []
    for resource in document.get("resourceSpans") or []:
        resource = resource or {}
        for scope in resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans") or []:
            for index, span in enumerate((scope or {}).get("spans") or []):
                if isinstance(span, dict) and span.get("traceId") and span.get("spanId"):
                    found.append(_otlp_span(span))
                else:
                    problems.append(Problem("span without traceId or spanId: skipped", index))
    return found


def _otlp_span(span: dict) -> dict:
    span["traceId"] = _hex_id(span["traceId"])
    span["spanId"] = _hex_id(span["spanId"])
    span["parentSpanId"] = _hex_id(span.get("parentSpanId"))
    span["attrs"] = _attributes(span.get("attributes"))
    span["event_attrs"] = [(e.get("name"), _attributes(e.get("attributes")))
                           for e in span.get("events") or [] if isinstance(e, dict)]
    return span


def _hex_id(value: Any) -> str | None:
    """Lowercase hex: OTLP/JSON writes hex; protobuf's generic JSON mapping writes base64."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) in (16, 32) and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return value


def _trace(table: ac.StepTable, tid: str, spans: list[dict]) -> None:
    spans.sort(key=lambda s: (_nanos(s.get("startTimeUnixNano")) or 0, s["_order"]))
    by_id = {s["spanId"]: s for s in spans}
    for span in spans:
        _step(table, tid, span, span["attrs"], _agent(span, by_id))
    roots = [s for s in spans if s.get("parentSpanId") not in by_id]
    root = roots[0] if roots else spans[0]
    root_attrs = root["attrs"]
    task = (_messages_text(root_attrs.get("gen_ai.input.messages"))
            or ot.first(root_attrs, "gen_ai.prompt", "input.value"))
    labels = {"trace_id": root["traceId"], "root_span": root.get("name")}
    models = sorted({str(s["attrs"]["llm.model_name"]) for s in spans if s["attrs"].get("llm.model_name")})
    if models:
        labels["models"] = models
    table.trajectory(tid, task=task, outcome=_outcome(root), labels=labels)


def _step(table: ac.StepTable, tid: str, span: dict, attrs: dict, agent: str | None) -> None:
    operation = ot.operation(attrs)
    start, end = _nanos(span.get("startTimeUnixNano")), _nanos(span.get("endTimeUnixNano"))
    status = span.get("status") or {}
    error = status.get("code") in STATUS_ERROR or "error.type" in attrs
    failure = ot.failure_text(status, span["event_attrs"]) if error else None
    fields = {
        "agent": agent, "is_error": error,
        "tokens_in": ac.as_int(ot.first(attrs, "gen_ai.usage.input_tokens", "llm.token_count.prompt")),
        "tokens_out": ac.as_int(ot.first(attrs, "gen_ai.usage.output_tokens", "llm.token_count.completion")),
        "cost": ac.as_float(ot.first(attrs, "gen_ai.usage.cost", "llm.cost.total")),
        "timestamp": start / 1e9 if start is not None else None,
        "latency_s": (end - start) / 1e9 if start is not None and end is not None else None,
        "span_id": span["spanId"], "parent_span_id": span.get("parentSpanId"),
    }
    output = ot.first(attrs, "output.value")
    if operation == "execute_tool":
        table.add(tid, "tool_call", role="tool", tool=ot.first(attrs, "gen_ai.tool.name", "tool.name") or span.get("name"),
                  arguments=ot.first(attrs, "gen_ai.tool.call.arguments", "tool.parameters", "input.value"),
                  content=ot.first(attrs, "gen_ai.tool.call.result") or output or failure, **fields)
    elif operation in AGENT_OPERATIONS:
        content = status.get("message") or _messages_text(attrs.get("gen_ai.output.messages")) or output
        table.add(tid, "message", role="agent", content=content or span.get("name"), **fields)
    else:
        content = _messages_text(attrs.get("gen_ai.output.messages")) or attrs.get("gen_ai.completion") or output
        role = "assistant" if operation in MODEL_OPERATIONS else operation or "span"
        table.add(tid, "error" if error and operation is None else "message", role=role,
                  content=content or failure or span.get("name"), **fields)


def _agent(span: dict, by_id: dict) -> str | None:
    seen = set()
    while span is not None and span["spanId"] not in seen:
        seen.add(span["spanId"])
        name = ot.agent_name(span["attrs"], span.get("name"))
        if name:
            return name
        span = by_id.get(span.get("parentSpanId"))
    return None


def _attributes(items: Any) -> dict:
    found = {}
    for item in items or []:
        if isinstance(item, dict) and "key" in item:
            found[item["key"]] = _value(item.get("value") or {})
    return found


def _value(value: dict) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return ac.as_int(value["intValue"])
    if "arrayValue" in value:
        return [_value(v) for v in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return _attributes((value["kvlistValue"] or {}).get("values"))
    return None


def _messages_text(value: Any) -> str | None:
    """Text of GenAI ``input/output.messages`` (JSON string of messages with ``parts``)."""
    if not isinstance(value, str):
        return ac.content_text(value) if value is not None else None
    try:
        messages = json.loads(value)
    except json.JSONDecodeError:
        return value
    texts = []
    for message in messages if isinstance(messages, list) else [messages]:
        parts = message.get("parts") if isinstance(message, dict) else None
        texts.append(ac.content_text(parts) if parts is not None else ac.content_text(message))
    return "\n".join(t for t in texts if t) or None


def _nanos(value: Any) -> int | None:
    return ac.as_int(value)


def _outcome(root: dict) -> str:
    code = (root.get("status") or {}).get("code")
    if code in STATUS_ERROR:
        return "failure"
    return "success" if code in STATUS_OK else "unknown"


READER = Reader(
    name="otel_genai",
    description="OpenTelemetry GenAI spans as OTLP/JSON (resourceSpans; one trajectory per traceId)",
    example="traces/otlp-export.json",
    sniff=sniff,
    read=read,
)
