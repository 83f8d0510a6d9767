"""Scoring on small labelled sets whose accuracies follow from how they are built."""

from __future__ import annotations

import pytest

from tracesift.findings import Finding, Severity, SubjectType
from tracesift.locate.labels import Label
from tracesift.locate.scoring import Subject, score


def first_failure(tid: str, step: int | None, agent: str | None, score: float = 0.5, kind: str = "first_failure"):
    return Finding(tid, "rules", kind, Severity.warning, "m", agent=agent, first_step=step, score=score,
                   subject_type=SubjectType.trajectory)


def label(step, agent):
    return Label(step, agent, "test")


def test_accuracies_per_subset_follow_from_the_offsets():
    # subset A: predictions off by 0, 1, 3 and one missing; subset B: off by 5 and 6
    subjects = [Subject(f"A/{i}", "A", 20) for i in range(4)] + [Subject(f"B/{i}", "B", 20) for i in range(2)]
    labels = {f"A/{i}": label(10, "Coder") for i in range(4)} | {f"B/{i}": label(2, "WebSurfer") for i in range(2)}
    findings = [first_failure("A/0", 10, "coder"), first_failure("A/1", 11, "Coder (thought)"),
                first_failure("A/2", 7, "Planner"), first_failure("B/0", 7, "WebSurfer"),
                first_failure("B/1", 8, "websurfer (-> Coder)")]
    scores = score(subjects, labels, findings)
    a, b = scores.subsets
    assert (a.subset, a.labelled, a.predicted, a.missing) == ("A", 4, 3, 1)
    assert a.step_accuracy == 1 / 4 and a.agent_accuracy == 2 / 4
    assert [a.within_accuracy(k) for k in (1, 2, 3, 4, 5)] == [2 / 4, 2 / 4, 3 / 4, 3 / 4, 3 / 4]
    assert b.step_accuracy == 0 and b.agent_accuracy == 1
    assert [b.within_accuracy(k) for k in (1, 2, 3, 4, 5)] == [0, 0, 0, 0, 1 / 2]
    overall = scores.overall
    assert (overall.labelled, overall.missing) == (6, 1)
    assert overall.step_accuracy == 1 / 6 and overall.agent_accuracy == 4 / 6 and overall.within_accuracy(5) == 4 / 6


def test_a_missing_prediction_is_a_miss_for_step_and_agent():
    scores = score([Subject("t", ".", 3)], {"t": label(0, "A")}, [])
    (case,) = scores.cases
    assert not case.predicted and case.step_error is None and case.agent_correct is False
    assert scores.overall.step_accuracy == 0 and scores.overall.agent_accuracy == 0 and scores.overall.missing == 1


@pytest.mark.parametrize("steps, step", [(5, 5), (5, -1), (0, 0), (1, 3)])
def test_a_label_past_the_end_or_of_an_empty_trajectory_is_reported_not_scored(steps, step):
    scores = score([Subject("t", ".", steps)], {"t": label(step, "A")}, [first_failure("t", 0, "A")])
    assert scores.cases == [] and scores.overall.labelled == 0 and scores.overall.step_accuracy is None
    assert "not one of its" in scores.problems[0] and "not scored" in scores.problems[0]


def test_a_one_step_trajectory_is_scored():
    scores = score([Subject("t", ".", 1)], {"t": label(0, "A")}, [first_failure("t", 0, "a")])
    assert scores.overall.step_accuracy == 1 and scores.overall.agent_accuracy == 1


def test_a_label_for_a_trajectory_not_read_is_reported():
    scores = score([], {"gone": label(1, "A")}, [])
    assert scores.cases == [] and "no trajectory 'gone'" in scores.problems[0]


def test_agent_only_and_step_only_labels_count_in_their_own_accuracy():
    subjects = [Subject("s", ".", 4), Subject("a", ".", 4)]
    scores = score(subjects, {"s": label(2, None), "a": label(None, "X")},
                   [first_failure("s", 2, "Y"), first_failure("a", 1, "x")])
    overall = scores.overall
    assert (overall.step_labelled, overall.agent_labelled) == (1, 1)
    assert overall.step_accuracy == 1 and overall.agent_accuracy == 1


def test_the_best_of_several_first_failures_counts_and_other_kinds_do_not():
    findings = [first_failure("t", 1, "A", score=0.2), first_failure("t", 3, "B", score=0.9),
                first_failure("t", 0, "C", score=0.99, kind="tool_error")]
    (case,) = score([Subject("t", ".", 5)], {"t": label(3, "B")}, findings).cases
    assert (case.predicted_step, case.predicted_agent) == (3, "B")
