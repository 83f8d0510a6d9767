"""Forgetting and the stability gap: one evaluation falls while training moves on.

Needs per-task evaluations: two or more ``eval/<task>/<metric>`` series in a
run with the same ``<metric>`` (``eval/task_a/accuracy``, ``eval/task_b/accuracy``);
different metrics of one evaluation (a loss and a KL) are never paired. An
evaluation has dropped when it is worse than its best so far by ``drop``
(relative) while another evaluation is better than it was at that best: the
run is learning something else at its expense. If it comes back within
``recover`` of its best later, that is the stability gap (info); if not, it is
forgetting (warning). Direction by name: losses and perplexities should fall,
everything else rise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Run, Series
from tracesift.detectors.collapse import fmt
from tracesift.detectors.training.evals import better_sign
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    drop: float = 0.2
    """An evaluation has dropped when this much (relative) worse than its best so far."""
    recover: float = 0.05
    """It has recovered when back within this much of that best: a stability gap."""


def judge(run: Run, params: Params) -> list[Finding]:
    evals = [s for name in run.metrics_like("eval/") if (s := run.series(name)) is not None and len(s) >= 3]
    findings = []
    for series in evals:
        peers = [e for e in evals if e is not series and _measure(e) == _measure(series)]
        finding = assess(series, peers, params) if peers else None
        if finding:
            findings.append(finding)
    return findings


def _measure(series: Series) -> str:
    """What an evaluation measures, without the task: ``eval/task_a/accuracy`` -> ``accuracy``."""
    return series.metric.rsplit("/", 1)[-1]


def _goodness(series: Series) -> np.ndarray:
    return better_sign(series.metric) * np.where(series.finite, series.values, np.nan)


def assess(series: Series, others: list[Series], params: Params) -> Finding | None:
    drop, recover = params.drop, params.recover
    good = _goodness(series)
    best = np.fmax.accumulate(np.where(np.isfinite(good), good, -np.inf))
    for t in range(1, len(good)):
        previous = best[t - 1]
        if not (np.isfinite(good[t]) and np.isfinite(previous)) or good[t] > previous - drop * abs(previous):
            continue
        best_step = series.steps[int(np.flatnonzero(good[:t] == previous)[0])]
        helper = next((o for o in others if _improved(o, best_step, series.steps[t])), None)
        if helper is None:
            continue
        back = np.flatnonzero(good[t:] >= previous - recover * abs(previous))
        recovered = int(series.steps[t + back[0]]) if len(back) else None
        kind = "stability_gap" if recovered is not None else "forgetting"
        return Finding(
            subject_id=series.run_id,
            detector="forgetting",
            kind=kind,
            severity="info" if recovered is not None else "warning",
            message=f"{series.metric} fell to {fmt(series.values[t])} from its best {fmt(abs(previous))} while "
            f"{helper.metric} improved" + (f"; recovered by step {recovered}" if recovered is not None else ""),
            metric=series.metric,
            onset_step=int(best_step),
            first_step=int(series.steps[t]),
            end_step=recovered if recovered is not None else int(series.steps[-1]),
            score=float((previous - good[t]) / abs(previous)) if previous else None,
            evidence={"best_step": int(best_step), "improving": helper.metric, "recovered_at": recovered},
        )
    return None


def _improved(other: Series, since: int, until: int) -> bool:
    good = _goodness(other)
    before = good[other.steps <= since]
    after = good[(other.steps > since) & (other.steps <= until)]
    before, after = before[np.isfinite(before)], after[np.isfinite(after)]
    return bool(len(before) and len(after)) and after[-1] > before[-1]


DETECTOR = Detector(
    name="forgetting",
    subject=SubjectType.run,
    needs=("eval/*",),
    params=Params,
    judge=judge,
    description="an earlier task's eval metric drops while another improves (forgetting / stability gap)",
)
