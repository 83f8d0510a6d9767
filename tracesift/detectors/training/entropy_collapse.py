"""Policy-entropy collapse in RL fine-tuning.

Needs the ``entropy`` role. The early level is the highest of the first 5% of
points (at least 3): entropy can collapse within a handful of steps. Entropy has collapsed once it is at most ``fraction`` of
that level and stays there for ``share`` of the rest of the run; reward then
usually stalls, since a policy without entropy stops exploring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fell_to_fraction, judge_series
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    fraction: float = 0.1
    """Collapsed at or below this fraction of the early level."""
    share: float = 0.8
    """Share of the rest of the run it must stay there."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "entropy", lambda series: assess(series, params))


def assess(series: Series, params: Params) -> Finding | None:
    tail = series.values[-max(3, len(series) // 10) :]
    finding = fell_to_fraction(series, what="entropy", fraction=params.fraction, share=params.share,
                               detector="entropy_collapse", kind="entropy_collapse", severity="critical")
    if finding is not None and np.isfinite(tail).any():
        finding.score = float(np.nanmedian(tail) / finding.evidence["early_level"])
    return finding


DETECTOR = Detector(
    name="entropy_collapse",
    subject=SubjectType.run,
    needs=("entropy",),
    params=Params,
    judge=judge,
    description="policy entropy falls to a small fraction of its early level and stays there",
)
