"""Entropy explosion: policy entropy rising without bound, outputs turning to noise.

Needs the ``entropy`` role. Alarms once entropy is at least ``factor`` times
its early level (median of the first 5% of points) or not finite, for
``share`` of the rest of the run. Critical when it goes non-finite.
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import each_series, fmt, sustained_change
from tracesift.detectors.signal import early_level


def run(source: SeriesSource, *, factor: float = 3.0, share: float = 0.8) -> list[Finding]:
    return each_series(source, "entropy", judge, factor=factor, share=share)


def judge(series: Series, *, factor: float, share: float) -> Finding | None:
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
    roles=("entropy",),
    description="policy entropy rises to a multiple of its early level and stays there",
    run=run,
)
