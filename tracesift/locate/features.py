"""Per-step features of one trajectory, for the learned locator.

Every feature is a number per step, named; a model keeps the names it was trained on
and reads missing ones as 0. They are, per step:

- where it is: position, relative position, first / last, the trajectory's length;
- who and what: kind, role, hop (``tool``: thought, handoff, ...), whether its agent speaks for the
  first time, the agent's turn number and share of the steps, whether it is the first agent step;
- what happened: ``is_error``, the exit code, error words here, before and after, the distance to the
  first error, whether it is the last agent step before the first error (terminal output skipped);
- text: length, lines, code blocks, digits, links, words of hedging (``assume``, ``hypothetical``),
  of giving up (``unable``, ``sorry``), of verifying, of planning;
- TF-IDF cosine similarity (fitted on this trajectory alone) to the task, the previous and the next
  step, and the most similar earlier step;
- findings: for each ``detector/kind`` among the trajectory's findings, ``finding:<detector/kind>:at``
  (its ``first_step`` is this step), ``:onset`` (its ``onset_step``), ``:in`` (this step lies in
  ``first_step..end_step``) and ``:agent`` (it names this step's agent). Any detector that reports on
  trajectories becomes a feature this way, with no code change, once a model is trained with it.

Words (:func:`words`) and agent-name tokens (:func:`agent_tokens`) are kept apart: a model learns a
vocabulary of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Trajectory
from tracesift.findings import Finding
from tracesift.locate.labels import normal_agent

MAX_TEXT = 20_000
"""Characters of a step's content looked at."""
PATTERN_TEXT = 5_000
"""Characters of a step's content searched for the word patterns (its head: where messages say what they do)."""
KINDS = ("message", "tool_call", "tool_result", "thought", "final", "error")
ROLES = ("assistant", "user", "human", "system", "tool")
HOPS = ("thought", "handoff", "termination condition", "final answer", "code_executor")
RELATIVE = ("chars", "lines", "sim_task", "error_words", "digits", "hedge_words", "sim_previous")
"""Features also given as their difference from the trajectory's mean: long for this trajectory, not in general."""
TURN_BUCKETS = 4
"""``agent_turn=k`` for an agent's first k turns: the first actions of a worker are where many failures start."""
TERMINAL = re.compile(r"terminal|computer|executor|^tool$", re.IGNORECASE)
PATTERNS = {
    "error_words": r"traceback|error|exception|failed|failure|not found|no such file|invalid|denied|timed? ?out",
    "hedge_words": r"assum|hypothetical|simulat|placeholder|for example|example data|sample data|mock|dummy|"
                   r"approximat|estimat|let's say|suppose|fictional|illustrat",
    "give_up_words": r"unable|cannot|can't|could not|couldn't|sorry|apolog|not able|no access|do not have|"
                     r"don't have|not possible|not available",
    "verify_words": r"verif|confirm|double-check|cross-check|validat|correct",
    "plan_words": r"\bplan\b|step \d|steps:|first,|next,|\b1\.",
    "answer_words": r"final answer|the answer is|terminate|conclusion|therefore",
    "search_words": r"search|browse|web|page|url|wikipedia|google|bing",
    "empty_output": r"code output:\s*(\[\]|\{\}|none|)\s*$|no output|returned nothing|not found in",
    "replan_words": r"stalled|replann|new plan|re-plan|loop",
}
_PATTERNS = {name: re.compile(p, re.MULTILINE) for name, p in PATTERNS.items()}  # over lower-case text
_WORD = re.compile(r"[a-z][a-z']{2,}")
_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass
class StepFeatures:
    """One trajectory's steps as features: named columns, and the words and agent tokens of each step."""

    trajectory_id: str
    columns: dict[str, np.ndarray]
    words: list[set[str]]
    agent_tokens: list[set[str]]
    agents: list[str | None]
    """Each step's agent, as written."""

    def __len__(self) -> int:
        return len(self.agents)


def step_features(trajectory: Trajectory, findings: Iterable[Finding] = ()) -> StepFeatures:
    """The features of every step of ``trajectory``, given the findings on it."""
    n = len(trajectory)
    steps = trajectory.steps
    texts = [_text(v) for v in _column(steps, "content", n)]
    agents = [None if a is None else str(a) for a in _column(steps, "agent", n)]
    kinds = [str(k or "") for k in _column(steps, "kind", n)]
    columns: dict[str, np.ndarray] = {}
    columns.update(_position(n))
    columns.update(_who(agents, kinds, [str(r or "") for r in _column(steps, "role", n)],
                        [str(t or "") for t in _column(steps, "tool", n)]))
    columns.update(_errors(steps, texts, kinds, agents, n))
    columns.update(_text_stats(texts))
    columns.update(_similarities(texts, _text(trajectory.info.get("task"))))
    columns.update(_flags(findings, agents, n))
    for name in RELATIVE:
        values = columns[name]
        columns[f"{name}:relative"] = values - values.mean() if n else values
    return StepFeatures(trajectory.trajectory_id, columns, [words(t) for t in texts],
                        [agent_tokens(a) for a in agents], agents)


