"""Response length collapsing, or responses clipped at the maximum length.

Needs ``response_length`` (mean generated length) and/or ``clip_frac`` (the
share of responses cut at the length limit, e.g. verl's
``response_length/clip_ratio``). Collapse: the mean length at most
``fraction`` of its early level for ``share`` of the rest of the run.
Clipping: at least ``clip_share`` of responses clipped, for ``share`` of the
rest of the run. Both are warnings: they often go with reward hacking or
entropy collapse, which have their own detectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fell_to_fraction, judge_series, sustained_change
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    fraction: float = 0.3
    """Collapsed at or below this fraction of the early mean length."""
    clip_share: float = 0.5
    """Clipping: at least this share of responses cut at the limit."""
    share: float = 0.8
    """Share of the rest of the run either must hold for."""


def judge(run: Run, params: Params) -> list[Finding]:
    return judge_series(run, "response_length", lambda series: collapse(series, params)) + judge_series(
        run, "clip_frac", lambda series: clipping(series, params)
    )


def collapse(series: Series, params: Params) -> Finding | None:
    return fell_to_fraction(series, what="response length", fraction=params.fraction, share=params.share,
                            detector="response_length", kind="response_length_collapse", severity="warning")


def clipping(series: Series, params: Params) -> Finding | None:
    x = series.values
    with np.errstate(invalid="ignore"):
        alarm = np.isfinite(x) & (x >= params.clip_share)
    return sustained_change(
        series,
        alarm,
        share=params.share,
        message=lambda i: f"{x[i]:.0%} of responses clipped at the maximum length from here on",
        detector="response_length",
        kind="response_clipping",
        severity="warning",
        direction=+1,
        evidence={"clip_share": params.clip_share},
    )


DETECTOR = Detector(
    name="response_length",
    subject=SubjectType.run,
    needs=("response_length", "clip_frac"),
    params=Params,
    judge=judge,
    description="mean response length collapses, or most responses are clipped at the maximum",
)
