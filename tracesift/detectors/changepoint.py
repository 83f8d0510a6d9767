"""Onset by change-point search: binary segmentation of a piecewise-constant mean.

A threshold says when a collapse became obvious; the onset is when the regime
changed. Around the first alarm we fit a piecewise-constant mean (L2 cost) by
binary segmentation with a BIC-like penalty ``penalty * sigma^2 * log(n)``,
sigma estimated robustly from first differences. The onset is the earliest
break after which every segment up to the alarm stays beyond the level before
it, in the direction of the collapse.

The window reaches back as far as the change did: to the last point before the
alarm where the series (a 5-point rolling median) was still within ``tolerance``
of its reference level (its highest before a fall, its lowest before a rise),
and ``lookback // 4`` points of that level before it; never less than
``lookback`` points. A sharp drop whose slow tail crosses a threshold hundreds
of steps later is then still in view. The cost stays linear in the series
length: one rolling pass finds the reference, and binary segmentation makes at
most ``max_breaks`` passes over the window.
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.signal import MAD_TO_SIGMA, log_if_positive, trailing_median


def best_split(y: np.ndarray, min_size: int = 2) -> tuple[int, float]:
    """The single mean-shift break that lowers the L2 cost most: (index, gain)."""
    n = len(y)
    if n < 2 * min_size:
        return 0, 0.0
    sums = np.r_[0.0, np.cumsum(y)]
    squares = np.r_[0.0, np.cumsum(y * y)]
    k = np.arange(min_size, n - min_size + 1)
    left = squares[k] - sums[k] ** 2 / k
    right = (squares[n] - squares[k]) - (sums[n] - sums[k]) ** 2 / (n - k)
    total = squares[n] - sums[n] ** 2 / n
    cost = left + right
    best = int(np.argmin(cost))
    return int(k[best]), float(total - cost[best])


def binseg(y: np.ndarray, *, penalty: float, min_size: int = 2, max_breaks: int = 20) -> list[int]:
    """Break indices (sorted) found by binary segmentation until no split gains ``penalty``."""
    segments = [(0, len(y))]
    breaks: list[int] = []
    while len(breaks) < max_breaks:
        candidates = []
        for lo, hi in segments:
            split, gain = best_split(y[lo:hi], min_size)
            if gain > penalty:
                candidates.append((gain, lo, hi, lo + split))
        if not candidates:
            break
        _, lo, hi, split = max(candidates)
        segments.remove((lo, hi))
        segments += [(lo, split), (split, hi)]
        breaks.append(split)
    return sorted(breaks)


def noise_sigma(y: np.ndarray) -> float:
    """Robust noise level from first differences (insensitive to level shifts)."""
    if len(y) < 3:
        return 0.0
    diffs = np.diff(y)
    return float(MAD_TO_SIGMA * np.median(np.abs(diffs - np.median(diffs))) / np.sqrt(2))


def onset_index(
    values: np.ndarray, alarm: int, *, direction: int, lookback: int = 200, penalty: float = 3.0
) -> int:
    """The index where the change that raised the alarm at ``alarm`` began.

    ``direction`` is +1 for a rise (loss, norms, KL) and -1 for a fall (entropy,
    a KL term sinking to zero). Falls back to ``alarm`` when the series around
    it is too short or too flat to place a break.
    """
    lo = min(alarm - lookback, last_at_reference(values, alarm, direction=direction) - lookback // 4)
    lo = max(0, lo)
    hi = min(len(values), alarm + max(3, lookback // 8) + 1)
    window = values[lo:hi]
    bad = np.flatnonzero(~np.isfinite(window))
    if len(bad):
        window = window[: bad[0]]
    y = log_if_positive(window)
    if len(y) < 8 or not np.all(np.isfinite(y)):
        return alarm
    sigma = max(noise_sigma(y[: max(8, min(len(y), alarm - lo))]), 1e-9 * (1 + np.abs(y).max()))
    breaks = binseg(y, penalty=penalty * sigma**2 * np.log(len(y)))
    edges = [0, *breaks, len(y)]
    means = [float(np.mean(y[a:b])) for a, b in zip(edges[:-1], edges[1:])]
    for j, split in enumerate(breaks):
        if lo + split > alarm:
            break
        before = means[j]
        later = means[j + 1 :]
        if all(direction * (m - before) > 2 * sigma for m in later):
            return lo + split
    return alarm


def last_at_reference(values: np.ndarray, alarm: int, *, direction: int, tolerance: float = 0.1) -> int:
    """The last index before ``alarm`` where the series was still at its reference level.

    The reference is the highest (before a fall, ``direction`` -1) or lowest (before
    a rise) 5-point trailing median before the alarm; "at" means within
    ``tolerance`` of it, relative. ``alarm`` itself when nothing before it is finite.
    """
    level = trailing_median(values[:alarm], 5, min_periods=1, including_current=True)
    finite = np.flatnonzero(np.isfinite(level))
    if not len(finite):
        return alarm
    reference = float(np.max(level[finite]) if direction < 0 else np.min(level[finite]))
    near = np.abs(level[finite] - reference) <= tolerance * abs(reference)
    return int(finite[near][-1])
