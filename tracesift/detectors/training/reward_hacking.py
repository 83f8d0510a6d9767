"""Reward hacking: train reward rising while what it should stand for goes the wrong way.

Needs ``reward`` plus at least one of: ``response_length`` (growing to
``length_growth`` times its early level while reward rises), ``clip_frac``
(at least ``clip_share`` of responses clipped), or an ``eval/*`` metric
(getting worse while reward rises; direction by name: losses and perplexities
should fall, everything else rise). Windows of ``window_share`` of the run,
half-overlapping, are judged by Kendall's tau (``tau``) of each series over
the window. KL is not used: it grows in healthy runs too; see ``kl_blowup``.
A warning, since a rising reward may also be real progress.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import collapse_finding
from tracesift.detectors.signal import early_level, kendall_tau
from tracesift.detectors.training.evals import better_sign
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    tau: float = 0.4
    """Kendall's tau a trend needs, over a window, to count as rising or falling."""
    length_growth: float = 2.0
    """Response length must reach this multiple of its early level..."""
    clip_share: float = 0.5
    """...or this share of responses be clipped."""
    window_share: float = 0.25
    """Windows of this share of the run, half-overlapping."""


def judge(run: Run, params: Params) -> list[Finding]:
    reward = run.series("reward")
    if reward is None or len(reward) < 20:
        return []
    finding = assess(reward, _checks(run, params), tau=params.tau, window_share=params.window_share)
    return [finding] if finding else []


def _checks(run: Run, params: Params) -> list[tuple[Series, int, float | None]]:
    """(series, bad direction, level it must reach) for each signal that should not move with reward."""
    checks = []
    if (length := run.series("response_length")) is not None:
        checks.append((length, +1, params.length_growth * early_level(length.values)))
    if (clip := run.series("clip_frac")) is not None:
        checks.append((clip, +1, params.clip_share))
    for name in run.metrics_like("eval/"):
        if (series := run.series(name)) is not None and len(series) >= 5:
            checks.append((series, -better_sign(series.metric), None))
    return checks


def assess(reward: Series, checks, *, tau: float, window_share: float) -> Finding | None:
    width = max(10, int(len(reward) * window_share))
    for start in range(0, len(reward) - width + 1, max(1, width // 2)):
        lo, hi = reward.steps[start], reward.steps[start + width - 1]
        if _trend(reward, lo, hi) < tau:
            continue
        for series, bad, level in checks:
            inside = (series.steps >= lo) & (series.steps <= hi)
            if inside.sum() < 5 or bad * _trend(series, lo, hi) < tau:
                continue
            end = int(np.flatnonzero(inside)[-1])
            if level is not None and not series.values[end] >= level:
                continue
            finding = collapse_finding(
                series,
                end,
                detector="reward_hacking",
                kind="reward_hacking",
                severity="warning",
                direction=bad,
                message=f"reward rose while {series.metric} went the wrong way (steps {lo}-{hi})",
                evidence={"reward_metric": reward.raw_metric, "window_steps": [int(lo), int(hi)],
                          "reward_tau": round(_trend(reward, lo, hi), 3),
                          "signal_tau": round(_trend(series, lo, hi), 3)},
            )
            finding.metric, finding.related = "reward", series.metric
            return finding
    return None


def _trend(series: Series, lo: int, hi: int) -> float:
    inside = (series.steps >= lo) & (series.steps <= hi) & series.finite
    if inside.sum() < 5:
        return 0.0
    return kendall_tau(series.values[inside])  # steps are ascending: order is time


DETECTOR = Detector(
    name="reward_hacking",
    subject=SubjectType.run,
    needs=("reward",),
    params=Params,
    judge=judge,
    description="reward rises while response length, clipping or an eval metric go the wrong way",
)
