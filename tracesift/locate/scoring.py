"""Predicted first failures scored against known ones, per subset of trajectories.

The rules, each in the JSON document's ``rules`` too:

- A trajectory is scored when it has a label; the label's step must be one of its steps
  (0 to steps - 1), else the label is reported and not scored.
- Its prediction is its ``first_failure`` finding (the highest ``score`` if there are several,
  then the earliest step). A labelled trajectory without one is a miss, for step and agent
  alike, and counted in ``missing``.
- Step accuracy is the share of step-labelled trajectories whose predicted step is the label's;
  ``within[k]`` the share within k steps of it. Agent accuracy is the share of agent-labelled ones
  whose predicted agent is the label's, compared by :func:`tracesift.locate.labels.same_agent`.
- A subset is the top folder under the path given (``Hand-Crafted``), ``.`` for a file at the top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tracesift.findings import Finding
from tracesift.locate.labels import Label, same_agent

WITHIN = (1, 2, 3, 4, 5)
ALL = "(all)"
FIRST_FAILURE = "first_failure"
RULES = {
    "label": "a label's step must be a step of its trajectory (0 to steps - 1, 0-based); else it is not scored",
    "prediction": "the trajectory's first_failure finding (highest score, then earliest step)",
    "missing": "a labelled trajectory with no first_failure finding counts as wrong for step and agent",
    "agent": "agent names compare case-insensitively, without a trailing '(...)' such as '(thought)' or '(-> X)'",
    "within": "within[k]: the predicted step is at most k steps from the label's",
}


@dataclass(frozen=True)
class Subject:
    """What scoring needs of a trajectory: its id, its subset, how many steps it has."""

    trajectory_id: str
    subset: str
    steps: int


@dataclass
class Case:
    """One labelled trajectory: its label, the prediction, and how far apart they are."""

    trajectory_id: str
    subset: str
    steps: int
    label: Label
    predicted_step: int | None = None
    predicted_agent: str | None = None
    confidence: float | None = None
    detector: str | None = None

    @property
    def predicted(self) -> bool:
        return self.detector is not None

    @property
    def step_error(self) -> int | None:
        """How many steps the prediction is off (None when either step is unknown)."""
        if self.label.step is None or self.predicted_step is None:
            return None
        return abs(self.predicted_step - self.label.step)

    @property
    def agent_correct(self) -> bool | None:
        return None if self.label.agent is None else same_agent(self.predicted_agent, self.label.agent)

    def as_dict(self) -> dict:
        return {"trajectory_id": self.trajectory_id, "subset": self.subset, "steps": self.steps,
                "label_step": self.label.step, "label_agent": self.label.agent, "label_source": self.label.source,
                "predicted_step": self.predicted_step, "predicted_agent": self.predicted_agent,
                "confidence": self.confidence, "detector": self.detector, "step_error": self.step_error,
                "step_correct": None if self.label.step is None else self.step_error == 0,
                "agent_correct": self.agent_correct}


@dataclass
class SubsetScore:
    subset: str
    labelled: int = 0
    step_labelled: int = 0
    agent_labelled: int = 0
    predicted: int = 0
    missing: int = 0
    step_correct: int = 0
    agent_correct: int = 0
    within: dict[int, int] = field(default_factory=lambda: dict.fromkeys(WITHIN, 0))

    def add(self, case: Case) -> None:
        self.labelled += 1
        self.predicted += case.predicted
        self.missing += not case.predicted
        if case.label.step is not None:
            self.step_labelled += 1
            error = case.step_error
            self.step_correct += error == 0
            for k in WITHIN:
                self.within[k] += error is not None and error <= k
        if case.label.agent is not None:
            self.agent_labelled += 1
            self.agent_correct += bool(case.agent_correct)

    @property
    def step_accuracy(self) -> float | None:
        return _share(self.step_correct, self.step_labelled)

    @property
    def agent_accuracy(self) -> float | None:
        return _share(self.agent_correct, self.agent_labelled)

    def within_accuracy(self, k: int) -> float | None:
        return _share(self.within[k], self.step_labelled)

    def as_dict(self) -> dict:
        return {"subset": self.subset, "labelled": self.labelled, "step_labelled": self.step_labelled,
                "agent_labelled": self.agent_labelled, "predicted": self.predicted, "missing": self.missing,
                "agent_accuracy": self.agent_accuracy, "step_accuracy": self.step_accuracy,
                "within": {str(k): self.within_accuracy(k) for k in WITHIN}}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Scores:
    """Every labelled trajectory scored, the totals per subset (and over all), and what could not be scored."""

    cases: list[Case]
    subsets: list[SubsetScore]
    overall: SubsetScore
    problems: list[str]


def score(subjects: Iterable[Subject], labels: dict[str, Label], findings: Iterable[Finding],
          problems: list[str] | None = None) -> Scores:
    """Score the ``first_failure`` findings among ``findings`` against ``labels`` (trajectory id -> label)."""
    problems = list(problems or [])
    by_id = {s.trajectory_id: s for s in subjects}
    predictions = predictions_of(findings)
    cases = []
    for tid, label in sorted(labels.items()):
        subject = by_id.get(tid)
        if subject is None:
            problems.append(f"{label.source}: no trajectory {tid!r} was read: label not used")
            continue
        if label.step is not None and not 0 <= label.step < subject.steps:
            steps = f"0 to {subject.steps - 1}" if subject.steps else "it has none"
            problems.append(f"{tid}: labelled step {label.step} is not one of its {subject.steps} steps "
                            f"({steps}; steps count from 0): not scored")
            continue
        case = Case(tid, subject.subset, subject.steps, label)
        found = predictions.get(tid)
        if found is not None:
            case.predicted_step, case.predicted_agent = found.first_step, found.agent
            case.confidence, case.detector = found.score, found.detector
        cases.append(case)
    return Scores(cases, *_totals(cases), problems)


def predictions_of(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Each trajectory's first_failure finding: the highest score, then the earliest step."""
    chosen: dict[str, Finding] = {}
    for f in findings:
        if f.kind != FIRST_FAILURE:
            continue
        best = chosen.get(f.subject_id)
        if best is None or _rank(f) < _rank(best):
            chosen[f.subject_id] = f
    return chosen


def _rank(f: Finding) -> tuple:
    return -(f.score if f.score is not None else float("-inf")), f.first_step if f.first_step is not None else 2**62


def _totals(cases: list[Case]) -> tuple[list[SubsetScore], SubsetScore]:
    subsets: dict[str, SubsetScore] = {}
    overall = SubsetScore(ALL)
    for case in cases:
        subsets.setdefault(case.subset, SubsetScore(case.subset)).add(case)
        overall.add(case)
    return [subsets[name] for name in sorted(subsets)], overall
