"""OpenHands event streams saved as trajectories (``openhands/events/serialization/event.py``).

A trajectory is a JSON list of events as ``event_to_trajectory`` writes them: ``id``,
``timestamp``, ``source`` (user|agent|environment), ``message``, ``cause``, and either
``action`` + ``args`` or ``observation`` + ``content`` + ``extras``, with
``tool_call_metadata`` (function name, call id, the model response and its usage)
and ``llm_metrics`` (accumulated cost). The evaluation harness's ``output.jsonl``, whose
records hold such events in ``history``, is ``openhands_eval`` (which reads them with
:class:`EventStream`).

Steps, 0-based in document order: a ``message`` action is a ``message`` step; ``think``
a ``thought``; ``finish``/``reject`` a ``final``; every other action a ``tool_call``
(``tool`` = the function name, else the action type; ``arguments`` = ``args`` as JSON;
its ``thought``, when not empty, is a ``thought`` step just before). Observations are
``tool_result`` steps (``run`` gives ``exit_code`` from ``extras.metadata``, ``is_error``
when non-zero); an ``error`` observation is an ``error`` step (a ``tool_result`` when it
answers an action). ``agent_state_changed`` events are kept only when the state is
``error``/``rejected`` (an ``error`` step); a ``condensation`` action (the condenser
dropping events from the model's view) is a system ``message`` step, "context condensed:
…", so that a run condensing over and over shows as a loop; other housekeeping events
(state changes, ``null`` observations, ``recall``, the ``condense`` observation) are skipped. ``span_id`` is the event id and
``parent_span_id`` its ``cause``. Agent delegation: between a ``delegate`` action and
its ``delegate`` observation, agent events are attributed to the delegate
(``args.agent``); otherwise to ``agent``. Tokens come from the model response usage
(once per response), cost from the growth of ``llm_metrics.accumulated_cost``.
``outcome``: failure when the run ends in an error state, success after ``finish``, else
unknown.
"""

from __future__ import annotations

from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

SKIPPED_ACTIONS = {"change_agent_state", "recall", "null"}
SKIPPED_OBSERVATIONS = {"null", "recall", "agent_state_changed", "condense"}
ERROR_STATES = {"error", "rejected"}
DEFAULT_AGENT = "agent"


def sniff(source: Input) -> float:
    """0.9 for a JSON list whose prefix holds events (``source`` with ``action``/``observation`` and ``args``/``extras``)."""
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("[") or '"source"' not in head:
        return 0.0
    if ('"action"' in head or '"observation"' in head) and ('"args"' in head or '"extras"' in head):
        return 0.9
    return 0.0


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    events = tj.load_list_or_salvage(tj.read_text(source, problems), problems)
    if not isinstance(events, list) or not events:
        raise ValueError("not a JSON list of OpenHands events")
    table = ac.StepTable("openhands", source.path)
    tid = ac.trajectory_id(source.rel)
    EventStream(table, tid, problems).read(events)
    table.trajectory(tid, task=task(events), outcome=outcome(events))
    return table.batch(problems)


