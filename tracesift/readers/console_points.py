"""The points a console log gave, kept as compact columns: ids for metric names and runs, numpy for the rest."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tracesift.readers.base import metrics_table
from tracesift.store import schema


class Points:
    """``metrics`` rows in the order they were read: a step, a metric id and a value each, in a segment (run)."""

    def __init__(self) -> None:
        self.names = _Ids()
        self._chunks: list[tuple[list[int] | np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._steps: list[int] = []
        self._metrics: list[int] = []
        self._values: list[float] = []
        self._segments: list[int] = []
        self._count = 0

    def metric_id(self, name: str) -> int:
        return self.names[name]

    def add(self, segment: int, step: int, values: dict[str, float]) -> None:
        """One line's values (floats already, as the rules give them)."""
        self._steps += [step] * len(values)
        self._metrics += map(self.names.__getitem__, values)
        self._values += values.values()
        self._segments += [segment] * len(values)
        self._count += len(values)

    def add_arrays(self, segment: int, steps: np.ndarray, metrics: np.ndarray, values: np.ndarray) -> None:
        """Many lines' points at once, all of one segment."""
        self._seal()
        self._chunks.append((steps, metrics, values, np.full(len(steps), segment, np.int32)))
        self._count += len(steps)

    def _seal(self) -> None:
        if self._steps:  # steps stay Python ints until the table: one outside int64 fails there, as it always did
            self._chunks.append((self._steps, np.array(self._metrics, np.int32),
                                 np.array(self._values, np.float64), np.array(self._segments, np.int32)))
            self._steps, self._metrics, self._values, self._segments = [], [], [], []

    def __len__(self) -> int:
        return self._count

    def run_ids(self, run: str) -> list[str]:
        """The runs of the file that have points, in order: ``run``, ``run#2``, ..."""
        return [segment_run(run, segment) for segment in self._segment_ids()]

    def _segment_ids(self) -> np.ndarray:
        """The segments with points, in order (a file's segments only ever go up)."""
        self._seal()
        starts = [chunk[3][np.r_[True, chunk[3][1:] != chunk[3][:-1]]] for chunk in self._chunks if len(chunk[3])]
        segments = np.concatenate(starts) if starts else np.zeros(0, np.int32)
        return segments[np.r_[True, segments[1:] != segments[:-1]]] if len(segments) else segments

    def table(self, run: str) -> pa.Table:
        """The ``metrics`` table: ``run_id`` is ``run``, ``run#2``, ... per segment. Built a chunk at a time, each
        chunk let go of as it is converted (steps and values become the table's own buffers)."""
        segments = self._segment_ids()
        run_of = np.zeros(int(segments[-1]) + 1 if len(segments) else 1, np.int32)
        run_of[segments] = np.arange(len(segments), dtype=np.int32)
        names = schema.column(list(self.names), pa.string())
        runs = schema.column([segment_run(run, segment) for segment in segments.tolist()], pa.string())
        parts = []
        self._chunks.reverse()
        while self._chunks:
            steps, metrics, values, chunk_segments = self._chunks.pop()
            parts.append(metrics_table(runs.take(pa.array(run_of[chunk_segments])), pa.array(steps, pa.int64()),
                                       names.take(pa.array(metrics)), pa.array(values, pa.float64())))
        return pa.concat_tables(parts) if parts else metrics_table([], [], [], [])


class _Ids(dict):
    """Metric name -> id; a new name gets the next id."""

    def __missing__(self, name: str) -> int:
        self[name] = len(self)
        return self[name]


def segment_run(run: str, segment: int) -> str:
    return f"{run}#{segment + 1}" if segment else run
