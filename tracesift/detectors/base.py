"""What every detector is, and the subjects it judges.

A detector is a module with a ``DETECTOR = Detector(...)``: a name, the subject
type it judges (one training run, or one agent trajectory), what it needs (metric
roles, or step columns), a frozen dataclass of typed parameters whose defaults
are documented thresholds, and ``judge(subject, params) -> list[Finding]``. It
returns nothing for a subject that lacks what it needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from tracesift.detectors.params import parse_params
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Detector:
    name: str
    subject: SubjectType
    needs: tuple[str, ...]
    """Metric roles (``eval/*`` for any evaluation metric) for runs; step columns for trajectories."""
    params: type
    """A frozen dataclass: one typed field per parameter, its default the documented threshold."""
    judge: Callable[[Any, Any], list[Finding]]
    description: str

    def defaults(self) -> dict[str, object]:
        return dataclasses.asdict(self.params())

    def parse(self, values: dict[str, object]) -> Any:
        """Parameters from ``tracesift.toml`` or ``--set`` (text or TOML values), parsed by their declared type."""
        return parse_params(self.name, self.params, values)


@dataclass(frozen=True)
class Series:
    """One metric of one run: steps ascending and unique, values as logged (NaN/inf kept)."""

    run_id: str
    metric: str
    raw_metric: str
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def finite(self) -> np.ndarray:
        return np.isfinite(self.values)


@dataclass
class Run:
    """One training run: its ``metrics`` rows (in the scan's step range), and its series by role.

    Rows are sorted by metric, raw name, step and write time (nulls first), so each
    metric is one slice; names are held once (``metric_names``, ``raw_names``) and
    rows carry their codes. ``series(role)`` picks, among the raw names mapped to a
    role, the one with the most points (ties: the first by name), and keeps the
    last write of a step logged twice (a resumed run), saying so in ``notes``.
    """

    run_id: str
    metric: np.ndarray
    raw_metric: np.ndarray
    step: np.ndarray
    value: np.ndarray
    source_file: np.ndarray
    metric_names: list[str]
    raw_names: list[str]
    notes: dict[str, list[str]] = field(default_factory=dict)
    _series: dict[str, Series | None] = field(default_factory=dict, repr=False)

    @cached_property
    def _slices(self) -> dict[str, slice]:
        return {self.metric_names[code]: rows for code, rows in _runs_of(self.metric)}

    def metrics(self) -> list[str]:
        return list(self._slices)

    def metrics_like(self, prefix: str) -> list[str]:
        return [m for m in self._slices if m.startswith(prefix)]

    def rows(self, metric: str) -> slice:
        """Where the rows of ``metric`` (all its raw names) are."""
        return self._slices.get(metric, slice(0, 0))

    def series(self, metric: str) -> Series | None:
        """This run's series for ``metric`` (a role or any metric name), or None when it has none."""
        if metric not in self._series:
            self._series[metric] = self._load(metric)
        return self._series[metric]

    def note(self, metric: str, text: str) -> None:
        texts = self.notes.setdefault(metric, [])
        if text not in texts:
            texts.append(text)

    def _load(self, metric: str) -> Series | None:
        rows = self.rows(metric)
        if rows.stop == rows.start:
            return None
        raws, steps = self.raw_metric[rows], self.step[rows]
        names = list(_runs_of(raws))
        counts = [part.stop - part.start for _, part in names]
        code, part = names[int(np.argmax(counts))]  # the first of the largest, by name
        chosen = steps[part]
        last_write = np.r_[chosen[1:] != chosen[:-1], True]
        self._note_merges(metric, rows, raws, steps)
        keep = np.flatnonzero(last_write) + rows.start + part.start
        return Series(self.run_id, metric, self.raw_names[code], self.step[keep], self.value[keep])

    def _note_merges(self, metric: str, rows: slice, raws: np.ndarray, steps: np.ndarray) -> None:
        repeats = int(np.sum((raws[1:] == raws[:-1]) & (steps[1:] == steps[:-1])))
        files = len(np.unique(self.source_file[rows]))
        parts = [f"{repeats} repeated steps (a resumed run?): the last write of each step was used"] if repeats else []
        if files > 1:
            parts.append(f"merged from {files} files")
        if parts:
            self.note(metric, "; ".join(parts))


def runs_of_table(table) -> Iterator[Run]:
    """The runs in an Arrow ``metrics`` table, in any row order (with or without ``wall_time``), each ordered by
    metric, raw name, step and write time (no write time first), and the runs by id."""
    import pyarrow.compute as pc

    codes, names = {}, {}
    for column in ("run_id", "metric", "raw_metric", "source_file"):
        encoded = pc.dictionary_encode(table[column], null_encoding="encode").combine_chunks()
        codes[column], names[column] = _ranked_codes(encoded)
    step = table["step"].to_numpy()
    value = table["value"].to_numpy().astype(float)
    written = -np.inf
    if "wall_time" in table.column_names:
        written = table["wall_time"].to_numpy(zero_copy_only=False).astype(float)
        written = np.where(np.isnan(written), -np.inf, written)
    order = np.lexsort((np.broadcast_to(written, step.shape), step, codes["raw_metric"], codes["metric"],
                        codes["run_id"]))
    codes = {column: code[order] for column, code in codes.items()}
    step, value = step[order], value[order]
    for code, rows in _runs_of(codes["run_id"]):
        yield Run(names["run_id"][code], codes["metric"][rows], codes["raw_metric"][rows], step[rows], value[rows],
                  codes["source_file"][rows], names["metric"], names["raw_metric"])


def _ranked_codes(encoded) -> tuple[np.ndarray, list]:
    """A dictionary array's codes renumbered so that their order is its values' order, and the values in that order.

    Sorting on these integers orders rows as sorting on the strings would (UTF-8 and code point order agree), at a
    fraction of the cost of comparing strings.
    """
    import pyarrow.compute as pc

    by_value = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(by_value), dtype=np.int64)
    rank[by_value] = np.arange(len(by_value))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return rank[indices], encoded.dictionary.take(by_value).to_pylist()


def _runs_of(sorted_values: np.ndarray) -> Iterator[tuple[object, slice]]:
    """(value, slice) for each run of equal values in a sorted array."""
    if len(sorted_values) == 0:
        return
    bounds = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(sorted_values)]):
        yield sorted_values[lo], slice(int(lo), int(hi))


@dataclass
class Trajectory:
    """One agent trajectory: its ``trajectories`` row and its steps (column arrays, in step order).

    ``derived`` holds what detectors work out once and share (the actions and their
    results, in :mod:`tracesift.detectors.agent_steps`), so that each is worked out
    once per trajectory, not once per detector.
    """

    trajectory_id: str
    info: dict
    steps: dict[str, np.ndarray]
    notes: dict[str, list[str]] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.steps.get("step", ()))
