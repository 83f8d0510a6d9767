"""KL blow-up: the policy's KL to its reference grows by orders of magnitude.

Needs the ``kl`` role. The reference level is the median of the first 20% of
points. A step alarms when KL reaches both ``factor`` times that level and the
absolute ``floor`` (KL in RL fine-tuning grows steadily in healthy runs too;
the floor keeps that from alarming), or is not finite; the first alarm held
for ``share`` of the rest of the run is the finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt, judge_series, sustained_change
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    factor: float = 10.0
    """KL must reach this multiple of its reference level..."""
    floor: float = 5.0
    """...and this many nats."""
    share: float = 0.8
    """Share of the rest of the run the alarm must hold for."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "kl", lambda series: assess(series, params))


def assess(series: Series, params: Params) -> Finding | None:
    factor, floor, share = params.factor, params.floor, params.share
    x = series.values
    head = x[: max(3, len(x) // 5)]
    reference = float(np.median(head[np.isfinite(head)])) if np.isfinite(head).any() else 0.0
    threshold = max(factor * max(reference, 0.0), floor)
    with np.errstate(invalid="ignore"):
        alarm = ~np.isfinite(x) | (x >= threshold)
    return sustained_change(
        series,
        alarm,
        share=share,
        message=lambda i: f"KL blew up to {fmt(x[i])} (reference level {fmt(reference)}, threshold {fmt(threshold)})",
        detector="kl_blowup",
        kind="kl_blowup",
        severity="critical",
        direction=+1,
        evidence={"reference_level": reference, "threshold": threshold},
    )


DETECTOR = Detector(
    name="kl_blowup",
    subject=SubjectType.run,
    needs=("kl",),
    params=Params,
    judge=judge,
    description="KL to the reference policy grows far past its early level and an absolute floor",
)
