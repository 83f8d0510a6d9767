"""Numeric building blocks the training detectors share: robust rolling levels and runs of alarms."""

from __future__ import annotations

import numpy as np
import polars as pl

MAD_TO_SIGMA = 1.4826


def trailing_median(values: np.ndarray, window: int, min_periods: int = 5) -> np.ndarray:
    """Median of the ``window`` points before each point (not including it); NaN/inf ignored."""
    series = pl.Series(np.where(np.isfinite(values), values, np.nan)).fill_nan(None)
    median = series.rolling_median(window_size=window, min_samples=min(min_periods, window)).shift(1)
    return median.fill_null(np.nan).to_numpy().astype(float)


def trailing_mad(values: np.ndarray, median: np.ndarray, window: int, min_periods: int = 5) -> np.ndarray:
    """Robust spread before each point: the rolling median of absolute deviations, as a sigma."""
    deviation = np.abs(values - median)
    return MAD_TO_SIGMA * trailing_median(deviation, window, min_periods)


def trailing_mean_std(values: np.ndarray, window: int, min_periods: int = 20) -> tuple[np.ndarray, np.ndarray]:
    series = pl.Series(np.where(np.isfinite(values), values, np.nan)).fill_nan(None)
    mean = series.rolling_mean(window_size=window, min_samples=min_periods).shift(1)
    std = series.rolling_std(window_size=window, min_samples=min_periods).shift(1)
    return mean.fill_null(np.nan).to_numpy().astype(float), std.fill_null(np.nan).to_numpy().astype(float)


def first_sustained(alarm: np.ndarray, *, share: float = 0.8, min_points: int = 3) -> int | None:
    """First index where ``alarm`` holds and keeps holding for ``share`` of all later points.

    This tells a level that stays changed until the end of the run from a burst
    that passes: a burst fails the share test.
    """
    n = len(alarm)
    if n == 0:
        return None
    later = np.cumsum(alarm[::-1])[::-1]  # alarms from i to the end
    remaining = np.arange(n, 0, -1)
    held = alarm & (later >= share * remaining) & (remaining >= min_points)
    hits = np.flatnonzero(held)
    return int(hits[0]) if len(hits) else None


def early_level(values: np.ndarray, share: float = 0.05, at_least: int = 3, statistic=np.median) -> float:
    """The level a run started at: ``statistic`` (median, or max for quantities that fall fast)
    of its first ``share`` of finite points, at least ``at_least`` of them."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return float("nan")
    count = max(at_least, int(len(finite) * share))
    return float(statistic(finite[:count]))


def log_if_positive(values: np.ndarray) -> np.ndarray:
    """Log scale for strictly positive series (losses, norms), where blow-ups are multiplicative."""
    finite = values[np.isfinite(values)]
    if len(finite) and finite.min() > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(values)
    return values