def _column(steps: dict, name: str, n: int) -> list:
    values = steps.get(name)
    return [None] * n if values is None else [None if _missing(v) else v for v in values]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)[:MAX_TEXT]


def words(text: str) -> set[str]:
    """The distinct lower-case words of a step's text (three letters or more)."""
    return set(_WORD.findall(text.lower()))


def agent_tokens(agent: str | None) -> set[str]:
    """An agent's name in lower-case parts: ``DataAnalysis_Expert (thought)`` -> data, analysis, expert."""
    name = normal_agent(agent)
    return {t.lower() for t in _TOKEN.findall(str(agent).split("(")[0])} if name else set()


def _position(n: int) -> dict[str, np.ndarray]:
    pos = np.arange(n, dtype=float)
    return {"position": np.log1p(pos), "relative_position": pos / max(n - 1, 1), "is_first": (pos == 0) * 1.0,
            "is_last": (pos == n - 1) * 1.0, "steps_log": np.full(n, math.log1p(n)),
            "from_end": np.log1p(n - 1 - pos)}


def _who(agents: list[str | None], kinds: list[str], roles: list[str], hops: list[str]) -> dict[str, np.ndarray]:
    n = len(agents)
    names = [normal_agent(a) for a in agents]
    seen: dict[str | None, int] = {}
    turn, first_turn = np.zeros(n), np.zeros(n)
    for i, name in enumerate(names):
        turn[i] = seen.get(name, 0)
        first_turn[i] = name not in seen
        seen[name] = seen.get(name, 0) + 1
    is_actor = np.array([_is_actor(roles[i], kinds[i], agents[i]) for i in range(n)], dtype=float)
    first_actor = int(np.argmax(is_actor)) if is_actor.any() else -1
    actor_turn = np.zeros(n)
    for i in range(n):
        actor_turn[i] = seen_before(names, i) if is_actor[i] else -1
    columns = {
        "agent_turn": np.log1p(turn), "agent_first_turn": first_turn,
        "agent_share": np.array([seen[name] / n for name in names]) if n else np.zeros(0),
        "is_actor": is_actor,
        "is_first_actor_step": (np.arange(n) == first_actor) * 1.0,
        "actor_index": np.log1p(np.maximum(np.cumsum(is_actor) - 1, 0)) * is_actor,
        "same_agent_as_first_actor": np.array([first_actor >= 0 and names[i] == names[first_actor]
                                               for i in range(n)], dtype=float),
        "same_agent_as_previous": np.array([i > 0 and names[i] == names[i - 1] for i in range(n)], dtype=float),
        "terminal_agent": np.array([bool(a and TERMINAL.search(a)) for a in agents], dtype=float),
    }
    order = _agent_order(names, is_actor)
    for k in range(TURN_BUCKETS):
        columns[f"agent_turn={k}"] = (turn == k) * 1.0
        columns[f"actor_turn={k}"] = (actor_turn == k) * 1.0
        columns[f"agent_order={k}"] = (order == k) * 1.0
        columns[f"agent_order={k}:first_turn"] = (order == k) * first_turn
        columns[f"agent_order={k}:second_turn"] = (order == k) * (turn == 1)
    columns.update({f"kind={k}": np.array([x == k for x in kinds], dtype=float) for k in KINDS})
    columns.update({f"role={r}": np.array([x == r for x in roles], dtype=float) for r in ROLES})
    columns.update({f"hop={h}": np.array([x.lower() == h for x in hops], dtype=float) for h in HOPS})
    return columns


def _agent_order(names: list[str | None], is_actor: np.ndarray) -> np.ndarray:
    """For each step, the how-manieth distinct acting agent its agent is (0 the first to act; -1 for non-actors)."""
    first_seen: dict[str | None, int] = {}
    for name, acts in zip(names, is_actor):
        if acts and name not in first_seen:
            first_seen[name] = len(first_seen)
    return np.array([first_seen.get(name, -1) if acts else -1 for name, acts in zip(names, is_actor)])


def seen_before(names: list[str | None], i: int) -> int:
    """How many earlier steps the agent of step ``i`` took, counting only its own actions (not its output)."""
    return sum(1 for j in range(i) if names[j] == names[i])


def _is_actor(role: str, kind: str, agent: str | None) -> bool:
    """A step an agent took (not the human's task, not tool or terminal output)."""
    return role not in {"human", "system"} and kind != "tool_result" and not (agent and TERMINAL.search(agent)) \
        and (role != "user" or agent is not None)


