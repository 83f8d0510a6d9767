"""What every detector is, what it returns, and how it gets its series.

A detector is a module with a ``DETECTOR = Detector(...)``: a name, the metric
roles it needs, and ``run(series, **thresholds) -> list[Finding]``. It is silent
(returns nothing) for a run that lacks a role it needs.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np

SEVERITIES = ("info", "warning", "critical")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass
class Finding:
    """One row of the ``findings`` table."""

    subject_id: str
    detector: str
    kind: str
    severity: str
    message: str
    metric_or_agent: str | None = None
    onset_step: int | None = None
    first_step: int | None = None
    end_step: int | None = None
    score: float | None = None
    lead_steps: int | None = None
    evidence: dict = field(default_factory=dict)
    subject_type: str = "run"

    def row(self) -> dict:
        return {
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "detector": self.detector,
            "kind": self.kind,
            "severity": self.severity,
            "onset_step": self.onset_step,
            "first_step": self.first_step,
            "end_step": self.end_step,
            "metric_or_agent": self.metric_or_agent,
            "score": self.score,
            "lead_steps": self.lead_steps,
            "evidence": json.dumps(self.evidence, default=_plain, allow_nan=False),
            "message": self.message,
        }


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


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


# One series per (run, role): the raw name with the most points (ties: the first
# by name); a step logged twice (a resumed run) keeps its last write.
_SERIES_SQL = """
WITH counts AS (
    SELECT run_id, raw_metric, count(*) AS n FROM metrics WHERE metric = $metric GROUP BY ALL
), chosen AS (
    SELECT run_id, arg_max(raw_metric, n * 1e6 - rank) AS raw_metric
    FROM (SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY raw_metric) AS rank FROM counts)
    GROUP BY run_id
)
SELECT m.run_id, m.raw_metric, m.step, m.value
FROM metrics m JOIN chosen c USING (run_id, raw_metric)
WHERE m.metric = $metric AND m.step BETWEEN $first AND $last
QUALIFY row_number() OVER (PARTITION BY m.run_id, m.step ORDER BY m.wall_time DESC NULLS LAST) = 1
ORDER BY m.run_id, m.step
"""


# Runs whose series for a metric had repeated steps (a resumed run) or came from several files.
_MERGES_SQL = """
SELECT run_id, count(DISTINCT source_file) AS files, count(*) - count(DISTINCT (raw_metric, step)) AS repeats
FROM metrics WHERE metric = $metric AND step BETWEEN $first AND $last
GROUP BY run_id HAVING files > 1 OR repeats > 0
"""


def _merge_note(files: int, repeats: int) -> str:
    parts = []
    if repeats:
        parts.append(f"{repeats} repeated steps (a resumed run?): the last write of each step was used")
    if files > 1:
        parts.append(f"merged from {files} files")
    return "; ".join(parts)


class SeriesSource:
    """Series by role, loaded once per role from the store's ``metrics`` view."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, first_step: int | None = None,
                 last_step: int | None = None) -> None:
        self.con = con
        self.first_step = first_step if first_step is not None else -(2**62)
        self.last_step = last_step if last_step is not None else 2**62
        self._cache: dict[str, dict[str, Series]] = {}
        self.notes: dict[tuple[str, str], list[str]] = {}
        """(run, metric) -> what a user should know about how that series was read or judged"""

    def role(self, metric: str) -> dict[str, Series]:
        """Every run's series for ``metric`` (a role or any metric name), keyed by run id."""
        if metric not in self._cache:
            params = {"metric": metric, "first": self.first_step, "last": self.last_step}
            table = self.con.sql(_SERIES_SQL, params=params).to_arrow_table()
            self._cache[metric] = _split_by_run(table, metric)
            for run_id, files, repeats in self.con.execute(_MERGES_SQL, params).fetchall():
                self.note(run_id, metric, _merge_note(files, repeats))
        return self._cache[metric]

    def note(self, run_id: str, metric: str, text: str) -> None:
        texts = self.notes.setdefault((run_id, metric), [])
        if text not in texts:
            texts.append(text)

    def metrics_like(self, prefix: str) -> list[str]:
        rows = self.con.execute("SELECT DISTINCT metric FROM metrics WHERE starts_with(metric, ?) ORDER BY 1",
                                [prefix]).fetchall()
        return [r[0] for r in rows]


def _split_by_run(table, metric: str) -> dict[str, Series]:
    if table.num_rows == 0:
        return {}
    runs = table["run_id"].to_numpy(zero_copy_only=False)
    steps = table["step"].to_numpy()
    values = table["value"].to_numpy(zero_copy_only=False).astype(float)
    raws = table["raw_metric"].to_numpy(zero_copy_only=False)
    bounds = np.flatnonzero(runs[1:] != runs[:-1]) + 1
    out = {}
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(runs)]):
        out[runs[lo]] = Series(runs[lo], metric, raws[lo], steps[lo:hi], values[lo:hi])
    return out


@dataclass(frozen=True)
class Detector:
    """A detector: ``run(source, **thresholds)`` returns findings for every run it can judge."""

    name: str
    roles: tuple[str, ...]
    description: str
    run: Callable[..., list[Finding]]

    def thresholds(self) -> dict[str, object]:
        """The keyword-only thresholds of ``run`` and their defaults."""
        parameters = inspect.signature(self.run).parameters.values()
        return {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY}
