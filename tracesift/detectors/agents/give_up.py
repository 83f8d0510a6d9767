"""Giving up: an agent says it cannot do the task, or apologises, and then calls no tool again.

A message or final answer of an agent that matches :data:`GIVE_UP` ("I cannot", "I was
unable to", "I could not", "I'm sorry", "I apologise", ...) is giving up when that agent
makes no tool call after it. One ``warning`` per trajectory, at the first such message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracesift.detectors.agent_steps import View, excerpt, finding, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "give_up"
GIVE_UP = re.compile(
    r"\bI(?:'m| am)? (?:cannot|can't|can ?not|could not|couldn't|was unable|am unable|'m unable|wasn't able|was not "
    r"able|am not able|'m not able|do not have (?:access|the (?:data|information))|don't have (?:access|the (?:data|"
    r"information)))\b|\bunable to (?:complete|proceed|continue|finish|access|find|install|fix|resolve)\b"
    r"|\bI(?:'m| am) (?:sorry|afraid)\b|\bI apologi[sz]e\b|^\s*(?:sorry|apologies)\b|\bI give up\b"
    r"|\bno longer be (?:changed|modified|done)\b|\bnot possible (?:to|for me)\b",
    re.I | re.M,
)
"""Words of an agent that stops trying."""


@dataclass(frozen=True)
class Params:
    """No parameters: the words are :data:`GIVE_UP`, and no tool call may follow."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    for i in range(len(v)):
        if not v.decisions[i] or v.kind[i] not in ("message", "final") or not (match := GIVE_UP.search(v.content[i])):
            continue
        if _calls_after(v, i):
            continue
        return [finding(trajectory, NAME, "give_up", "warning", f"{v.agent[i] or 'the agent'} gave up: "
                        f"{excerpt(v.content[i], 120)}", step=i, agent=v.agent[i],
                        evidence={"text": excerpt(v.content[i], 300), "words": match.group(0),
                                  "last_failure": _last_failure(v, i)})]
    return []


def _calls_after(v: View, step: int) -> bool:
    return any(a.decided_at > step and a.agent == v.agent[step] for a in v.actions)


def _last_failure(v: View, step: int) -> int | None:
    before = [a.step for a in v.failed if a.step < step]
    return before[-1] if before else None


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "content"),
    params=Params,
    judge=judge,
    description='an agent that says "I cannot" or apologises and calls no tool after',
)
