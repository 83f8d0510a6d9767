"""OpenAI Agents SDK traces: the ``Trace.export()`` / ``Span.export()`` dicts of ``openai-agents``.

A trace is ``{"object": "trace", "id", "workflow_name", "group_id", "metadata"}``; a span
``{"object": "trace.span", "id", "trace_id", "parent_id", "started_at", "ended_at" (ISO 8601),
"span_data": {"type", ...}, "error": {"message", "data"} | null}`` (``src/agents/tracing/traces.py``,
``spans.py``, ``span_data.py``). Read as a user keeps them: JSON lines of those dicts (a
``TracingProcessor`` writing each as it comes: spans when they end, so children before parents),
a JSON list of them, or the payload the SDK's ``BackendSpanExporter`` posts, ``{"data": [...]}``
(one document, or one per line). Every trace is a trajectory, named ``<run_id>#<trace id>`` when
the file holds several; spans without a trace record are read too.

Steps follow the span start times (a tool's result and a container's error its end time):

- ``agent``: a ``message`` of role ``agent`` (content the agent name); its name is the ``agent``
  of the steps inside it (a ``turn`` span's ``agent_name`` too; a span whose parents are missing
  takes the agent last started). An error on it is an ``error`` step at its end.
- ``generation``: an assistant ``message`` with the text of its output (``final`` when it is the
  last model output, with text and no tool calls), tokens from ``usage``
  (``input_tokens``/``output_tokens``), the model in the ``models`` label; the task is the first
  user message of the first generation's input. ``response``: an assistant ``message`` with its
  usage (the SDK exports no text for it).
- ``function``: a ``tool_call`` (``tool`` the name, ``arguments`` the input) and its
  ``tool_result`` (the output; ``is_error`` when the span has an error, whose message is the
  content when there is no output).
- ``handoff``: a ``message`` of role ``agent`` by ``from_agent``, ``tool`` ``handoff``,
  ``arguments`` ``{"to": to_agent}``.
- ``guardrail``: role ``guardrail``, ``tool`` its name: an ``error`` step when ``triggered``,
  else a ``message`` that it passed.
- ``custom`` and the rest (``mcp_tools``, ``transcription``, ``speech``...): a ``message`` whose
  role is the type. The SDK's own ``task`` and ``turn`` custom spans are containers, not steps
  (an error on one is an ``error`` step); the task's usage goes to ``labels``.

``span_id`` is the span id (a tool result's ``parent_span_id`` its call); ``parent_span_id`` the
nearest parent that is a step. Spans whose parent is not in the file are kept, with a problem.
``latency_s`` from the span times. ``outcome``: failure when an agent, task or turn span outside
any tool call has an error (max turns, a guardrail tripwire, a raised run), else unknown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

CONTAINERS = {"task", "turn"}
"""``sdk_span_type`` of the custom spans the SDK opens around a run and each of its turns."""
MODEL_TYPES = {"generation", "response"}
OBJECT = re.compile(r'"object"\s*:\s*"trace(\.span)?"')


def sniff(source: Input) -> float:
    """0.95 for JSON whose prefix holds an exported span (``span_data``) or trace (``workflow_name``)."""
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith(("{", "[")):
        return 0.0
    found = OBJECT.search(head)
    if found is None:
        return 0.0
    return 0.95 if ('"span_data"' in head if found.group(1) else '"workflow_name"' in head) else 0.0


def read(source: Input) -> Batch:
    traces, problems = ac.parse_or_fail(source, _traces, "no exported OpenAI Agents SDK spans")
    table = ac.StepTable("openai_agents", source.path)
    for trace_id, (record, spans) in traces:
        tid = ac.trajectory_id(source.rel, trace_id if len(traces) > 1 else None)
        if spans:
            Trace(table, tid, record, spans, problems).read()
        else:
            problems.append(Problem(f"{tid}: trace {trace_id} has no spans in the file", None))
    return table.batch(problems)


def _items(text: str, problems: list[Problem]) -> list:
    """Every exported dict of the file: one document, JSON lines, or a document cut off."""
    try:
        found = [tj.load_json(text)]
    except ValueError:
        start = text.lstrip()
        first = start.split("\n", 1)[0]
        if start.startswith("["):
            found = [tj.load_list_or_salvage(text, problems)]
        elif _is_json(first):
            found = [value for _, value in tj.jsonl_objects(text, problems)]
        else:
            found = [tj.load_salvaging(text, "data", "exported traces and spans", problems)[0]]
    items: list = []
    for value in found:
        _flatten(value, items)
    return items


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _flatten(value: Any, items: list) -> None:
    """The exported dicts in a value: a list, a ``{"data": [...]}`` payload, or one dict."""
    if isinstance(value, list):
        for item in value:
            _flatten(item, items)
    elif isinstance(value, dict) and "object" not in value and isinstance(value.get("data"), list):
        _flatten(value["data"], items)
    else:
        items.append(value)


def _traces(text: str, problems: list[Problem]) -> list[tuple[str, tuple[dict, list[dict]]]]:
    """(trace id, (its trace record or ``{}``, its spans)) in order of appearance."""
    traces: dict[str, tuple[dict, list[dict]]] = {}
    skipped = 0
    for item in _items(text, problems):
        kind = item.get("object") if isinstance(item, dict) else None
        key = item.get("id") if kind == "trace" else item.get("trace_id") if kind == "trace.span" else None
        if not isinstance(key, str) or not key or (kind == "trace.span" and not isinstance(item.get("id"), str)):
            skipped += 1
            continue
        record, spans = traces.setdefault(key, ({}, []))
        if kind == "trace":
            record.update(item)
        else:
            spans.append(item if isinstance(item.get("parent_id"), str) else {**item, "parent_id": None})
    if skipped:
        problems.append(Problem(f"{skipped} entries that are not exported traces or spans with ids: skipped", None))
    return list(traces.items())


def span_type(span: dict) -> str:
    """The span's type; the SDK's task and turn spans (custom, ``sdk_span_type``) by that name."""
    data = _data(span)
    kind = str(data.get("type") or "")
    inner = data.get("data") if isinstance(data.get("data"), dict) else {}
    return str(inner["sdk_span_type"]) if kind == "custom" and inner.get("sdk_span_type") in CONTAINERS else kind


def _data(span: dict) -> dict:
    return span.get("span_data") if isinstance(span.get("span_data"), dict) else {}


def error_text(error: Any) -> str | None:
    """``message: data`` of a span error."""
    if not isinstance(error, dict):
        return ac.json_text(error) if error else None
    message, data = error.get("message"), error.get("data")
    return ": ".join(str(p) for p in (message, ac.json_text(data) if data else None) if p) or None


def usage(data: dict) -> tuple[int | None, int | None]:
    found = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return (ac.as_int(found.get("input_tokens", found.get("prompt_tokens"))),
            ac.as_int(found.get("output_tokens", found.get("completion_tokens"))))


def output_text(output: Any) -> tuple[str | None, bool]:
    """The text of a generation's output messages, and whether they call tools."""
    messages = output if isinstance(output, list) else [output] if output is not None else []
    calls = any(isinstance(m, dict) and m.get("tool_calls") for m in messages)
    texts = [ac.content_text(m.get("content")) if isinstance(m, dict) else ac.content_text(m) for m in messages]
    return "\n".join(t for t in texts if t) or None, calls


