"""Policy-entropy collapse in RL fine-tuning.

Needs the ``entropy`` role. The early level is the highest of the first 5% of
points (at least 3): entropy can collapse within a handful of steps. Entropy has collapsed once it is at most ``fraction`` of
that level and stays there for ``share`` of the rest of the run; reward then
usually stalls, since a policy without entropy stops exploring.
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import each_series, fell_to_fraction


def run(source: SeriesSource, *, fraction: float = 0.1, share: float = 0.8) -> list[Finding]:
    return each_series(source, "entropy", judge, fraction=fraction, share=share)


def judge(series: Series, *, fraction: float, share: float) -> Finding | None:
    tail = series.values[-max(3, len(series) // 10) :]
    finding = fell_to_fraction(series, what="entropy", fraction=fraction, share=share,
                               detector="entropy_collapse", kind="entropy_collapse", severity="critical")
    if finding is not None and np.isfinite(tail).any():
        finding.score = float(np.nanmedian(tail) / finding.evidence["early_level"])
    return finding


DETECTOR = Detector(
    name="entropy_collapse",
    roles=("entropy",),
    description="policy entropy falls to a small fraction of its early level and stays there",
    run=run,
)
