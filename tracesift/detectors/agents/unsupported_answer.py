"""A final answer with no supporting work: it stands on a failure, or on nothing at all.

The answers judged are the final steps (kind ``final``), or, in a trajectory without one,
its last decision when that is a message with no call after it. Looking back to the last user turn (the question it answers):

- after a failed tool result, with no call working since, the answer stands on a failure
  ("Tag pushed." after ``git push`` failed): a ``warning``;
- in a trajectory with no tool call and no tool result at all, the answer stands on
  nothing: ``info`` (a plain chat needs no tools; this is evidence, not a verdict).

An answer that gives up (see ``give_up``) is honest, and not judged here. One finding per
trajectory, at the first unsupported answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracesift.detectors.agent_steps import View, excerpt, finding, view
from tracesift.detectors.agents.give_up import GIVE_UP
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "unsupported_answer"


@dataclass(frozen=True)
class Params:
    judge_tool_free: bool = True
    """Also report (as info) answers given with no tool call at all."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    for step in answers(v):
        if GIVE_UP.search(v.content[step]):
            continue
        asked = _last_user_turn(v, step)
        work = [a for a in v.actions if asked < a.decided_at < step and a.result is not None and a.result < step]
        if work and work[-1].failed:
            failed = work[-1]
            return [finding(trajectory, NAME, "unsupported_answer", "warning",
                            f"answer given after {failed.tool or 'a tool'} failed at step {failed.step}, with nothing "
                            f"working since: {excerpt(v.content[step], 80)}", step=step, agent=v.agent[step],
                            onset=failed.step, evidence={"answer": excerpt(v.content[step], 300), "basis": "failure",
                                                         "failed_step": failed.step, "failure": failed.why})]
        if not work and params.judge_tool_free and not any(a.result is not None for a in v.actions):
            return [finding(trajectory, NAME, "unsupported_answer", "info",
                            f"answer given with no tool call or result behind it: {excerpt(v.content[step], 80)}",
                            step=step, agent=v.agent[step],
                            evidence={"answer": excerpt(v.content[step], 300), "basis": "nothing"})]
    return []


def answers(v: View) -> list[int]:
    """Final steps by an agent; else the last decision, when it is a message with no call after it."""
    finals = [i for i in range(len(v)) if v.kind[i] == "final" and v.decisions[i]]
    if finals:
        return finals
    last = v.decider_before(len(v))
    if last is None or v.kind[last] != "message" or not v.content[last].strip():
        return []
    return [] if any(a.decided_at > last for a in v.actions) else [last]


def _last_user_turn(v: View, step: int) -> int:
    before = [i for i in range(step) if v.user_turns[i]]
    return before[-1] if before else -1


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "content"),
    params=Params,
    judge=judge,
    description="a final answer given after a failure with nothing working since, or with no work behind it",
)
