"""JSON lines of metric dicts: one object per logged step.

``{"step": 3, "train": {"loss": 0.7}, "lr": 1e-4}`` gives ``train/loss`` and
``lr`` at step 3: nested keys are joined with ``/``. The step comes from the first
of ``step``, ``global_step``, ``_step``, ``trainer/global_step``, ``iteration`` or
``iter`` the line has; without any, the line number (0-based) is the step. Steps
follow the rule the CSV reader follows too (:func:`~tracesift.readers.base.as_step`):
integers, whole numbers (``3.0``) and text holding them, within int64; a line whose
step is anything else (``"abc"``, ``null``, ``true``, ``2.5``, ``2**63``) is skipped,
and one warning per file counts them. ``NaN`` and ``Infinity`` tokens, which
Python's ``json`` writes, are read as such. A line that is not JSON, not UTF-8 or
nested too deeply is reported with its number and the other lines are still read.

Values are kept long (run, step, metric, value) as they are read, so the cost is
linear in the number of values however many distinct keys the lines bring.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import BinaryIO

from tracesift.readers.base import (
    STEP_KEYS,
    Batch,
    Input,
    MetricColumns,
    Problem,
    Reader,
    as_number,
    as_step,
    flatten,
    run_id_of,
    skipped_steps,
)
from tracesift.readers.console_lines import TRAINING_KEY
from tracesift.readers.head_lines import HeadLine, head_lines

TIME_KEYS = ("wall_time", "_timestamp", "timestamp", "time")
NOT_METRICS = frozenset(STEP_KEYS + TIME_KEYS)
# Keys that mark a line as an agent message, not metrics: those belong to other readers.
MESSAGE_KEYS = {"role", "content", "messages", "tool_calls", "trajectory", "history", "resourceSpans"}
SNIFF_LINES = 20


def sniff(source: Input) -> float:
    kept = [line for line in head_lines(source, SNIFF_LINES) or [] if line.text.strip()]
    if not kept or not kept[0].text.lstrip().startswith("{"):
        return 0.0
    complete = [line for line in kept if not line.cut]
    parsed = [_sniffed_object(line) for line in (complete or kept[:1])]
    if not parsed or any(p is None for p in parsed):
        return 0.0
    if any(MESSAGE_KEYS & p.keys() for p in parsed):
        return 0.0
    flat = [flatten(p) for p in parsed]
    if not all(any(as_number(v) is not None for v in f.values()) for f in flat):
        return 0.0
    if any(k in f for f in flat for k in STEP_KEYS):
        return 0.8
    if len(flat) == 1 and not any(TRAINING_KEY.search(k) for k in flat[0]):
        return 0.0  # one record of numbers, no step, nothing named like a metric: sizes or ids, not a curve
    return 0.6


def _sniffed_object(line: HeadLine) -> dict | None:
    """The object on a line, or for a line cut by the sniffing width, the entries before the cut."""
    return _leading_entries(line.text) if line.cut else _object(line.text)


def _leading_entries(text: str) -> dict | None:
    """The complete ``"key": value`` entries at the start of a JSON object cut off mid-way (None if none)."""
    scan = json.JSONDecoder().scan_once
    entries: dict = {}
    pos = text.find("{") + 1
    try:
        while True:
            pos = _skip_space(text, pos)
            key, pos = scan(text, pos)
            pos = _skip_space(text, pos)
            if not isinstance(key, str) or text[pos : pos + 1] != ":":
                break
            entries[key], pos = scan(text, _skip_space(text, pos + 1))
            pos = _skip_space(text, pos)
            if text[pos : pos + 1] != ",":
                break
            pos += 1
    except (StopIteration, RecursionError, json.JSONDecodeError):
        pass
    return entries or None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def read(source: Input) -> Batch:
    run = run_id_of(source.rel)
    metrics = MetricColumns()
    problems: list[Problem] = []
    bad_steps: list[tuple[int, str]] = []
    with _open(source) as handle:
        for number, line in _numbered_lines(handle):
            values = _line_values(line, number, problems)
            if values is not None:
                _add_line(metrics, run, number, values, bad_steps)
    if bad_steps:
        problems.append(skipped_steps(len(bad_steps), "line", bad_steps[0][1], bad_steps[0][0]))
    if not len(metrics) and problems:
        raise ValueError(f"no metric lines; line {problems[0].line_or_offset}: {problems[0].error}")
    return Batch({"metrics": metrics.table()}, problems)


def _open(source: Input) -> BinaryIO:
    return io.BytesIO(source.content) if source.content is not None else open(source.path, "rb")


def _numbered_lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) of every line that is not blank."""
    for number, raw in enumerate(handle, start=1):
        if raw.strip():
            yield number, raw


def _line_values(raw: bytes, number: int, problems: list[Problem]) -> dict | None:
    """The line's object, flattened; None with a problem when the line cannot be read."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"not UTF-8 (invalid byte at column {exc.start}): line skipped", number))
        return None
    try:
        values = _object(line)
        if values is None:
            problems.append(Problem(_line_problem(line), number))
            return None
        return flatten(values)
    except RecursionError:
        problems.append(Problem("nested too deeply to read: line skipped", number))
        return None


def _add_line(metrics: MetricColumns, run: str, number: int, values: dict, bad_steps: list[tuple[int, str]]) -> None:
    """The line's numeric values as rows at its step; a line whose step is not a step only counts in ``bad_steps``."""
    key = next((k for k in STEP_KEYS if k in values), None)
    step = number - 1 if key is None else as_step(values[key])
    if step is None:
        bad_steps.append((number, key))
        return
    wall_time = next((t for t in (as_number(values[k]) for k in TIME_KEYS if k in values) if t is not None), None)
    for name, value in values.items():
        if name not in NOT_METRICS:
            number_value = as_number(value)
            if number_value is not None:
                metrics.add(run, step, name, number_value, wall_time)


def _object(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _line_problem(line: str) -> str:
    text = line.rstrip("\n")
    return "line cut off (no closing brace)" if text.lstrip().startswith("{") and not text.rstrip().endswith("}") \
        else "not a JSON object: line skipped"


READER = Reader(
    name="jsonl",
    description="JSON lines of metric dicts, one object per step (nested keys flattened with '/')",
    example="logs/metrics.jsonl",
    sniff=sniff,
    read=read,
    fallback=True,
)
