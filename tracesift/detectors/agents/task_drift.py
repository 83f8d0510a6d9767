"""Drift away from the task: what the agents say and do stops resembling what they were asked.

Each decision (its text, its call's arguments and the result it got) is compared with the
task by TF-IDF cosine similarity (scikit-learn, fitted on the task and the trajectory's
own steps). The similarity is smoothed over ``window`` decisions; the trajectory drifted
where the smoothed similarity falls under ``fraction`` of its early level (the highest of
the first ``window`` smoothed values) and stays there to the end, for at least ``min_after``
decisions; the drift begins at the first of the decisions that are themselves that far off.
Needs a task and ``min_steps`` decisions. Lexical similarity is weak evidence (a coding
agent reading files says little of the task), so the finding is ``info``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.agent_steps import excerpt, finding, tfidf, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "task_drift"


@dataclass(frozen=True)
class Params:
    window: int = 3
    """Decisions in the rolling mean of the similarity."""
    fraction: float = 0.25
    """Drift: the smoothed similarity stays under this share of its early level."""
    min_steps: int = 8
    """Decisions a trajectory needs before drift is judged."""
    min_after: int = 3
    """Decisions the drift must last."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    steps = [i for i in np.flatnonzero(v.decisions)]
    if len(steps) < params.min_steps or len(v.task.split()) < 3:
        return []
    results = {a.decided_at: a.result for a in v.actions if a.result is not None and a.result != a.decided_at}
    texts = [f"{v.content[i]} {v.arguments[i]} {v.content[results[i]][:2000] if i in results else ''}" for i in steps]
    vectors = tfidf([v.task] + texts)
    if vectors is None:
        return []
    similarity = (vectors[1:] @ vectors[0].T).toarray().ravel()
    smooth = np.convolve(similarity, np.ones(params.window) / params.window, mode="full")[: len(similarity)]
    smooth[: params.window - 1] = [similarity[: k + 1].mean() for k in range(params.window - 1)]
    early = float(smooth[: params.window].max())
    if early <= 0:
        return []
    below = smooth < params.fraction * early
    stays = np.flip(np.cumprod(np.flip(below))).astype(bool)  # below from here to the end
    start = int(np.argmax(stays)) if stays.any() else None
    if start is None:
        return []
    while start > 0 and similarity[start - 1] < params.fraction * early:  # back to where the words changed
        start -= 1
    if start < params.window or len(steps) - start < params.min_after:
        return []
    step = int(steps[start])
    return [finding(trajectory, NAME, "task_drift", "info",
                    f"from step {step} the steps stop resembling the task (similarity {similarity[start]:.2f}, early "
                    f"{early:.2f})", step=step, agent=v.agent[step], end=int(steps[-1]),
                    score=float(similarity[start] / early),
                    evidence={"similarity": [round(float(s), 3) for s in similarity[:200]],
                              "steps": [int(s) for s in steps[:200]], "early_level": round(early, 3),
                              "at_drift": round(float(similarity[start]), 3), "text": excerpt(texts[start], 200)})]


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("content",),
    params=Params,
    judge=judge,
    description="the step from which the agents' words stop resembling the task (TF-IDF cosine similarity)",
)
