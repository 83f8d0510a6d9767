"""What every reader is: a name, a cheap ``sniff`` and a ``read`` into canonical tables.

Both are given an :class:`Input`: the file (or folder), its name relative to the
ingest root, the bytes already read of it, and reader options. Readers build their
tables with the helpers of :mod:`tracesift.store.schema`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import pyarrow as pa

from tracesift.errors import NotRegularFile
from tracesift.store import schema

SNIFF_BYTES = 64 * 1024
"""How much of a file ``sniff`` may read: a bounded prefix, never the whole file."""


STEP_KEYS = ("step", "global_step", "_step", "trainer/global_step", "iteration", "iter", "current_steps",
             "total/steps", "steps_done", "total_timesteps", "total timesteps", "timesteps")
"""The names a training step is logged under, in order of preference. Every metrics reader that
finds the step among a row's keys or columns looks for these (a reader adds only what its own
format alone writes, such as ``epoch`` columns in CSV or tqdm's ``it``). ``current_steps`` is
LLaMA-Factory's ``trainer_log.jsonl``; the timestep counters are RL libraries'."""


@dataclass
class Input:
    """One file or folder handed to a reader, with what is already known of it.

    ``rel`` is its path relative to the ingest root (readers derive run and trajectory
    ids from it; the file name when not given). ``content`` is the whole file when the
    caller has read it; ``head`` its first ``SNIFF_BYTES`` when only those were read.
    ``options`` are reader settings. Every read of the prefix goes to the disk at most once.
    """

    path: Path
    rel: str = ""
    content: bytes | None = None
    head: bytes | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.rel = self.rel or self.path.name

    @property
    def is_folder(self) -> bool:
        return self.content is None and self.head is None and self.path.is_dir()  # bytes read: a file

    def prefix(self, size: int = SNIFF_BYTES) -> bytes:
        """The file's first ``size`` bytes (``size`` up to ``SNIFF_BYTES`` costs one read in all)."""
        if self.content is not None:
            return self.content[:size]
        if size > SNIFF_BYTES:
            return read_file(self.path, size)
        if self.head is None:
            self.head = read_file(self.path, SNIFF_BYTES)
        return self.head[:size]

    def text_prefix(self, size: int = SNIFF_BYTES) -> str | None:
        """The first bytes as text, or None when they are not text (decoded once for the full prefix)."""
        return self._text if size == SNIFF_BYTES else _text(self.prefix(size))

    @cached_property
    def _text(self) -> str | None:
        return _text(self.prefix())

    def end(self, size: int) -> bytes:
        """The file's last ``size`` bytes (all of it when shorter); raises OSError as :func:`read_file` does."""
        if self.content is not None:
            return self.content[-size:]
        if self.head is not None and len(self.head) < SNIFF_BYTES:
            return self.head[-size:]  # the prefix read was the whole file
        return read_file_end(self.path, size)

    def read_bytes(self) -> bytes:
        """The whole file: the bytes already read, or from disk."""
        return self.content if self.content is not None else read_file(self.path, -1)


@dataclass
class Problem:
    """Something wrong with an input, kept as a row of ``ingest_errors``."""

    error: str
    line_or_offset: int | None = None


