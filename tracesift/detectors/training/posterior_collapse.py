"""Posterior collapse in VAEs: the KL term sinks to about zero and stays.

Needs the ``vae_kl`` role, or ``kl`` in a run that also logs ``recon_loss``
(a VAE logging a plain ``kl``). After the KL term has peaked, it has collapsed
once it is at most ``fraction`` of its peak (or under ``epsilon`` nats) for
``share`` of the rest of the run: the decoder then ignores the latent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt, sustained_change
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    fraction: float = 0.05
    """Collapsed at or below this fraction of the KL term's peak..."""
    epsilon: float = 0.02
    """...or under this many nats."""
    share: float = 0.9
    """Share of the rest of the run it must stay there."""


def judge(run: Run, params: Params) -> list[Finding]:
    series = run.series("vae_kl")
    if series is None and run.series("recon_loss") is not None:
        series = run.series("kl")  # a VAE logging a plain KL term
    finding = assess(series, params) if series is not None and len(series) >= 10 else None
    return [finding] if finding else []


def assess(series: Series, params: Params) -> Finding | None:
    fraction, epsilon, share = params.fraction, params.epsilon, params.share
    x = series.values
    if not np.isfinite(x).any():
        return None
    peak_at = int(np.nanargmax(np.where(np.isfinite(x), x, -np.inf)))
    peak = float(x[peak_at])
    threshold = max(fraction * peak, epsilon)
    if peak <= 2 * threshold:
        return None  # never carried information worth losing
    with np.errstate(invalid="ignore"):
        alarm = np.isfinite(x) & (x <= threshold)
    alarm[: peak_at + 1] = False
    return sustained_change(
        series,
        alarm,
        share=share,
        message=lambda i: f"KL term collapsed to {fmt(x[i])} after peaking at {fmt(peak)} (step {series.steps[peak_at]})",
        detector="posterior_collapse",
        kind="posterior_collapse",
        severity="critical",
        direction=-1,
        evidence={"peak": peak, "peak_step": int(series.steps[peak_at]), "threshold": threshold},
    )


DETECTOR = Detector(
    name="posterior_collapse",
    subject=SubjectType.run,
    needs=("vae_kl",),
    params=Params,
    judge=judge,
    description="a VAE's KL term sinks to ~0 after its peak and stays there",
)
