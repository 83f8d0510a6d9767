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

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import each_series, fell_to_fraction, sustained_change


def run(source: SeriesSource, *, fraction: float = 0.3, clip_share: float = 0.5, share: float = 0.8) -> list[Finding]:
    return each_series(source, "response_length", collapse, fraction=fraction, share=share) + each_series(
        source, "clip_frac", clipping, clip_share=clip_share, share=share
    )


def collapse(series: Series, *, fraction: float, share: float) -> Finding | None:
    return fell_to_fraction(series, what="response length", fraction=fraction, share=share,
                            detector="response_length", kind="response_length_collapse", severity="warning")


def clipping(series: Series, *, clip_share: float, share: float) -> Finding | None:
    x = series.values
    with np.errstate(invalid="ignore"):
        alarm = np.isfinite(x) & (x >= clip_share)
    return sustained_change(
        series,
        alarm,
        share=share,
        message=lambda i: f"{x[i]:.0%} of responses clipped at the maximum length from here on",
        detector="response_length",
        kind="response_clipping",
        severity="warning",
        direction=+1,
        evidence={"clip_share": clip_share},
    )


DETECTOR = Detector(
    name="response_length",
    roles=("response_length", "clip_frac"),
    description="mean response length collapses, or most responses are clipped at the maximum",
    run=run,
)
