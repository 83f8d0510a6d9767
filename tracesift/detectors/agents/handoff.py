"""Hand-offs that went wrong: an agent passed the task on, and the work it passed on failed.

A hand-off is a step whose tool hands work to another agent (``handoff``, ``delegate``,
``transfer_to_<agent>``; see :data:`~tracesift.detectors.agent_steps.HANDOFF_TOOLS`), the
receiver named in its arguments (``to``, ``agent``, ...) or its tool's name. The work handed
on runs from the step after it until the agent who handed it off decides again, or the
next hand-off. When a tool failed in that work, the hand-off is reported, at its own step
with the handing agent as the one responsible: a ``warning`` when the failure was never
made good, ``info`` when it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracesift.detectors.agent_steps import HANDOFF_TOOLS, View, excerpt, finding, parse_json, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "handoff"
RECEIVER_KEYS = ("to", "agent", "agent_name", "recipient", "target", "assignee")


@dataclass(frozen=True)
class Params:
    """No parameters: any failure in the work handed on counts."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    handoffs = [i for i in range(len(v)) if v.tool[i] and HANDOFF_TOOLS.match(v.tool[i]) and v.kind[i] != "tool_result"]
    for k, step in enumerate(handoffs):
        end = _end_of_work(v, step, handoffs[k + 1] if k + 1 < len(handoffs) else len(v))
        failed = [a for a in v.failed if step < a.step < end]
        if not failed:
            continue
        first = failed[0]
        recovered = v.recovery(first) is not None
        receiver = _receiver(v, step)
        return [finding(trajectory, NAME, "failed_handoff", "info" if recovered else "warning",
                        f"{v.agent[step] or 'an agent'} handed the work to {receiver or 'another agent'}, and "
                        f"{first.tool or 'a tool'} failed at step {first.step}"
                        + ("; made good later" if recovered else "; never made good"), step=step, agent=v.agent[step],
                        end=end - 1, evidence={"receiver": receiver, "failed_step": first.step, "tool": first.tool,
                                               "why": first.why, "text": excerpt(v.content[first.step], 300),
                                               "recovered": recovered, "handoff": excerpt(v.text(step), 200)})]
    return []


def _end_of_work(v: View, step: int, next_handoff: int) -> int:
    """The first step after ``step`` where the handing agent decides again (or the next hand-off)."""
    for i in range(step + 1, next_handoff):
        if v.decisions[i] and v.agent[i] == v.agent[step]:
            return i
    return next_handoff


def _receiver(v: View, step: int) -> str | None:
    arguments = parse_json(v.arguments[step])
    if isinstance(arguments, dict):
        for key in RECEIVER_KEYS:
            if isinstance(arguments.get(key), str):
                return arguments[key]
    tool = v.tool[step] or ""
    for prefix in ("transfer_to_", "handoff_to_"):
        if tool.lower().startswith(prefix):
            return tool[len(prefix):]
    later = next((v.agent[i] for i in range(step + 1, len(v)) if v.decisions[i] and v.agent[i] != v.agent[step]), None)
    return later


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("agent", "tool", "arguments"),
    params=Params,
    judge=judge,
    description="a hand-off or delegation whose receiver's work then failed",
)
