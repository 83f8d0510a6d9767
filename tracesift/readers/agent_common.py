"""Shared pieces of the agent-trajectory readers: row building, ids, text of content, numbers and times.

Not a reader itself (it has no ``READER``); the JSON they parse goes through
:mod:`tracesift.readers.tolerant_json`. Every agent reader numbers the
steps of a trajectory 0-based in document order through :class:`StepTable`,
and names trajectories with :func:`trajectory_id`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracesift.readers.base import Batch, Input, Problem
from tracesift.readers.tolerant_json import read_text
from tracesift.store import schema

KINDS = ("message", "tool_call", "tool_result", "thought", "final", "error")
OUTCOMES = ("success", "failure", "unknown")
MAX_TASK_CHARS = 4000

ERROR_PATTERNS = re.compile(
    r"Traceback \(most recent call last\)|command not found|No such file or directory|"
    r"^\w*Error:|^Error\b|^ERROR\b|SyntaxError|Permission denied|Your proposed edit has introduced new syntax",
    re.MULTILINE,
)
ERROR_WORDS = ("Traceback", "not found", "No such file", "Error", "ERROR", "Permission denied", "syntax")
"""Each pattern above contains one of these: a cheap test before the regex."""
ERROR_SCAN_CHARS = 20_000
"""How far into an output the error heuristic looks."""


class StepTable:
    """Accumulates ``steps`` and ``trajectories`` rows; numbers steps per trajectory.

    Steps are kept as one list per column (:class:`~tracesift.store.schema.ColumnTable`),
    the cheapest to hand to Arrow; trajectories, a few per file, as tuples.
    """

    def __init__(self, source_format: str, path: Path) -> None:
        self.source_format = source_format
        self.path = str(path)
        self.steps = schema.ColumnTable("steps")
        self.trajectories = schema.RowTable("trajectories")
        self._next: dict[str, int] = {}
        self._append = tuple(column.append for column in self.steps.columns)

    def __len__(self) -> int:
        """Steps added so far, over all trajectories."""
        return len(self.steps.columns[0])

    def add(self, trajectory_id: str, kind: str, *, agent: str | None = None, role: str | None = None,
            tool: str | None = None, arguments: Any = None, content: Any = None, is_error: bool = False,
            exit_code: int | None = None, tokens_in: int | None = None, tokens_out: int | None = None,
            cost: float | None = None, latency_s: float | None = None, timestamp: float | None = None,
            span_id: str | None = None, parent_span_id: str | None = None) -> int:
        """Append one step; returns its 0-based number in the trajectory.

        The keywords are ``steps`` columns, appended in the schema's order (a test checks every
        value lands in its named column).
        """
        number = self._next.get(trajectory_id, 0)
        self._next[trajectory_id] = number + 1
        if arguments is not None and not isinstance(arguments, str):
            arguments = json_text(arguments)
        if content is not None and not isinstance(content, str):
            content = json_text(content)
        (a_tid, a_step, a_agent, a_role, a_kind, a_tool, a_arguments, a_content, a_error, a_exit, a_in, a_out,
         a_cost, a_latency, a_time, a_span, a_parent) = self._append
        a_tid(trajectory_id), a_step(number), a_agent(agent), a_role(role), a_kind(kind), a_tool(tool)
        a_arguments(arguments), a_content(content), a_error(bool(is_error)), a_exit(exit_code), a_in(tokens_in)
        a_out(tokens_out), a_cost(cost), a_latency(latency_s), a_time(timestamp), a_span(span_id)
        a_parent(parent_span_id)
        return number

    def meter(self, first: int, tokens_in: int | None = None, tokens_out: int | None = None,
              cost: float | None = None, latency_s: float | None = None) -> None:
        """Put a message's usage on step row ``first`` (its first step), when the message made one.

        Only the first step of a message carries its usage, so that sums count it once.
        """
        columns = self.steps.columns
        if first >= len(columns[0]):
            return
        for column, value in ((_TOKENS_IN, tokens_in), (_TOKENS_OUT, tokens_out), (_COST, cost), (_LATENCY, latency_s)):
            if value is not None:
                columns[column][first] = value

    def count(self, trajectory_id: str) -> int:
        return self._next.get(trajectory_id, 0)

    def extend(self, trajectory_id: str, **columns: list) -> None:
        """Append whole columns of steps of one trajectory, numbered on from its last: ``kind`` and any
        other ``steps`` columns, all of one length (text as text); those not given are null (``is_error`` false)."""
        count = len(columns["kind"])
        number = self._next.get(trajectory_id, 0)
        self._next[trajectory_id] = number + count
        given = {"trajectory_id": [trajectory_id] * count, "step": list(range(number, number + count)), **columns}
        for name, column in zip(schema.STEPS.names, self.steps.columns):
            column += given.get(name) or [False if name == "is_error" else None] * count

    def trajectory(self, trajectory_id: str, task: str | None = None, outcome: str = "unknown",
                   labels: dict | None = None) -> None:
        self.trajectories.rows.append((
            trajectory_id,
            self.source_format,
            self.path,
            task[:MAX_TASK_CHARS] if isinstance(task, str) else task,
            outcome if outcome in OUTCOMES else "unknown",
            json.dumps(labels, default=str, sort_keys=True) if labels else None,
        ))

    def batch(self, problems: list[Problem]) -> Batch:
        return Batch({"steps": self.steps, "trajectories": self.trajectories}, problems)


_TOKENS_IN, _TOKENS_OUT, _COST, _LATENCY = map(schema.STEPS.names.index, ("tokens_in", "tokens_out", "cost", "latency_s"))


def parse_or_fail(source: Input, parse, nothing: str, raw: bool = False) -> tuple[list, list[Problem]]:
    """``parse(text, problems)`` over the file's text (its bytes when ``raw``: ``tolerant_json.jsonl_objects``
    takes those); ValueError with the first problem when it finds nothing."""
    problems: list[Problem] = []
    records = parse(source.read_bytes() if raw else read_text(source, problems), problems)
    if not records:
        raise ValueError(problems[0].error if problems else nothing)
    return records, problems


def trajectory_id(run_id: str, inner: object | None = None) -> str:
    """The file's ``run_id``, plus ``#inner`` when the file holds several trajectories."""
    return run_id if inner is None or inner == "" else f"{run_id}#{inner}"


