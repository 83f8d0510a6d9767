"""First failure: the decisive step of a failed trajectory and the agent responsible, by rules over its findings.

:func:`locate` is the rule-based locator, a plain function (a trajectory and its findings
in, a :class:`Located` out) that a learned locator can stand beside. The post-stage
:func:`first_failure` adds its answer as one ``first_failure`` finding to every trajectory
whose outcome is ``failure`` (``critical``), and to every ``unknown`` one that has a
warning or worse (``warning``: nothing says it failed, something says it went wrong). A
successful trajectory never gets one.

Each finding of an agent detector points at a step (:data:`POINTS_AT`), *strong* when the
trace shows something broke there (a failed tool result, a loop, a limit, a malformed call,
a broken contract, a harness error) and *weak* when it is a reading of words (giving up,
an unsupported answer, a void turn, drift, echoing). The rules, in order:

1. **Earliest strong evidence.** The earliest step any strong finding points at, recovered
   failures included (in a failed run the first thing that broke is the first suspect).
   A failed tool result points at the result when the call was its own step; at the
   decision that made the call when the call was embedded in an agent's message (code an
   executor ran) or when it was not among the actions the task expected (a wrong action).
   A loop of an orchestrator handing the turn to one agent who never answers between the
   hand-offs (a worker that stopped responding) points at that agent's last turn before it.
2. **A wrong hand-off comes first.** When that failure happened in work an agent handed to
   another (``failed_handoff``), the hand-off is the decisive step and the handing agent
   is responsible.
3. **Else the earliest weak evidence** of a warning or worse.
4. **Else the first action**: the first step an agent decided that acts on the task (not
   a thought or plan, not a hand-off, not the task restated), with a low confidence: with
   no evidence of where it failed, the first action is the likeliest place.

The agent is the one who decided the step: for a failed tool result, the agent who called
the tool (the decision after a failed result is that agent's). ``confidence`` is the
rule's base (:data:`POINTS_AT`, :data:`HANDOFF_CONFIDENCE`; 0.7 of it for a failure made good
later), plus 0.1 for each other detector pointing at the same step
(at most 0.2 more), times 0.8 when the outcome is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from tracesift.detectors.agent_steps import HANDOFF_TOOLS, View, excerpt, parse_json, view
from tracesift.detectors.base import Trajectory
from tracesift.findings import Finding, Severity, SubjectType

NAME = "first_failure"
POINTS_AT: dict[str, tuple[str, str, float]] = {
    # kind: (which step: first | onset | failure, strength, base confidence)
    "tool_error": ("failure", "strong", 0.75),
    "error_cascade": ("failure", "strong", 0.7),
    "repeated_error": ("failure", "strong", 0.7),
    "repeated_action": ("onset", "strong", 0.65),
    "alternation": ("onset", "strong", 0.6),
    "monologue": ("onset", "strong", 0.55),
    "condensation_loop": ("onset", "strong", 0.55),
    "stuck": ("first", "strong", 0.5),
    "context_overrun": ("onset", "strong", 0.6),
    "budget_exceeded": ("first", "strong", 0.5),
    "malformed_tool_call": ("first", "strong", 0.6),
    "run_error": ("first", "strong", 0.7),
    "guardrail": ("first", "strong", 0.7),
    "contract_violation": ("first", "strong", 0.7),
    "give_up": ("first", "weak", 0.4),
    "unsupported_answer": ("first", "weak", 0.35),
    "void_turn": ("first", "weak", 0.3),
    "task_drift": ("first", "weak", 0.25),
    "diversity_collapse": ("first", "weak", 0.25),
}
"""Where each kind of finding points, how strong that evidence is, and the confidence it gives."""
HANDOFF_CONFIDENCE = 0.65
"""Confidence of rule 2, a hand-off whose work failed."""
RECOVERED_FACTOR = 0.7
"""Confidence kept when the failure pointed at was made good later."""
FIRST_DECISION_CONFIDENCE = 0.15
UNKNOWN_OUTCOME_FACTOR = 0.8


class Located(NamedTuple):
    """Where a trajectory first failed: the step (0-based; None when it has no steps), the agent, how sure (0-1),
    and the evidence (``rule``, ``detectors``, ``text``, ...). A tuple: ``step, agent, confidence, evidence = ...``."""

    step: int | None
    agent: str | None
    confidence: float
    evidence: dict


@dataclass(frozen=True)
class _Pointer:
    step: int
    agent: str | None
    strong: bool
    confidence: float
    finding: Finding
    how: str


def locate(trajectory: Trajectory, findings: list[Finding]) -> Located:
    """The decisive step and responsible agent of ``trajectory`` from the findings of the agent detectors."""
    v = view(trajectory)
    if not len(v):
        return Located(None, None, 0.0, {"rule": "no steps recorded", "detectors": []})
    pointers = sorted((p for f in findings if (p := _pointer(v, f)) is not None), key=lambda p: (p.step, -p.confidence))
    strong = [p for p in pointers if p.strong]
    weak = [p for p in pointers if not p.strong and p.finding.severity.rank >= Severity.warning.rank]
    if strong:
        chosen, rule = strong[0], f"earliest strong evidence: {strong[0].how}"
        handoff = _handoff_before(findings, chosen.step)
        if handoff is not None:
            chosen = _Pointer(handoff.first_step, handoff.agent, True, HANDOFF_CONFIDENCE, handoff, "a hand-off")
            rule = (f"wrong hand-off: the work {handoff.agent or 'an agent'} handed to "
                    f"{handoff.evidence.get('receiver') or 'another agent'} failed at step {strong[0].step}")
    elif weak:
        chosen, rule = weak[0], f"earliest weak evidence: {weak[0].how}"
    else:
        return _first_decision(v)
    agreeing = sorted({p.finding.detector for p in pointers if p.step == chosen.step and p.finding is not chosen.finding})
    confidence = min(0.95, chosen.confidence + 0.1 * min(len(agreeing), 2))
    return Located(chosen.step, chosen.agent, round(confidence, 3), {
        "rule": rule,
        "detectors": [chosen.finding.detector, *[d for d in agreeing if d != chosen.finding.detector]],
        "kind": chosen.finding.kind,
        "finding": chosen.finding.message,
        "text": excerpt(v.text(chosen.step), 300),
        "candidates": [{"step": p.step, "agent": p.agent, "kind": p.finding.kind, "strong": p.strong}
                       for p in pointers[:10]],
    })


def first_failure(trajectory: Trajectory, findings: list[Finding]) -> list[Finding]:
    """The post-stage: ``findings`` plus one ``first_failure`` finding when the trajectory failed or may have."""
    outcome = trajectory.info.get("outcome") or "unknown"
    if outcome == "success":
        return findings
    if outcome != "failure" and not any(f.severity.rank >= Severity.warning.rank for f in findings):
        return findings
    located = locate(trajectory, findings)
    confidence = located.confidence * (UNKNOWN_OUTCOME_FACTOR if outcome != "failure" else 1.0)
    where = "no steps recorded" if located.step is None else f"step {located.step}" + (
        f" ({located.agent})" if located.agent else "")
    message = f"first failure at {where}: {located.evidence.get('rule')}"
    return [*findings, Finding(
        subject_id=trajectory.trajectory_id, detector=NAME, kind=NAME,
        severity=Severity.critical if outcome == "failure" else Severity.warning, message=message,
        agent=located.agent, onset_step=located.step, first_step=located.step, score=round(confidence, 3),
        evidence={**located.evidence, "confidence": round(confidence, 3), "outcome": outcome},
        subject_type=SubjectType.trajectory)]


def _pointer(v: View, f: Finding) -> _Pointer | None:
    if f.kind not in POINTS_AT or f.first_step is None:
        return None
    which, strength, confidence = POINTS_AT[f.kind]
    step = f.onset_step if which == "onset" and f.onset_step is not None else f.first_step
    agent, how = f.agent, f"{f.kind} ({f.detector})"
    if which == "failure":
        step = f.onset_step if f.kind == "repeated_error" and f.onset_step is not None else f.first_step
        action = next((a for a in v.failed if a.step == step), None)
        if action is not None and (action.embedded or f.evidence.get("unexpected_action")):
            step, agent = action.decided_at, action.agent
            how += ": the decision that made the failing call" + (
                " (not an expected action)" if f.evidence.get("unexpected_action") else " (embedded in its message)")
        if action is not None and v.recovery(action) is not None:
            confidence *= RECOVERED_FACTOR
    if f.kind == "monologue" and (silent := _silent_addressee(v, f)) is not None:
        step, agent = silent
        how += f": it kept handing the turn to {agent}, who never answered"
    if not 0 <= step < len(v):
        return None
    return _Pointer(step, agent, strength == "strong", confidence, f, how)


def _silent_addressee(v: View, f: Finding) -> tuple[int, str] | None:
    """For an orchestrator's loop of hand-offs to one agent who never takes a turn between them (a worker that
    stopped answering): that agent's last step before the loop, and its name. None for any other loop."""
    start, end = f.onset_step, f.end_step if f.end_step is not None else f.first_step
    if start is None or end is None:
        return None
    handed = {_handed_to(v, i) for i in range(start, end + 1) if v.tool[i] and HANDOFF_TOOLS.match(v.tool[i])}
    handed.discard(None)
    if len(handed) != 1:
        return None
    addressee = handed.pop()
    if any(v.agent[i] == addressee for i in range(start, end + 1)):
        return None
    earlier = [i for i in range(start) if v.decisions[i] and v.agent[i] == addressee]
    return (earlier[-1], addressee) if earlier else None


