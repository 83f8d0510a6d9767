"""A full disk, a read-only store or a dead worker: one line naming the cause and the path, exit code 4,
and the store as it was before."""

from __future__ import annotations

import errno
import os
import signal
from multiprocessing import get_context
from pathlib import Path

import pytest

from tests.conftest import write_loss_jsonl
from tracesift.cli import app
from tracesift.errors import StoreWriteFailed
from tracesift.pipeline import executors, read_inputs
from tracesift.pipeline import ingest as ingest_module
from tracesift.pipeline.ingest import ingest
from tracesift.store.layout import Store
from tracesift.store.manifest import versions
from tracesift.store.query import query


def store_state(folder: Path) -> tuple[list[int], int]:
    """The manifest versions present, and the rows a query sees."""
    return versions(Store.open(folder / ".tracesift")), query(folder, "select count(*) n from metrics").dicts()[0]["n"]


@pytest.fixture
def ingested(tmp_path: Path) -> Path:
    """A folder ingested once, with one more file since."""
    write_loss_jsonl(tmp_path / "first.jsonl", 10)
    ingest([tmp_path], jobs=1)
    write_loss_jsonl(tmp_path / "second.jsonl", 5)
    return tmp_path


def failing_write(error: int):
    def write_table(table, where, **kwargs):
        raise OSError(error, os.strerror(error), where)

    return write_table


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EACCES], ids=["full-disk", "read-only", "denied"])
def test_store_write_failure_is_one_line_and_leaves_the_store_as_it_was(ingested, monkeypatch, runner, error):
    before = store_state(ingested)
    monkeypatch.setattr("pyarrow.parquet.write_table", failing_write(error))
    result = runner.invoke(app, ["ingest", str(ingested), "--jobs", "1"])
    assert result.exit_code == StoreWriteFailed.exit_code == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write ")
    assert os.strerror(error).lower() in lines[0] and str(ingested / ".tracesift" / "metrics") in lines[0]
    assert "Traceback" not in result.output
    monkeypatch.undo()
    assert store_state(ingested) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="chmod does not stop root from writing")
def test_read_only_store_folder(ingested):
    before = store_state(ingested)
    for folder in (ingested / ".tracesift").rglob("*"):
        if folder.is_dir():
            folder.chmod(0o555)
    try:
        with pytest.raises(StoreWriteFailed, match="permission denied"):
            ingest([ingested], jobs=1)
    finally:
        for folder in (ingested / ".tracesift").rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
    assert store_state(ingested) == before


def disk_full_in_worker(tasks: list) -> list:
    """A read task whose batch meets a full disk, as pyarrow reports it (the path only in the message)."""
    raise OSError(errno.ENOSPC, f"Failed to open local file '{tasks[0][-1].path('metrics/x.parquet')}'. "
                                "Detail: [errno 28] No space left on device")


def killed_worker(tasks: list) -> list:
    """A read task whose worker is killed (by the out-of-memory killer, say)."""
    os.kill(os.getpid(), signal.SIGKILL)
    return []


@pytest.fixture
def in_workers(monkeypatch):
    """Read tasks run in two forked workers (which see this test's patches), for as few as two files."""
    monkeypatch.setattr(executors, "_start_method", lambda: get_context("fork"))
    monkeypatch.setattr(ingest_module, "PARALLEL_FROM_FILES", 1)


@pytest.mark.parametrize(("task", "message"), [
    (disk_full_in_worker, r"cannot write .*metrics/x\.parquet: no space left on device"),
    (killed_worker, r"a worker process died while reading into .*\.tracesift \(killed, or out of memory\)"),
], ids=["full-disk", "killed"])
def test_failure_in_a_worker_is_one_message_and_the_store_is_unchanged(ingested, monkeypatch, in_workers,
                                                                       task, message):
    write_loss_jsonl(ingested / "third.jsonl", 5)
    before = store_state(ingested)
    monkeypatch.setattr(ingest_module, "read_sources", task)
    with pytest.raises(StoreWriteFailed, match=message):
        ingest([ingested], jobs=2)
    assert store_state(ingested) == before


def test_an_input_that_fails_the_same_way_again_rewrites_nothing(tmp_path, monkeypatch):
    """A broken file is read again at every ingest; failing as before it keeps its one ingest_errors row, and the
    batch that holds the row (written by a worker with a large file's rows) is not rewritten to replace it."""
    monkeypatch.setattr(read_inputs, "OWN_BATCH_ROWS", 10)  # the chunk's rows go into a worker-written batch
    write_loss_jsonl(tmp_path / "good.jsonl", 50)
    (tmp_path / "bad.jsonl").write_bytes(b"\x00\x01\x02" * 50)  # named like a log, binary: an error, not a skip
    first = ingest([tmp_path], jobs=1)
    assert [o.status for o in first.outcomes if o.rel == "bad.jsonl"] == ["error"]
    store = Store.local(tmp_path / ".tracesift")
    errors = query(tmp_path, "select path, error from ingest_errors").rows
    before = versions(store)
    again = ingest([tmp_path], jobs=1)
    assert [o.status for o in again.outcomes if o.rel == "bad.jsonl"] == ["error"]
    assert versions(store) == before  # nothing to commit
    assert query(tmp_path, "select path, error from ingest_errors").rows == errors
    (tmp_path / "bad.jsonl").write_text('{"step": 1, "loss": 0.5}\n')  # fixed: read, and its error row goes
    ingest([tmp_path], jobs=1)
    assert query(tmp_path, "select count(*) from ingest_errors where path = 'bad.jsonl'").rows[0][0] == 0