def _errors(steps: dict, texts: list[str], kinds: list[str], agents: list[str | None], n: int) -> dict[str, np.ndarray]:
    is_error = np.array([bool(v) for v in _column(steps, "is_error", n)], dtype=float)
    codes = _column(steps, "exit_code", n)
    nonzero = np.array([c is not None and int(c) != 0 for c in codes], dtype=float)
    words_found = np.array([len(_PATTERNS["error_words"].findall(t[:PATTERN_TEXT].lower())) for t in texts],
                           dtype=float)
    failed = (is_error + nonzero + (kinds_arr := np.array([k == "error" for k in kinds], dtype=float))) > 0
    first = int(np.argmax(failed)) if failed.any() else -1
    before_first = -1
    if first > 0:
        before_first = next((i for i in range(first - 1, -1, -1) if kinds[i] != "tool_result"
                             and not (agents[i] and TERMINAL.search(agents[i]))), -1)
    pos = np.arange(n)
    shifted = lambda a, k: np.r_[np.zeros(k), a[:-k]] if k > 0 else np.r_[a[-k:], np.zeros(-k)]  # noqa: E731
    has_words = (words_found > 0) * 1.0
    return {
        "is_error": is_error, "exit_nonzero": nonzero, "exit_zero": np.array([c is not None and int(c) == 0
                                                                             for c in codes], dtype=float),
        "kind_error": kinds_arr, "error_words": np.log1p(words_found), "has_error_words": has_words,
        "next_failed": shifted(failed * 1.0, -1) if n else np.zeros(0),
        "previous_failed": shifted(failed * 1.0, 1) if n else np.zeros(0),
        "next_error_words": shifted(has_words, -1) if n else np.zeros(0),
        "before_first_error": (pos == before_first) * 1.0,
        "after_first_error": (pos > first) * 1.0 if first >= 0 else np.zeros(n),
        "to_first_error": np.clip(first - pos, -10, 10) / 10.0 if first >= 0 else np.zeros(n),
        "any_error": np.full(n, float(first >= 0)),
    }


def _text_stats(texts: list[str]) -> dict[str, np.ndarray]:
    columns = {
        "chars": np.array([math.log1p(len(t)) for t in texts]),
        "lines": np.array([math.log1p(t.count("\n")) for t in texts]),
        "code_blocks": np.array([math.log1p(t.count("```") // 2) for t in texts]),
        "digits": np.array([sum(map(t.count, "0123456789")) / max(len(t), 1) for t in texts]),
        "links": np.array([float("http" in t) for t in texts]),
        "questions": np.array([math.log1p(t.count("?")) for t in texts]),
        "empty": np.array([float(not t.strip()) for t in texts]),
    }
    heads = [t[:PATTERN_TEXT].lower() for t in texts]
    for name, pattern in _PATTERNS.items():
        if name != "error_words":
            columns[name] = np.array([math.log1p(len(pattern.findall(t))) for t in heads])
    return columns


def _similarities(texts: list[str], task: str) -> dict[str, np.ndarray]:
    n = len(texts)
    names = ("sim_task", "sim_previous", "sim_next", "sim_earlier_max")
    if n == 0:
        return {name: np.zeros(0) for name in names}
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        matrix = TfidfVectorizer(sublinear_tf=True, min_df=1).fit_transform([task, *texts])
    except ValueError:  # no word at all
        return {name: np.zeros(n) for name in names}
    sims = (matrix @ matrix.T).toarray()
    steps = sims[1:, 1:]
    previous = np.r_[0.0, np.diag(steps, -1)] if n > 1 else np.zeros(1)
    following = np.r_[np.diag(steps, 1), 0.0] if n > 1 else np.zeros(1)
    earlier = np.array([steps[i, :i].max() if i else 0.0 for i in range(n)])
    return dict(zip(names, (sims[0, 1:], previous, following, earlier)))


def _flags(findings: Iterable[Finding], agents: list[str | None], n: int) -> dict[str, np.ndarray]:
    """``finding:<detector/kind>:at|onset|in|agent`` for every finding on this trajectory."""
    columns: dict[str, np.ndarray] = {}
    names = [normal_agent(a) for a in agents]
    for f in findings:
        key = f"finding:{f.detector}/{f.kind}"
        for suffix, steps in (("at", [f.first_step]), ("onset", [f.onset_step]), ("in", _span(f, n)),
                              ("agent", [i for i in range(n) if f.agent and names[i] == normal_agent(f.agent)])):
            column = columns.setdefault(f"{key}:{suffix}", np.zeros(n))
            for step in steps:
                if step is not None and 0 <= step < n:
                    column[step] = 1.0
    return columns


def _span(f: Finding, n: int) -> range:
    first = f.first_step if f.first_step is not None else f.onset_step
    if first is None:
        return range(0)
    end = f.end_step if f.end_step is not None and f.end_step >= first else first
    return range(max(first, 0), min(end, n - 1) + 1)
