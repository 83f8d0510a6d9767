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