@dataclass
class Batch:
    """Everything one reader made of one input: canonical tables, and the problems it met.

    A table is Arrow, or a :class:`~tracesift.store.schema.RowTable` (or ``ColumnTable``) whose rows the
    pipeline converts together with other inputs'; :meth:`arrow` gives all as Arrow.
    """

    tables: dict[str, pa.Table | schema.RowTable | schema.ColumnTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def rows(self, table: str) -> int:
        return self.tables[table].num_rows if table in self.tables else 0

    def arrow(self) -> dict[str, pa.Table]:
        return {name: schema.concat([table]) for name, table in self.tables.items()}


@dataclass(frozen=True)
class Reader:
    """A format tracesift can read.

    ``sniff(input)`` returns a confidence in [0, 1] from a bounded prefix of the
    file (or a listing of the folder when ``reads_folders``); ``read(input)``
    returns a :class:`Batch`.
    """

    name: str
    description: str
    example: str
    sniff: Callable[[Input], float]
    read: Callable[[Input], Batch]
    reads_folders: bool = False
    fallback: bool = False
    """A catch-all text format (CSV, JSON lines, console logs): asked after every specific format."""


class MetricColumns:
    """Accumulates ``metrics`` rows column by column, cheaply."""

    def __init__(self) -> None:
        self.run_id: list[str] = []
        self.step: list[int] = []
        self.metric: list[str] = []
        self.value: list[float] = []
        self.wall_time: list[float | None] = []

    def add(self, run_id: str, step: int, metric: str, value: float, wall_time: float | None = None) -> None:
        self.run_id.append(run_id)
        self.step.append(step)
        self.metric.append(metric)
        self.value.append(value)
        self.wall_time.append(wall_time)

    def add_dict(self, run_id: str, step: int, values: dict, wall_time: float | None = None) -> None:
        """Add every numeric entry of ``values`` (booleans and strings are skipped)."""
        for key, value in values.items():
            number = as_number(value)
            if number is not None:
                self.add(run_id, step, key, number, wall_time)

    def add_floats(self, run_id: str, step: int, values: dict[str, float]) -> None:
        """Add ``values`` that are floats already (a parser's output), without checking each."""
        self.run_id.extend([run_id] * len(values))
        self.step.extend([step] * len(values))
        self.metric.extend(values)
        self.value.extend(values.values())
        self.wall_time.extend([None] * len(values))

    def __len__(self) -> int:
        return len(self.step)

    def table(self) -> pa.Table:
        return metrics_table(self.run_id, self.step, self.metric, self.value, self.wall_time)


def metrics_table(run_id, step, metric, value, wall_time=None) -> pa.Table:
    """The ``metrics`` rows of whole columns (lists or Arrow); a logged name is its own metric until roles map it.

    ``run_id`` may be one string for every row.
    """
    metric = schema.column(metric, pa.string())
    run_id = schema.repeated(run_id, len(metric)) if isinstance(run_id, str) else run_id
    columns = {"run_id": run_id, "step": step, "metric": metric, "value": value, "raw_metric": metric}
    return schema.from_columns("metrics", **columns, **({"wall_time": wall_time} if wall_time is not None else {}))


def metrics_from_records(run: str, records: list[dict], steps: list[int],
                         wall_times: list[float | None] | None = None) -> pa.Table:
    """The ``metrics`` rows of one dict of values per step.

    Numbers and numeric strings are kept (NaN and infinity too); booleans, text and
    missing values are not values. Records that mostly share their keys go through one
    wide polars frame (fast); records whose keys hardly overlap are read long, value by
    value, so that cost follows the values and never steps times keys.
    """
    if not records:
        return schema.empty("metrics")
    values = sum(len(record) for record in records)
    if len(set().union(*records)) * len(records) <= DENSE_ENOUGH * values:
        import polars as pl

        frame = pl.from_dicts(records, infer_schema_length=None)
        return metrics_from_frame(run, frame, pl.Series(steps, dtype=pl.Int64),
                                  pl.Series(wall_times or [None] * len(steps), dtype=pl.Float64))
    columns = MetricColumns()
    for index, (record, step) in enumerate(zip(records, steps, strict=True)):
        columns.add_dict(run, step, record, wall_times[index] if wall_times else None)
    return columns.table()


DENSE_ENOUGH = 4
"""A wide frame of records may hold up to this many cells per value before records are read long."""


def metrics_from_frame(run: str, frame, steps, wall_times) -> pa.Table:
    """The ``metrics`` rows of a wide polars frame (one column per metric, one row per step).

    Numbers and numeric strings are kept (NaN and infinity too); booleans, text
    and missing cells are not values.
    """
    import polars as pl

    numbers = [
        pl.col(name).cast(pl.Float64, strict=False)
        for name, dtype in frame.schema.items()
        if dtype.is_numeric() or dtype == pl.String
    ]
    long = (
        frame.select(numbers)
        .with_columns(steps.alias("__step"), wall_times.alias("__time"))
        .filter(pl.col("__step").is_not_null())
        .unpivot(index=["__step", "__time"], variable_name="metric", value_name="value")
        .drop_nulls("value")
    )
    return metrics_table(run, long["__step"].to_arrow(), long["metric"].to_arrow(), long["value"].to_arrow(),
                         long["__time"].to_arrow())


def as_number(value: object) -> float | None:
    """A float for numbers and numeric strings ("nan", "inf" included), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return None
    return None


INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def as_step(value: object) -> int | None:
    """The training step a logged value names, or None when it names none (the one rule of the text readers).

    Integers are steps, and so are numbers that are whole (``3.0``, ``1e3``) and text holding either
    (CSV cells are text), within int64. Booleans, null, other text, fractions (``2.5``), NaN and
    infinities, and numbers outside int64 are not steps: readers skip that line or row and report
    how many they skipped with :func:`skipped_steps`.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            value = as_number(text)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    return value if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX else None


def skipped_steps(count: int, unit: str, key: str, first_line: int) -> Problem:
    """The one warning for a file's ``count`` lines or rows whose step is not a step (see :func:`as_step`)."""
    plural = "" if count == 1 else "s"
    return Problem(f"{count} {unit}{plural} whose {key!r} is not a whole number in int64 range: skipped "
                   f"(first at line {first_line})", first_line)


def flatten(values: dict, prefix: str = "", sep: str = "/") -> dict:
    """Flatten nested dicts: ``{"train": {"loss": 1}}`` becomes ``{"train/loss": 1}``."""
    flat: dict = {}
    for key, value in values.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, name, sep))
        else:
            flat[name] = value
    return flat


