"""What every reader is: a name, a cheap ``sniff`` and a ``read`` into canonical tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa

from tracesift.store import schema

SNIFF_BYTES = 64 * 1024
"""How much of a file ``sniff`` may read: a bounded prefix, never the whole file."""


@dataclass
class Problem:
    """Something wrong with an input, kept as a row of ``ingest_errors``."""

    error: str
    line_or_offset: int | None = None


@dataclass
class Batch:
    """Everything one reader made of one source (a file, or a folder it claims).

    A table is Arrow, or :class:`~tracesift.store.schema.Rows` still to be
    converted (ingest converts many inputs' rows at once); :meth:`arrow` gives all as Arrow.
    """

    tables: dict[str, pa.Table | schema.Rows] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def rows(self, table: str) -> int:
        return self.tables[table].num_rows if table in self.tables else 0

    def arrow(self) -> dict[str, pa.Table]:
        return {name: t.to_arrow() if isinstance(t, schema.Rows) else t for name, t in self.tables.items()}


@dataclass(frozen=True)
class Reader:
    """A format tracesift can read.

    ``sniff(path)`` returns a confidence in [0, 1] from a bounded prefix of the
    file (or a listing of the folder when ``reads_folders``); ``read(path,
    run_id=...)`` returns a :class:`Batch`. ``run_id`` is the source's path
    relative to the ingest root; readers derive their run ids from it.
    """

    name: str
    description: str
    example: str
    sniff: Callable[[Path], float]
    read: Callable[..., Batch]
    reads_folders: bool = False


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

    def __len__(self) -> int:
        return len(self.step)

    def table(self) -> pa.Table:
        n = len(self.step)
        metric = pa.array(self.metric, pa.string())
        columns = [
            pa.array(self.run_id, pa.string()),
            pa.array(self.step, pa.int64()),
            metric,
            pa.array(self.value, pa.float64()),
            pa.array(self.wall_time, pa.float64()),
            metric,
            pa.nulls(n, pa.string()),
        ]
        return pa.Table.from_arrays(columns, schema=schema.METRICS)


def repeated(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` ``n`` times, built in Arrow rather than in Python."""
    if n < 1024:
        return pa.array([value] * n, pa.string())
    indices = pa.array(np.zeros(n, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string())).cast(pa.string())


def metrics_from_records(run: str, records: list[dict], steps: list[int],
                         wall_times: list[float | None] | None = None) -> pa.Table:
    """The ``metrics`` rows of one dict of values per step, built column-wise with polars."""
    import polars as pl

    if not records:
        return schema.empty("metrics")
    frame = pl.from_dicts(records, infer_schema_length=None)
    return metrics_from_frame(run, frame, pl.Series(steps, dtype=pl.Int64),
                              pl.Series(wall_times or [None] * len(steps), dtype=pl.Float64))


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
    metric = long["metric"].to_arrow().cast(pa.string())
    columns = [
        repeated(run, long.height),
        long["__step"].to_arrow().cast(pa.int64()),
        metric,
        long["value"].to_arrow().cast(pa.float64()),
        long["__time"].to_arrow().cast(pa.float64()),
        metric,
        pa.nulls(long.height, pa.string()),
    ]
    return pa.Table.from_arrays(columns, schema=schema.METRICS)


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


@dataclass
class _Prefix:
    """The first ``SNIFF_BYTES`` of one file, shared by every sniffer while a reader is chosen."""

    path: Path
    data: bytes

    @cached_property
    def text(self) -> str | None:
        return _text(self.data)


_PREFIX: ContextVar[_Prefix | None] = ContextVar("prefix", default=None)
_CONTENT: ContextVar[tuple[Path, bytes] | None] = ContextVar("content", default=None)


def _prefix_of(path: Path) -> _Prefix | None:
    shared = _PREFIX.get()
    return shared if shared is not None and shared.path == path else None


@contextmanager
def shared_prefix(path: Path | None, data: bytes | None = None) -> Iterator[None]:
    """While choosing a reader for ``path``, every ``read_prefix`` of it reads the disk once.

    ``data``: the file's first bytes (at least ``SNIFF_BYTES`` of them, or all), when already read.
    """
    if path is None or _prefix_of(path) is not None:
        yield
        return
    head = _read(path, SNIFF_BYTES) if data is None else data[:SNIFF_BYTES]
    token = _PREFIX.set(_Prefix(path, head))
    try:
        yield
    finally:
        _PREFIX.reset(token)


@contextmanager
def shared_content(path: Path, data: bytes | None) -> Iterator[None]:
    """While reading ``path``, :func:`read_bytes` of it returns ``data`` (bytes ingest already read), if any."""
    if data is None:
        yield
        return
    token = _CONTENT.set((path, data))
    try:
        yield
    finally:
        _CONTENT.reset(token)


def read_bytes(path: Path) -> bytes:
    """The whole file: what ingest already read of it (see :func:`shared_content`), or from disk."""
    shared = _CONTENT.get()
    if shared is not None and shared[0] == path:
        return shared[1]
    return _read(path, -1)


def read_prefix(path: Path, size: int = SNIFF_BYTES) -> bytes:
    shared = _prefix_of(path)
    if shared is not None and size <= SNIFF_BYTES:
        return shared.data[:size]
    return _read(path, size)


def _read(path: Path, size: int) -> bytes:
    """``size`` bytes from the start of the file (-1: all of it)."""
    with open(path, "rb") as handle:
        return handle.read(size)


def text_prefix(path: Path, size: int = SNIFF_BYTES) -> str | None:
    """The file's first bytes as text, or None when they are not text (decoded once per sniffing round)."""
    shared = _prefix_of(path)
    if shared is not None and size == SNIFF_BYTES:
        return shared.text
    return _text(read_prefix(path, size))


def _text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    return data.decode("utf-8", errors="replace")
