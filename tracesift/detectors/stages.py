"""Post-stages: rules over one subject's findings from every detector, run after the detectors.

A stage takes the findings of ONE subject and returns them, amended or extended.
For runs, ``lead_over_loss`` gives each gradient-norm explosion its lead over the
loss trouble that followed it.
"""

from __future__ import annotations

from collections.abc import Callable

from tracesift.findings import Finding, SubjectType

PostStage = Callable[[list[Finding]], list[Finding]]

LOSS_TROUBLE = {"divergence", "loss_spike", "non_finite"}


def lead_over_loss(findings: list[Finding]) -> list[Finding]:
    """Each grad_explosion's ``lead_steps``: steps until the first loss trouble at or after it (None if none)."""
    trouble = [step for f in findings if (step := _loss_trouble_step(f)) is not None]
    for f in findings:
        if f.kind == "grad_explosion" and f.first_step is not None:
            later = [s for s in trouble if s >= f.first_step]
            f.lead_steps = min(later) - f.first_step if later else None
            f.evidence["lead_over_loss"] = f.lead_steps
    return findings


def _loss_trouble_step(f: Finding) -> int | None:
    if f.kind == "non_finite":
        loss = f.evidence.get("metrics", {}).get("loss")
        return loss["first_step"] if loss else None
    if f.kind in LOSS_TROUBLE and f.metric == "loss":
        return f.first_step
    return None


POST_STAGES: dict[SubjectType, list[PostStage]] = {
    SubjectType.run: [lead_over_loss],
    SubjectType.trajectory: [],
}
