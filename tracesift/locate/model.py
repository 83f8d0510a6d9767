"""The learned locator: a per-step logistic regression that picks each trajectory's decisive step.

Training (:func:`fit`) turns every step of every labelled trajectory into features
(:mod:`tracesift.locate.features`), plus the words of its text and the parts of its agent's name
that recur in the training steps, standardises them and fits scikit-learn's
``LogisticRegression`` with the labelled step as the one positive of its trajectory.
Locating (:meth:`LocatorModel.locate`) scores every step, takes the best one, and gives the
share of the softmax over the trajectory's scores as the confidence.

The model file is JSON, not a pickle: a format name and version, the feature list, the
standardisation, the coefficients, the vocabularies and the scikit-learn version it was trained
with. Loading it runs no code, so a model file from anywhere is safe to load; a file of another
format version is refused with a message saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tracesift.detectors.base import Trajectory
from tracesift.errors import UsageError
from tracesift.findings import Finding
from tracesift.locate.features import TERMINAL, StepFeatures, step_features
from tracesift.locate.labels import normal_agent

FORMAT = "tracesift-locator"
FORMAT_VERSION = 1
WORD_MIN_STEPS = 5
"""A word is a feature when at least this many training steps hold it."""
AGENT_MIN_STEPS = 3
AGENT_RULES = ("step", "weight")


@dataclass(frozen=True)
class Located:
    """Where the locator puts a trajectory's first failure."""

    step: int
    agent: str | None
    confidence: float
    evidence: dict


@dataclass
class LocatorModel:
    features: list[str]
    """Numeric feature names, then ``word:<w>`` and ``agent_token:<t>`` features, in coefficient order."""
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    agent_rule: str = "step"
    """How the agent is chosen: ``step`` (the chosen step's, terminal output handed to the step before)
    or ``weight`` (the agent whose steps hold the most softmax weight)."""
    sklearn_version: str = ""
    trained_on: dict = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def matrix(self, steps: StepFeatures) -> np.ndarray:
        """The standardised feature matrix of one trajectory's steps (missing features read as 0)."""
        index = self._index()
        x = np.zeros((len(steps), len(self.features)))
        for name, values in steps.columns.items():
            j = index.get(name)
            if j is not None:
                x[:, j] = values
        for i, (found, tokens) in enumerate(zip(steps.words, steps.agent_tokens)):
            for key in [*("word:" + w for w in found), *("agent_token:" + t for t in tokens)]:
                j = index.get(key)
                if j is not None:
                    x[i, j] = 1.0
        return (x - np.asarray(self.mean)) / np.asarray(self.scale)

    def _index(self) -> dict[str, int]:
        if getattr(self, "_names", None) is not self.features:
            self._names, self._positions = self.features, {name: j for j, name in enumerate(self.features)}
        return self._positions

    def scores(self, steps: StepFeatures) -> np.ndarray:
        """Each step's decision value: the higher, the likelier the decisive step."""
        return self.matrix(steps) @ np.asarray(self.coef) + self.intercept

    def locate(self, trajectory: Trajectory, findings: Iterable[Finding] = ()) -> Located | None:
        """The decisive step of ``trajectory`` and its agent (None for a trajectory without steps)."""
        steps = step_features(trajectory, findings)
        return self.locate_features(steps)

    def locate_features(self, steps: StepFeatures) -> Located | None:
        if len(steps) == 0:
            return None
        scores = self.scores(steps)
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        best = int(np.argmax(scores))
        agent = self._agent(steps, best, weights)
        return Located(best, agent, float(weights[best]), self._evidence(steps, scores, weights, best))

    def _agent(self, steps: StepFeatures, best: int, weights: np.ndarray) -> str | None:
        owners = [_owner(steps, i) for i in range(len(steps))]
        if self.agent_rule == "weight":
            totals: dict[str, float] = {}
            for i, owner in enumerate(owners):
                if owner is not None:
                    totals[owner] = totals.get(owner, 0.0) + weights[i]
            if totals:
                chosen = max(totals, key=totals.get)
                return next(_strip(steps.agents[i]) for i in range(len(steps)) if owners[i] == chosen)
        return None if owners[best] is None else _strip(steps.agents[_owner_step(steps, best)])

    def _evidence(self, steps: StepFeatures, scores: np.ndarray, weights: np.ndarray, best: int) -> dict:
        row = self.matrix(steps)[best] * np.asarray(self.coef)
        top = np.argsort(-row)[:5]
        order = np.argsort(-scores)
        return {"locator": f"{FORMAT} {self.format_version}", "steps": len(steps),
                "runner_up": int(order[1]) if len(order) > 1 else None,
                "runner_up_confidence": float(weights[order[1]]) if len(order) > 1 else None,
                "why": [{"feature": self.features[j], "weight": round(float(row[j]), 4)} for j in top if row[j] > 0]}

    def to_json(self) -> dict:
        return {"format": self.format, "format_version": self.format_version, **{
            k: v for k, v in asdict(self).items() if k not in ("format", "format_version")}}

    def save(self, path: Path) -> None:
        """Write the model as JSON (through a temporary file, then renamed)."""
        path = Path(path)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=1, allow_nan=False) + "\n")
        temporary.replace(path)


