"""Gradient-norm explosion, a leading indicator of loss trouble.

Needs the ``grad_norm`` role. A step alarms when the norm reaches ``factor``
times the median of the ``window`` steps before it, or is not finite. The
first alarm is the finding: critical when the norm goes non-finite, a warning
when it stays high or keeps jumping. A single isolated spike (every alarm within
``isolated_span`` points of the first) is only info on its own: the
``lead_over_loss`` post-stage makes it a warning when loss trouble follows within
``reaction_steps``. That post-stage also fills in ``lead_steps``, how many steps
the first alarm came before the loss's own trouble.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import collapse_finding, fmt, judge_series
from tracesift.detectors.signal import trailing_median
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    factor: float = 10.0
    """Alarm at this multiple of the recent median."""
    window: int = 50
    """Steps in the recent median."""
    isolated_span: int = 5
    """Alarms all within this many points of the first are one isolated spike (info unless the loss reacts)."""
    reaction_steps: int = 50
    """The loss reacted to an isolated spike when its trouble starts within this many steps after it."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "grad_norm", lambda series: assess(series, params))


def assess(series: Series, params: Params) -> Finding | None:
    factor = params.factor
    x = series.values
    median = trailing_median(x, params.window)
    with np.errstate(invalid="ignore"):
        alarm = ~np.isfinite(x) | (np.isfinite(median) & (median > 0) & (x > factor * median))
    alarm[:5] = False
    hits = np.flatnonzero(alarm)
    if not len(hits):
        return None
    first = int(hits[0])
    nonfinite = bool((~np.isfinite(x[first:])).any())
    isolated = not nonfinite and int(hits[-1]) - first < params.isolated_span
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
        severity="critical" if nonfinite else "info" if isolated else "warning",
        direction=+1,
        message=message,
        score=ratio,
        evidence={"median_before": float(median[first]), "alarms": int(alarm.sum()), "isolated": isolated,
                  "reaction_steps": params.reaction_steps},
    )
    finding.lead_steps = None  # set relative to the loss by the lead_over_loss post-stage
    return finding


DETECTOR = Detector(
    name="grad_explosion",
    subject=SubjectType.run,
    needs=("grad_norm",),
    params=Params,
    judge=judge,
    description="gradient norm jumps far above its recent median (leading indicator; lead over the loss reported)",
)
