"""Budget and context overruns: steps, tool calls, tokens, cost and context length past a limit.

Limits come from the user (``[detectors.budget]`` in ``tracesift.toml``: ``max_steps``,
``max_tool_calls``, ``max_tokens``, ``max_cost``, ``max_context_tokens``; none is set by
default) or from the format, which records that a run was stopped: SWE-agent's
``exit_status`` (``exit_cost``, ``exit_context``), mini-swe-agent's ``LimitsExceeded``,
Inspect's sample ``limit``, and error steps such as "Message limit exceeded", "Max turns
exceeded", "prompt is too long". ``first_step`` is the step where the budget was crossed:
for a user limit, where the running total passed it; for a recorded one, the error step
that says so (else the last step).

The context at a step is the prompt tokens of the last model call that reports them plus
the text since, at ``chars_per_token``, or all the text so far when no call reports tokens.
For a context overrun, ``onset_step`` is the call whose output first took ``oversized_share``
of the context at the end (a log dumped whole), when one did. A user limit crossed is a
``warning``; a limit that stopped the run is ``critical``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from tracesift.detectors.agent_steps import View, excerpt, finding, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType

NAME = "budget"
LIMIT_TEXT = {
    "context": re.compile(r"context (?:window|length)|prompt is too long|maximum context|exit_context|too many tokens",
                          re.I),
    "cost": re.compile(r"\bcost limit|exit_cost|budget (?:exceeded|limit)|exceeds? (?:the )?budget", re.I),
    "tokens": re.compile(r"token limit|max(?:imum)?[_ ]tokens", re.I),
    "messages": re.compile(r"message limit", re.I),
    "turns": re.compile(r"max(?:imum)?[_ ]turns|turn limit", re.I),
    "steps": re.compile(r"step limit|max(?:imum)?[_ ]iterations?|iteration limit|LimitsExceeded|max(?:imum)?[_ ]steps",
                        re.I),
    "time": re.compile(r"time limit|timed? ?out after", re.I),
}
"""What an error step or an exit status says was exhausted."""
UNIT = {"steps": "step", "messages": "message", "turns": "turn", "tokens": "token", "tool_calls": "tool-call"}


@dataclass(frozen=True)
class Params:
    max_steps: int | None = None
    """Steps (as the readers number them) a trajectory may take; none by default."""
    max_tool_calls: int | None = None
    """Tool calls a trajectory may make; none by default."""
    max_tokens: int | None = None
    """Prompt plus completion tokens over the trajectory; none by default."""
    max_cost: float | None = None
    """Cost over the trajectory, in the format's currency (USD for most); none by default."""
    max_context_tokens: int | None = None
    """Context length at any step, in tokens (see the module docstring); none by default."""
    chars_per_token: float = 4.0
    """Characters per token where the format records no token counts."""
    oversized_share: float = 0.25
    """One output taking this share of the final context is where a context overrun began."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    if not len(v):
        return []
    context = _context(v, params.chars_per_token)
    found = {f.evidence["budget"]: f for f in _user_limits(v, params, context)}
    for budget, step, text in _recorded(v):
        if budget not in found:
            found[budget] = _recorded_finding(v, budget, step, text, context, params)
    return list(found.values())


def _user_limits(v: View, params: Params, context: np.ndarray) -> list[Finding]:
    steps = v.trajectory.steps
    totals = {
        "steps": (params.max_steps, np.arange(1, len(v) + 1, dtype=float)),
        "tool_calls": (params.max_tool_calls, np.cumsum([k == "tool_call" for k in v.kind], dtype=float)),
        "tokens": (params.max_tokens, np.cumsum(_zeros(steps.get("tokens_in"), len(v))
                                                + _zeros(steps.get("tokens_out"), len(v)))),
        "cost": (params.max_cost, np.cumsum(_zeros(steps.get("cost"), len(v)))),
        "context": (params.max_context_tokens, context),
    }
    found = []
    for budget, (limit, running) in totals.items():
        over = np.flatnonzero(running > limit) if limit is not None else []
        if len(over):
            step = int(over[0])
            onset = _oversized(v, context, step, params) if budget == "context" else None
            found.append(finding(v.trajectory, NAME, "context_overrun" if budget == "context" else "budget_exceeded",
                                 "warning", f"{budget.replace('_', ' ')} passed the limit of {limit:g} at step {step} "
                                 f"({running[step]:.4g})", step=step, agent=v.responsible(step), onset=onset,
                                 end=len(v) - 1, score=float(running[-1] / limit) if limit else None,
                                 evidence={"budget": budget, "limit": limit, "at_crossing": float(running[step]),
                                           "total": float(running[-1]), "source": "tracesift.toml"}))
    return found


def _recorded(v: View) -> list[tuple[str, int | None, str]]:
    """(budget, error step or None, what the format says) for every limit the format records."""
    found = []
    for i in v.error_steps:
        for budget, pattern in LIMIT_TEXT.items():
            if pattern.search(v.content[i][:2000]):
                found.append((budget, i, v.content[i]))
                break
    status = v.labels.get("exit_status")
    if isinstance(status, str):
        budget = next((b for b, p in LIMIT_TEXT.items() if p.search(status)), None)
        if budget is not None:
            found.append((budget, None, f"exit_status {status}"))
    limit = v.labels.get("limit")
    if isinstance(limit, dict) and limit.get("type"):
        kind = {"message": "messages", "token": "tokens", "working": "time", "time": "time", "cost": "cost",
                "context": "context"}.get(str(limit["type"]), str(limit["type"]))
        found.append((kind, None, str(limit.get("reason") or f"{limit['type']} limit {limit.get('limit')}")))
    return found


def _recorded_finding(v: View, budget: str, step: int | None, text: str, context: np.ndarray,
                      params: Params) -> Finding:
    if step is None:
        step = next((i for i in v.error_steps if any(p.search(v.content[i][:2000]) for p in LIMIT_TEXT.values())),
                    len(v) - 1)
    onset = _oversized(v, context, step, params) if budget == "context" else None
    kind = "context_overrun" if budget == "context" else "budget_exceeded"
    what = "the context overran" if budget == "context" else f"the {UNIT.get(budget, budget)} budget ran out"
    message = f"{what} (recorded: {excerpt(text, 80)})" + (f"; began with the output of step {onset}"
                                                           if onset is not None else "")
    return finding(v.trajectory, NAME, kind, "critical", message, step=step, agent=v.responsible(step),
                   onset=onset if onset is not None and onset <= step else None, end=len(v) - 1,
                   evidence={"budget": budget, "recorded": excerpt(text, 300), "source": "format",
                             "context_tokens_at_end": round(float(context[-1])) if len(context) else None})


def _oversized(v: View, context: np.ndarray, until: int, params: Params) -> int | None:
    """The decision behind the first output that took ``oversized_share`` of the context at ``until``."""
    sizes = np.array([len(v.content[i]) + len(v.arguments[i]) for i in range(until + 1)], dtype=float)
    sizes /= params.chars_per_token
    big = np.flatnonzero(sizes >= params.oversized_share * max(float(context[until]), 1.0))
    if not len(big):
        return None
    step = int(big[0])
    action = next((a for a in v.actions if a.result == step), None)
    return action.decided_at if action is not None else step


def _context(v: View, chars_per_token: float) -> np.ndarray:
    """Context tokens at each step: the last reported prompt size plus the text since (module docstring)."""
    tokens_in = _nan(v.trajectory.steps.get("tokens_in"), len(v))
    context = np.zeros(len(v))
    base, since = 0.0, 0.0
    for i in range(len(v)):
        if math.isfinite(tokens_in[i]):
            base, since = tokens_in[i], 0.0
        since += (len(v.content[i]) + len(v.arguments[i])) / chars_per_token
        context[i] = base + since
    return context


def _nan(values, n: int) -> np.ndarray:
    return np.full(n, np.nan) if values is None else np.asarray(values, dtype=float)


def _zeros(values, n: int) -> np.ndarray:
    return np.nan_to_num(_nan(values, n), nan=0.0)


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("tokens_in", "tokens_out", "cost", "content"),
    params=Params,
    judge=judge,
    description="steps, tool calls, tokens, cost or context past a limit (tracesift.toml, or recorded by the format), "
                "and the step that crossed it",
)
