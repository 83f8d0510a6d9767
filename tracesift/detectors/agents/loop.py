"""Loops: an agent stuck repeating itself, with the stuck detector of OpenHands as the floor.

Five patterns, each judged over the whole trajectory (not only its end), never across a
user turn, each reported once, where it first appears:

- ``repeated_action``: the same call (agent, tool, arguments) with the same result,
  ``same_action`` times in a row (OpenHands: 4);
- ``repeated_error``: the same call failing ``same_error`` times in a row (OpenHands: 3);
- ``monologue``: one agent saying the same thing ``monologue`` times with no tool call,
  result, user turn or other agent between (OpenHands: 3);
- ``alternation``: two calls taking turns, A-B-A-B, over ``alternation`` calls with their
  results repeating too (OpenHands: 6);
- ``condensation_loop``: ``condensations`` context condensations in a row with no call between
  (a step of the system or the framework, not an agent or the user, saying it condensed or
  compacted the context, or a condensation tool).

Results compare with numbers blanked (timings, ids). ``onset_step`` is the first step of
the loop (for a failing call, its first failed result), ``first_step`` where the count
was reached, ``end_step`` its last repetition. A loop still running when the trajectory
ends is ``critical``, one the agent broke out of a ``warning``. When the format recorded
that the agent was stuck (``AgentStuckInLoopError``) and no pattern is found, that step is
reported as ``stuck``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracesift.detectors.agent_steps import Action, View, excerpt, finding, normal_text, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "loop"
CONDENSATION = re.compile(r"condens|compact(?:ed|ion)|summari[sz]e_task|context (?:was )?(?:summari|truncat)", re.I)
STUCK = re.compile(r"stuck in a loop|StuckInLoop|loop detected|repeating the same", re.I)


@dataclass(frozen=True)
class Params:
    same_action: int = 4
    """The same call with the same result this many times in a row is a loop."""
    same_error: int = 3
    """The same call failing this many times in a row is a loop."""
    monologue: int = 3
    """The same message from one agent this many times, nothing else happening, is a loop."""
    alternation: int = 6
    """Two calls taking turns over this many calls (A-B-A-B-A-B) is a loop."""
    condensations: int = 3
    """This many context condensations with no call between is a loop."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    found = []
    for segment in _segments(v):
        found += _repeats(v, segment, params) + _alternation(v, segment, params)
    found += _monologue(v, params) + _condensation(v, params)
    first_of_kind: dict[str, Finding] = {}
    for f in sorted(found, key=lambda f: f.first_step):
        first_of_kind.setdefault(f.kind, f)
    return list(first_of_kind.values()) or _recorded(v)


def _segments(v: View) -> list[list[Action]]:
    """The actions between user turns."""
    parts: list[list[Action]] = [[]]
    turns = v.user_turns
    for action in v.actions:
        if parts[-1] and turns[parts[-1][-1].step:action.decided_at].any():
            parts.append([])
        parts[-1].append(action)
    return [p for p in parts if p]


def _repeats(v: View, actions: list[Action], params: Params) -> list[Finding]:
    """Runs of one call in a row: the first that fails ``same_error`` times, the first that gets one answer."""
    found: dict[str, Finding] = {}
    start = 0
    for end in range(1, len(actions) + 1):
        if end < len(actions) and actions[end].signature() == actions[start].signature():
            continue
        run = actions[start:end]
        start = end
        errors = _longest(run, lambda a, b: a.failed and b.failed, lambda a: a.failed)
        if len(errors) >= params.same_error and "repeated_error" not in found:
            found["repeated_error"] = _loop(v, "repeated_error", errors, params.same_error,
                                            f"{errors[0].tool or 'one call'} failed {len(errors)} times in a row")
        same = _longest(run, lambda a, b: a.observation == b.observation)
        if len(same) >= params.same_action and "repeated_action" not in found and not same[0].failed:
            found["repeated_action"] = _loop(v, "repeated_action", same, params.same_action,
                                             f"{same[0].tool or 'one call'} repeated {len(same)} times, same result")
    return list(found.values())


def _longest(run: list[Action], same, first=lambda a: True) -> list[Action]:
    """The first longest stretch of ``run`` where neighbours are ``same`` (starting where ``first`` holds)."""
    best: list[Action] = []
    current: list[Action] = []
    for action in run:
        if current and same(current[-1], action):
            current.append(action)
        else:
            current = [action] if first(action) else []
        if len(current) > len(best):
            best = current
    return best


