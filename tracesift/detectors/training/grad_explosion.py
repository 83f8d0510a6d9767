"""Gradient-norm explosion, a leading indicator of loss trouble.

Needs the ``grad_norm`` role. A step alarms when the norm reaches ``factor``
times the median of the ``window`` steps before it, or is not finite. The
first alarm is the finding (critical when the norm goes non-finite, a warning
otherwise); how many steps it came before the loss's own trouble is filled in
as ``lead_steps`` once every detector has run (see ``scan.link_leads``).
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import collapse_finding, each_series, fmt
from tracesift.detectors.signal import trailing_median


def run(source: SeriesSource, *, factor: float = 10.0, window: int = 50) -> list[Finding]:
    return each_series(source, "grad_norm", judge, factor=factor, window=window)


def judge(series: Series, *, factor: float, window: int) -> Finding | None:
    x = series.values
    median = trailing_median(x, window)
    with np.errstate(invalid="ignore"):
        alarm = ~np.isfinite(x) | (np.isfinite(median) & (median > 0) & (x > factor * median))
    alarm[:5] = False
    hits = np.flatnonzero(alarm)
    if not len(hits):
        return None
    first = int(hits[0])
    nonfinite = bool((~np.isfinite(x[first:])).any())
    ratio = float(x[first] / median[first]) if np.isfinite(x[first]) and median[first] > 0 else None
    message = (
        f"gradient norm jumped to {fmt(x[first])}, {fmt(ratio) if ratio else 'far'}x its recent median "
        f"{fmt(median[first])}" + (", later non-finite" if nonfinite else "")
    )
    finding = collapse_finding(
        series,
        first,
        detector="grad_explosion",
        kind="grad_explosion",
        severity="critical" if nonfinite else "warning",
        direction=+1,
        message=message,
        score=ratio,
        evidence={"median_before": float(median[first]), "alarms": int(alarm.sum())},
    )
    finding.lead_steps = None  # set relative to the loss by scan.link_leads
    return finding


DETECTOR = Detector(
    name="grad_explosion",
    roles=("grad_norm",),
    description="gradient norm jumps far above its recent median (leading indicator; lead over the loss reported)",
    run=run,
)
