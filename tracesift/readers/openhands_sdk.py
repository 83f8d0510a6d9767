"""OpenHands agent-SDK (V1) conversation folders: ``base_state.json`` and ``events/event-NNNNN-<id>.json``.

The SDK persists each event as one JSON file (``model_dump_json``), its class name in
``kind``. Steps, 0-based in event-index order: ``SystemPromptEvent`` and ``MessageEvent``
are ``message`` steps (the message's reasoning a ``thought`` before it); an ``ActionEvent``
is a ``thought`` (its ``thought`` text or ``reasoning_content``, when not empty) and a
``tool_call`` (``tool`` = ``tool_name``, ``arguments`` = the action without ``kind``,
``span_id`` = ``tool_call_id``), except the ``finish`` tool (a ``final`` step) and ``think``
(a ``thought``). ``ObservationEvent`` is a ``tool_result`` (``parent_span_id`` = its
``tool_call_id``; ``exit_code`` from ``observation.metadata.exit_code``, an error when the
observation says ``is_error`` or the code is not 0/-1); ``UserRejectObservation`` an error
result; ``AgentErrorEvent`` and ``ConversationErrorEvent`` ``error`` steps; a ``Condensation``
(events forgotten from the model's view) a system ``message``, "context condensed: …", so that
condensing over and over shows as a loop. State updates, pauses, condensation requests and
other housekeeping are not steps. Tokens and latency come from
``base_state.json`` ``stats.usage_to_metrics`` (``token_usages`` / ``response_latencies``
by ``response_id``), put once on the first step of each ``llm_response_id``; the accumulated
cost goes to ``labels``. ``outcome``: failure when ``execution_status`` is error/stuck or
the run ends on an error, success after ``finish``, else unknown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

EVENTS_DIR, BASE_STATE = "events", "base_state.json"
EVENT_NAME = re.compile(r"^event-(?P<idx>\d{5,})-(?P<event_id>[0-9a-fA-F\-]{8,})\.json$")
SKIPPED = {"ConversationStateUpdateEvent", "PauseEvent", "InterruptEvent", "CondensationRequest",
           "CondensationSummaryEvent", "LLMCompletionLogEvent", "TokenEvent", "HookExecutionEvent"}
HOUSEKEEPING = SKIPPED | {"Condensation"}
"""Events that say nothing of how the run ended."""
FAILED_STATES = {"error", "stuck"}
NO_RESULT_TOOLS = {"finish", "think"}


def sniff(source: Input) -> float:
    """0.95 for a folder whose ``events/`` holds SDK event files with a ``kind``."""
    files = event_files(source.path / EVENTS_DIR)
    if not files:
        return 0.0
    head = Input(files[0]).text_prefix(4096)
    return 0.95 if head is not None and head.lstrip().startswith("{") and '"kind"' in head else 0.0


def event_files(folder) -> list:
    if not folder.is_dir():
        return []
    named = [(EVENT_NAME.match(p.name), p) for p in folder.iterdir()]
    return [p for _, p in sorted((int(m.group("idx")), p) for m, p in named if m)]


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    events = _events(source, problems)
    state = _base_state(source, problems)
    tid = ac.trajectory_id(source.rel)
    table = ac.StepTable("openhands_sdk", source.path)
    Events(table, tid, problems, usage=response_usage(state)).read(events)
    labels = {k: v for k, v in {"conversation_id": state.get("id"), "execution_status": state.get("execution_status"),
                                "accumulated_cost": accumulated_cost(state)}.items() if v is not None}
    table.trajectory(tid, task=task(events), outcome=outcome(events, state.get("execution_status")), labels=labels)
    return table.batch(problems)


def _events(source: Input, problems: list[Problem]) -> list:
    files = event_files(source.path / EVENTS_DIR)
    if not files:
        raise ValueError(f"no {EVENTS_DIR}/event-*.json files in the conversation folder")
    events = []
    for number, path in enumerate(files):
        found: list[Problem] = []
        try:
            events.append(tj.load_json(tj.read_text(Input(path), found)))
        except ValueError as exc:
            found.append(Problem(f"{exc}: event skipped", number))
        problems.extend(Problem(f"{EVENTS_DIR}/{path.name}: {p.error}", p.line_or_offset) for p in found)
    return events


def _base_state(source: Input, problems: list[Problem]) -> dict:
    path = source.path / BASE_STATE
    if not path.is_file():
        return {}
    try:
        state = tj.load_json(tj.read_text(Input(path), problems))
    except ValueError as exc:
        problems.append(Problem(f"{BASE_STATE}: {exc}: tokens and status not read", None))
        return {}
    return state if isinstance(state, dict) else {}


def _metrics(state: dict) -> list[dict]:
    stats = state.get("stats") if isinstance(state.get("stats"), dict) else {}
    found = stats.get("usage_to_metrics") if isinstance(stats.get("usage_to_metrics"), dict) else {}
    return [m for m in found.values() if isinstance(m, dict)]


def response_usage(state: dict) -> dict[str, dict]:
    """Per ``response_id``: ``tokens_in``, ``tokens_out`` and ``latency_s`` from the state's metrics."""
    return usage_by_response(_metrics(state))