class EventStream:
    """Turns events into steps, remembering delegation and what each action called."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.agents: list[str] = [DEFAULT_AGENT]
        self.tools: dict[Any, str] = {}
        self.responses: set = set()
        self.cost = 0.0

    def read(self, events: list) -> None:
        for index, event in enumerate(events):
            if not isinstance(event, dict):
                self.problems.append(Problem(f"{self.tid}: event {index} is not an object: skipped", index))
            elif "action" in event:
                self._action(event)
            elif "observation" in event:
                self._observation(event)
            else:
                self.problems.append(Problem(f"{self.tid}: event {index} has neither action nor observation",
                                             index))

    def _common(self, event: dict) -> dict:
        source = event.get("source")
        agent = self.agents[-1] if source == "agent" else source
        fields = {"agent": agent, "timestamp": ac.epoch(event.get("timestamp")),
                  "span_id": _id(event.get("id")), "parent_span_id": _id(event.get("cause"))}
        fields.update(self._usage(event))
        return fields

    def _usage(self, event: dict) -> dict:
        found: dict = {}
        metadata = event.get("tool_call_metadata") or {}
        response = metadata.get("model_response") if isinstance(metadata, dict) else None
        if isinstance(response, dict) and response.get("id") not in self.responses and "action" in event:
            self.responses.add(response.get("id"))
            usage = response.get("usage") or {}
            found = {"tokens_in": ac.as_int(usage.get("prompt_tokens")),
                     "tokens_out": ac.as_int(usage.get("completion_tokens"))}
        metrics = event.get("llm_metrics")
        total = ac.as_float(metrics.get("accumulated_cost")) if isinstance(metrics, dict) else None
        if total is not None and total > self.cost:
            found["cost"], self.cost = total - self.cost, total
        return {k: v for k, v in found.items() if v is not None}

    def _action(self, event: dict) -> None:
        kind, args = event.get("action"), event.get("args") if isinstance(event.get("args"), dict) else {}
        if kind in SKIPPED_ACTIONS:
            return
        common = self._common(event)
        role = "user" if event.get("source") == "user" else "assistant"
        thought = args.get("thought")
        if kind == "message" or kind == "system":
            text = args.get("content") or event.get("message")
            self.table.add(self.tid, "message", role="system" if kind == "system" else role, content=text, **common)
        elif kind == "think":
            self.table.add(self.tid, "thought", role=role, content=thought or event.get("message"), **common)
        elif kind == "condensation":
            text = f"context condensed: {event.get('message') or args.get('summary') or 'earlier events dropped'}"
            self.table.add(self.tid, "message", role="system", content=text, **{**common, "agent": None})
        elif kind in ("finish", "reject"):
            outputs = args.get("outputs") or {}
            text = args.get("final_thought") or outputs.get("content") or thought or event.get("message")
            self.table.add(self.tid, "final", role=role, content=text, is_error=kind == "reject", **common)
        else:
            self._tool_call(event, kind, args, role, common)

    def _tool_call(self, event: dict, kind: str, args: dict, role: str, common: dict) -> None:
        metadata = event.get("tool_call_metadata") or {}
        tool = metadata.get("function_name") or kind
        self.tools[event.get("id")] = tool
        thought = args.get("thought")
        if isinstance(thought, str) and thought.strip():
            self.table.add(self.tid, "thought", role=role, content=thought, agent=common["agent"],
                           timestamp=common["timestamp"], parent_span_id=common["span_id"])
        arguments = {k: v for k, v in args.items() if k != "thought"}
        self.table.add(self.tid, "tool_call", role=role, tool=tool, arguments=arguments,
                       content=event.get("message") or None, **common)
        if kind == "delegate":
            self.agents.append(str(args.get("agent") or "delegate"))

    def _observation(self, event: dict) -> None:
        kind, extras = event.get("observation"), event.get("extras") if isinstance(event.get("extras"), dict) else {}
        if kind == "agent_state_changed" and extras.get("agent_state") in ERROR_STATES:
            text = extras.get("reason") or f"agent state changed to {extras.get('agent_state')}"
            self.table.add(self.tid, "error", role="environment", content=text, is_error=True, **self._common(event))
            return
        if kind in SKIPPED_OBSERVATIONS:
            return
        if kind in ("delegate", "agent_delegate") and len(self.agents) > 1:
            self.agents.pop()
        common = self._common(event)
        tool = (event.get("tool_call_metadata") or {}).get("function_name") or self.tools.get(event.get("cause"))
        content = event.get("content") or event.get("message")
        if kind == "error" and event.get("cause") is None:
            self.table.add(self.tid, "error", role="environment", content=content, is_error=True, **common)
            return
        code = _exit_code(extras) if kind == "run" else None
        error = kind in ("error", "user_rejected") or (code is not None and code not in (0, -1)) or \
            (kind not in ("run", "message", "delegate", "agent_delegate") and ac.looks_like_error(content))
        self.table.add(self.tid, "tool_result", role="tool", tool=tool or kind, content=ac.content_text(content),
                       exit_code=code, is_error=error, **common)


def _exit_code(extras: dict) -> int | None:
    metadata = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
    return ac.as_int(metadata.get("exit_code", extras.get("exit_code")))


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def task(events: list) -> str | None:
    """The first user message."""
    for event in events:
        if isinstance(event, dict) and event.get("source") == "user" and event.get("action") == "message":
            return (event.get("args") or {}).get("content") or event.get("message")
    return None


def outcome(events: list) -> str:
    for event in reversed([e for e in events if isinstance(e, dict)]):
        if (event.get("extras") or {}).get("agent_state") in ERROR_STATES or event.get("action") == "reject":
            return "failure"
        if event.get("action") == "finish":
            return "success"
    return "unknown"


READER = Reader(
    name="openhands",
    description="OpenHands event-stream trajectories (JSON list of action/observation events)",
    example="trajectories/openhands/session-1.json",
    sniff=sniff,
    read=read,
)
