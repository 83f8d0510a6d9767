"""Entropy explosion: policy entropy rising without bound, outputs turning to noise.

Needs the ``entropy`` role. Alarms once entropy is at least ``factor`` times
its early level (median of the first 5% of points) or not finite, for
``share`` of the rest of the run. Critical when it goes non-finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt, judge_series, sustained_change
from tracesift.detectors.signal import early_level
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    factor: float = 3.0
    """Exploded at this multiple of the early level."""
    share: float = 0.8
    """Share of the rest of the run it must stay there."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "entropy", lambda series: assess(series, params))


def assess(series: Series, params: Params) -> Finding | None:
    factor, share = params.factor, params.share
    x = series.values
    early = early_level(x)
    if not early > 0:
        return None
    with np.errstate(invalid="ignore"):
        alarm = ~np.isfinite(x) | (x >= factor * early)
    return sustained_change(
        series,
        alarm,
        share=share,
        message=lambda i: f"entropy rose to {fmt(x[i])}, {fmt(x[i] / early)}x its early {fmt(early)}",
        detector="entropy_explosion",
        kind="entropy_explosion",
        severity="critical" if not np.isfinite(x).all() else "warning",
        direction=+1,
        evidence={"early_level": early, "factor": factor},
    )


DETECTOR = Detector(
    name="entropy_explosion",
    subject=SubjectType.run,
    needs=("entropy",),
    params=Params,
    judge=judge,
    description="policy entropy rises to a multiple of its early level and stays there",
)