def load(path: Path) -> LocatorModel:
    """A model file written by :meth:`LocatorModel.save`; anything else is refused with a clear message."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise UsageError(f"locator model {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"locator model {path}: not a tracesift locator model (not JSON; model files are JSON, "
                         "never pickles)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"locator model {path}: not a tracesift locator model (no \"format\": \"{FORMAT}\")")
    if data.get("format_version") != FORMAT_VERSION:
        raise UsageError(f"locator model {path}: format version {data.get('format_version')!r}, this tracesift "
                         f"reads version {FORMAT_VERSION}: train it again with `tracesift train-locator`")
    try:
        model = LocatorModel(**data)
    except TypeError as exc:
        raise UsageError(f"locator model {path}: {exc}") from None
    if not (len(model.features) == len(model.mean) == len(model.scale) == len(model.coef)) or \
            model.agent_rule not in AGENT_RULES:
        raise UsageError(f"locator model {path}: damaged (its lists differ in length or its agent rule is unknown)")
    return model


def fit(samples: Sequence[tuple[StepFeatures, int]], *, c: float = 0.003, words: bool = False,
        agent_rule: str = "weight", class_weight: str | None = "balanced", per_trajectory: bool = True,
        trajectory_weights: Sequence[float] | None = None) -> LocatorModel:
    """Train on ``(steps, decisive step)`` pairs, one per labelled trajectory.

    ``c`` is the inverse L2 strength; ``words`` adds the words of the steps' text as features (they
    overfit on the benchmark's 164 logs, so they are off by default); ``per_trajectory`` weighs every
    trajectory the same however many steps it has; ``trajectory_weights`` (one per sample) then scales each
    trajectory's weight (to weigh subsets of different sizes equally, say). The defaults are what scored best in
    cross-validation (benchmarks/README.md, "First failure").
    """
    import sklearn
    from sklearn.linear_model import LogisticRegression

    if not samples:
        raise UsageError("no labelled trajectory to train the locator on")
    numeric = sorted({name for steps, _ in samples for name in steps.columns})
    vocabulary = _vocabulary([w for steps, _ in samples for w in steps.words], WORD_MIN_STEPS) if words else []
    tokens = _vocabulary([t for steps, _ in samples for t in steps.agent_tokens], AGENT_MIN_STEPS)
    names = numeric + [f"word:{w}" for w in vocabulary] + [f"agent_token:{t}" for t in tokens]
    model = LocatorModel(names, [0.0] * len(names), [1.0] * len(names), [0.0] * len(names), 0.0, agent_rule)
    x = np.vstack([model.matrix(steps) for steps, _ in samples])
    y = np.concatenate([np.arange(len(steps)) == step for steps, step in samples])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    classifier = LogisticRegression(C=c, class_weight=class_weight, max_iter=2000)
    if trajectory_weights is not None and len(trajectory_weights) != len(samples):
        raise ValueError("trajectory_weights needs one weight per sample")
    weights = None
    if per_trajectory or trajectory_weights is not None:
        weights = np.concatenate([
            (np.where(np.arange(len(s)) == step, 1.0, 1.0 / max(len(s) - 1, 1)) if per_trajectory
             else np.ones(len(s))) * (1.0 if trajectory_weights is None else float(trajectory_weights[k]))
            for k, (s, step) in enumerate(samples)])
        weights *= len(weights) / weights.sum()
    classifier.fit((x - mean) / scale, y, sample_weight=weights)
    model.mean, model.scale = mean.tolist(), scale.tolist()
    model.coef, model.intercept = classifier.coef_[0].tolist(), float(classifier.intercept_[0])
    model.sklearn_version = sklearn.__version__
    model.trained_on = {"trajectories": len(samples), "steps": int(len(y))}
    return model


def _vocabulary(sets: list[set[str]], min_count: int) -> list[str]:
    counts: dict[str, int] = {}
    for items in sets:
        for item in items:
            counts[item] = counts.get(item, 0) + 1
    return sorted(item for item, count in counts.items() if count >= min_count)


def _owner_step(steps: StepFeatures, i: int) -> int:
    """The step whose agent answers for step ``i``: terminal or tool output goes to the step before it."""
    j = i
    while j > 0 and _is_output(steps, j):
        j -= 1
    return i if _is_output(steps, j) else j


def _owner(steps: StepFeatures, i: int) -> str | None:
    return normal_agent(steps.agents[_owner_step(steps, i)])


def _is_output(steps: StepFeatures, i: int) -> bool:
    agent = steps.agents[i]
    return bool(steps.columns["kind=tool_result"][i]) or bool(agent and TERMINAL.search(agent))


def _strip(agent: str | None) -> str | None:
    """The agent's name as written, without a ``(thought)``-style suffix."""
    return None if agent is None else agent.split(" (")[0].strip() if normal_agent(agent) else agent

