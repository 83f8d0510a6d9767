"""Policy-entropy collapse in RL fine-tuning.

Needs the ``entropy`` role. The early level is the highest of the first 5% of
points (at least 3): entropy can collapse within a handful of steps. Entropy has collapsed once it is at most ``fraction`` of
that level and stays there for ``share`` of the rest of the run; reward then
usually stalls, since a policy without entropy stops exploring.
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import each_series, fmt, sustained_change
from tracesift.detectors.signal import early_level


def run(source: SeriesSource, *, fraction: float = 0.1, share: float = 0.8) -> list[Finding]:
    return each_series(source, "entropy", judge, fraction=fraction, share=share)


def judge(series: Series, *, fraction: float, share: float) -> Finding | None:
    x = series.values
    early = early_level(x, statistic=np.max)  # it can fall within the first few points
    if not early > 0:
        return None
    with np.errstate(invalid="ignore"):
        alarm = np.isfinite(x) & (x <= fraction * early)
    return sustained_change(
        series,
        alarm,
        share=share,
        message=lambda i: f"entropy collapsed to {fmt(x[i])} from an early {fmt(early)} ({x[i] / early:.1%})",
        detector="entropy_collapse",
        kind="entropy_collapse",
        severity="critical",
        direction=-1,
        score=float(np.nanmedian(x[-max(3, len(x) // 10) :]) / early),
        evidence={"early_level": early, "fraction": fraction},
    )


DETECTOR = Detector(
    name="entropy_collapse",
    roles=("entropy",),
    description="policy entropy falls to a small fraction of its early level and stays there",
    run=run,
)
