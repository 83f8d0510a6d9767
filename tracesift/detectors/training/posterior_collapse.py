"""Posterior collapse in VAEs: the KL term sinks to about zero and stays.

Needs the ``vae_kl`` role, or ``kl`` in a run that also logs ``recon_loss``
(a VAE logging a plain ``kl``). After the KL term has peaked, it has collapsed
once it is at most ``fraction`` of its peak (or under ``epsilon`` nats) for
``share`` of the rest of the run: the decoder then ignores the latent.
"""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Detector, Finding, Series, SeriesSource
from tracesift.detectors.collapse import fmt, sustained_change


def run(source: SeriesSource, *, fraction: float = 0.05, epsilon: float = 0.02, share: float = 0.9) -> list[Finding]:
    series = dict(source.role("vae_kl"))
    vaes = source.role("recon_loss")
    for run_id, kl in source.role("kl").items():
        if run_id in vaes and run_id not in series:
            series[run_id] = kl
    findings = [judge(s, fraction=fraction, epsilon=epsilon, share=share) for s in series.values() if len(s) >= 10]
    return [f for f in findings if f is not None]


def judge(series: Series, *, fraction: float, epsilon: float, share: float) -> Finding | None:
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
    roles=("vae_kl",),
    description="a VAE's KL term sinks to ~0 after its peak and stays there",
    run=run,
)
