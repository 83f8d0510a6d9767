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

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import collapse_finding
from tracesift.detectors.signal import early_level, kendall_tau
from tracesift.detectors.training.evals import better_sign


def run(
    source: SeriesSource,
    *,
    tau: float = 0.4,
    length_growth: float = 2.0,
    clip_share: float = 0.5,
    window_share: float = 0.25,
) -> list[Finding]:
    findings = []
    evals = [source.role(name) for name in source.metrics_like("eval/")]
    for run_id, reward in source.role("reward").items():
        if len(reward) < 20:
            continue
        checks = _checks(run_id, source, evals, length_growth, clip_share)
        finding = judge(reward, checks, tau=tau, window_share=window_share)
        if finding:
            findings.append(finding)
    return findings


def _checks(run_id, source, evals, length_growth, clip_share) -> list[tuple[Series, int, float | None]]:
    """(series, bad direction, level it must reach) for each signal that should not move with reward."""
    checks = []
    if (length := source.role("response_length").get(run_id)) is not None:
        checks.append((length, +1, length_growth * early_level(length.values)))
    if (clip := source.role("clip_frac").get(run_id)) is not None:
        checks.append((clip, +1, clip_share))
    for by_run in evals:
        if (series := by_run.get(run_id)) is not None and len(series) >= 5:
            checks.append((series, -better_sign(series.metric), None))
    return checks


def judge(reward: Series, checks, *, tau: float, window_share: float) -> Finding | None:
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
            finding.metric_or_agent = f"reward~{series.metric}"
            return finding
    return None


def _trend(series: Series, lo: int, hi: int) -> float:
    inside = (series.steps >= lo) & (series.steps <= hi) & series.finite
    if inside.sum() < 5:
        return 0.0
    return kendall_tau(series.values[inside])  # steps are ascending: order is time


DETECTOR = Detector(
    name="reward_hacking",
    roles=("reward",),
    description="reward rises while response length, clipping or an eval metric go the wrong way",
    run=run,
)
