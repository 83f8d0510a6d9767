"""How a scan cuts its subjects into tasks: whole subjects, every one once, and enough tasks for every worker."""

from __future__ import annotations

from tests.pipeline.helpers import corpus
from tracesift.detectors import all_detectors
from tracesift.findings import SubjectType
from tracesift.pipeline import scan as scan_module
from tracesift.pipeline.ingest import ingest
from tracesift.pipeline.scan import ALL_STEPS


def test_tasks_cover_every_subject_once_with_four_tasks_a_worker(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "corpus", runs=32, trajectories=8)
    store = ingest([folder], store=tmp_path / "store", jobs=1).store
    monkeypatch.setattr(scan_module, "MIN_TASK_ROWS", 1)
    counts, few = scan_module._plan(store, list(all_detectors()), {}, ALL_STEPS, jobs=1)
    _, many = scan_module._plan(store, list(all_detectors()), {}, ALL_STEPS, jobs=4)
    runs = sorted(counts[SubjectType.run])
    assert len([t for t in few if t.subject is SubjectType.run]) == 4   # 19,200 rows: four tasks for one worker
    cut = [t for t in many if t.subject is SubjectType.run]
    assert len(cut) == 16
    covered = [r for t in cut for r in runs if t.lo <= r <= t.hi]
    assert covered == runs  # every run in exactly one task, in order


def test_a_store_too_small_to_share_is_one_task_per_subject_type(tmp_path):
    folder = corpus(tmp_path / "corpus", runs=4, trajectories=4)
    store = ingest([folder], store=tmp_path / "store", jobs=1).store
    _, tasks = scan_module._plan(store, list(all_detectors()), {}, ALL_STEPS, jobs=8)
    assert sorted(t.subject.value for t in tasks) == ["run", "trajectory"]


def test_keep_hands_back_each_subject_once_with_its_findings_from_the_workers(tmp_path, monkeypatch):
    from tracesift.pipeline.report import drawn
    from tracesift.pipeline.scan import scan
    from tracesift.report_data import RunData, TrajectoryData

    folder = corpus(tmp_path / "corpus", runs=12, trajectories=10)
    monkeypatch.setattr(scan_module, "MIN_TASK_ROWS", 1)  # several tasks ...
    monkeypatch.setattr(scan_module, "PARALLEL_FROM_ROWS", 0)  # ... judged (and kept) by two workers
    result = scan([folder], store=tmp_path / "store", jobs=2, fail_on=None, keep=drawn)
    runs = [k for k in result.kept if isinstance(k, RunData)]
    trajectories = [k for k in result.kept if isinstance(k, TrajectoryData)]
    assert result.kept == runs + trajectories  # runs first
    assert [r.run_id for r in runs] == sorted(r.run_id for r in runs) and len(runs) == result.runs == 12
    assert [t.trajectory_id for t in trajectories] == sorted(t.trajectory_id for t in trajectories)
    assert len(trajectories) == result.trajectories == 10
    found = {}
    for finding in result.findings:
        found.setdefault(finding.subject_id, []).append(finding)
    kept = {getattr(k, "run_id", None) or k.trajectory_id: k.findings for k in result.kept}
    assert kept == {subject: found.get(subject, []) for subject in kept}  # each subject's findings, in scan order
    assert any(kept.values())
    assert all(r.series for r in runs)  # envelopes drawn from the series the task judged


def test_keep_sees_every_subject_even_where_no_detector_judges_its_type(tmp_path):
    from tracesift.pipeline.report import drawn
    from tracesift.pipeline.scan import scan

    folder = corpus(tmp_path / "corpus", runs=3, trajectories=4)
    result = scan([folder], store=tmp_path / "store", jobs=1, fail_on=None, detectors=["divergence"], keep=drawn)
    assert len(result.kept) == 3 + 4
    assert not any(k.findings for k in result.kept[3:])


def test_trajectories_are_cut_by_their_work_not_their_rows(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "corpus", runs=2, trajectories=40)
    store = ingest([folder], store=tmp_path / "store", jobs=1).store
    monkeypatch.setattr(scan_module, "MIN_TASK_ROWS", 1_000)
    counts, tasks = scan_module._plan(store, list(all_detectors()), {}, ALL_STEPS, jobs=2)
    steps = sum(counts[SubjectType.trajectory].values())
    assert steps < 1_000  # as rows, one task would hold them all ...
    cut = [t for t in tasks if t.subject is SubjectType.trajectory]
    assert len(cut) >= 6  # ... as work (64 training points a step) they are about four tasks a worker
    ids = sorted(counts[SubjectType.trajectory])
    assert [i for t in cut for i in ids if t.lo <= i <= t.hi] == ids


def test_progress_is_reported_while_reading_and_while_judging(tmp_path, monkeypatch):
    from tracesift.pipeline.scan import scan

    folder = corpus(tmp_path / "corpus", runs=6, trajectories=6)
    monkeypatch.setattr(scan_module, "MIN_TASK_ROWS", 1)
    calls = []
    scan([folder], store=tmp_path / "store", jobs=1, fail_on=None, on_progress=lambda *call: calls.append(call))
    reading = [c for c in calls if c[2] == "reading"]
    judging = [c for c in calls if c[2] == "judging"]
    assert reading[-1][0] == reading[-1][1] == 12  # every input read
    assert len(judging) == judging[-1][1] > 2 and [c[0] for c in judging] == list(range(1, len(judging) + 1))
    assert calls.index(judging[0]) > calls.index(reading[-1])  # reading first, then judging
