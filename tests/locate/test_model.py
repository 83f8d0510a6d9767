"""The learned locator on synthetic trajectories: it learns a planted signal, survives a save and load, and
refuses model files it cannot trust or read."""

from __future__ import annotations

import json
import pickle
import random

import numpy as np
import pytest

from tracesift.detectors.base import Trajectory
from tracesift.errors import UsageError
from tracesift.findings import Finding, Severity, SubjectType
from tracesift.locate.features import step_features
from tracesift.locate.model import FORMAT_VERSION, fit, load
from tracesift.locate.stage import replace_first_failure

AGENTS = ["Planner", "Coder", "Checker"]


def trajectory(seed: int, outcome: str = "failure") -> tuple[Trajectory, int, str]:
    """6-12 steps of chatter; at the decisive step an agent's code fails (the next step is a non-zero exit)."""
    rng = random.Random(seed)
    n = rng.randint(6, 12)
    bad = rng.randint(1, n - 2)
    rows = []
    for i in range(n):
        if i == bad + 1:
            rows.append(("Computer_terminal", "tool_result", "exitcode: 1 (execution failed)\nTraceback: Error", 1))
        else:
            text = "I will write code to fetch the table." if i == bad else rng.choice(
                ["Let us check the plan.", "Sounds good, continue.", "Here is a summary of the findings so far."])
            rows.append((AGENTS[i % 3], "message", text, None))
    steps = {"step": np.arange(n), "agent": np.array([r[0] for r in rows], dtype=object),
             "role": np.array(["assistant"] * n, dtype=object), "kind": np.array([r[1] for r in rows], dtype=object),
             "content": np.array([r[2] for r in rows], dtype=object),
             "is_error": np.array([r[3] == 1 for r in rows]),
             "exit_code": np.array([r[3] for r in rows], dtype=object)}
    return Trajectory(f"t{seed}", {"task": "fetch the table", "outcome": outcome}, steps), bad, rows[bad][0]


def test_it_learns_a_planted_decisive_step_and_its_agent():
    train = [trajectory(seed) for seed in range(30)]
    model = fit([(step_features(t), bad) for t, bad, _ in train])
    held = [trajectory(seed) for seed in range(100, 120)]
    found = [model.locate(t) for t, _, _ in held]
    assert sum(f.step == bad for f, (_, bad, _) in zip(found, held)) >= 18
    assert sum(f.agent == agent for f, (_, _, agent) in zip(found, held)) >= 18
    assert all(0 < f.confidence <= 1 for f in found)


def test_save_load_round_trip_predicts_the_same(tmp_path):
    model = fit([(step_features(t), bad) for t, bad, _ in (trajectory(s) for s in range(10))])
    path = tmp_path / "locator.json"
    model.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == "tracesift-locator" and data["format_version"] == FORMAT_VERSION
    assert data["features"] == model.features and data["sklearn_version"]
    again = load(path)
    for seed in range(50, 55):
        t, _, _ = trajectory(seed)
        assert again.locate(t) == model.locate(t)


def test_a_model_of_another_version_is_refused(tmp_path):
    model = fit([(step_features(t), bad) for t, bad, _ in (trajectory(s) for s in range(5))])
    path = tmp_path / "old.json"
    model.save(path)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(UsageError, match="format version .* train it again"):
        load(path)


@pytest.mark.parametrize("content, message", [
    (pickle.dumps({"format": "tracesift-locator"}), "never pickles"),
    (b'{"format": "something else"}', "not a tracesift locator model"),
    (b'[1, 2]', "not a tracesift locator model"),
    (json.dumps({"format": "tracesift-locator", "format_version": FORMAT_VERSION, "features": ["a"], "mean": [],
                 "scale": [], "coef": [], "intercept": 0}).encode(), "damaged"),
    (json.dumps({"format": "tracesift-locator", "format_version": FORMAT_VERSION, "oops": 1}).encode(), "oops"),
])
def test_files_that_are_not_models_are_refused_without_running_them(tmp_path, content, message):
    path = tmp_path / "model.json"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        load(path)


def test_the_stage_replaces_the_rules_first_failure_and_keeps_the_rest():
    model = fit([(step_features(t), bad) for t, bad, _ in (trajectory(s) for s in range(10))])
    t, _, _ = trajectory(77)
    rules = Finding("t77", "rules", "first_failure", Severity.critical, "rules' guess", first_step=0,
                    subject_type=SubjectType.trajectory)
    other = Finding("t77", "tool_errors", "tool_error", Severity.warning, "exit 1", first_step=3,
                    subject_type=SubjectType.trajectory)
    found = replace_first_failure(model, t, [rules, other])
    assert other in found and rules not in found
    (located,) = [f for f in found if f.kind == "first_failure"]
    assert located.detector == "locator" and located.severity is Severity.warning and located.agent
    success, _, _ = trajectory(77, outcome="success")
    assert replace_first_failure(model, success, [rules, other]) == [other]


def test_findings_become_features_by_detector_and_kind():
    t, bad, _ = trajectory(3)
    flagged = Finding("t3", "loops", "loop", Severity.warning, "m", first_step=bad, end_step=bad + 1,
                      agent="Coder", subject_type=SubjectType.trajectory)
    columns = step_features(t, [flagged]).columns
    assert columns["finding:loops/loop:at"][bad] == 1 and columns["finding:loops/loop:at"].sum() == 1
    assert columns["finding:loops/loop:in"][bad + 1] == 1


def test_no_steps_and_one_step():
    model = fit([(step_features(t), bad) for t, bad, _ in (trajectory(s) for s in range(5))])
    empty = Trajectory("e", {}, {"step": np.arange(0)})
    assert model.locate(empty) is None
    one = Trajectory("o", {}, {"step": np.arange(1), "agent": np.array(["A"], dtype=object),
                               "content": np.array([None], dtype=object)})
    found = model.locate(one)
    assert (found.step, found.agent, found.confidence) == (0, "A", 1.0)


def test_the_stage_locates_with_the_rules_answer_it_was_trained_on():
    """Training reads a scan's findings, the rules' first_failure among them: so does the stage."""
    from tracesift.locate.model import LocatorModel

    model = LocatorModel(["finding:first_failure/first_failure:at"], [0.0], [1.0], [10.0], 0.0, "step")
    t, _, _ = trajectory(5)
    rules = Finding("t5", "first_failure", "first_failure", Severity.critical, "rules' guess", first_step=2,
                    subject_type=SubjectType.trajectory)
    (located,) = [f for f in replace_first_failure(model, t, [rules]) if f.kind == "first_failure"]
    assert located.detector == "locator" and located.first_step == 2


def test_trajectory_weights_scale_each_sample_and_need_one_per_sample():
    samples = [(step_features(t), bad) for t, bad, _ in (trajectory(s) for s in range(10))]
    even = fit(samples, trajectory_weights=[1.0] * 10)
    assert np.allclose(even.coef, fit(samples).coef)  # equal weights change nothing
    assert not np.allclose(fit(samples, trajectory_weights=[5.0] * 5 + [1.0] * 5).coef, even.coef)
    with pytest.raises(ValueError, match="one weight per sample"):
        fit(samples, trajectory_weights=[1.0])
