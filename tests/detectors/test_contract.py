"""Every registered detector, on awkward input: no crash, canonical rows, silence where it cannot judge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.detectors import signals
from tracesift.detectors import all_detectors
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


@pytest.mark.parametrize("detector", all_detectors(), ids=lambda d: d.name)
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
