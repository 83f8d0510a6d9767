"""The points a console log gave, kept as compact columns: ids for metric names and runs, numpy for the rest."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tracesift.readers.base import metrics_table
from tracesift.store import schema


class Points:
    """``metrics`` rows in the order they were read: a step, a metric id and a value each, in a segment (run)."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self._chunks: list[tuple[list[int] | np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._steps: list[int] = []
        self._metrics: list[int] = []
        self._values: list[float] = []
        self._segments: list[int] = []
        self._count = 0

    def metric_id(self, name: str) -> int:
        return self.names.setdefault(name, len(self.names))

    def add(self, segment: int, step: int, values: dict[str, float]) -> None:
        """One line's values (floats already, as the rules give them)."""
        self._steps += [step] * len(values)
        self._metrics += map(self.metric_id, values)
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
        """The ``metrics`` table: ``run_id`` is ``run``, ``run#2``, ... per segment."""
        segments = self._segment_ids()
        steps = [pa.array(c[0], pa.int64()).to_numpy() if isinstance(c[0], list) else c[0] for c in self._chunks]
        column = {name: np.concatenate([c[i] for c in self._chunks])
                  for i, name in ((1, "metric"), (2, "value"), (3, "run"))}
        names = schema.column(list(self.names), pa.string())
        metric = pa.DictionaryArray.from_arrays(pa.array(column["metric"]), names).cast(pa.string())
        runs = schema.column(self.run_ids(run), pa.string())
        run_index = np.searchsorted(segments, column["run"]).astype(np.int32)
        run_id = pa.DictionaryArray.from_arrays(pa.array(run_index), runs).cast(pa.string())
        return metrics_table(run_id, pa.array(np.concatenate(steps), pa.int64()), metric, pa.array(column["value"]))


def segment_run(run: str, segment: int) -> str:
    return f"{run}#{segment + 1}" if segment else run
