"""What the agent detectors share: one trajectory's steps read once as decisions, actions and failures.

An *action* is a tool call and the result it got. Calls and results are paired by span
(the result's ``parent_span_id`` is the call's ``span_id``), else in order: a result
takes the earliest waiting call of its tool (of any tool when the result names none).
A tool call that no result answers but that carries content or an error flag is its
own result (an OpenTelemetry tool span holds both). A result that no call step asked
for is an *embedded* call: the agent who wrote the decision step before it decided it
(code in a message that an executor agent ran, as in AutoGen group chats).

A result *failed* when the reader flagged it (``is_error``), its exit code is not 0, or
its text shows an error (:data:`ERROR_TEXT`). A flag on a span that holds other steps
(an agent span whose status is ERROR) reports its children's failure, not its own, and
is not counted again. A *decision* is a message, thought, tool call or final answer by
an agent: not by a user, the system, a tool or an *executor* (an agent that only returns
results). With several agents, who spoke is told by the agent's name (group chats log the
other agents' turns with role ``user``); with one, by the step's role.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from tracesift.detectors.base import Trajectory
from tracesift.findings import Finding, Severity, SubjectType

NOT_AGENTS = frozenset({"user", "human", "system", "tool", "environment", "guardrail", "custom", "retriever"})
"""Roles whose steps no agent decided."""
DECISION_KINDS = frozenset({"message", "thought", "tool_call", "final"})
ERROR_SCAN_CHARS = 20_000
"""How far into a tool result the error text is looked for."""
ERROR_TEXT = re.compile(
    r"Traceback \(most recent call last\)"
    r"|^\s*(?:E\s+)?[A-Za-z_][\w.]*(?:Error|Exception):"
    r"|^(?:error|Error|ERROR|fatal|FATAL)\b[:\s]"
    r"|command not found|No such file or directory|Permission denied"
    r"|^FAILED\b|\b[1-9]\d* failed\b"
    r"|\bexit(?:ed)?(?: with)? (?:code|status)[:\s]+[1-9]\d*|\bexitcode: [1-9]",
    re.MULTILINE,
)
"""A tool result that says it failed: a traceback, ``SomethingError:`` lines, ``error:``, a missing command
or file, failed tests, a non-zero exit code written out."""
TEST_COMMAND = re.compile(
    r"\b(?:pytest|py\.test|unittest|nose2|tox|(?:npm|yarn|pnpm)(?: run)? test|jest|mocha|vitest|go test|cargo test"
    r"|mvn test|gradle test|rspec|phpunit|ctest|make test|run_tests?)\b",
    re.IGNORECASE,
)
"""A tool call that runs tests."""
HANDOFF_TOOLS = re.compile(r"^(?:handoff|delegate|agent_delegate|transfer(?:_to_\w+)?|handoff_to_\w+)$", re.IGNORECASE)
"""A tool that hands the task to another agent."""


@dataclass(frozen=True)
class Action:
    """One tool call and its result; ``step`` is where its outcome shows (the result, else the call)."""

    index: int
    call: int | None
    result: int | None
    tool: str | None
    arguments: str
    agent: str | None
    decided_at: int
    """The step of the decision: the call, or for an embedded call the agent's step before the result."""
    failed: bool
    why: str | None
    observation: str
    is_test: bool

    @property
    def step(self) -> int:
        return self.result if self.result is not None else self.decided_at

    @property
    def embedded(self) -> bool:
        return self.call is None

    def signature(self) -> tuple:
        return self.agent, self.tool, self.arguments


