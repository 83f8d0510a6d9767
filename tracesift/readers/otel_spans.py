"""Span layouts and attribute vocabularies shared by the ``otel_genai`` reader.

Two span layouts come in: OTLP/JSON spans (``traceId``, ``startTimeUnixNano``, attributes as
``{key, value}`` lists; read in ``otel_genai``) and the OpenTelemetry SDK's
``ReadableSpan.to_json()`` dicts (``context {trace_id, span_id}`` as ``0x`` hex, ``parent_id``,
ISO ``start_time``/``end_time``, ``status {status_code, description}``, attributes as a plain
dict; converted here to the OTLP shape). Two vocabularies are read on either: the GenAI
semantic conventions (``gen_ai.*``) and OpenInference (``openinference.span.kind``,
``llm.token_count.*``, ``input.value``/``output.value``, ``tool.name``, ``agent.name``,
``llm.model_name``, ``llm.cost.total``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SDK_STATUS = {"ERROR": 2, "OK": 1, "UNSET": 0}
OPENINFERENCE_OPERATIONS = {"TOOL": "execute_tool", "LLM": "chat", "AGENT": "invoke_agent",
                            "EMBEDDING": "embeddings"}


def is_sdk_span(value: Any) -> bool:
    """A ``ReadableSpan.to_json()`` dict: ``context`` holding ``trace_id`` and ``span_id``."""
    context = value.get("context") if isinstance(value, dict) else None
    return isinstance(context, dict) and bool(context.get("trace_id")) and bool(context.get("span_id"))


def from_sdk(span: dict) -> dict:
    """One ``to_json`` span in the OTLP/JSON shape the reader walks (attributes as a dict)."""
    context, status = span["context"], span.get("status") or {}
    return {
        "name": span.get("name"), "traceId": _strip_hex(context["trace_id"]),
        "spanId": _strip_hex(context["span_id"]), "parentSpanId": _strip_hex(span.get("parent_id")),
        "startTimeUnixNano": iso_nanos(span.get("start_time")),
        "endTimeUnixNano": iso_nanos(span.get("end_time")),
        "status": {"code": SDK_STATUS.get(str(status.get("status_code", "")).upper()),
                   "message": status.get("description")},
        "attrs": dict(span.get("attributes") or {}),
        "event_attrs": [(e.get("name"), dict(e.get("attributes") or {}))
                        for e in span.get("events") or [] if isinstance(e, dict)],
    }


def _strip_hex(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return (value[2:] if value.lower().startswith("0x") else value).lower()


def iso_nanos(value: Any) -> int | None:
    """Nanoseconds since the epoch of an ISO 8601 time (``Z`` or an offset; naive is UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1) * 1000


def operation(attrs: dict) -> str | None:
    """``gen_ai.operation.name``, else the OpenInference span kind in GenAI terms (CHAIN → ``chain``)."""
    found = attrs.get("gen_ai.operation.name")
    if found:
        return str(found)
    kind = attrs.get("openinference.span.kind")
    if not isinstance(kind, str) or not kind:
        return None
    return OPENINFERENCE_OPERATIONS.get(kind.upper(), kind.lower())


def first(attrs: dict, *keys: str) -> Any:
    """The value of the first key present and not empty."""
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return value
    return None


def exception_text(events: list[tuple[Any, dict]]) -> str | None:
    """``type: message`` of the last ``exception`` event, as ``Span.record_exception`` writes it,
    then its ``exception.stacktrace`` when that says more."""
    for name, attrs in reversed(events):
        if name == "exception":
            parts = [attrs.get("exception.type"), attrs.get("exception.message")]
            head = ": ".join(str(p) for p in parts if p)
            trace = str(attrs.get("exception.stacktrace") or "").strip()
            return (f"{head}\n{trace}" if trace and trace != head else head) or None
    return None


def failure_text(status: dict, events: list[tuple[Any, dict]]) -> str | None:
    """What an errored span says of its error: the status message and the exception, each once."""
    message, exception = status.get("message"), exception_text(events)
    if message and exception and message in exception:
        return exception
    return "\n".join(str(part) for part in (message, exception) if part) or None


def agent_name(attrs: dict, span_name: Any) -> str | None:
    """``gen_ai.agent.name`` or ``agent.name``; an OpenInference AGENT span is named after its agent."""
    name = first(attrs, "gen_ai.agent.name", "agent.name")
    if name is None and str(attrs.get("openinference.span.kind", "")).upper() == "AGENT":
        name = span_name
    return str(name) if name else None