class Trace:
    """The steps of one trace's spans, in time order."""

    def __init__(self, table: ac.StepTable, tid: str, record: dict, spans: list[dict],
                 problems: list[Problem]) -> None:
        self.table, self.tid, self.record, self.spans, self.problems = table, tid, record, spans, problems
        self.by_id = {s["id"]: s for s in spans}
        self.current: str | None = None  # the agent last started, for spans whose parents are missing
        self.agents: list[str] = []

    def read(self) -> None:
        orphans = [s["id"] for s in self.spans if s.get("parent_id") and s["parent_id"] not in self.by_id]
        if orphans:
            self.problems.append(Problem(f"{self.tid}: {len(orphans)} spans whose parent span is not in the file "
                                         f"(first {orphans[0]}): kept", None))
        final = self._final()
        for _, _, _, end, span in sorted(self._events(), key=lambda event: event[:4]):
            self._end(span) if end else self._start(span, span["id"] == final)
        self.table.trajectory(self.tid, task=self._task(), outcome=self._outcome(), labels=self._labels())

    def _events(self) -> list[tuple]:
        """(time, depth, order, is_end, span): a start per span; an end for tool results and container errors."""
        events = []
        for order, span in enumerate(self.spans):
            depth = len(self._ancestors(span))
            start, end = ac.epoch(span.get("started_at")), ac.epoch(span.get("ended_at"))
            events.append((_when(start), depth, order, False, span))
            if span_type(span) == "function" or (span.get("error") and span_type(span) in CONTAINERS | {"agent"}):
                events.append((_when(end if end is not None else start), -depth, order, True, span))
        return events

    def _ancestors(self, span: dict) -> list[dict]:
        found, seen = [], {span["id"]}
        parent = self.by_id.get(span.get("parent_id"))
        while parent is not None and parent["id"] not in seen:
            found.append(parent)
            seen.add(parent["id"])
            parent = self.by_id.get(parent.get("parent_id"))
        return found

    def _agent(self, span: dict) -> str | None:
        for node in [span, *self._ancestors(span)]:
            kind, data = span_type(node), _data(node)
            if kind == "agent" and data.get("name"):
                return str(data["name"])
            if kind == "turn" and isinstance(data.get("data"), dict) and data["data"].get("agent_name"):
                return str(data["data"]["agent_name"])
        return self.current

    def _parent(self, span: dict) -> str | None:
        """The nearest parent that is a step (task and turn spans are not); a missing one as named."""
        parent_id, seen = span.get("parent_id"), {span["id"]}
        while parent_id in self.by_id and parent_id not in seen and span_type(self.by_id[parent_id]) in CONTAINERS:
            seen.add(parent_id)
            parent_id = self.by_id[parent_id].get("parent_id")
        return parent_id or None

    def _fields(self, span: dict) -> dict:
        start, end = ac.epoch(span.get("started_at")), ac.epoch(span.get("ended_at"))
        return {"agent": self._agent(span), "timestamp": start, "span_id": span["id"],
                "parent_span_id": self._parent(span),
                "latency_s": end - start if start is not None and end is not None and end >= start else None}

    def _start(self, span: dict, final: bool) -> None:
        kind, data, error = span_type(span), _data(span), error_text(span.get("error"))
        fields = self._fields(span)
        if kind in CONTAINERS:
            return
        if kind == "agent":
            self.current = fields["agent"] = str(data.get("name") or "agent")
            if self.current not in self.agents:
                self.agents.append(self.current)
            self.table.add(self.tid, "message", role="agent", content=self.current, **{**fields, "latency_s": None})
        elif kind in MODEL_TYPES:
            text, _ = output_text(data.get("output"))
            tokens_in, tokens_out = usage(data)
            self.table.add(self.tid, "final" if final else "message", role="assistant", content=text or error,
                           is_error=error is not None, tokens_in=tokens_in, tokens_out=tokens_out, **fields)
        elif kind == "function":
            self.table.add(self.tid, "tool_call", role="assistant", tool=data.get("name"), arguments=data.get("input"),
                           **fields)
        elif kind == "handoff":
            fields["agent"] = data.get("from_agent") or fields["agent"]
            self.table.add(self.tid, "message", role="agent", tool="handoff", arguments={"to": data.get("to_agent")},
                           content=error or f"handoff to {data.get('to_agent')}", is_error=error is not None, **fields)
        elif kind == "guardrail":
            triggered = bool(data.get("triggered"))
            self.table.add(self.tid, "error" if triggered else "message", role="guardrail", tool=data.get("name"),
                           content=f"guardrail {data.get('name')} {'triggered' if triggered else 'passed'}",
                           is_error=triggered or error is not None, **fields)
        else:
            body = {k: v for k, v in data.items() if k != "type"}
            self.table.add(self.tid, "message", role=kind or "span", content=error or ac.json_text(body) or None,
                           is_error=error is not None, **fields)

    def _end(self, span: dict) -> None:
        kind, data, error = span_type(span), _data(span), error_text(span.get("error"))
        fields = {**self._fields(span), "timestamp": ac.epoch(span.get("ended_at")), "latency_s": None}
        if kind == "function":
            output = data.get("output")
            self.table.add(self.tid, "tool_result", role="tool", tool=data.get("name"),
                           content=output if output is not None else error, is_error=error is not None,
                           **{**fields, "span_id": None, "parent_span_id": span["id"]})
        elif kind == "agent" or kind in CONTAINERS:
            if kind == "agent":
                fields.update(span_id=None, parent_span_id=span["id"])
            self.table.add(self.tid, "error", role="agent", content=error, is_error=True, **fields)

    def _final(self) -> str | None:
        """The span id of the last model output when it has text and calls no tool, after which no tool ran."""
        last = None
        for span in sorted(self.spans, key=lambda s: _when(ac.epoch(s.get("started_at")))):
            if span_type(span) in MODEL_TYPES | {"function"}:
                last = span
        if last is None or span_type(last) != "generation" or last.get("error"):
            return None
        text, calls = output_text(_data(last).get("output"))
        return last["id"] if text and not calls else None

    def _task(self) -> str | None:
        for span in sorted(self.spans, key=lambda s: _when(ac.epoch(s.get("started_at")))):
            given = _data(span).get("input") if span_type(span) == "generation" else None
            if isinstance(given, list):
                return ac.first_user_text(given)
            if isinstance(given, str):
                return given
        return None

    def _outcome(self) -> str:
        for span in self.spans:
            if span.get("error") and span_type(span) in CONTAINERS | {"agent"} and \
                    not any(span_type(a) == "function" for a in self._ancestors(span)):
                return "failure"
        return "unknown"

    def _labels(self) -> dict:
        record = self.record
        labels: dict[str, Any] = {"trace_id": record.get("id") or self.spans[0].get("trace_id"),
                                  "workflow_name": record.get("workflow_name"), "group_id": record.get("group_id"),
                                  "metadata": record.get("metadata") or None, "agents": self.agents or None}
        models = sorted({str(_data(s)["model"]) for s in self.spans if _data(s).get("model")})
        labels["models"] = models or None
        task = next((s for s in self.spans if span_type(s) == "task"), None)
        labels["usage"] = (_data(task).get("data") or {}).get("usage") if task else None
        return {k: v for k, v in labels.items() if v is not None}


def _when(moment: float | None) -> float:
    return moment if moment is not None else float("inf")


READER = Reader(
    name="openai_agents",
    description="OpenAI Agents SDK traces (exported trace and span dicts: JSON lines, a list, or {\"data\": [...]})",
    example="traces/agents-sdk.jsonl",
    sniff=sniff,
    read=read,
)
