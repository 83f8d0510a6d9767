"""Error cascades: the failures that followed the first one, and whether the agent ever recovered.

The cascade starts at the first failed tool result that was not made good (see
:mod:`tracesift.detectors.agent_steps`: recovered means a later call of the same tool
worked, or tests passed later) and counts the failures after it, tool results and
framework errors alike. A finding needs at least ``min_errors`` failures in all. It
is ``critical`` when the trajectory never recovered and ``critical_after`` or more
failures followed the first, a ``warning`` when fewer did, and ``info`` when every
failure was made good (the cascade then starts at the first failure).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracesift.detectors.agent_steps import excerpt, finding, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "error_cascade"


@dataclass(frozen=True)
class Params:
    min_errors: int = 2
    """Failures in all (the first one included) before there is a cascade."""
    critical_after: int = 2
    """Unrecovered failures after the first that make the cascade critical."""
    max_listed: int = 50
    """At most this many failing steps are listed in the evidence."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    failed = {a.step: a for a in v.failed}
    errors = sorted(set(failed) | set(v.error_steps))
    if len(errors) < params.min_errors or not failed:
        return []
    start = next((a for a in v.failed if v.recovery(a) is None), None)
    recovered = start is None
    start = start or v.failed[0]
    after = [s for s in errors if s > start.step]
    if len(after) + 1 < params.min_errors:
        return []
    tools = sorted({failed[s].tool or "?" for s in [start.step, *after] if s in failed})
    severity = "info" if recovered else "critical" if len(after) >= params.critical_after else "warning"
    recovery = v.recovery(v.failed[-1]) if recovered else None
    message = (f"{len(after)} more failure{'s' if len(after) != 1 else ''} after {start.tool or 'a tool'} failed at step "
               f"{start.step} ({', '.join(tools)})" + ("; every one made good" if recovered else "; never recovered"))
    return [finding(trajectory, NAME, "error_cascade", severity, message, step=start.step, agent=start.agent,
                    onset=min(start.decided_at, start.step), end=after[-1] if after else start.step,
                    score=float(len(after)), evidence={
                        "first_failure": {"step": start.step, "tool": start.tool, "why": start.why,
                                          "text": excerpt(v.content[start.step], 300)},
                        "errors_after": len(after),
                        "error_steps": [start.step, *after][: params.max_listed],
                        "tools": tools,
                        "recovered": recovered,
                        "recovery_step": recovery.step if recovery else None,
                        "last_error": excerpt(v.content[after[-1]], 300) if after else None,
                    })]


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "is_error", "exit_code", "content"),
    params=Params,
    judge=judge,
    description="failures after the first unrecovered one; critical when the agent never recovered",
)
