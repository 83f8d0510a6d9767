"""What a crash can cost: files on disk before a version names them, progress kept by the periodic commit,
no leftovers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.store.test_ingest import write_jsonl
from tests.store.test_moves import rows_per_file
from tracesift.pipeline.ingest import ingest
from tracesift.store.layout import Store
from tracesift.store.manifest import Manifest


def test_parquet_files_and_their_folders_are_synced_before_the_version_naming_them(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "a" / "metrics.jsonl", range(5))
    events: list[tuple[str, str]] = []
    real_fsync, real_create = os.fsync, Store.create

    def recording_fsync(descriptor: int) -> None:
        events.append(("synced", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def recording_create(store: Store, rel: str, data: bytes) -> None:
        events.append(("created", rel))
        real_create(store, rel, data)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(Store, "create", recording_create)
    ingest([tmp_path], jobs=1)
    store = tmp_path / ".tracesift"
    named = [f for table in ("metrics", "runs") for f in Manifest.load(store).files(table)]
    synced_before = {path for what, path in events[: events.index(("created", "manifest/00000000000000000001.json"))]
                     if what == "synced"}
    needed = {str(store / rel) for rel in named} | {str(store / "metrics"), str(store / "runs")}
    assert needed <= synced_before


def test_a_leftover_temporary_file_of_the_store_is_removed(tmp_path):
    write_jsonl(tmp_path / "a" / "metrics.jsonl", range(5))
    ingest([tmp_path])
    leftover = tmp_path / ".tracesift" / ".manifest.json.4242.tmp"  # what an older tracesift's kill left
    leftover.write_text("{")
    ingest([tmp_path])
    assert not leftover.exists()


def test_batches_written_by_workers_count_towards_the_periodic_commit(tmp_path, monkeypatch):
    """A kill late in an ingest of large inputs keeps what was committed before it: not all is read again."""
    import tracesift.pipeline.ingest as ingest_module
    import tracesift.pipeline.read_inputs as read_module

    monkeypatch.setattr(read_module, "OWN_BATCH_ROWS", 5)  # every input is written by its worker
    monkeypatch.setattr(ingest_module, "COMMIT_EVERY_ROWS", 30)
    for i in range(10):
        write_jsonl(tmp_path / f"r{i}" / "metrics.jsonl", range(20))
    real_read = read_module.read_source
    reads: list[Path] = []

    def killed_at_the_eighth_input(task):
        reads.append(task[0].path)
        if len(reads) == 8:
            raise KeyboardInterrupt  # the process dies here
        return real_read(task)

    monkeypatch.setattr(read_module, "read_source", killed_at_the_eighth_input)
    with pytest.raises(KeyboardInterrupt):
        ingest([tmp_path], jobs=1)
    monkeypatch.setattr(read_module, "read_source", real_read)
    report = ingest([tmp_path], jobs=1)
    assert report.count("unchanged") > 0 and report.count("read") + report.count("unchanged") == 10
    assert rows_per_file(tmp_path) == {f"r{i}/metrics.jsonl": 20 for i in range(10)}
