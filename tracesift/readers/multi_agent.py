"""Multi-agent conversation logs as failure-attribution benchmarks ship them (Who&When style).

A record is a JSON object with ``history`` (a list of ``{"role", "name", "content"}``
turns) and the task in ``question`` (or ``task``/``problem``); labelled records add
``mistake_agent``, ``mistake_step`` and ``mistake_reason``, and usually
``ground_truth``, ``is_correct``, ``level``, ``question_ID``. A file holds one record,
a JSON list of records, or JSON lines of records; several records become
trajectories ``<run_id>#<question_ID or index>``.

Each history turn is exactly one step, numbered 0-based in document order — the
numbering the benchmark's ``mistake_step`` uses, so labels line up with steps.
``agent`` is the turn's ``name``, or its ``role`` when the role is an agent's name
(the Hand-Crafted split writes ``"role": "WebSurfer"``). Magentic-One roles such as
``Orchestrator (thought)``, ``Orchestrator (-> WebSurfer)`` and ``Orchestrator (termination
condition)`` give ``agent`` ``Orchestrator``, the hop kind in ``tool`` (``thought``, ``handoff``,
``termination condition``, ...) and, for a hand-off, the addressee in ``arguments``
(``{"to": "WebSurfer"}``); ``(thought)`` turns are ``thought`` steps, ``(final answer)`` ones
``final``. The task is ``question`` (or ``task``/...), else the first human/user turn. Turns are ``message``
steps, except AutoGen code-executor output (``exitcode: N (...)``), which is a
``tool_result`` with its ``exit_code`` (``is_error`` when non-zero), and the last
turn, which is ``final``. Labels go to ``trajectories.labels`` as JSON with
``mistake_step`` as an integer. ``outcome``: ``is_correct`` when given, else
``failure`` when a mistake is labelled, else ``unknown``.
"""

from __future__ import annotations

import re

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

CHAT_ROLES = {"system", "user", "assistant", "tool", "function", "human"}
TASK_KEYS = ("question", "task", "problem", "query")
LABEL_KEYS = ("mistake_agent", "mistake_step", "mistake_reason", "ground_truth", "is_correct", "level",
              "question_ID", "mistake_type")
ID_KEYS = ("question_ID", "id", "task_id", "instance_id")
EXITCODE = re.compile(r"^\s*exitcode:\s*(-?\d+)")
HOP = re.compile(r"^\s*(?P<agent>[^()]+?)\s*\((?:->\s*(?P<to>[^()]+?)|(?P<hop>[^()]+?))\s*\)\s*$")
"""A Magentic-One role: ``Orchestrator (thought)``, ``Orchestrator (-> WebSurfer)``."""
HOP_ROLE = re.compile(r'"role"\s*:\s*"[\w-]+ \((->|thought|termination condition)')
HOP_KINDS = {"thought": "thought", "final answer": "final"}


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith(("{", "[")) or '"history"' not in head:
        return 0.0
    if any(marker in head for marker in ('"trajectory"', '"resourceSpans"', '"eval_id"', '"tool_call_metadata"')):
        return 0.0
    if '"mistake_agent"' in head or '"mistake_step"' in head:
        return 0.95
    if any(f'"{k}"' in head for k in TASK_KEYS) and '"content"' in head and \
            ('"name"' in head or '"ground_truth"' in head):
        return 0.85
    if HOP_ROLE.search(head):
        return 0.85
    return 0.0


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    records, problems = ac.parse_or_fail(source, _records, "no record with a history list")
    table = ac.StepTable("multi_agent", path)
    used: set[str] = set()
    for index, record in enumerate(records):
        inner = None
        if len(records) > 1:
            inner = str(next((record[k] for k in ID_KEYS if record.get(k) not in (None, "")), index))
            inner = inner if inner not in used else f"{inner}-{index}"
            used.add(inner)
        _record(table, ac.trajectory_id(run_id, inner), record, problems)
    return table.batch(problems)


def _records(text: str, problems: list[Problem]) -> list[dict]:
    whole, lines = tj.document_or_lines(text, problems)
    if lines is not None:
        whole = [value for _, value in lines]
    items = whole if isinstance(whole, list) else [whole]
    records = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("history"), list):
            records.append(item)
        else:
            problems.append(Problem(f"record {index} has no history list: skipped", index))
    return records


def _record(table: ac.StepTable, tid: str, record: dict, problems: list[Problem]) -> None:
    history = record["history"]
    for index, turn in enumerate(history):
        if not isinstance(turn, dict):
            problems.append(Problem(f"{tid}: history turn {index} is not an object: kept empty", index))
            turn = {}
        _turn(table, tid, turn, last=index == len(history) - 1)
    labels = _labels(record, tid, len(history), problems)
    task = next((record[k] for k in TASK_KEYS if record.get(k)), None) or _first_human(history)
    table.trajectory(tid, task=ac.json_text(task), outcome=_outcome(record, labels), labels=labels)


def _turn(table: ac.StepTable, tid: str, turn: dict, last: bool) -> None:
    role = turn.get("role")
    name = turn.get("name")
    agent = name or role
    content = ac.content_text(turn.get("content"))
    if role not in CHAT_ROLES and role is not None and not name:
        role = "assistant"  # the Hand-Crafted split names the agent in "role"
    match = EXITCODE.match(content or "")
    if match:
        code = int(match.group(1))
        table.add(tid, "tool_result", agent=agent, role=role, content=content, exit_code=code,
                  is_error=code != 0, tool="code_executor")
        return
    kind, hop, to = "final" if last else "message", None, None
    parsed = HOP.match(agent) if isinstance(agent, str) else None
    if parsed:
        agent, to = parsed["agent"], parsed["to"]
        hop = "handoff" if to else parsed["hop"]
        kind = "final" if last else HOP_KINDS.get(hop.lower(), "message")
    table.add(tid, kind, agent=agent, role=role, content=content, tool=hop,
              arguments=None if to is None else {"to": to}, timestamp=ac.epoch(turn.get("timestamp")))


def _first_human(history: list) -> str | None:
    """The first human or user turn's text: the task when the record names none."""
    turn = next((t for t in history if isinstance(t, dict) and t.get("role") in ("human", "user")), None)
    return None if turn is None else ac.content_text(turn.get("content"))


def _labels(record: dict, tid: str, steps: int, problems: list[Problem]) -> dict:
    labels = {k: record[k] for k in LABEL_KEYS if k in record and record[k] not in (None, "")}
    if "mistake_step" in labels:
        step = ac.as_int(str(labels["mistake_step"]).strip())
        if step is None or not 0 <= step < steps:
            problems.append(Problem(f"{tid}: mistake_step {labels['mistake_step']!r} is not a step of its "
                                    f"{steps}-turn history: kept as written"))
        else:
            labels["mistake_step"] = step
    return labels


def _outcome(record: dict, labels: dict) -> str:
    correct = record.get("is_correct")
    if isinstance(correct, str):
        correct = {"true": True, "false": False}.get(correct.strip().lower())
    if isinstance(correct, bool):
        return "success" if correct else "failure"
    return "failure" if "mistake_agent" in labels else "unknown"


READER = Reader(
    name="multi_agent",
    description="Multi-agent conversation logs with optional failure labels (Who&When: history, mistake_*)",
    example="who_and_when/Algorithm-Generated/1.json",
    sniff=sniff,
    read=read,
)