@dataclass
class View:
    """One trajectory's steps as text columns, decisions, actions and failures (see the module docstring)."""

    trajectory: Trajectory
    kind: list[str]
    agent: list[str | None]
    role: list[str | None]
    tool: list[str | None]
    arguments: list[str]
    content: list[str]
    is_error: np.ndarray
    exit_code: np.ndarray
    actions: list[Action] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.kind)

    @cached_property
    def labels(self) -> dict:
        return parse_json(self.trajectory.info.get("labels")) or {}

    @property
    def outcome(self) -> str:
        return self.trajectory.info.get("outcome") or "unknown"

    @property
    def task(self) -> str:
        return self.trajectory.info.get("task") or ""

    @cached_property
    def containers(self) -> frozenset[int]:
        """Message steps whose span holds other steps (agent spans): their error flag is their children's."""
        spans = self.trajectory.steps.get("span_id")
        parents = self.trajectory.steps.get("parent_span_id")
        if spans is None or parents is None:
            return frozenset()
        held = {p for p in parents if p is not None}
        return frozenset(i for i, s in enumerate(spans) if s is not None and s in held and self.kind[i] == "message")

    @cached_property
    def executors(self) -> frozenset[str]:
        """Agents that only run what others decide: they return tool results and never call, think or answer."""
        results = {a for a, k in zip(self.agent, self.kind) if k == "tool_result" and a}
        deciding = {a for a, k in zip(self.agent, self.kind) if k in ("tool_call", "thought", "final") and a}
        return frozenset(results - deciding)

    @cached_property
    def agents(self) -> list[str]:
        """The agents that decide something, in order of their first step."""
        names = dict.fromkeys(a for a, k in zip(self.agent, self.kind) if a and k in DECISION_KINDS)
        return [a for a in names if a.lower() not in NOT_AGENTS and a not in self.executors]

    @cached_property
    def by_name(self) -> bool:
        """Several agents: who acted is told by the agent's name (group chats log other agents with role user)."""
        return len(self.agents) > 1

    def _speaker(self, i: int) -> str:
        """``user``, ``agent`` or ``other`` (a tool, the system, an executor) for step ``i``."""
        agent, role = self.agent[i], (self.role[i] or "").lower()
        if self.by_name and agent:
            name = agent.lower()
            return "user" if name in ("user", "human") else "other" if name in NOT_AGENTS or agent in self.executors \
                else "agent"
        return "user" if role in ("user", "human") else "other" if role in NOT_AGENTS else "agent"

    @cached_property
    def decisions(self) -> np.ndarray:
        """Whether each step is an agent's decision (see the module docstring)."""
        return np.array([self.kind[i] in DECISION_KINDS and i not in self.containers and self._speaker(i) == "agent"
                         for i in range(len(self))], dtype=bool)

    @cached_property
    def user_turns(self) -> np.ndarray:
        """Messages from a user (or a human), which interrupt whatever the agents were doing."""
        return np.array([self.kind[i] == "message" and self._speaker(i) == "user" for i in range(len(self))],
                        dtype=bool)

    @cached_property
    def error_steps(self) -> list[int]:
        """Steps of kind ``error`` (a framework, limit, harness or format error), agent spans left out."""
        return [i for i in range(len(self)) if self.kind[i] == "error" and i not in self.containers]

    @cached_property
    def result_steps(self) -> frozenset[int]:
        """Steps that hold an action's result (result steps, and tool calls that hold their own)."""
        return frozenset(a.result for a in self.actions if a.result is not None)

    @cached_property
    def failed(self) -> list[Action]:
        return [a for a in self.actions if a.failed]

    @cached_property
    def _last_decision(self) -> np.ndarray:
        """For each step, the last decision step before it (-1 when none)."""
        last = np.full(len(self) + 1, -1, dtype=np.int64)
        for i, decided in enumerate(self.decisions):
            last[i + 1] = i if decided else last[i]
        return last

    def decider_before(self, step: int) -> int | None:
        """The last decision step before ``step`` (None when there is none)."""
        before = int(self._last_decision[min(max(step, 0), len(self))])
        return before if before >= 0 else None

    def responsible(self, step: int) -> str | None:
        """Who answers for ``step``: its agent when it is a decision, else whoever decided last before it."""
        if 0 <= step < len(self) and self.decisions[step]:
            return self.agent[step]
        before = self.decider_before(step)
        return self.agent[before] if before is not None else self.agent[step] if 0 <= step < len(self) else None

    @cached_property
    def _recoveries(self) -> list[Action | None]:
        """For each action, the first later one that made up for it (see :meth:`recovery`)."""
        found: list[Action | None] = [None] * len(self.actions)
        next_ok: dict[str | None, Action] = {}
        next_test: Action | None = None
        for action in reversed(self.actions):
            by_tool = None if action.is_test else next_ok.get(action.tool)
            options = [a for a in (by_tool, next_test) if a is not None]
            found[action.index] = min(options, key=lambda a: a.index) if options else None
            if not action.failed and action.result is not None:
                next_ok[action.tool] = action
                if action.is_test:
                    next_test = action
        return found

    def recovery(self, action: Action) -> Action | None:
        """The later action that made up for a failed one: tests passing, or (unless it ran tests) the same tool
        working. An action with no result made up for nothing."""
        return self._recoveries[action.index]

    def text(self, step: int) -> str:
        """What a step says: its content, else its arguments."""
        return self.content[step] or self.arguments[step]


def view(trajectory: Trajectory) -> View:
    """The trajectory's :class:`View`, worked out once and kept in ``trajectory.derived``."""
    if "view" not in trajectory.derived:
        trajectory.derived["view"] = _build(trajectory)
    return trajectory.derived["view"]


def _build(trajectory: Trajectory) -> View:
    steps, n = trajectory.steps, len(trajectory)
    column = lambda name: [_text(v) for v in steps.get(name, [None] * n)]  # noqa: E731
    is_error = np.asarray(steps.get("is_error", np.zeros(n, dtype=bool)), dtype=object)
    exit_code = np.asarray(steps.get("exit_code", np.full(n, np.nan)), dtype=float)
    v = View(trajectory, [k or "" for k in column("kind")], _optional(steps, "agent", n), _optional(steps, "role", n),
             _optional(steps, "tool", n), column("arguments"), column("content"),
             np.array([bool(x) if x is not None else False for x in is_error], dtype=bool), exit_code)
    v.actions = _pair(v, steps)
    return v


