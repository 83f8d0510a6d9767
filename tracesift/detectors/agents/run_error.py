"""Errors outside any tool: the harness or the framework failed the run, or a guardrail tripped.

Error steps (kind ``error``) that other detectors do not own: a limit reached is
``budget``'s, "stuck in a loop" is ``loop``'s, a format complaint is ``void_turn``'s, an
unknown tool or rejected arguments is ``malformed_call``'s. What is left is a guardrail
that tripped (kind ``guardrail``) or an exception, rate limit or crash of the harness
(kind ``run_error``). One finding per trajectory, at the first: ``critical`` when no agent
decided anything after it (the run ended there), else a ``warning``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracesift.detectors.agent_steps import excerpt, finding, view
from tracesift.detectors.agents.budget import LIMIT_TEXT
from tracesift.detectors.agents.loop import STUCK
from tracesift.detectors.agents.malformed_call import BAD_ARGUMENTS, NO_SUCH_TOOL
from tracesift.detectors.agents.void_turn import FORMAT_ERROR
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "run_error"
GUARDRAIL = re.compile(r"guardrail|tripwire|content (?:filter|policy)|moderation|safety (?:check|filter)", re.I)
OWNED = [*LIMIT_TEXT.values(), STUCK, FORMAT_ERROR, NO_SUCH_TOOL, BAD_ARGUMENTS]
"""What another detector reports."""


@dataclass(frozen=True)
class Params:
    """No parameters: every error step nobody else reports is one."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    for step in v.error_steps:
        text = v.content[step][:2000]
        if any(p.search(text) for p in OWNED):
            continue
        guardrail = bool(GUARDRAIL.search(f"{v.role[step] or ''} {text}"))
        ended = not v.decisions[step + 1:].any()
        what = "a guardrail tripped" if guardrail else "the run failed outside any tool"
        return [finding(trajectory, NAME, "guardrail" if guardrail else "run_error", "critical" if ended else "warning",
                        f"{what}: {excerpt(text, 120)}", step=step, agent=v.responsible(step),
                        evidence={"text": excerpt(v.content[step], 300), "tool": v.tool[step], "ended_run": ended,
                                  "errors": len(v.error_steps)})]
    return []


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "content"),
    params=Params,
    judge=judge,
    description="harness or framework errors outside any tool (exceptions, rate limits), and guardrails that tripped",
)