def _handed_to(v: View, step: int) -> str | None:
    arguments = parse_json(v.arguments[step])
    return arguments.get("to") if isinstance(arguments, dict) else None


def _handoff_before(findings: list[Finding], step: int) -> Finding | None:
    """A failed hand-off before ``step`` whose handed-on work failed at ``step`` or earlier."""
    handoffs = [f for f in findings if f.kind == "failed_handoff" and f.first_step is not None
                and f.first_step < step <= (f.evidence.get("failed_step") or -1)]
    return min(handoffs, key=lambda f: f.first_step) if handoffs else None


def _first_decision(v: View) -> Located:
    """The first agent decision that acts (rule 4); failing that, the first error, or step 0."""
    task = " ".join(v.task.lower().split())
    for i in range(len(v)):
        if v.decisions[i] and v.kind[i] != "thought" and not (v.tool[i] and HANDOFF_TOOLS.match(v.tool[i])) \
                and not (len(task) > 20 and task[:200] in " ".join(v.text(i).lower().split())):
            return Located(i, v.agent[i], FIRST_DECISION_CONFIDENCE, {
                "rule": "first action: no detector found where it failed", "detectors": [],
                "text": excerpt(v.text(i), 300)})
    step = v.error_steps[0] if v.error_steps else 0
    return Located(step, v.responsible(step), FIRST_DECISION_CONFIDENCE / 2, {
        "rule": "no agent decision recorded", "detectors": [], "text": excerpt(v.text(step), 300)})
