"""JSON lines of metric dicts: one object per logged step.

``{"step": 3, "train": {"loss": 0.7}, "lr": 1e-4}`` gives ``train/loss`` and
``lr`` at step 3: nested keys are joined with ``/``. The step comes from
``step``, ``global_step``, ``_step``, ``iteration`` or ``iter``; without any,
the line number (0-based) is the step. ``NaN`` and ``Infinity`` tokens, which
Python's ``json`` writes, are read as such. A line that is not JSON is reported
with its number and the other lines are still read.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from tracesift.readers.base import (
    STEP_KEYS,
    Batch,
    Input,
    Problem,
    Reader,
    as_number,
    flatten,
    metrics_from_frame,
    metrics_from_records,
    run_id_of,
)

TIME_KEYS = ("wall_time", "_timestamp", "timestamp", "time")
# Keys that mark a line as an agent message, not metrics: those belong to other readers.
MESSAGE_KEYS = {"role", "content", "messages", "tool_calls", "trajectory", "history", "resourceSpans"}


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None:
        return 0.0
    lines = [line for line in head.splitlines() if line.strip()]
    complete = lines[:-1] if len(lines) > 1 and not head.endswith("\n") else lines
    parsed = [_object(line) for line in complete[:20]]
    if not parsed or any(p is None for p in parsed):
        return 0.0
    flat = [flatten(p) for p in parsed]
    if any(MESSAGE_KEYS & p.keys() for p in parsed):
        return 0.0
    numeric = sum(1 for f in flat if any(as_number(v) is not None for v in f.values()))
    if numeric < len(flat):
        return 0.0
    return 0.8 if any(k in f for f in flat for k in STEP_KEYS) else 0.6


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    fast = _read_whole(source, run_id_of(run_id))
    return fast if fast is not None else _read_lines(path, run_id)


# Python's json writes NaN and infinities as bare tokens, which strict JSON parsers refuse:
# quote them (outside strings) so they parse, then read back as floats.
_BARE_NUMBER = re.compile(rb"(?<=[:\[,])(\s*)(NaN|-?Infinity)(?=\s*[,}\]])")


def _read_whole(source: Input, run: str) -> Batch | None:
    """The fast path: the whole file parsed at once by polars. None when any line is broken."""
    import polars as pl

    data = _BARE_NUMBER.sub(rb'\1"\2"', source.read_bytes())
    try:
        frame = _flat(pl.read_ndjson(io.BytesIO(data), infer_schema_length=None))
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if any(name in MESSAGE_KEYS for name in frame.columns):
        return None
    step = _first_column(frame, STEP_KEYS)
    steps = step.cast(pl.Int64, strict=False) if step is not None else pl.int_range(frame.height, eager=True)
    wall = _first_column(frame, TIME_KEYS)
    wall = wall.cast(pl.Float64, strict=False) if wall is not None else pl.Series([None] * frame.height, dtype=pl.Float64)
    values = frame.drop([c for c in frame.columns if c in STEP_KEYS or c in TIME_KEYS])
    return Batch({"metrics": metrics_from_frame(run, values, steps, wall)})


def _flat(frame):
    """Unnest struct columns recursively, naming fields ``parent/child``."""
    import polars as pl

    while structs := [n for n, t in frame.schema.items() if isinstance(t, pl.Struct)]:
        frame = frame.with_columns(
            pl.col(n).struct.rename_fields([f"{n}/{f.name}" for f in frame.schema[n].fields]) for n in structs
        ).unnest(structs)
    return frame


def _first_column(frame, keys: tuple[str, ...]):
    return next((frame[k] for k in keys if k in frame.columns), None)


def _read_lines(path: Path, run_id: str) -> Batch:
    """The careful path: line by line, so one broken line costs only itself."""
    records, steps, wall_times = [], [], []
    problems: list[Problem] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(f"not UTF-8 (invalid byte at column {exc.start}): line skipped", number))
                continue
            if not line.strip():
                continue
            values = _object(line)
            if values is None:
                problems.append(Problem(_line_problem(line), number))
                continue
            values = flatten(values)
            step = _first_number(values, STEP_KEYS)
            steps.append(int(step) if step is not None else number - 1)
            wall_times.append(_first_number(values, TIME_KEYS))
            records.append({k: v for k, v in values.items() if k not in STEP_KEYS and k not in TIME_KEYS})
    if not records and problems:
        raise ValueError(f"no metric lines; line {problems[0].line_or_offset}: {problems[0].error}")
    metrics = metrics_from_records(run_id_of(run_id), records, steps, wall_times)
    return Batch({"metrics": metrics}, problems)


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


def _first_number(values: dict, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        if key in values:
            number = as_number(values[key])
            if number is not None:
                return number
    return None


READER = Reader(
    name="jsonl",
    description="JSON lines of metric dicts, one object per step (nested keys flattened with '/')",
    example="logs/metrics.jsonl",
    sniff=sniff,
    read=read,
    fallback=True,
)