def _alternation(v: View, actions: list[Action], params: Params) -> list[Finding]:
    k = params.alternation
    for i in range(len(actions) - k + 1):
        window = actions[i:i + k]
        if window[0].signature() == window[1].signature():
            continue
        if all(window[j].signature() == window[j + 2].signature() and window[j].observation == window[j + 2].observation
               for j in range(k - 2)):
            tools = f"{window[0].tool or '?'} and {window[1].tool or '?'}"
            return [_loop(v, "alternation", window, k, f"{tools} took turns over {k} calls, with the same results")]
    return []


def _monologue(v: View, params: Params) -> list[Finding]:
    """The same message from one agent, repeated with no action, result, user turn or other agent between."""
    counts: dict[tuple, list[int]] = {}
    speaker = None
    for i in range(len(v)):
        if v.kind[i] in ("tool_call", "tool_result") or v.user_turns[i] or (v.decisions[i] and v.agent[i] != speaker):
            counts = {}
            speaker = v.agent[i] if v.decisions[i] else None
        if v.decisions[i] and v.kind[i] in ("message", "thought", "final") and v.content[i].strip():
            steps = counts.setdefault((v.agent[i], normal_text(v.content[i])), [])
            steps.append(i)
            if len(steps) == params.monologue:
                return [finding(v.trajectory, NAME, "monologue", _severity(v, steps[-1]),
                                f"{v.agent[i] or 'the agent'} said the same thing {len(steps)} times with nothing "
                                f"done between", step=i, agent=v.agent[i], onset=steps[0], end=steps[-1],
                                score=float(len(steps)), evidence={"steps": steps, "text": excerpt(v.content[i])})]
    return []


def _condensation(v: View, params: Params) -> list[Finding]:
    run: list[int] = []
    for i in range(len(v)):
        by_system = not v.decisions[i] and not v.user_turns[i] and v.kind[i] != "tool_call"
        if (by_system and CONDENSATION.search(v.content[i][:200])) or CONDENSATION.search(v.tool[i] or ""):
            run.append(i)
            if len(run) == params.condensations:
                return [finding(v.trajectory, NAME, "condensation_loop", _severity(v, i),
                                f"the context was condensed {len(run)} times with nothing done between", step=i,
                                agent=v.responsible(i), onset=run[0], end=i, score=float(len(run)),
                                evidence={"steps": run, "text": excerpt(v.content[i])})]
        elif v.kind[i] in ("tool_call", "tool_result"):
            run = []
    return []


def _loop(v: View, kind: str, actions: list[Action], threshold: int, message: str) -> Finding:
    first = actions[0]
    onset = first.step if kind == "repeated_error" else first.decided_at
    last = actions[-1].step
    return finding(v.trajectory, NAME, kind, _severity(v, last), message, step=actions[threshold - 1].step,
                   agent=first.agent, onset=onset, end=last, score=float(len(actions)), evidence={
                       "repetitions": len(actions),
                       "steps": [a.step for a in actions],
                       "tool": first.tool,
                       "arguments": excerpt(first.arguments, 300),
                       "result": excerpt(v.content[first.step], 300),
                       "recorded": _recorded_text(v),
                   })


def _severity(v: View, last: int) -> str:
    """Critical when the loop runs to the end: no call after it that did something else."""
    later = [a for a in v.actions if a.decided_at > last]
    return "warning" if later else "critical"


def _recorded_text(v: View) -> str | None:
    return next((excerpt(v.content[i]) for i in v.error_steps if STUCK.search(v.content[i])), None)


def _recorded(v: View) -> list[Finding]:
    step = next((i for i in v.error_steps if STUCK.search(v.content[i])), None)
    if step is None:
        return []
    return [finding(v.trajectory, NAME, "stuck", "critical", f"the agent framework found it stuck: "
                    f"{excerpt(v.content[step], 120)}", step=step, agent=v.responsible(step),
                    evidence={"recorded": excerpt(v.content[step], 300)})]


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "tool", "arguments", "content"),
    params=Params,
    judge=judge,
    description="stuck loops (OpenHands' patterns: same call and result 4x, same failing call 3x, "
                "monologue 3x, A-B-A-B over 6 calls, repeated condensation)",
)
