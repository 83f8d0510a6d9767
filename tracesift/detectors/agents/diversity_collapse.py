"""Diversity collapse in multi-agent runs: different agents saying near-identical things.

Every message of one agent is compared with the ``window`` messages before it that other
agents wrote, by TF-IDF cosine similarity; a pair at ``similarity`` or above, both at least ``min_chars``
long, is an echo. The finding is at the first echo (its agent is the one who echoed);
``info`` for one, a ``warning`` when ``min_echoes`` or more messages echo another agent.
Needs two agents or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.agent_steps import excerpt, finding, tfidf, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "diversity_collapse"


@dataclass(frozen=True)
class Params:
    similarity: float = 0.8
    """Cosine similarity at which two messages are near-identical."""
    min_chars: int = 40
    """Messages shorter than this are not compared ("OK", "TERMINATE")."""
    min_echoes: int = 2
    """Echoing messages that make a warning."""
    window: int = 50
    """Each message is compared with the messages this far back."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    if len(v.agents) < 2:
        return []
    steps = [int(i) for i in np.flatnonzero(v.decisions) if v.kind[i] in ("message", "final", "thought")
             and len(v.content[i].strip()) >= params.min_chars]
    if len({v.agent[i] for i in steps}) < 2:
        return []
    vectors = tfidf([v.content[i] for i in steps])
    if vectors is None:
        return []
    echoes = []
    for b in range(1, len(steps)):
        lo = max(0, b - params.window)
        similar = (vectors[lo:b] @ vectors[b].T).toarray().ravel()
        for a in range(lo, b):
            if v.agent[steps[a]] != v.agent[steps[b]] and similar[a - lo] >= params.similarity:
                echoes.append((steps[b], steps[a], float(similar[a - lo])))
                break
    if not echoes:
        return []
    step, source, score = echoes[0]
    agents = sorted({v.agent[s] for s, _, _ in echoes} | {v.agent[s] for _, s, _ in echoes})
    return [finding(trajectory, NAME, "diversity_collapse", "warning" if len(echoes) >= params.min_echoes else "info",
                    f"{v.agent[step]} repeated what {v.agent[source]} said at step {source} (similarity {score:.2f})"
                    + (f"; {len(echoes)} echoes among {', '.join(agents)}" if len(echoes) > 1 else ""),
                    step=step, agent=v.agent[step], onset=source, end=echoes[-1][0], score=score,
                    evidence={"echoes": [{"step": s, "of_step": o, "similarity": round(x, 3)} for s, o, x in echoes[:50]],
                              "agents": agents, "text": excerpt(v.content[step], 200)})]


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("agent", "content"),
    params=Params,
    judge=judge,
    description="different agents of one run saying near-identical things (TF-IDF cosine similarity)",
)
