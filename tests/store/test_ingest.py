"""The store: incremental, atomic, and never losing good input to bad."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import event_file
from tracesift.errors import UsageError
from tracesift.pipeline.ingest import ingest
from tracesift.store.layout import Store
from tracesift.store.manifest import Manifest, versions
from tracesift.store.query import query
from tracesift.store.writer import new_batch_id


def scalar(folder: Path, sql: str):
    return query(folder, sql).dicts()[0]


def stored_files(store: Path) -> set[str]:
    return {p.relative_to(store).as_posix() for p in store.rglob("*.parquet")}


def files_of_kept_versions(store: Path) -> set[str]:
    """Every Parquet file some manifest version in the store lists, read as plain JSON."""
    listed = set()
    for version in (store / "manifest").glob("*.json"):
        for files in json.loads(version.read_text())["files"].values():
            listed.update(files)
    return listed


def write_jsonl(path: Path, steps: range) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        for step in steps:
            handle.write(f'{{"step": {step}, "loss": {1 / (step + 1)}}}\n')


def test_second_ingest_reads_nothing(tb_run):
    root = tb_run.parent
    first = ingest([root])
    assert first.count("read") == 1 and first.rows("metrics") == 400
    second = ingest([root])
    assert second.count("read") == 0 and second.count("unchanged") == 1
    assert scalar(root, "select count(*) n from metrics")["n"] == 400


def test_appended_file_replaces_its_rows(tmp_path):
    log = tmp_path / "exp" / "metrics.jsonl"
    write_jsonl(log, range(10))
    ingest([tmp_path])
    write_jsonl(log, range(10, 15))
    report = ingest([tmp_path])
    assert report.count("read") == 1
    row = scalar(tmp_path, "select count(*) n, max(step) last from metrics")
    assert row == {"n": 15, "last": 14}


def test_touched_but_unchanged_is_not_read(tmp_path):
    log = tmp_path / "exp" / "metrics.jsonl"
    write_jsonl(log, range(5))
    ingest([tmp_path])
    os.utime(log, ns=(1, 1))
    report = ingest([tmp_path])
    assert report.count("read") == 0 and report.count("unchanged") == 1
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == 5


def test_changed_file_leaves_other_files_rows_alone(tmp_path):
    for name in ("a", "b", "c"):
        write_jsonl(tmp_path / name / "metrics.jsonl", range(4))
    ingest([tmp_path])
    (tmp_path / "b" / "metrics.jsonl").write_text('{"step": 0, "loss": 9.0}\n')
    ingest([tmp_path])
    rows = query(tmp_path, "select run_id, count(*) n from metrics group by 1 order by 1").dicts()
    assert rows == [{"run_id": "a", "n": 4}, {"run_id": "b", "n": 1}, {"run_id": "c", "n": 4}]


def test_deleted_file_loses_its_rows(tmp_path):
    for name in ("a", "b"):
        write_jsonl(tmp_path / name / "metrics.jsonl", range(3))
    ingest([tmp_path])
    shutil.rmtree(tmp_path / "a")
    report = ingest([tmp_path])
    assert report.count("removed") == 1
    assert scalar(tmp_path, "select list(distinct run_id) r from metrics")["r"] == ["b"]


def test_killed_ingest_leaves_store_usable_and_is_finished_later(tmp_path):
    write_jsonl(tmp_path / "a" / "metrics.jsonl", range(3))
    ingest([tmp_path])
    store = tmp_path / ".tracesift"
    # what a kill while writing Parquet and then the next manifest version leaves behind
    orphan = store / "metrics" / f"{new_batch_id()}.parquet"
    shutil.copy(next((store / "metrics").glob("*.parquet")), orphan)
    newest = store / "manifest" / f"{Manifest.load(store).version:020d}.json"
    torn = newest.with_name(f"{Manifest.load(store).version + 1:020d}.json")
    torn.write_bytes(newest.read_bytes()[:-40])
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == 3  # the orphan is invisible
    write_jsonl(tmp_path / "b" / "metrics.jsonl", range(2))
    ingest([tmp_path])
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == 5
    assert not orphan.exists()
    assert Manifest.load(store).version == 2  # the torn version was swept, and its number written whole


def test_bad_files_are_recorded_and_good_ones_read(tmp_path, tb_run):
    root = tb_run.parent
    (root / "junk.json").write_bytes(os.urandom(2048))
    (root / "empty.jsonl").write_bytes(b"")
    (root / "latin1.jsonl").write_bytes('{"step": 1, "loss": 0.5, "note": "caf\xe9"}\n'.encode("latin-1"))
    (root / "lfs.csv").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 12\n")
    os.symlink(root, root / "loop")
    cut = root / "cut" / "events.out.tfevents.1.host"
    cut.parent.mkdir()
    cut.write_bytes(event_file(tb_run).read_bytes()[:-5])
    report = ingest([root])
    errors = {r["path"]: r["error"] for r in query(root, "select * from ingest_errors").dicts()}
    assert "binary" in errors["junk.json"]
    assert errors["empty.jsonl"] == "empty file"
    assert "UTF-8" in errors["latin1.jsonl"]
    assert "Git LFS" in errors["lfs.csv"]
    assert "loop" in errors["loop"]
    assert "truncated" in errors["cut/events.out.tfevents.1.host"]
    runs = {r["run_id"]: r["n"] for r in query(root, "select run_id, count(*) n from metrics group by 1").dicts()}
    assert runs == {"exp1": 400, "cut": 399}
    assert report.readable


def test_unreadable_file_is_an_error_row(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    write_jsonl(tmp_path / "ok" / "metrics.jsonl", range(2))
    locked = tmp_path / "locked.jsonl"
    write_jsonl(locked, range(2))
    locked.chmod(0)
    ingest([tmp_path])
    errors = query(tmp_path, "select path, error from ingest_errors").dicts()
    assert errors == [{"path": "locked.jsonl", "error": "Permission denied"}]


def test_many_small_files(tmp_path):
    for i in range(10_000):
        (tmp_path / f"run{i:05d}.jsonl").write_text(f'{{"step": 0, "loss": {i}}}\n')
    report = ingest([tmp_path], jobs=2)
    assert report.count("read") == 10_000
    assert scalar(tmp_path, "select count(distinct run_id) n, sum(value) s from metrics") == {
        "n": 10_000,
        "s": sum(range(10_000)),
    }
    manifest = Manifest.load(tmp_path / ".tracesift")
    assert len(manifest.batches) <= 2  # one partition per commit, not one per file


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        ingest([tmp_path / "nope"])


def test_store_option_and_relative_run_ids(tmp_path, tb_run):
    store = tmp_path / "elsewhere"
    ingest([tb_run.parent], store=store)
    assert versions(Store.local(store)) == [1]
    assert scalar(store, "select list(distinct run_id) r from metrics")["r"] == ["runs/exp1"]


@pytest.mark.parametrize(("limit", "value"), [("OWN_BATCH_ROWS", 5), ("OWN_BATCH_BYTES", 200)])
def test_large_inputs_are_written_by_their_worker(tmp_path, monkeypatch, limit, value):
    """Inputs past OWN_BATCH_ROWS (or OWN_BATCH_BYTES read) become batches of their own; replacing them
    still loses nothing."""
    import tracesift.pipeline.read_inputs as read_module

    monkeypatch.setattr(read_module, limit, value)
    write_jsonl(tmp_path / "big" / "metrics.jsonl", range(20))
    write_jsonl(tmp_path / "small" / "metrics.jsonl", range(1))
    ingest([tmp_path], jobs=1)
    manifest = Manifest.load(tmp_path / ".tracesift")
    assert manifest.sources["big/metrics.jsonl"].batch != manifest.sources["small/metrics.jsonl"].batch
    write_jsonl(tmp_path / "big" / "metrics.jsonl", range(20, 25))
    ingest([tmp_path], jobs=1)
    rows = query(tmp_path, "select run_id, count(*) n from metrics group by 1 order by 1").dicts()
    assert rows == [{"run_id": "big", "n": 25}, {"run_id": "small", "n": 1}]
    store = tmp_path / ".tracesift"
    assert stored_files(store) == files_of_kept_versions(store)  # the replaced batch's file goes with its versions


def test_permission_denied_is_an_error_row_even_as_root(tmp_path, monkeypatch):
    """Root reads every file, so the refusal is staged: opening one file fails as it would for a user."""
    write_jsonl(tmp_path / "ok" / "metrics.jsonl", range(2))
    locked = tmp_path / "locked.jsonl"
    write_jsonl(locked, range(2))

    real_open = os.open

    def guarded_open(file, *args, **kwargs):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    report = ingest([tmp_path], jobs=1)
    assert report.count("read") == 1
    errors = query(tmp_path, "select path, error from ingest_errors").dicts()
    assert errors == [{"path": "locked.jsonl", "error": "Permission denied"}]


def test_huge_junk_file_is_judged_by_its_first_bytes(tmp_path):
    huge = tmp_path / "events.out.tfevents.huge"
    with open(huge, "wb") as handle:
        handle.truncate(1 << 30)  # 1 GiB, sparse: zeros
    write_jsonl(tmp_path / "ok" / "metrics.jsonl", range(3))
    report = ingest([tmp_path])
    assert report.count("read") == 1
    errors = {r["path"]: r["error"] for r in query(tmp_path, "select * from ingest_errors").dicts()}
    assert "binary" in errors["events.out.tfevents.huge"]


def test_killed_ingest_process_is_finished_by_the_next_run(tmp_path):
    """SIGKILL a real ingest mid-way; the next ingest completes it with every row exactly once."""
    import signal
    import subprocess
    import sys
    import time

    for i in range(3000):
        write_jsonl(tmp_path / f"run{i:04d}" / "metrics.jsonl", range(3))
    command = [sys.executable, "-m", "tracesift", "ingest", str(tmp_path), "-q", "--jobs", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the ingest finished before it could be killed"
    report = ingest([tmp_path])
    assert report.count("read") + report.count("unchanged") == 3000
    row = scalar(tmp_path, "select count(*) n, count(distinct run_id) runs from metrics")
    assert row == {"n": 9000, "runs": 3000}


def test_docs_and_code_beside_logs_are_skipped(tmp_path):
    write_jsonl(tmp_path / "exp" / "metrics.jsonl", range(3))
    table_rows = "".join(f"| step={i} loss={i} lr=0.1 |\n" for i in range(20))
    (tmp_path / "README.md").write_text("| run | lr |\n| --- | --- |\n" + table_rows)
    (tmp_path / "train.py").write_text("".join(f"print('step={i} loss={i} lr=0.1')\n" for i in range(20)))
    report = ingest([tmp_path])
    assert report.count("read") == 1 and report.count("ignored") == 2 and report.count("skipped") == 0
    assert scalar(tmp_path, "select count(*) n from ingest_errors") == {"n": 0}  # never candidates: not listed


def write_chat(path: Path, turns: int, text: str = "ok") -> None:
    messages = [{"role": "user", "content": "fix the bug"}]
    for turn in range(turns):
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{turn}", "type": "function", "function": {"name": "bash", "arguments": '{"cmd": "ls"}'}}]})
        messages.append({"role": "tool", "tool_call_id": f"c{turn}", "content": text})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"id": path.stem, "messages": messages}, indent=1))


def test_chunks_written_as_their_own_batch_replace_one_changed_file_exactly(tmp_path, monkeypatch):
    """A chunk of many small inputs whose rows reach OWN_BATCH_ROWS is written where it was read;
    changing one of its files later replaces exactly that file's rows."""
    import tracesift.pipeline.read_inputs as read_module

    monkeypatch.setattr(read_module, "OWN_BATCH_ROWS", 50)
    for i in range(8):
        write_chat(tmp_path / f"t{i}.json", turns=15)  # 31 steps each; chunks of 2 files make 62 rows
    first = ingest([tmp_path], jobs=1)
    assert first.count("read") == 8 and first.rows("steps") == 8 * 31
    manifest = Manifest.load(tmp_path / ".tracesift")
    assert len({entry.batch for entry in manifest.sources.values()}) == 4  # one batch per chunk
    write_chat(tmp_path / "t3.json", turns=2, text="Traceback (most recent call last):\nValueError: x")
    second = ingest([tmp_path], jobs=1)
    assert second.count("read") == 1 and second.count("unchanged") == 7
    rows = query(tmp_path, "select source_file, count(*) n, count_if(is_error) errors from steps "
                           "group by all order by source_file").dicts()
    assert rows == [{"source_file": f"t{i}.json", "n": 5 if i == 3 else 31, "errors": 2 if i == 3 else 0}
                    for i in range(8)]


def test_a_chunk_streams_into_one_batch_in_row_groups(tmp_path, monkeypatch):
    """A worker's batch is written a row group at a time as its inputs are read, none held back."""
    import pyarrow.parquet as pq

    import tracesift.pipeline.read_inputs as read_module

    monkeypatch.setattr(read_module, "OWN_BATCH_ROWS", 50)
    monkeypatch.setattr(read_module, "ROW_GROUP_ROWS", 60)
    for i in range(16):
        write_chat(tmp_path / f"t{i:02d}.json", turns=15)  # 31 steps each; chunks of 4 files, 124 rows
    report = ingest([tmp_path], jobs=1)
    assert report.rows("steps") == 16 * 31
    manifest = Manifest.load(tmp_path / ".tracesift")
    batches = {entry.batch for entry in manifest.sources.values()}
    assert len(batches) == 4 and all(manifest.batches[b]["steps"] == 4 * 31 for b in batches)
    for batch in batches:
        assert pq.ParquetFile(tmp_path / ".tracesift" / "steps" / f"{batch}.parquet").num_row_groups == 2
    assert scalar(tmp_path, "select count(distinct source_file) n from steps")["n"] == 16
