"""Entropy explosion: policy entropy rising without bound, outputs turning to noise.

Needs the ``entropy`` role. Alarms once entropy is at least ``factor`` times
its early level (median of the first 5% of points) or not finite, for
``share`` of the rest of the run. Critical when it goes non-finite, or when the
run's ``reward`` is stuck at zero (within ``zero_reward`` of it) for
``reward_share`` of its points from the alarm on: the policy samples noise and
nothing it samples scores. A warning otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt, judge_series, sustained_change
from tracesift.detectors.signal import early_level
from tracesift.findings import Finding, Severity, SubjectType


@dataclass(frozen=True)
class Params:
    factor: float = 3.0
    """Exploded at this multiple of the early level."""
    share: float = 0.8
    """Share of the rest of the run it must stay there."""
    zero_reward: float = 0.01
    """Reward within this of zero counts as none (scores of 0-1 tasks: no sample passes)..."""
    reward_share: float = 0.9
    """...and makes the explosion critical when it holds for this share of the reward points from the alarm on."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "entropy", lambda series: assess(series, params, reward=run.series("reward")))


def assess(series: Series, params: Params, reward: Series | None = None) -> Finding | None:
    factor, share = params.factor, params.share
    x = series.values
    early = early_level(x)
    if not early > 0:
        return None
    with np.errstate(invalid="ignore"):
        alarm = ~np.isfinite(x) | (x >= factor * early)
    finding = sustained_change(
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
    if finding is not None and reward is not None:
        _judge_reward(finding, reward, params)
    return finding


def _judge_reward(finding: Finding, reward: Series, params: Params) -> None:
    """Critical when reward sat at zero from the alarm on; the evidence says what reward did either way."""
    after = reward.values[reward.steps >= finding.first_step]
    if len(after) < 3:
        return
    with np.errstate(invalid="ignore"):
        at_zero = float(np.mean(np.abs(after) <= params.zero_reward))
    finding.evidence["reward_metric"] = reward.raw_metric
    finding.evidence["reward_share_at_zero"] = round(at_zero, 3)
    if at_zero >= params.reward_share:
        finding.severity = Severity.critical
        finding.related = "reward"
        finding.message += f"; reward stuck at zero ({at_zero:.0%} of steps since)"


DETECTOR = Detector(
    name="entropy_explosion",
    subject=SubjectType.run,
    needs=("entropy",),
    params=Params,
    judge=judge,
    description="policy entropy rises to a multiple of its early level and stays there (critical with reward at zero)",
)
