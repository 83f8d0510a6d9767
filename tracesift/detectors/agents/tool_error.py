"""First failing tool call: the first tool result that failed, who made the call, and whether it was made good.

A result fails when it is flagged as an error, exits non-zero, or its text shows an error
(a traceback, ``SomethingError:``, ``command not found``, failed tests; see
:mod:`tracesift.detectors.agent_steps`). ``first_step`` is the failed result (for a tool
span that holds its own result, the call), ``agent`` the agent who made the call. It is
*recovered* when a later call of the same tool works, or tests pass later: then the
finding is ``info``, else a ``warning``. When the first failure was recovered and a later
one was not, that one is a second finding. When the format records the actions the task
expected (τ-bench ``expected_actions``), a failed call to a tool outside them is marked
``unexpected_action``: the call itself was the wrong action.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracesift.detectors.agent_steps import Action, View, excerpt, finding, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "tool_error"


@dataclass(frozen=True)
class Params:
    max_listed: int = 50
    """At most this many failing steps are listed in the evidence."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    if not v.failed:
        return []
    first = v.failed[0]
    found = [_finding(v, first, params, first_of_all=True)]
    unrecovered = next((a for a in v.failed if v.recovery(a) is None), None)
    if unrecovered is not None and unrecovered is not first and v.recovery(first) is not None:
        found.append(_finding(v, unrecovered, params, first_of_all=False))
    return found


def _finding(v: View, action: Action, params: Params, *, first_of_all: bool) -> Finding:
    recovery = v.recovery(action)
    expected = _expected_actions(v)
    unexpected = bool(expected) and action.tool is not None and action.tool not in expected
    failed = v.failed
    what = f"{action.tool or 'a tool'} failed" + (f" ({action.why})" if action.why else "")
    message = ("first tool failure: " if first_of_all else "first failure never made good: ") + what
    message += f"; recovered at step {recovery.step}" if recovery else "; never recovered"
    evidence = {
        "tool": action.tool,
        "call_step": action.call,
        "decided_at": action.decided_at,
        "embedded_call": action.embedded,
        "arguments": excerpt(action.arguments, 300),
        "why": action.why,
        "text": excerpt(v.content[action.step], 300),
        "recovered": recovery is not None,
        "recovery_step": recovery.step if recovery else None,
        "failures": len(failed),
        "failing_steps": [a.step for a in failed[: params.max_listed]],
    }
    if expected:
        evidence["expected_actions"] = sorted(expected)
        evidence["unexpected_action"] = unexpected
        if unexpected:
            message += f"; {action.tool} is not among the expected actions"
    return finding(v.trajectory, NAME, "tool_error", "info" if recovery else "warning", message, step=action.step,
                   agent=action.agent, onset=action.decided_at if action.decided_at <= action.step else None,
                   end=recovery.step if recovery else None, score=float(len(failed)), evidence=evidence)


def _expected_actions(v: View) -> set[str]:
    expected = v.labels.get("expected_actions")
    if isinstance(expected, list):
        return {e if isinstance(e, str) else str(e.get("name")) for e in expected if isinstance(e, (str, dict))}
    return set()


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "is_error", "exit_code", "content"),
    params=Params,
    judge=judge,
    description="first failing tool call (error flag, non-zero exit code, error text), and whether it was recovered",
)
