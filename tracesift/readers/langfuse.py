"""Langfuse trace exports: a trace with its observations, as the public API returns it.

Reads ``GET /api/public/traces/{id}`` documents (a trace ``{id, timestamp, name, input,
output, userId, sessionId, tags, metadata, totalCost, observations: [...]}``), a JSON list
of them, or ``{"data": [...]}`` pages of such traces. Every trace is a trajectory, named
``<run_id>#<trace id>`` when the file holds several. Its observations are the steps, in
start-time order (document order breaks ties):

- ``GENERATION`` (and ``EMBEDDING``): a ``message`` from the model (role ``assistant``,
  content the output), then one ``tool_call`` per tool call in its output (OpenAI
  ``tool_calls`` or ``tool_use`` blocks; ``span_id`` the call id, ``parent_span_id`` the
  generation).
- ``SPAN``, ``TOOL``, ``RETRIEVER``, ``GUARDRAIL``, ``EVALUATOR``: a ``tool_call`` (``tool`` =
  name, ``arguments`` = input) and its ``tool_result`` (content the output, or the status
  message; ``parent_span_id`` the observation). When an earlier generation called a tool of
  that name and no observation answered it yet, only the ``tool_result``, parented to that
  call. A span that has child observations is a container: a ``message`` of role ``agent``,
  as are ``AGENT`` and ``CHAIN``.
- ``EVENT``: a ``message`` of role ``environment``.

``level`` ``ERROR`` makes the step an error (an ``error`` step for events and containers).
Tokens from ``usageDetails`` / ``usage`` (``input``, ``output``; the older
``promptTokens`` / ``completionTokens``), cost from ``costDetails.total``,
``calculatedTotalCost`` or ``usage.totalCost``, latency from ``latency`` or the times; all on
the observation's first step. ``span_id`` / ``parent_span_id`` are the observation ids.
``task``: the trace input. ``outcome``: failure when a root observation is ``ERROR``, else
unknown. ``labels``: trace id, name, user, session, tags, release and total cost.
"""

from __future__ import annotations

import json
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

MODEL_TYPES = {"GENERATION", "EMBEDDING"}
TOOL_TYPES = {"SPAN", "TOOL", "RETRIEVER", "GUARDRAIL", "EVALUATOR"}
AGENT_TYPES = {"AGENT", "CHAIN"}
KNOWN_TYPES = MODEL_TYPES | TOOL_TYPES | AGENT_TYPES | {"EVENT"}
TYPE_MARKERS = tuple(f'"type": "{t}"' for t in ("GENERATION", "SPAN", "EVENT")) + tuple(
    f'"type":"{t}"' for t in ("GENERATION", "SPAN", "EVENT"))
LABEL_KEYS = {"trace_id": "id", "name": "name", "user_id": "userId", "session_id": "sessionId", "tags": "tags",
              "release": "release", "total_cost": "totalCost"}


def sniff(source: Input) -> float:
    """0.95 for a JSON document with ``observations`` whose entries carry ``traceId`` and ``startTime``."""
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith(("{", "[")):
        return 0.0
    if '"observations"' not in head or '"traceId"' not in head or '"startTime"' not in head:
        return 0.0
    return 0.95 if any(m in head for m in TYPE_MARKERS) or '"parentObservationId"' in head else 0.6


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    traces = _traces(tj.read_text(source, problems), problems)
    if not traces:
        raise ValueError(problems[0].error if problems else "no Langfuse traces with observations")
    table = ac.StepTable("langfuse", source.path)
    for number, trace in enumerate(traces):
        inner = trace.get("id") or number if len(traces) > 1 else None
        tid = ac.trajectory_id(source.rel, inner)
        _trace(table, tid, trace, problems)
    return table.batch(problems)


def _traces(text: str, problems: list[Problem]) -> list[dict]:
    """The traces of the file; a document cut off keeps its complete observations."""
    try:
        document = tj.load_json(text)
    except ValueError:
        if text.lstrip().startswith("["):
            document = tj.load_list_or_salvage(text, problems)
        else:
            document, _ = tj.load_salvaging(text, "observations", "observations", problems)
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]
    found = document if isinstance(document, list) else [document]
    traces = [t for t in found if isinstance(t, dict) and isinstance(t.get("observations"), list)]
    if len(traces) < len(found):
        problems.append(Problem(f"{len(found) - len(traces)} entries without an observations list: skipped", None))
    return traces


def _trace(table: ac.StepTable, tid: str, trace: dict, problems: list[Problem]) -> None:
    observations = []
    for index, item in enumerate(trace["observations"]):
        if isinstance(item, dict) and item.get("id"):
            observations.append((ac.epoch(item.get("startTime")) or 0.0, index, item))
        else:
            problems.append(Problem(f"{tid}: observation {index} has no id: skipped", index))
    observations.sort(key=lambda entry: entry[:2])
    parents = {o.get("parentObservationId") for _, _, o in observations}
    pending: dict[str, list] = {}
    for _, index, item in observations:
        kind = str(item.get("type") or "").upper()
        if kind not in KNOWN_TYPES:
            problems.append(Problem(f"{tid}: observation {index} has type {kind or None!r}: skipped", index))
            continue
        Observation(table, tid, item, pending).add(kind, item.get("id") in parents)
    ids = {o["id"] for _, _, o in observations}
    roots = [o for _, _, o in observations if o.get("parentObservationId") not in ids]
    failed = any(_is_error(o) for o in roots)
    labels = {k: trace.get(v) for k, v in LABEL_KEYS.items() if trace.get(v) not in (None, [], "")}
    table.trajectory(tid, task=text(trace.get("input")), outcome="failure" if failed else "unknown", labels=labels)


