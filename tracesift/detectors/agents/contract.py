"""Trace contracts: rules the user writes about what a trajectory may do, and the first step that breaks each.

Rules are lines of text in ``tracesift.toml`` (none by default)::

    [detectors.contract]
    rules = [
        "no tool_call after final",           # nothing is called once the answer is given
        "tests run before submit",            # tests run before the answer or the submit
        "never agent:browser tool:bash",      # that agent never runs that tool
        "agent planner never calls deploy",   # the same, as a sentence
        "at most 3 consecutive failure",      # three failures in a row, not four
        "at most 20 tool_call",
    ]
    severity = "critical"                     # of every violation (default: warning)

A rule is ``no A after B``, ``A before B``, ``never A``, ``at most N A`` or ``at most N
consecutive A``, where A and B select steps with words that must all hold:

- a kind: ``message``, ``tool_call``, ``tool_result``, ``thought``, ``final``, ``error``
  (plurals and ``tool call``, ``final answer`` are understood);
- ``failure`` (a failed tool result or an error step), ``test`` (a call that runs tests),
  ``handoff`` (a hand-off to another agent), ``decision`` (any step an agent decided),
  ``submit`` (a final step, or a call of ``submit``, ``finish``, ``attempt_completion``...);
- ``tool:NAME``, ``agent:NAME``, ``role:NAME`` (shell patterns, ``tool:run_*``; any case);
- ``text~REGEX`` (the step's content or arguments, any case).

``A before B`` is broken at the first B with no A before it; ``no A after B`` at the first
A after the first B; ``at most N consecutive A`` at the A that makes N + 1 in a row, where
a step of A's kind (a result, for ``failure``) that is not A breaks the row. Each broken
rule is one ``contract_violation`` finding at its first violating step. A rule that cannot
be read is a usage error when the scan starts.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tracesift.detectors.agent_steps import HANDOFF_TOOLS, TEST_COMMAND, View, excerpt, failure, finding, view
from tracesift.detectors.base import Detector, Trajectory
from tracesift.errors import UsageError
from tracesift.findings import Finding, Severity, SubjectType

NAME = "contract"
KINDS = {"message", "tool_call", "tool_result", "thought", "final", "error"}
SUBMIT = re.compile(r"^(?:submit\w*|finish|attempt_completion|final_answer|complete_task)$", re.I)
WORDS = {"failure", "test", "handoff", "decision", "submit"}
PHRASES = [(r"\btool calls?\b", "tool_call"), (r"\btool results?\b", "tool_result"), (r"\bfinal answers?\b", "final")]
Select = Callable[[View, int], bool]


@dataclass(frozen=True)
class Rule:
    text: str
    form: str  # never | before | after | at_most | consecutive
    a: Select
    b: Select | None = None
    limit: int = 0
    universe: Select | None = None


@dataclass(frozen=True)
class Params:
    rules: list[str] = ()
    """The contracts, one rule each (see the module docstring); none by default."""
    severity: str = "warning"
    """The severity of a violation: info, warning or critical."""

    def __post_init__(self) -> None:
        if self.severity not in {s.value for s in Severity}:
            raise UsageError(f"contract.severity must be info, warning or critical, got {self.severity!r}")
        for rule in self.rules:
            parse_rule(rule)


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    v = view(trajectory)
    found = []
    for text in params.rules:
        rule = parse_rule(text)
        step = first_violation(rule, v)
        if step is not None:
            found.append(finding(trajectory, NAME, "contract_violation", params.severity,
                                 f'broke "{rule.text}" at step {step}: {excerpt(v.text(step), 100)}', step=step,
                                 agent=v.responsible(step), evidence={"rule": rule.text, "form": rule.form,
                                                                     "text": excerpt(v.text(step), 300)}))
    return found


def first_violation(rule: Rule, v: View) -> int | None:
    """The first step that breaks ``rule`` in ``v``, or None."""
    steps = range(len(v))
    if rule.form == "never":
        return next((i for i in steps if rule.a(v, i)), None)
    if rule.form == "after":
        start = next((i for i in steps if rule.b(v, i)), None)
        return None if start is None else next((i for i in steps if i > start and rule.a(v, i)), None)
    if rule.form == "before":
        seen = False
        for i in steps:
            if rule.b(v, i) and not seen:
                return i
            seen = seen or rule.a(v, i)
        return None
    count = 0
    for i in steps:
        if rule.a(v, i):
            count += 1
            if count > rule.limit:
                return i
        elif rule.form == "consecutive" and rule.universe(v, i):
            count = 0
    return None


@lru_cache(maxsize=256)
def parse_rule(text: str) -> Rule:
    """A rule from its text; UsageError saying what is wrong when it cannot be read."""
    words = _normal(text)
    try:
        if m := re.fullmatch(r"agent (\S+) never (?:calls|uses|runs) (?:tool )?(\S+)", words):
            return Rule(text, "never", selector(f"agent:{m[1]} tool_call tool:{m[2]}"))
        if m := re.fullmatch(r"never (.+)", words):
            return Rule(text, "never", selector(m[1]))
        if m := re.fullmatch(r"no (.+) after (.+)", words):
            return Rule(text, "after", selector(m[1]), selector(m[2]))
        if m := re.fullmatch(r"at most (\d+) consecutive (.+)", words):
            return Rule(text, "consecutive", selector(m[2]), limit=int(m[1]), universe=_universe(m[2]))
        if m := re.fullmatch(r"at most (\d+) (.+)", words):
            return Rule(text, "at_most", selector(m[2]), limit=int(m[1]))
        if m := re.fullmatch(r"(.+?) (?:runs? |happens? |comes? )?before (.+)", words):
            return Rule(text, "before", selector(m[1]), selector(m[2]))
    except ValueError as exc:
        raise UsageError(f"contract rule {text!r}: {exc}") from None
    raise UsageError(f"contract rule {text!r}: expected 'no A after B', 'A before B', 'never A', 'at most N A' or "
                     f"'at most N consecutive A'")


def _normal(text: str) -> str:
    words = " ".join(text.strip().split())
    for pattern, kind in PHRASES:
        words = re.sub(pattern, kind, words, flags=re.I)
    return words


def selector(words: str) -> Select:
    """The steps ``words`` select: every word must hold (see the module docstring); ValueError naming a bad word."""
    tests = [_term(word) for word in words.split()]
    return lambda v, i: all(test(v, i) for test in tests)


def _term(word: str) -> Select:
    lower = word.lower()
    singular = lower[:-1] if lower.endswith("s") and lower[:-1] in KINDS | WORDS else lower
    if singular in KINDS:
        return lambda v, i: v.kind[i] == singular
    if singular == "failure":
        return lambda v, i: (v.kind[i] == "error" and i not in v.containers) or (
            v.kind[i] in ("tool_result", "tool_call") and i in v.result_steps and failure(v, i)[0])
    if singular == "test":
        return lambda v, i: v.kind[i] == "tool_call" and bool(TEST_COMMAND.search(f"{v.tool[i] or ''} {v.arguments[i]}"))
    if singular == "handoff":
        return lambda v, i: bool(v.tool[i] and HANDOFF_TOOLS.match(v.tool[i])) and v.kind[i] != "tool_result"
    if singular == "decision":
        return lambda v, i: bool(v.decisions[i])
    if singular == "submit":
        return lambda v, i: v.kind[i] == "final" or (v.kind[i] == "tool_call" and bool(SUBMIT.match(v.tool[i] or "")))
    if m := re.fullmatch(r"(tool|agent|role):(.+)", word, flags=re.I):
        column, pattern = m[1].lower(), m[2].lower()
        return lambda v, i: fnmatch.fnmatchcase((getattr(v, column)[i] or "").lower(), pattern)
    if m := re.fullmatch(r"text~(.+)", word, flags=re.I):
        try:
            regex = re.compile(m[1], re.I)
        except re.error as exc:
            raise ValueError(f"bad pattern {m[1]!r} ({exc})") from None
        return lambda v, i: bool(regex.search(v.content[i][:20_000]) or regex.search(v.arguments[i][:20_000]))
    raise ValueError(f"unknown word {word!r} (a kind, failure, test, handoff, decision, submit, tool:, agent:, role:, "
                     f"text~)")


def _universe(words: str) -> Select:
    """What breaks a row of ``words``: a step of the same kind (a result or error, for failures) that is not one."""
    kinds = [w.lower().rstrip("s") for w in words.split() if w.lower().rstrip("s") in KINDS]
    if any(w.lower().rstrip("s") == "failure" for w in words.split()):
        return lambda v, i: v.kind[i] in ("tool_result", "error") or (v.kind[i] == "tool_call" and i in v.result_steps)
    if kinds:
        return lambda v, i: v.kind[i] in kinds
    return lambda v, i: True


DETECTOR = Detector(
    name=NAME,
    subject=SubjectType.trajectory,
    needs=("kind", "tool", "agent", "content"),
    params=Params,
    judge=judge,
    description="user-written trace contracts in tracesift.toml ('no tool_call after final', 'tests run before submit', "
                "'at most 3 consecutive failures'): the first step that breaks each",
)
