"""Empty or void turns: an agent turn that says nothing and does nothing.

A *turn* is a stretch of one agent's decisions with nothing else between (see
:mod:`tracesift.detectors.agent_steps`). It is void when

- it is empty: no tool call, and no text in any of its steps (a blank final answer too); or
- the framework answered it with a format error: it had no action where one was required
  ("You did not use a tool", "found 0 actions", "no function call").

One finding per trajectory, at the first void turn: ``info`` for one, a ``warning`` when
``repeated`` or more void turns come in a row (no action between them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracesift.detectors.agent_steps import View, excerpt, finding, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "void_turn"
FORMAT_ERROR = re.compile(r"did not use a tool|found \d+ actions|exactly one action|no (?:function|tool) call"
                          r"|format error|must (?:contain|include) (?:a|one|exactly)|no action (?:was )?(?:found|given)"
                          r"|could not parse (?:the |your )?(?:action|response)", re.I)


@dataclass(frozen=True)
class Params:
    repeated: int = 2
    """Void turns in a row that make a warning."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    void = [(turn, why) for turn in turns(v) if (why := _void(v, turn))]
    if not void:
        return []
    run = longest = 1
    for (before, _), (after, _) in zip(void, void[1:]):
        acted = any(a.decided_at > before[-1] and a.decided_at < after[0] for a in v.actions)
        run = 1 if acted or v.agent[before[0]] != v.agent[after[0]] else run + 1
        longest = max(longest, run)
    (first, why) = void[0]
    step = first[0]
    return [finding(trajectory, NAME, "void_turn", "warning" if longest >= params.repeated else "info",
                    f"{v.agent[step] or 'the agent'} took a void turn ({why})"
                    + (f"; {len(void)} void turns, {longest} in a row" if len(void) > 1 else ""),
                    step=step, agent=v.agent[step], end=void[-1][0][-1], score=float(len(void)),
                    evidence={"turns": [{"steps": t, "why": w} for t, w in void[:50]], "in_a_row": longest})]


def turns(v: View) -> list[list[int]]:
    """Stretches of one agent's decisions with nothing else between them."""
    found: list[list[int]] = []
    for i in range(len(v)):
        if not v.decisions[i]:
            continue
        if found and found[-1][-1] == i - 1 and v.agent[found[-1][-1]] == v.agent[i]:
            found[-1].append(i)
        else:
            found.append([i])
    return found


def _void(v: View, turn: list[int]) -> str | None:
    if any(v.kind[i] == "tool_call" for i in turn):
        return None
    after = turn[-1] + 1
    if after < len(v) and v.kind[after] == "error" and FORMAT_ERROR.search(v.content[after][:1000]):
        return f"no action; the framework said: {excerpt(v.content[after], 80)}"
    if not any(v.content[i].strip() or v.arguments[i].strip() for i in turn):
        return "empty"
    return None


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "content"),
    params=Params,
    judge=judge,
    description="agent turns with no text and no action, or answered by a format error",
)
