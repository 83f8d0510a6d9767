"""Non-finite values: the first NaN or infinity in any metric of a run.

Needs no role: every metric is checked. Critical when a core training signal
(loss, gradient norm, reward, entropy, KL, evaluation loss) goes non-finite,
a warning for any other metric. One finding per run, naming the metric that
went first; the others are in the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run
from tracesift.findings import Finding, SubjectType

CORE = {"loss", "grad_norm", "reward", "entropy", "kl", "vae_kl", "eval/loss", "response_length"}


@dataclass(frozen=True)
class Params:
    """No parameters: any NaN or infinity is a finding."""


def judge(run: Run, params: Params) -> list[Finding]:
    metrics = sorted((_non_finite(run, metric) for metric in run.metrics()), key=lambda m: (m[1], m[0]))
    metrics = [m for m in metrics if m[3]]
    return [_finding(run.run_id, metrics)] if metrics else []


def _non_finite(run: Run, metric: str) -> tuple[str, int, int, int, int]:
    """(metric, first step, last step, points, NaNs) of the rows of ``metric`` that are not finite."""
    rows = run.rows(metric)
    values = run.value[rows]
    bad = ~np.isfinite(values)
    if not bad.any():
        return metric, 0, 0, 0, 0
    steps = run.step[rows][bad]
    return metric, int(steps.min()), int(steps.max()), int(bad.sum()), int(np.isnan(values[bad]).sum())


def _finding(run_id: str, metrics: list[tuple]) -> Finding:
    metric, first, last, points, nans = metrics[0]
    core = any(m[0] in CORE for m in metrics)
    others = len(metrics) - 1
    message = f"{metric} is {'NaN' if nans else 'infinite'} from step {first}" + (
        f" ({others} more metric{'s' if others > 1 else ''} follow)" if others else ""
    )
    evidence = {m[0]: {"first_step": m[1], "last_step": m[2], "points": m[3], "nan": m[4]} for m in metrics}
    return Finding(
        subject_id=run_id,
        detector="non_finite",
        kind="non_finite",
        severity="critical" if core else "warning",
        message=message,
        metric=metric,
        onset_step=first,
        first_step=first,
        end_step=max(m[2] for m in metrics),
        score=float(points),
        evidence={"metrics": evidence},
    )


DETECTOR = Detector(
    name="non_finite",
    subject=SubjectType.run,
    needs=(),
    params=Params,
    judge=judge,
    description="first NaN or infinity in any metric",
)
