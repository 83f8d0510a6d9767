"""Early-warning evidence before an onset: rising variance and lag-1 autocorrelation.

Critical slowing down predicts both before a tipping point. The literature is
clear that these signals are unreliable on their own, so tracesift reports
them as weak evidence beside a finding and never lets them raise its severity.

Within the ``window`` points before the onset, the series is detrended
(residuals from a rolling mean), rolling variance and lag-1 autocorrelation are
computed over sub-windows, and Kendall's tau measures whether each rises. The
warning step is the first point at which the tau of the indicator so far
reaches ``tau`` (with p < 0.05, normal approximation); ``lead_steps`` is how
long before the onset that was.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tracesift.detectors.base import Series
from tracesift.detectors.signal import expanding_kendall


def early_warning(series: Series, onset: int, *, window: int = 100, tau: float = 0.5) -> dict | None:
    """Evidence (a dict) when variance or autocorrelation rose before ``onset`` (an index)."""
    lo = max(0, onset - window)
    values = series.values[lo:onset]
    if len(values) < 30 or not np.all(np.isfinite(values)):
        return None
    sub = max(5, len(values) // 4)
    residual = values - pl.Series(values).rolling_mean(sub, min_samples=1, center=True).to_numpy()
    frame = pl.Series(residual)
    variance = frame.rolling_var(sub, min_samples=sub).to_numpy()
    lagged = pl.DataFrame({"a": residual[1:], "b": residual[:-1]})
    ac1 = np.r_[np.nan, lagged.select(pl.rolling_corr("a", "b", window_size=sub, min_samples=sub)).to_series()]
    indicators = {"variance": variance, "lag1_autocorrelation": ac1}
    found = {}
    for name, indicator in indicators.items():
        warned_at, final_tau = _first_significant_rise(indicator, tau)
        found[name] = {"kendall_tau": final_tau, "warned_at_step": None}
        if warned_at is not None:
            found[name]["warned_at_step"] = int(series.steps[lo + warned_at])
    warned = [v["warned_at_step"] for v in found.values() if v["warned_at_step"] is not None]
    if not warned:
        return None
    first = min(warned)
    return {
        "weak": True,
        "window_steps": [int(series.steps[lo]), int(series.steps[onset - 1])],
        "indicators": found,
        "lead_steps": int(series.steps[onset]) - first,
    }


def _first_significant_rise(indicator: np.ndarray, tau: float) -> tuple[int | None, float | None]:
    valid = np.flatnonzero(np.isfinite(indicator))
    if len(valid) < 10:
        return None, None
    taus, pvalues = expanding_kendall(indicator[valid])
    final_tau = round(float(taus[-1]), 3) if np.isfinite(taus[-1]) else None
    rising = np.flatnonzero((np.arange(len(valid)) >= 9) & (taus >= tau) & (pvalues < 0.05))
    return (int(valid[rising[0]]), final_tau) if len(rising) else (None, final_tau)
