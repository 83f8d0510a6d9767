"""Divergence: the loss leaves its best level and does not come back (or only much later).

Needs the ``loss`` role. The loss level is a short rolling median (``n/50``
points, at least 3), so one noisy step is no alarm. A step alarms when that
level is at least ``factor`` times the best level so far *and* ``noise``
robust standard deviations above it (noisy small-batch losses wander), or
when the loss is not finite. For losses that can be zero or negative, only
the noise rule applies.

The first alarm held for ``share`` of the rest of the run is a divergence
(critical). An excursion of at least ``min_excursion`` alarmed steps that later
comes back under the threshold is a ``loss_excursion`` (warning) with the step
it recovered at: longer than a spike (see ``loss_spike``), but not the end of
the run. The onset is the change point before the first alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import collapse_finding, fmt, judge_series
from tracesift.detectors.signal import MAD_TO_SIGMA, first_sustained, trailing_median
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    factor: float = 1.5
    """Alarm when the loss level reaches this multiple of its best..."""
    noise: float = 5.0
    """...and this many robust standard deviations above it."""
    share: float = 0.8
    """A divergence holds for this share of the rest of the run."""
    min_excursion: int = 5
    """Alarmed steps in a row that make a (recovered) excursion."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "loss", lambda series: assess(series, params))


def assess(series: Series, params: Params) -> Finding | None:
    x = series.values
    alarm, best, threshold = _alarms(x, params.factor, params.noise)
    first = first_sustained(alarm, share=params.share, min_points=2)
    recovered = None
    if first is None:
        first, recovered = _excursion(alarm, max(params.min_excursion, len(x) // 50))
        if first is None:
            return None
    nonfinite = np.flatnonzero(~np.isfinite(x))
    stop = recovered if recovered is not None else len(x)
    worst = x[first:stop][np.isfinite(x[first:stop])]
    peak = float(worst.max()) if len(worst) else float("nan")
    message = f"loss {'diverged' if recovered is None else 'rose'} from its best {fmt(best[first])} to {fmt(peak)}"
    if len(nonfinite) and nonfinite[0] >= first:
        message += f", non-finite from step {series.steps[nonfinite[0]]}"
    if recovered is not None:
        message += f", back under {fmt(threshold[first])} by step {series.steps[recovered]}"
    finding = collapse_finding(
        series,
        first,
        detector="divergence",
        kind="divergence" if recovered is None else "loss_excursion",
        severity="critical" if recovered is None else "warning",
        direction=+1,
        message=message,
        score=peak / best[first] if best[first] > 0 and np.isfinite(peak) else None,
        evidence={"best_level": float(best[first]), "threshold": float(threshold[first]),
                  "recovered_at_step": int(series.steps[recovered]) if recovered is not None else None},
    )
    if recovered is not None:
        finding.end_step = int(series.steps[recovered])
    return finding


def _alarms(x: np.ndarray, factor: float, noise: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step: alarmed?, the best level before it, and the threshold it was held to.

    The noise allowance is the step-to-step spread measured where the best level
    was reached, not the spread of the latest steps, which a blow-up itself
    inflates.
    """
    width = max(3, len(x) // 50)
    level = trailing_median(x, width, min_periods=1, including_current=True)
    finite_level = np.where(np.isfinite(level), level, np.inf)
    best_at = _running_argmin(finite_level)
    best = np.r_[np.inf, finite_level[best_at][:-1]]
    steps_apart = np.abs(np.diff(x, prepend=np.nan))  # differences: blind to the trend of a falling loss
    sigma = np.nan_to_num(MAD_TO_SIGMA * trailing_median(steps_apart, 50) / np.sqrt(2), nan=0.0)
    sigma_at_best = np.r_[0.0, sigma[best_at][:-1]]
    with np.errstate(invalid="ignore"):
        above_noise = best + noise * sigma_at_best
        threshold = np.where(best > 0, np.maximum(factor * best, above_noise), above_noise)
        alarm = ~np.isfinite(x) | (np.isfinite(best) & (level > threshold))
    alarm[:width] = False  # no best level yet
    return alarm, best, threshold


def _running_argmin(values: np.ndarray) -> np.ndarray:
    """For each index, where the minimum of ``values`` up to it was reached."""
    best = np.fmin.accumulate(values)
    new_low = np.r_[True, values[1:] < best[:-1]]
    return np.maximum.accumulate(np.where(new_low, np.arange(len(values)), 0))


def _excursion(alarm: np.ndarray, min_points: int) -> tuple[int | None, int | None]:
    """First run of at least ``min_points`` alarms, and where it ended."""
    count = 0
    for i, hit in enumerate(alarm):
        count = count + 1 if hit else 0
        if count == min_points:
            start = i - min_points + 1
            quiet = np.flatnonzero(~alarm[start:])
            return start, start + int(quiet[0]) if len(quiet) else None
    return None, None


DETECTOR = Detector(
    name="divergence",
    subject=SubjectType.run,
    needs=("loss",),
    params=Params,
    judge=judge,
    description="loss leaves its best level (sustained shift or blow-up; long excursions too), told apart from spikes",
)
