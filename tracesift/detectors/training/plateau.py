"""Plateau: a run whose loss never really came down.

Needs the ``loss`` role and at least ``min_points`` points. The run is stuck
when the median loss over its last ``tail`` share is within ``min_improvement``
(relative) of its early level, either way. Converged runs, which also end
flat, have improved first and stay silent. The first step reported is where
the rolling median last made a new low by more than 1%. A loss that never
moves at all is a plateau too: the run is not learning, or the value logged is
not the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt, judge_series
from tracesift.detectors.signal import early_level, trailing_median
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    tail: float = 0.3
    """The late level is the median of this share of the run's end."""
    min_improvement: float = 0.1
    """Stuck when the late level is within this fraction of the early level."""
    min_points: int = 50
    """Shorter runs are not judged."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "loss", lambda series: assess(series, params), min_length=params.min_points)


def assess(series: Series, params: Params) -> Finding | None:
    tail, min_improvement = params.tail, params.min_improvement
    x = series.values
    early = early_level(x)
    late_part = x[-max(5, int(len(x) * tail)) :]
    if not np.isfinite(late_part).all() or not early > 0:
        return None  # a run that goes non-finite is diverging, not stuck
    late = float(np.median(late_part))
    if not (1 - min_improvement) * early <= late <= (1 + min_improvement) * early:
        return None  # it learned, or it got worse (divergence's business)
    level = trailing_median(x, max(5, len(x) // 20), min_periods=1)
    best = np.fmin.accumulate(np.where(np.isfinite(level), level, np.inf))
    improved = np.flatnonzero(best[1:] < 0.99 * best[:-1]) + 1
    stalled = int(improved[-1]) if len(improved) else 0
    return Finding(
        subject_id=series.run_id,
        detector="plateau",
        kind="plateau",
        severity="warning",
        message=f"loss never came down: {fmt(late)} at the end against {fmt(early)} at the start",
        metric=series.metric,
        onset_step=int(series.steps[stalled]),
        first_step=int(series.steps[stalled]),
        end_step=int(series.steps[-1]),
        score=late / early,
        evidence={"raw_metric": series.raw_metric, "early_level": early, "late_level": late},
    )


DETECTOR = Detector(
    name="plateau",
    subject=SubjectType.run,
    needs=("loss",),
    params=Params,
    judge=judge,
    description="loss ends where it started: the run never learned",
)
