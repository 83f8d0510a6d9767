"""KL blow-up: the policy's KL to its reference grows by orders of magnitude.

Needs the ``kl`` role. The reference level is the median of the first 20% of
points. A step alarms when KL reaches both ``factor`` times that level and the
absolute ``floor`` (KL in RL fine-tuning grows steadily in healthy runs too;
the floor keeps that from alarming), or is not finite; the first alarm held
for ``share`` of the rest of the run is the finding.
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import each_series, fmt, sustained_change


def run(source: SeriesSource, *, factor: float = 10.0, floor: float = 5.0, share: float = 0.8) -> list[Finding]:
    return each_series(source, "kl", judge, factor=factor, floor=floor, share=share)


def judge(series: Series, *, factor: float, floor: float, share: float) -> Finding | None:
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
    roles=("kl",),
    description="KL to the reference policy grows far past its early level and an absolute floor",
    run=run,
)