class Observation:
    """The steps of one observation; its usage goes on the first of them.

    ``pending`` holds, per tool name, the ids of tool calls made by generations and not yet
    answered: a tool observation of that name answers the oldest, so the call is not counted twice.
    """

    def __init__(self, table: ac.StepTable, tid: str, item: dict, pending: dict[str, list]) -> None:
        self.table, self.tid, self.item, self.pending = table, tid, item, pending
        self.error = _is_error(item)
        self.start, self.end = ac.epoch(item.get("startTime")), ac.epoch(item.get("endTime"))

    def add(self, kind: str, has_children: bool) -> None:
        first = len(self.table)
        if kind in MODEL_TYPES:
            self.generation()
        elif kind in TOOL_TYPES and not has_children:
            self.tool()
        else:
            role = "environment" if kind == "EVENT" else "agent"
            self._step("error" if self.error else "message", role=role, content=self.output(),
                       is_error=self.error)
        tokens_in, tokens_out = usage(self.item)
        self.table.meter(first, tokens_in=tokens_in, tokens_out=tokens_out, cost=cost(self.item),
                         latency_s=latency(self.item, self.start, self.end))

    def _step(self, kind: str, **fields: Any) -> None:
        fields.setdefault("span_id", self.item.get("id"))
        fields.setdefault("parent_span_id", self.item.get("parentObservationId"))
        fields.setdefault("timestamp", self.start)
        self.table.add(self.tid, kind, **fields)

    def output(self) -> str | None:
        found = text(self.item.get("output"))
        return found if found or not self.error else self.item.get("statusMessage")

    def generation(self) -> None:
        self._step("message", role="assistant", content=self.output(), is_error=self.error)
        for call_id, name, arguments in tool_calls(self.item.get("output")):
            self._step("tool_call", role="assistant", tool=name, arguments=arguments, span_id=call_id,
                       parent_span_id=self.item.get("id"))
            self.pending.setdefault(str(name), []).append(call_id)

    def tool(self) -> None:
        name, oid = self.item.get("name"), self.item.get("id")
        waiting = self.pending.get(str(name))
        if waiting:  # the result of a generation's tool call
            self._step("tool_result", role="tool", tool=name, content=self.output(), is_error=self.error,
                       parent_span_id=waiting.pop(0), timestamp=self.end or self.start)
            return
        self._step("tool_call", role="assistant", tool=name, arguments=self.item.get("input"))
        self._step("tool_result", role="tool", tool=name, content=self.output(), is_error=self.error,
                   span_id=None, parent_span_id=oid, timestamp=self.end or self.start)


def _is_error(item: dict) -> bool:
    return str(item.get("level") or "").upper() == "ERROR"


def text(value: Any) -> str | None:
    """Text of an input or output: a string, chat messages, or ``{messages: [...]}``."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, dict) and "content" not in value and "text" not in value:
        strings = [v for v in value.values() if isinstance(v, str)]
        return strings[0] if len(value) == 1 and strings else ac.json_text(value)
    found = ac.content_text(value)
    return found if found else None


def tool_calls(output: Any) -> list[tuple[str | None, str | None, Any]]:
    """(call id, tool name, arguments) of the tool calls in a generation's output."""
    message = output[-1] if isinstance(output, list) and output and isinstance(output[-1], dict) else output
    found = []
    if isinstance(message, dict):
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                found.append((call.get("id"), function.get("name"), _arguments(function.get("arguments"))))
    blocks = message.get("content") if isinstance(message, dict) else output
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "tool_use":
            found.append((block.get("id"), block.get("name"), block.get("input")))
    return found


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def usage(item: dict) -> tuple[int | None, int | None]:
    for key in ("usageDetails", "usage"):
        found = item.get(key)
        if isinstance(found, dict) and (found.get("input") is not None or found.get("output") is not None):
            return ac.as_int(found.get("input")), ac.as_int(found.get("output"))
    return ac.as_int(item.get("promptTokens")) or None, ac.as_int(item.get("completionTokens")) or None


def cost(item: dict) -> float | None:
    details = item.get("costDetails") if isinstance(item.get("costDetails"), dict) else {}
    spent = item.get("usage") if isinstance(item.get("usage"), dict) else {}
    for value in (details.get("total"), item.get("calculatedTotalCost"), item.get("totalCost"), spent.get("totalCost")):
        if ac.as_float(value) is not None:
            return ac.as_float(value)
    return None


def latency(item: dict, start: float | None, end: float | None) -> float | None:
    given = ac.as_float(item.get("latency"))
    if given is not None:
        return given
    return end - start if start is not None and end is not None and end >= start else None


READER = Reader(
    name="langfuse",
    description="Langfuse trace export (GET /api/public/traces/{id}: a trace with its observations, or a list)",
    example="traces/<trace id>.json",
    sniff=sniff,
    read=read,
)