def first_user_text(messages: list) -> str | None:
    """The text of the first user message: the task, in chat-shaped formats."""
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return None


def json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def content_text(content: Any) -> str | None:
    """Text of a message ``content``: a string, or the text parts of a list of blocks."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [content_text(block) for block in content]
        return "\n".join(p for p in parts if p)
    if isinstance(content, dict):
        for key in ("text", "content", "thinking", "reasoning", "output"):
            if key in content:
                return content_text(content[key])
        return json_text(content)
    return str(content)


def looks_like_error(text: str | None) -> bool:
    """Heuristic for observations without an exit code: tracebacks, shell and tool errors."""
    if not text:
        return False
    if len(text) > ERROR_SCAN_CHARS:
        text = text[:ERROR_SCAN_CHARS]
    for word in ERROR_WORDS:  # cheap substring tests first (``in``, not a method call): most outputs hold none
        if word in text:
            return ERROR_PATTERNS.search(text) is not None
    return False


def as_int(value: Any) -> int | None:
    if value.__class__ is int:  # the usual case, first (a bool's class is bool)
        return value
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def as_float(value: Any) -> float | None:
    if value.__class__ is float:
        return value
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def epoch(value: Any) -> float | None:
    """Seconds since the epoch from a number (s or ms) or an ISO-8601 string."""
    number = float(value) if value.__class__ is int or value.__class__ is float else as_float(value)
    if number is not None:
        return number / 1000.0 if number > 1e11 else number
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:  # naive times are read as UTC, so results do not depend on the machine
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None
