"""Post-stages: rules over one subject's findings from every detector, run after the detectors.

A stage takes ONE subject and its findings and returns the findings, amended or extended.
For runs, ``lead_over_loss`` gives each gradient-norm explosion its lead over the
loss trouble that followed it, and makes an isolated spike (info on its own) a
warning when the loss reacted to it. For trajectories, ``first_failure``
(:mod:`tracesift.detectors.first_failure`) names the decisive step and the agent
responsible for each trajectory that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracesift.detectors.first_failure import first_failure
from tracesift.findings import Finding, Severity, SubjectType

PostStage = Callable[[Any, list[Finding]], list[Finding]]
"""(subject, its findings) -> its findings; the subject is a Run or a Trajectory."""

LOSS_TROUBLE = {"divergence", "loss_excursion", "loss_spike", "non_finite"}


def lead_over_loss(run: object, findings: list[Finding]) -> list[Finding]:
    """Each grad_explosion's ``lead_steps``: steps until the first loss trouble at or after it (None if none)."""
    trouble = [step for f in findings if (step := _loss_trouble_step(f)) is not None]
    for f in findings:
        if f.kind == "grad_explosion" and f.first_step is not None:
            later = [s for s in trouble if s >= f.first_step]
            f.lead_steps = min(later) - f.first_step if later else None
            f.evidence["lead_over_loss"] = f.lead_steps
            if f.evidence.get("isolated") and _loss_reacted(f, trouble):
                f.severity = Severity.warning
                f.message += "; the loss reacted"
    return findings


def _loss_reacted(spike: Finding, trouble: list[int]) -> bool:
    """Loss trouble from the spike's onset to ``reaction_steps`` after its first alarm."""
    lo = spike.onset_step if spike.onset_step is not None else spike.first_step
    hi = spike.first_step + spike.evidence.get("reaction_steps", 0)
    return any(lo <= step <= hi for step in trouble)


def _loss_trouble_step(f: Finding) -> int | None:
    if f.kind == "non_finite":
        loss = f.evidence.get("metrics", {}).get("loss")
        return loss["first_step"] if loss else None
    if f.kind in LOSS_TROUBLE and f.metric == "loss":
        return f.first_step
    return None


POST_STAGES: dict[SubjectType, list[PostStage]] = {
    SubjectType.run: [lead_over_loss],
    SubjectType.trajectory: [first_failure],
}
