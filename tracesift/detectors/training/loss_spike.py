"""Loss spikes: single jumps that recover (a jump that stays is a divergence).

Needs the ``loss`` role. A step is a spike when its robust z-score against the
median and MAD of the ``window`` steps before it reaches ``z``, and the loss is
back under ``median + 3 * sigma`` within ``recover_within`` steps. The finding
also carries the spike score: the share of steps at least ``score_sigma``
standard deviations above the rolling mean of the previous ``score_window``
steps, a number that compares runs of any length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt, judge_series
from tracesift.detectors.signal import trailing_mad, trailing_mean_std, trailing_median
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    z: float = 6.0
    """A spike's robust z-score against the recent median and MAD."""
    window: int = 50
    """Steps in the recent median and MAD."""
    recover_within: int = 20
    """A spike is back under median + 3 sigma within this many steps."""
    score_sigma: float = 7.0
    """The spike score counts steps this many standard deviations above the rolling mean..."""
    score_window: int = 1000
    """...of this many steps."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "loss", lambda series: assess(series, params), min_length=20)


def assess(series: Series, params: Params) -> Finding | None:
    z, window, recover_within = params.z, params.window, params.recover_within
    x = series.values
    median = trailing_median(x, window)
    sigma = np.maximum(trailing_mad(x, median, window), 1e-3 * np.abs(median) + 1e-12)
    with np.errstate(invalid="ignore"):
        robust_z = (x - median) / sigma
        jumps = np.flatnonzero(np.isfinite(x) & (robust_z >= z))
    spikes = [i for i in jumps if _recovers(x, i, median[i] + 3 * sigma[i], recover_within)]
    if not spikes:
        return None
    score = spike_score(x, params.score_sigma, params.score_window)
    largest = max(spikes, key=lambda i: robust_z[i])
    steps = series.steps
    message = (
        f"{len(spikes)} loss spike{'s' if len(spikes) > 1 else ''} that recovered; largest at step {steps[largest]}: "
        f"{fmt(x[largest])} against a median of {fmt(median[largest])} (z={robust_z[largest]:.0f})"
    )
    return Finding(
        subject_id=series.run_id,
        detector="loss_spike",
        kind="loss_spike",
        severity="warning",
        message=message,
        metric=series.metric,
        onset_step=int(steps[spikes[0]]),
        first_step=int(steps[spikes[0]]),
        end_step=int(steps[spikes[-1]]),
        score=score,
        evidence={
            "raw_metric": series.raw_metric,
            "spikes": len(spikes),
            "spike_steps": [int(steps[i]) for i in spikes[:50]],
            "largest": {"step": int(steps[largest]), "value": float(x[largest]), "median": float(median[largest]),
                        "z": round(float(robust_z[largest]), 2)},
            "spike_score": score,
        },
    )


def _recovers(x: np.ndarray, i: int, level: float, within: int) -> bool:
    after = x[i + 1 : i + 1 + within]
    return bool(len(after)) and bool(np.any(np.isfinite(after) & (after <= level)))


def spike_score(x: np.ndarray, sigma: float = 7.0, window: int = 1000) -> float:
    """Share of steps at least ``sigma`` standard deviations above the rolling mean of the last ``window``."""
    mean, std = trailing_mean_std(x, window)
    judged = np.isfinite(mean) & np.isfinite(std) & np.isfinite(x)
    if not judged.any():
        return 0.0
    return float(np.mean(x[judged] >= mean[judged] + sigma * std[judged]))


DETECTOR = Detector(
    name="loss_spike",
    subject=SubjectType.run,
    needs=("loss",),
    params=Params,
    judge=judge,
    description="loss spikes that recover (robust z against a rolling median/MAD), with the 7-sigma spike score",
)