def _pair(v: View, steps: dict) -> list[Action]:
    n = len(v)
    spans = list(steps.get("span_id", [None] * n))
    parents = list(steps.get("parent_span_id", [None] * n))
    calls_by_span = {spans[i]: i for i in range(n) if v.kind[i] == "tool_call" and spans[i] is not None}
    waiting: list[int] = []
    answered: dict[int, int] = {}
    embedded: list[int] = []
    for i in range(n):
        if v.kind[i] == "tool_call":
            waiting.append(i)
        elif v.kind[i] == "tool_result":
            call = calls_by_span.get(parents[i]) if parents[i] is not None else None
            if call is None or call in answered:
                call = next((c for c in waiting if v.tool[i] is None or v.tool[c] == v.tool[i]), None)
            if call is not None and call not in answered:
                answered[call] = i
                if call in waiting:
                    waiting.remove(call)
            else:
                embedded.append(i)
    pairs = [(c, answered.get(c)) for c in range(n) if v.kind[c] == "tool_call"] + [(None, r) for r in embedded]
    pairs.sort(key=lambda p: p[0] if p[0] is not None else p[1])
    actions = []
    for call, result in pairs:
        if call is not None and result is None and (v.content[call] or v.is_error[call]):
            result = call  # a tool span that holds its own outcome
        actions.append(_action(v, len(actions), call, result))
    return actions


def _action(v: View, index: int, call: int | None, result: int | None) -> Action:
    before = v.decider_before(result) if call is None else None
    decided = call if call is not None else before if before is not None else result
    tool = v.tool[call] if call is not None and v.tool[call] else v.tool[result] if result is not None else None
    arguments = canonical_arguments(v.arguments[call] if call is not None else v.content[decided] if decided != result
                                    else "")
    failed, why = failure(v, result) if result is not None else (False, None)
    test_text = f"{tool or ''} {v.arguments[call] if call is not None else v.content[decided]}"
    return Action(index, call, result, tool, arguments, v.agent[decided] if decided is not None else None, decided,
                  failed, why, normal_text(v.content[result]) if result is not None else "",
                  bool(TEST_COMMAND.search(test_text[:2000])))


def failure(v: View, step: int) -> tuple[bool, str | None]:
    """Whether a result step failed, and how that shows: the error flag, the exit code, or the line that says so."""
    if step in v.containers:
        return False, None
    code = v.exit_code[step]
    if math.isfinite(code) and code != 0:
        return True, f"exit code {int(code)}"
    if v.is_error[step]:
        return True, "flagged as an error"
    line = error_line(v.content[step])
    return (True, f"error text: {line}") if line else (False, None)


def error_line(text: str) -> str | None:
    """The line of ``text`` that shows an error (:data:`ERROR_TEXT`), cut to 200 characters; None when none does."""
    match = ERROR_TEXT.search(text[:ERROR_SCAN_CHARS])
    if match is None:
        return None
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return excerpt(text[start:end if end >= 0 else None])


def finding(trajectory: Trajectory, detector: str, kind: str, severity: Severity | str, message: str, *,
            step: int | None, agent: str | None, onset: int | None = None, end: int | None = None,
            score: float | None = None, evidence: dict | None = None) -> Finding:
    """A finding on a trajectory: ``first_step`` is ``step``, ``onset_step`` the earlier ``onset`` (else ``step``)."""
    return Finding(subject_id=trajectory.trajectory_id, detector=detector, kind=kind, severity=severity,
                   message=message, agent=agent, onset_step=step if onset is None else onset, first_step=step,
                   end_step=end, score=score, evidence=evidence or {}, subject_type=SubjectType.trajectory)


def excerpt(text: str | None, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def normal_text(text: str, limit: int = 4000) -> str:
    """Text for comparing outputs: numbers (timings, ids) as ``#``, whitespace collapsed."""
    return " ".join(re.sub(r"\d+(?:\.\d+)?", "#", text[:limit]).split())


def canonical_arguments(text: str) -> str:
    """Arguments for comparing calls: JSON with sorted keys when they are JSON, else whitespace collapsed."""
    parsed = parse_json(text)
    if isinstance(parsed, (dict, list)):
        return json.dumps(parsed, sort_keys=True, ensure_ascii=False)
    return " ".join(text.split())


def parse_json(text: object) -> object:
    """``text`` parsed as JSON, or None when it is not (already parsed values are returned as they are)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _optional(steps: dict, name: str, n: int) -> list[str | None]:
    return [v if isinstance(v, str) and v else None for v in steps.get(name, [None] * n)]


def tfidf(texts: list[str]):
    """Rows of L2-normalised TF-IDF vectors (scikit-learn; English stop words out, sublinear counts), one per text;
    None when the texts share no word worth a weight. ``a @ b.T`` of two rows is their cosine similarity."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # a second to import: only when judged

    try:
        return TfidfVectorizer(stop_words="english", sublinear_tf=True, max_features=20_000,
                               token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9_]+\b").fit_transform(texts)
    except ValueError:  # nothing but stop words and numbers
        return None
