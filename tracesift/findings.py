"""What tracesift finds and reports: shared by the pipeline, the detectors and every report.

A :class:`Finding` is about one subject, a training run or an agent trajectory;
a :class:`ScanResult` is everything one scan found, with what ingest made of the
inputs (:class:`IngestReport`), so that a report needs nothing else.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class Severity(str, Enum):
    info = "info"
    warning = "warning"
    critical = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class SubjectType(str, Enum):
    run = "run"
    trajectory = "trajectory"


@dataclass
class Finding:
    """One row of the ``findings`` table: what went wrong in one subject, where, and the evidence.

    ``metric`` is the metric role judged (runs), ``agent`` the agent responsible
    (trajectories), ``related`` a second metric the finding ties to the first
    (reward hacking: what went the wrong way while reward rose).
    """

    subject_id: str
    detector: str
    kind: str
    severity: Severity
    message: str
    metric: str | None = None
    agent: str | None = None
    related: str | None = None
    onset_step: int | None = None
    first_step: int | None = None
    end_step: int | None = None
    score: float | None = None
    lead_steps: int | None = None
    evidence: dict = field(default_factory=dict)
    subject_type: SubjectType = SubjectType.run

    def __post_init__(self) -> None:
        self.severity = Severity(self.severity)
        self.subject_type = SubjectType(self.subject_type)

    def as_dict(self) -> dict:
        """The finding with its evidence as an object; NaN and infinity become None (JSON has neither)."""
        return _finite({
            "subject_type": self.subject_type.value,
            "subject_id": self.subject_id,
            "detector": self.detector,
            "kind": self.kind,
            "severity": self.severity.value,
            "onset_step": self.onset_step,
            "first_step": self.first_step,
            "end_step": self.end_step,
            "metric": self.metric,
            "agent": self.agent,
            "related": self.related,
            "score": self.score,
            "lead_steps": self.lead_steps,
            "evidence": _plain(self.evidence),
            "message": self.message,
        })

    def row(self) -> dict:
        """The finding as a row of the store's ``findings`` table (evidence as JSON text)."""
        row = self.as_dict()
        row["evidence"] = json.dumps(row["evidence"], allow_nan=False)
        return row

    def sort_key(self) -> tuple:
        """Most severe first, then by subject, onset and kind."""
        return -self.severity.rank, self.subject_id, self.onset_step or 0, self.kind


def _plain(value: object) -> object:
    """Evidence as plain Python: numpy scalars become numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


SKIPPED = "skipped: "
"""How the ``ingest_errors`` row of an input that was not read begins (its ``reader`` is NULL)."""
SKIPPED_SQL = f"select path, error from ingest_errors where error like '{SKIPPED.strip()}%'"
"""The query that lists every input not read, with the reason."""


@dataclass
class Outcome:
    """What became of one input in an ingest.

    A ``skipped`` input has the ``reason`` it was not read; ``expected`` when its name
    promised a log (named like a console log, or named on the command line). An
    ``ignored`` one was never a candidate (documentation, code, images in a folder).
    """

    rel: str
    reader: str | None
    status: str  # read | unchanged | error | skipped | ignored | removed
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    reason: str | None = None
    expected: bool = False


@dataclass
class IngestReport:
    store: Any
    """The store written (a ``tracesift.store.layout.Store``); ``str()`` of it is its location."""
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def rows(self, table: str) -> int:
        return sum(o.rows.get(table, 0) for o in self.outcomes if o.status == "read")

    @property
    def readable(self) -> bool:
        return any(o.status in ("read", "unchanged") for o in self.outcomes)

    def problems(self) -> list[tuple[str, str]]:
        """(input, problem) for every problem met, in input order."""
        return [(o.rel, problem) for o in self.outcomes for problem in o.problems]

    def skipped(self) -> list[Outcome]:
        """The inputs not read for a reason not already among their problems (those are warnings anyway)."""
        return [o for o in self.outcomes if o.status == "skipped" and o.reason and not o.problems]

    def summary(self) -> str:
        """One line: what was read, how many rows, what was not, and where the store is."""
        read = self.count("read")
        parts = [f"read {_plural(read, 'input')}", f"{self.rows('metrics'):,} metric rows"]
        if self.rows("steps"):
            parts.append(f"{self.rows('steps'):,} agent steps")
        for status, label in (("unchanged", "unchanged"), ("error", "unreadable"), ("skipped", "not a log format"),
                              ("ignored", "ignored by name"), ("removed", "removed")):
            if self.count(status):
                parts.append(f"{self.count(status)} {label}")
        return ", ".join(parts) + f"; store: {self.store}"


@dataclass
class ScanResult:
    findings: list[Finding]
    ingest: IngestReport
    detectors: list[str]
    runs: int = 0
    trajectories: int = 0
    thresholds: dict[str, dict] = field(default_factory=dict)
    """Parameters that differ from the defaults, by detector."""
    notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(subject, metric) -> what a user should know about how that series was read or judged"""
    fail_on: Severity | None = Severity.critical
    """Findings this severe or worse fail the scan (None: never)."""
    kept: list = field(default_factory=list, repr=False)
    """What the scan's ``keep`` made of each subject (empty without one)."""

    @property
    def failed(self) -> bool:
        """Whether a finding reaches ``fail_on``: the scan's exit code is 1."""
        return self.fail_on is not None and any(f.severity.rank >= self.fail_on.rank for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for f in self.findings if f.severity is s) for s in Severity}

    def subjects(self) -> str:
        """"37 runs", "23 trajectories", "2 runs and 5 trajectories"."""
        parts = [_plural(self.runs, "run")] if self.runs or not self.trajectories else []
        if self.trajectories:
            parts.append(_plural(self.trajectories, "trajectory", "trajectories"))
        return " and ".join(parts)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
