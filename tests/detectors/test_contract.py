"""Every registered detector, on awkward input: no crash, canonical rows, silence where it cannot judge.

Run detectors judge awkward runs; trajectory detectors (and the trajectory post-stages) judge
awkward trajectories: none of its steps, one step, only errors, empty text and missing columns.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.detectors import signals
from tracesift.detectors import all_detectors
from tracesift.detectors.base import Trajectory
from tracesift.detectors.stages import POST_STAGES
from tracesift.findings import SubjectType
from tracesift.pipeline.ingest import ingest
from tracesift.pipeline.scan import ScanTask, subjects
from tracesift.store import schema

ROLES = ["loss", "grad_norm", "actor/entropy", "critic/score/mean", "actor/kl_loss", "response_length/mean",
         "loss/kl", "loss/recon", "eval/task_a/accuracy", "eval/task_b/accuracy"]


def awkward_runs(root):
    n = 60
    runs = {
        "single_point": {"step": np.array([0]), **{r: np.array([1.0]) for r in ROLES}},
        "constant": {"step": np.arange(n), **{r: np.full(n, 0.5) for r in ROLES}},
        "all_nan": {"step": np.arange(n), **{r: np.full(n, np.nan) for r in ROLES}},
        "zeros": {"step": np.arange(n), **{r: np.zeros(n) for r in ROLES}},
        "negative": {"step": np.arange(n), **{r: -np.linspace(1, 2, n) for r in ROLES}},
    }
    for name, columns in runs.items():
        signals.write_csv(root / f"{name}.csv", columns)
    # a resumed run: steps 0-39 logged, then 20-59 logged again by the restarted job
    resumed = root / "resumed" / "metrics.csv"
    first = signals.healthy_loss(40)
    second = signals.healthy_loss(60, seed=5)
    signals.write_csv(resumed, {"step": np.r_[first["step"], second["step"][20:]],
                                "loss": np.r_[first["loss"], second["loss"][20:]]})
    # two runs of the same name in different folders stay two runs
    signals.write_csv(root / "a" / "exp" / "metrics.csv", signals.healthy_loss(60))
    signals.write_csv(root / "b" / "exp" / "metrics.csv", signals.healthy_loss(60, seed=9))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("awkward")
    awkward_runs(root)
    ingest([root])
    return {run.run_id: run for run in subjects(ScanTask(root / ".tracesift", SubjectType.run, "", "\uffff", (), {}))}


RUN_DETECTORS = [d for d in all_detectors() if d.subject is SubjectType.run]
TRAJECTORY_DETECTORS = [d for d in all_detectors() if d.subject is SubjectType.trajectory]


@pytest.mark.parametrize("detector", RUN_DETECTORS, ids=lambda d: d.name)
def test_detector_contract(detector, runs):
    findings = [f for run in runs.values() for f in detector.judge(run, detector.params())]
    for finding in findings:
        row = finding.row()
        assert set(row) == set(schema.FINDINGS.names)
        assert row["severity"] in ("info", "warning", "critical")
        assert row["subject_id"] in {"all_nan", "resumed", "single_point", "constant", "zeros", "negative",
                                     "a/exp", "b/exp"}
        if row["onset_step"] is not None and row["first_step"] is not None:
            assert row["onset_step"] <= row["first_step"]
        assert row["score"] is None or math.isfinite(row["score"])
        schema.from_rows("findings", [row])  # fits the canonical schema
    judged = {f.subject_id for f in findings}
    silent_on = {"zeros", "single_point", "a/exp", "b/exp"}
    if detector.name != "plateau":  # a loss that never moves is a plateau, and says so
        silent_on.add("constant")
    assert not judged & silent_on, f"{detector.name} cried wolf"
    assert detector.subject in SubjectType
    assert detector.parse({}) == detector.params()  # every parameter has its documented default


def test_resumed_run_keeps_the_last_write_and_says_so(runs):
    loss = runs["resumed"].series("loss")
    assert list(loss.steps) == list(range(60))
    assert "repeated steps" in " ".join(runs["resumed"].notes["loss"])


def test_all_nan_is_reported_once_as_non_finite(runs):
    from tracesift.detectors.training import non_finite

    findings = non_finite.judge(runs["all_nan"], non_finite.Params())
    assert len(findings) == 1 and findings[0].severity == "critical"
    assert findings[0].first_step == 0


def test_single_point_is_noted_not_judged(runs):
    from tracesift.detectors.training import divergence

    divergence.judge(runs["single_point"], divergence.Params())
    assert any("too few" in text for text in runs["single_point"].notes["loss"])


def _steps(rows: list[dict]) -> dict[str, np.ndarray]:
    """Step columns as the scan gives them (object arrays of text, float arrays with NaN for missing numbers)."""
    names = [n for n in schema.STEPS.names if n != "source_file"]
    numeric = {"exit_code", "tokens_in", "tokens_out", "cost", "latency_s", "timestamp"}
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "step":
            columns[name] = np.arange(len(rows), dtype=np.int64)
        elif name in numeric:
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        elif name == "is_error":
            columns[name] = np.array([bool(v) for v in values], dtype=bool)
        else:
            columns[name] = np.array(values, dtype=object)
    return columns


AWKWARD_TRAJECTORIES = {
    "no_steps": ({"outcome": "failure"}, {}),
    "no_steps_no_info": ({}, _steps([])),
    "one_step": ({"outcome": "failure", "task": "fix it"},
                 _steps([{"kind": "message", "role": "user", "content": "fix it"}])),
    "only_errors": ({"outcome": "unknown", "labels": "{not json"}, _steps(
        [{"kind": "error", "content": "Traceback (most recent call last):\nRuntimeError: boom", "is_error": True}] * 5)),
    "only_failed_results": ({"outcome": "failure"}, _steps(
        [{"kind": "tool_result", "tool": "bash", "content": "Error: no", "exit_code": 1, "agent": "tool"}] * 4)),
    "blank": ({"outcome": "failure", "task": ""}, _steps([{"kind": k} for k in
                                                        ("message", "tool_call", "tool_result", "thought", "final")])),
    "nothing_but_none": ({"outcome": None, "labels": None}, _steps([{}] * 3)),
    "huge": ({"outcome": "failure", "task": "x " * 10_000}, _steps(
        [{"kind": "tool_call", "tool": "t", "arguments": "{" * 5000, "agent": "a", "role": "assistant"},
         {"kind": "tool_result", "tool": "t", "content": "y" * 1_000_000, "agent": "a", "role": "tool"}])),
}


@pytest.mark.parametrize("detector", TRAJECTORY_DETECTORS, ids=lambda d: d.name)
def test_trajectory_detector_contract(detector):
    for name, (info, steps) in AWKWARD_TRAJECTORIES.items():
        trajectory = Trajectory(name, dict(info), dict(steps))
        findings = detector.judge(trajectory, detector.params())
        for stage in POST_STAGES[SubjectType.trajectory]:
            findings = stage(trajectory, findings)
        for finding in findings:
            row = finding.row()
            assert set(row) == set(schema.FINDINGS.names)
            assert row["subject_type"] == "trajectory" and row["subject_id"] == name
            for key in ("onset_step", "first_step", "end_step"):
                assert row[key] is None or 0 <= row[key] < max(len(trajectory), 1), (name, finding)
            if row["onset_step"] is not None and row["first_step"] is not None:
                assert row["onset_step"] <= row["first_step"]
            assert row["score"] is None or math.isfinite(row["score"])
            schema.from_rows("findings", [row])
        if name in ("no_steps_no_info", "one_step", "nothing_but_none"):
            assert [f.kind for f in findings if f.detector != "first_failure"] == [], f"{detector.name} on {name}"
    assert detector.parse({}) == detector.params()


def test_a_failed_trajectory_with_no_steps_gets_a_first_failure_nowhere():
    trajectory = Trajectory("no_steps", {"outcome": "failure"}, {})
    [found] = POST_STAGES[SubjectType.trajectory][0](trajectory, [])
    assert (found.kind, found.first_step, found.severity.value) == ("first_failure", None, "critical")


def test_the_scan_judges_a_trajectory_with_no_steps(tmp_path):
    """A trajectories row without steps (a run that died before its first) is a subject too."""
    from tracesift.pipeline.scan import judge
    from tracesift.store.commit import commit_on_newest
    from tracesift.store.layout import Store
    from tracesift.store.manifest import Manifest, batch_file
    from tracesift.store.writer import new_batch_id, write_batch

    (tmp_path / "ok.json").write_text('{"id": "ok", "outcome": "success", "messages": ['
                                      '{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}')
    ingest([tmp_path])
    store = Store.open(tmp_path / ".tracesift")
    batch = new_batch_id()
    ghost = schema.from_rows("trajectories", [{"trajectory_id": "ghost.json", "source_format": "chat_messages",
                                               "outcome": "failure", "source_file": "ghost.json"}])
    written = write_batch(store, batch, {"trajectories": [ghost]})
    commit_on_newest(store, Manifest.load(store), lambda m: m.batches.__setitem__(batch, written),
                     own=[batch_file("trajectories", batch)])
    task = ScanTask(tmp_path / ".tracesift", SubjectType.trajectory, "", "\uffff",
                    tuple(d.name for d in TRAJECTORY_DETECTORS), {})
    assert [t.trajectory_id for t in subjects(task)] == ["ok.json", "ghost.json"]
    [found] = [f for f in judge(task).findings if f.subject_id == "ghost.json"]
    assert (found.subject_id, found.kind, found.first_step) == ("ghost.json", "first_failure", None)