def usage_by_response(found: list[dict]) -> dict[str, dict]:
    """Per ``response_id``: ``tokens_in``, ``tokens_out`` and ``latency_s`` from SDK ``Metrics`` dicts."""
    usage: dict[str, dict] = {}
    for metrics in found:
        for item in metrics.get("token_usages") or []:
            if isinstance(item, dict) and item.get("response_id"):
                usage.setdefault(item["response_id"], {}).update(
                    tokens_in=ac.as_int(item.get("prompt_tokens")), tokens_out=ac.as_int(item.get("completion_tokens")))
        for item in metrics.get("response_latencies") or []:
            if isinstance(item, dict) and item.get("response_id"):
                usage.setdefault(item["response_id"], {})["latency_s"] = ac.as_float(item.get("latency"))
    return usage


def accumulated_cost(state: dict) -> float | None:
    costs = [ac.as_float(m.get("accumulated_cost")) for m in _metrics(state)]
    return sum(c for c in costs if c is not None) if any(c is not None for c in costs) else None


class Events:
    """Turns SDK events (dicts with ``kind``) into steps; usage by response id goes on each response's first step."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem], usage: dict | None = None) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.usage = usage or {}
        self.metered: set = set()
        self.tools: dict[str, str] = {}

    def read(self, events: list) -> None:
        for index, event in enumerate(events):
            kind = event.get("kind") if isinstance(event, dict) else None
            handler = HANDLERS.get(kind) if isinstance(kind, str) else None
            if handler is not None:
                handler(self, event)
            elif kind not in SKIPPED:
                what = f"kind {kind!r}" if isinstance(kind, str) else "no kind"
                self.problems.append(Problem(f"{self.tid}: event {index} has {what}: skipped", index))

    def _add(self, event: dict, kind: str, **fields: Any) -> int:
        fields.setdefault("span_id", event.get("id"))
        fields.setdefault("agent", event.get("source"))
        row = self.table.add(self.tid, kind, timestamp=ac.epoch(event.get("timestamp")), **fields)
        response = event.get("llm_response_id")
        if response and response not in self.metered:
            self.metered.add(response)
            self.table.meter(len(self.table) - 1, **self.usage.get(response, {}))
        return row

    def system(self, event: dict) -> None:
        self._add(event, "message", role="system", content=ac.content_text(event.get("system_prompt")))

    def message(self, event: dict) -> None:
        message = event.get("llm_message") if isinstance(event.get("llm_message"), dict) else {}
        if message.get("reasoning_content"):
            self._add(event, "thought", role="assistant", content=message["reasoning_content"])
        self._add(event, "message", role=message.get("role") or event.get("source"),
                  content=ac.content_text(message.get("content")))

    def action(self, event: dict) -> None:
        tool, act = event.get("tool_name"), event.get("action") if isinstance(event.get("action"), dict) else {}
        self.tools[str(event.get("tool_call_id"))] = tool
        thought = ac.content_text(event.get("thought")) or event.get("reasoning_content")
        arguments = {k: v for k, v in act.items() if k != "kind"} or _call_arguments(event)
        if tool == "think":
            self._add(event, "thought", role="assistant", content=arguments.get("thought") or thought)
            return
        if thought:
            self._add(event, "thought", role="assistant", content=thought)
        if tool == "finish":
            self._add(event, "final", role="assistant", content=arguments.get("message") or thought)
            return
        self._add(event, "tool_call", role="assistant", tool=tool, arguments=arguments,
                  span_id=event.get("tool_call_id"), parent_span_id=event.get("id"))

    def observation(self, event: dict) -> None:
        tool = event.get("tool_name")
        if tool in NO_RESULT_TOOLS:
            return
        seen = event.get("observation") if isinstance(event.get("observation"), dict) else {}
        metadata = seen.get("metadata") if isinstance(seen.get("metadata"), dict) else {}
        code = ac.as_int(metadata.get("exit_code", seen.get("exit_code")))
        error = bool(seen.get("is_error")) or (code is not None and code not in (0, -1))
        self._add(event, "tool_result", role="tool", tool=tool, content=ac.content_text(seen.get("content")),
                  exit_code=code, is_error=error, parent_span_id=event.get("tool_call_id"))

    def rejected(self, event: dict) -> None:
        self._add(event, "tool_result", role="tool", tool=event.get("tool_name"), is_error=True,
                  content=event.get("rejection_reason"), parent_span_id=event.get("tool_call_id"))

    def agent_error(self, event: dict) -> None:
        self._add(event, "error", role="environment", tool=event.get("tool_name"), content=event.get("error"),
                  is_error=True, parent_span_id=event.get("tool_call_id"))

    def condensation(self, event: dict) -> None:
        forgotten = event.get("forgotten_event_ids")
        text = f"context condensed: {len(forgotten) if isinstance(forgotten, list) else 'some'} events forgotten"
        summary = event.get("summary")
        self._add(event, "message", role="system", agent=None,
                  content=f"{text}; summary: {summary}" if isinstance(summary, str) and summary else text)

    def conversation_error(self, event: dict) -> None:
        text = ": ".join(str(v) for v in (event.get("code"), event.get("detail")) if v)
        self._add(event, "error", role="environment", content=text or None, is_error=True)


HANDLERS = {"SystemPromptEvent": Events.system, "MessageEvent": Events.message, "ActionEvent": Events.action,
            "ObservationEvent": Events.observation, "UserRejectObservation": Events.rejected,
            "AgentErrorEvent": Events.agent_error, "ConversationErrorEvent": Events.conversation_error,
            "Condensation": Events.condensation}


def _call_arguments(event: dict) -> dict:
    call = event.get("tool_call") if isinstance(event.get("tool_call"), dict) else {}
    try:
        found = json.loads(call.get("arguments") or "{}")
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def task(events: list) -> str | None:
    for event in events:
        if isinstance(event, dict) and event.get("kind") == "MessageEvent" and event.get("source") == "user":
            return ac.content_text((event.get("llm_message") or {}).get("content"))
    return None


def outcome(events: list, status: Any = None) -> str:
    if status in FAILED_STATES:
        return "failure"
    for event in reversed([e for e in events if isinstance(e, dict) and e.get("kind") not in HOUSEKEEPING]):
        if event.get("kind") in ("AgentErrorEvent", "ConversationErrorEvent"):
            return "failure"
        if event.get("tool_name") == "finish":
            return "success"
        return "unknown"
    return "unknown"


READER = Reader(
    name="openhands_sdk",
    description="OpenHands agent-SDK (V1) conversation folder (base_state.json, events/event-*.json)",
    example="conversations/<conversation id>/",
    sniff=sniff,
    read=read,
    reads_folders=True,
)
