"""Numeric building blocks the training detectors share: robust rolling levels and runs of alarms."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

MAD_TO_SIGMA = 1.4826


def trailing_median(
    values: np.ndarray, window: int, min_periods: int = 5, *, including_current: bool = False
) -> np.ndarray:
    """Median of the ``window`` points before each point (ending with it when ``including_current``);
    NaN/inf ignored."""
    series = pl.Series(np.where(np.isfinite(values), values, np.nan)).fill_nan(None)
    median = series.rolling_median(window_size=window, min_samples=min(min_periods, window))
    if not including_current:
        median = median.shift(1)
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


def expanding_kendall(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kendall's tau of ``y`` against time, and its two-sided p-value, for every prefix ``y[:k]``.

    tau-a from the pairwise sign matrix; the p-value from the normal approximation
    (variance ``n(n-1)(2n+5)/18``), as for samples without ties.
    """
    n = len(y)
    signs = np.sign(y[None, :] - y[:, None])  # [i, j]: does y rise from i to j?
    per_end = np.triu(signs, k=1).sum(axis=0)  # pairs (i, j) with j as the later point
    s = np.cumsum(per_end)
    k = np.arange(1, n + 1, dtype=float)
    pairs = k * (k - 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(pairs > 0, s / pairs, np.nan)
        z = s / np.sqrt(k * (k - 1) * (2 * k + 5) / 18)
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])
    return tau, p


def kendall_tau(y: np.ndarray) -> float:
    """Kendall's tau-a of ``y`` against time (0.0 for fewer than two points), exact, in O(n log n).

    With P pairs, ``inv`` pairs that fall (y_i > y_j for i < j) and T tied pairs,
    the pairs that rise are P - inv - T, so tau = (P - 2 inv - T) / P.
    """
    n = len(y)
    if n < 2:
        return 0.0
    _, ranks, counts = np.unique(y, return_inverse=True, return_counts=True)
    pairs = n * (n - 1) // 2
    ties = int(np.sum(counts * (counts - 1) // 2))
    return (pairs - 2 * _inversions(ranks, len(counts)) - ties) / pairs


def _inversions(ranks: np.ndarray, distinct: int) -> int:
    """Pairs i < j with ranks[i] > ranks[j]: a bottom-up merge sort, one vectorised pass per level.

    The array is padded to a power of two with a rank above all others (pads add no
    inversion). At each level, every right block counts the elements of its left
    block greater than each of its own: left keys are offset by block so one
    ``searchsorted`` serves all blocks.
    """
    size = 1 << (len(ranks) - 1).bit_length()
    blocks = np.full(size, distinct, dtype=np.int64)
    blocks[: len(ranks)] = ranks
    width, total, stride = 1, 0, distinct + 1
    while width < size:
        pairs = blocks.reshape(-1, 2, width)
        offsets = (np.arange(len(pairs)) * stride)[:, None]
        left, right = (pairs[:, 0, :] + offsets).ravel(), (pairs[:, 1, :] + offsets).ravel()
        not_greater = np.searchsorted(left, right, side="right")
        block_end = np.repeat((np.arange(len(pairs)) + 1) * width, width)
        total += int(np.sum(block_end - not_greater))
        blocks = np.sort(pairs.reshape(-1, 2 * width), axis=1).ravel()
        width *= 2
    return total