GENERIC_FILE_NAMES = {"metrics", "trainer_state", "history", "log", "train", "output", "stdout"}


def run_id_of(rel: str) -> str:
    """A run id for a file: its folder when the file name says nothing of the run.

    ``exp3/trainer_state.json`` and ``exp3/events.out.tfevents.1.host`` name the
    run ``exp3``; ``lr_sweep/lr0.1.csv`` names it ``lr_sweep/lr0.1``.
    """
    path = PurePosixPath(rel)
    stem = path.name.split(".")[0]
    if (stem in GENERIC_FILE_NAMES or path.name.startswith("events.out.tfevents")) and str(path.parent) != ".":
        return str(path.parent)
    return str(path.with_suffix("")) if path.suffix else str(path)


def read_file(path: Path, size: int = -1) -> bytes:
    """``size`` bytes from the start of the file (-1: all of it).

    Opened without blocking and checked once open, so that a FIFO or device (even one
    put in the file's place after it was found) raises :class:`NotRegularFile` instead of hanging.
    """
    with _open_regular(path) as handle:
        return handle.read(size)


def read_file_end(path: Path, size: int) -> bytes:
    """The last ``size`` bytes of the file (all of it when shorter), opened as :func:`read_file` opens it."""
    with _open_regular(path) as handle:
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - size))
        return handle.read(size)


@contextmanager
def _open_regular(path: Path) -> Iterator[BinaryIO]:
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"not a regular file ({file_kind(mode)})")
        yield handle


FILE_KINDS = {stat.S_ISFIFO: "FIFO", stat.S_ISSOCK: "socket", stat.S_ISCHR: "character device",
              stat.S_ISBLK: "block device", stat.S_ISDIR: "folder"}


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, in words ("FIFO", "socket", ...)."""
    return next((kind for test, kind in FILE_KINDS.items() if test(mode)), "special file")


def _text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    return data.decode("utf-8", errors="replace")
