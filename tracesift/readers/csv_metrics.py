"""Wide CSV metric tables: Lightning ``CSVLogger``, Keras ``CSVLogger``, and plain CSV.

One row per logged step, one column per metric. Lightning writes sparse rows
(train and validation rows interleaved, empty cells where a metric was not
logged); Keras writes one row per epoch. The step comes from the first column
named like a step (``step``, ``global_step``, ``iteration``, ... then
``epoch``); without one, the row number is the step. Steps follow the rule the
JSON lines reader follows too (:func:`~tracesift.readers.base.as_step`): integers,
whole numbers (``3.0``, ``1e3``), within int64; a row whose step cell holds anything
else (text, an empty cell, ``true``, ``2.5``, ``1e30``) is skipped, and one warning
per file counts them, naming the line of the first. Columns that are not numbers
(timestamps as text, names) are skipped; empty cells are not values.
"""

from __future__ import annotations

import csv

from tracesift.readers.base import (
    STEP_KEYS,
    Batch,
    Input,
    Problem,
    Reader,
    as_step,
    metrics_from_frame,
    run_id_of,
    skipped_steps,
)
from tracesift.readers.head_lines import HeadLine, head_lines

STEP_COLUMNS = [*STEP_KEYS, "Step", "epoch", "Epoch"]  # Keras logs an epoch per row
TIME_COLUMNS = ["wall_time", "Wall time", "_timestamp", "timestamp", "time"]


SNIFF_WIDTH = 16 * 1024
"""How much of each of the first lines the sniffer looks at: a wider line is judged by its first cells."""


def sniff(source: Input) -> float:
    lines = head_lines(source, 6, SNIFF_WIDTH)
    lines = [line for line in lines or [] if line.text.strip()]
    if len(lines) < 2 or lines[0].text.lstrip().startswith(("{", "[")):
        return 0.0
    rows = _head_rows(lines)
    if rows is None:
        return 0.0
    header, first = rows[0], rows[1]
    if len(header) < 2 or len(first) != len(header):
        return 0.0
    numeric = sum(_is_number(cell) for cell in first)
    if numeric == 0 or any(_is_number(cell) for cell in header):
        return 0.0
    return 0.8 if _step_column(header) else 0.6


def _head_rows(lines: list[HeadLine]) -> list[list[str]] | None:
    """The cells of the first lines; of lines cut by the sniffing width, the cells they share in full."""
    if not any(line.cut for line in lines):
        try:
            dialect = csv.Sniffer().sniff("\n".join(line.text for line in lines), delimiters=",\t;")
            return list(csv.reader([line.text for line in lines], dialect))
        except csv.Error:
            return None
    delimiter = max(",\t;", key=lines[0].text.count)
    rows = [next(csv.reader([line.text], delimiter=delimiter))[: -1 if line.cut else None] for line in lines]
    shared = min(len(row) for row in rows)
    return [row[:shared] for row in rows]


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    import polars as pl  # here, not at import: recognising files must stay cheap

    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        frame = pl.read_csv(path, infer_schema=False, separator=separator, truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ValueError(f"not a readable CSV table: {str(exc).splitlines()[0]}") from None
    stripped = [name.strip() for name in frame.columns]  # padded headers ("      epoch") name their column
    if len(set(stripped)) == len(stripped):
        frame.columns = stripped
    step_name = _step_column(frame.columns)
    time_name = next((c for c in TIME_COLUMNS if c in frame.columns), None)
    problems: list[Problem] = []
    numbers = frame.select(pl.all().str.strip_chars().cast(pl.Float64, strict=False))
    step = _steps(frame[step_name], problems) if step_name else pl.Series("step", range(frame.height), dtype=pl.Int64)
    metric_names = [c for c in frame.columns if c not in (step_name, time_name)]
    times = numbers[time_name] if time_name else pl.Series([None] * frame.height, dtype=pl.Float64)
    metrics = metrics_from_frame(run_id_of(run_id), numbers.select(metric_names), step, times)
    return Batch({"metrics": metrics}, problems)


def _steps(cells, problems: list[Problem]):
    """The step of each row by :func:`~tracesift.readers.base.as_step` (null where a cell is no step, counted once)."""
    import polars as pl

    text = cells.str.strip_chars()
    steps = text.cast(pl.Int64, strict=False)  # integers written as such: the common case, at polars' speed
    odd = steps.is_null().arg_true()
    if len(odd):
        steps = steps.scatter(odd, pl.Series([as_step(cell) for cell in text.gather(odd)], dtype=pl.Int64))
    bad = steps.is_null().arg_true()
    if len(bad):
        problems.append(skipped_steps(len(bad), "row", cells.name, int(bad[0]) + 2))  # line 1 is the header
    return steps


def _step_column(columns: list[str]) -> str | None:
    return next((c for c in STEP_COLUMNS if c in columns), None)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


READER = Reader(
    name="csv",
    description="wide CSV/TSV: Lightning CSVLogger metrics.csv, Keras CSVLogger, any table with a step column",
    example="lightning_logs/version_0/metrics.csv",
    sniff=sniff,
    read=read,
    fallback=True,
)
