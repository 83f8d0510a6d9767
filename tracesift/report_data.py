"""What a report shows, as plain data: the pipeline gathers it from the store, the reports draw it.

A run's series arrive here already reduced to what a plot can show: an :class:`Envelope`
holds, for each pixel column of a panel, the smallest and largest finite value logged in
that column's steps, and where stretches of non-finite values begin. Nothing is dropped:
every point lies inside its column's min/max, and ``points`` says how many there were.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tracesift.findings import Finding, ScanResult, Severity

PANEL_COLUMNS = 150
"""Columns of a plot panel (two pixels each): a longer series is drawn as min/max per column."""
NON_FINITE_MARKS = 50
"""At most this many starts of non-finite stretches are marked per series (the count of all is kept)."""


@dataclass(frozen=True)
class Envelope:
    """One series as min/max per column of steps (one point per column when the series is short)."""

    steps: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    points: int
    finite: int
    non_finite: tuple[tuple[int, str], ...] = ()
    """(step, "nan" | "+inf" | "-inf") where each stretch of non-finite values begins (the first ones)."""
    non_finite_stretches: int = 0
    span: tuple[int, int] | None = None
    """The first and last step logged, finite or not (None for no point): the panel's extent."""

    @property
    def decimated(self) -> bool:
        """Whether columns hold more than one point each (the finite points outnumber the columns)."""
        return self.finite > len(self.steps)

    def coarser(self, columns: int) -> Envelope:
        """The same envelope in at most ``columns`` columns (each the min and max of the columns it joins)."""
        steps, lo, hi = _by_column(self.steps, self.lo, self.hi, columns)
        return self if steps is self.steps else replace(self, steps=steps, lo=lo, hi=hi)

    def highest_at(self, steps) -> np.ndarray:
        """The largest value of the column holding each of ``steps`` (NaN when the series has no finite value)."""
        if not len(self.steps):
            return np.full(len(steps), np.nan)
        return self.hi[np.clip(np.searchsorted(self.steps, steps, side="right") - 1, 0, len(self.steps) - 1)]

    @classmethod
    def of(cls, steps: np.ndarray, values: np.ndarray, columns: int = PANEL_COLUMNS) -> Envelope:
        """The envelope of a series (steps ascending) in at most ``columns`` columns."""
        finite = np.isfinite(values)
        starts = np.flatnonzero(~finite & np.r_[True, finite[:-1]])
        marks = tuple((int(steps[i]), _non_finite_name(values[i])) for i in starts[:NON_FINITE_MARKS])
        s, lo, hi = _by_column(steps[finite], values[finite], values[finite], columns)
        span = (int(steps[0]), int(steps[-1])) if len(steps) else None
        return cls(s.astype(np.int64), lo.astype(float), hi.astype(float), len(values), int(finite.sum()), marks,
                   len(starts), span)


def _by_column(steps: np.ndarray, lo: np.ndarray, hi: np.ndarray, columns: int):
    """Steps with their lows and highs joined into at most ``columns`` equal spans of steps (the same arrays when
    they fit): each span keeps its first step, its lowest low and its highest high."""
    if len(steps) <= columns:
        return steps, lo, hi
    edges = np.linspace(float(steps[0]), float(steps[-1]), columns + 1)
    column = np.minimum(np.searchsorted(edges, steps, side="right") - 1, columns - 1)
    first = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    return steps[first], np.minimum.reduceat(lo, first), np.maximum.reduceat(hi, first)


@dataclass(frozen=True)
class Marks:
    """What a plot marks of one finding on its series: onset, first alarm (when later), early-warning window,
    spikes. The HTML report's panels and ``tracesift plot`` both draw these."""

    onset: int | None
    alarm: int | None
    window: tuple[int, int] | None
    lead: object
    spikes: tuple[int, ...]

    @classmethod
    def of(cls, finding: Finding) -> Marks:
        evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
        warning = evidence.get("early_warning")
        window = warning.get("window_steps") if isinstance(warning, dict) else None
        alarm = finding.first_step if finding.first_step != finding.onset_step else None
        return cls(finding.onset_step, alarm, tuple(window) if window and len(window) == 2 else None,
                   warning.get("lead_steps") if isinstance(warning, dict) else None,
                   tuple(evidence.get("spike_steps") or ()))


def _non_finite_name(value: float) -> str:
    return "nan" if np.isnan(value) else "+inf" if value > 0 else "-inf"


@dataclass
class RunData:
    """One training run: its series (by metric role or name, in drawing order), findings and logged config."""

    run_id: str
    source_format: str | None
    path: str | None
    config: dict[str, object]
    series: dict[str, Envelope]
    findings: list[Finding] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    hidden_metrics: list[str] = field(default_factory=list)
    """Metrics the run has that were not drawn (past the panel limit), named so nothing goes unsaid."""

    @property
    def folder(self) -> str:
        """The experiment folder: the run id without its last part."""
        return self.run_id.rpartition("/")[0]

    @property
    def collapsed(self) -> bool:
        return any(f.severity is Severity.critical for f in self.findings)


@dataclass(frozen=True)
class StepData:
    """One step of a trajectory, as the ``steps`` table has it."""

    step: int
    agent: str | None
    role: str | None
    kind: str | None
    tool: str | None
    arguments: str | None
    content: str | None
    is_error: bool
    exit_code: int | None
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None

    @property
    def failed(self) -> bool:
        return self.is_error or bool(self.exit_code) or self.kind == "error"


@dataclass
class TrajectoryData:
    trajectory_id: str
    source_format: str | None
    path: str | None
    task: str | None
    outcome: str | None
    steps: list[StepData]
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Unread:
    """An input that was not read, or read with a problem (a row of ``ingest_errors``)."""

    path: str
    reader: str | None
    error: str
    where: str | None
    skipped: bool


@dataclass(frozen=True)
class ConfigSplit:
    """A logged config value that separates the collapsed runs of a folder from the healthy ones."""

    key: str
    rule: str
    """``lr >= 0.0003``, ``optimizer == 'sgd'``."""
    matched: int
    matched_collapsed: int
    others: int
    others_collapsed: int

    @property
    def text(self) -> str:
        return (f"{self.matched_collapsed} of {self.matched} runs with {self.rule} collapsed; "
                f"{self.others_collapsed} of {self.others} others did")


@dataclass
class FolderComparison:
    """The runs of one experiment folder side by side, and what in their config tells collapse apart."""

    folder: str
    runs: list[str]
    collapsed: list[str]
    roles: list[str] = field(default_factory=list)
    """The metrics overlaid: key roles, evaluation metrics and metrics with findings that two runs or more have."""
    splits: list[ConfigSplit] = field(default_factory=list)
    why_no_splits: str | None = None


@dataclass
class ReportData:
    result: ScanResult
    runs: list[RunData]
    trajectories: list[TrajectoryData]
    unread: list[Unread]
    folders: list[FolderComparison]
    title: str = "tracesift report"
