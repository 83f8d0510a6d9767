"""Writers at the same time: every input's rows exactly once, and a query never meets a missing file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.fs as pafs

from tests.store.test_ingest import write_jsonl
from tests.store.test_moves import rows_per_file
from tracesift.pipeline.ingest import ingest
from tracesift.store.layout import ArrowFiles, Store
from tracesift.store.manifest import Manifest
from tracesift.store.query import query
from tracesift.store.views import connect

WRITERS = 4
FILES = 8
ROWS = 10
LIMIT_S = 120

# Each writer ingests its folder with a commit after every chunk, appends a line to one file and brings
# the store up to date again: by an ingest, or (the last writer) by a scan, which writes findings too.
WRITER = """
import sys
from pathlib import Path
import tracesift.pipeline.ingest as ingest_module
from tracesift.pipeline.scan import scan
ingest_module.COMMIT_EVERY_ROWS = 20
folder, store, scans = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "scan"
ingest_module.ingest([folder], store=store, jobs=1)
with open(folder / "run0.jsonl", "a") as handle:
    handle.write('{"step": 999, "loss": 0.5}\\n')
(scan if scans else ingest_module.ingest)([folder], store=store, jobs=1)
"""


def inputs(folder: Path) -> None:
    for i in range(FILES):
        write_jsonl(folder / f"run{i}.jsonl", range(ROWS))


def test_four_writers_and_a_reader(tmp_path):
    store = tmp_path / "store"
    write_jsonl(tmp_path / "seed" / "run.jsonl", range(ROWS))
    ingest([tmp_path / "seed"], store=store, jobs=1)
    folders = [tmp_path / f"w{i}" for i in range(WRITERS)]
    for folder in folders:
        inputs(folder)
    failures, queries, done = [], [], threading.Event()

    def read_in_a_loop() -> None:
        while not done.is_set():
            try:
                queries.append(query(store, "select count(*) n from metrics").rows[0][0])
            except Exception as exc:  # noqa: BLE001 - every failure is what this test looks for
                failures.append(repr(exc))

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(store),
                                 "scan" if i == WRITERS - 1 else "ingest"], stderr=subprocess.PIPE, text=True)
               for i, folder in enumerate(folders)]
    try:
        errors = [writer.communicate(timeout=LIMIT_S)[1] for writer in writers]
    finally:
        done.set()
        reader.join()
        for writer in writers:
            writer.kill()
    assert [writer.returncode for writer in writers] == [0] * WRITERS, errors
    assert not failures and len(queries) > WRITERS
    expected = {"seed/run.jsonl": ROWS} | {f"{folder.name}/run{i}.jsonl": ROWS + (i == 0)
                                          for folder in folders for i in range(FILES)}
    assert rows_per_file(store) == expected
    assert query(store, "select count(*) n from runs").rows[0][0] == len(expected)


def test_a_query_opened_before_a_commit_still_reads_every_file_of_its_version(tmp_path):
    for name in ("a", "b"):
        write_jsonl(tmp_path / name / "metrics.jsonl", range(5))
    ingest([tmp_path])
    con = connect(tmp_path / ".tracesift")
    try:
        write_jsonl(tmp_path / "a" / "metrics.jsonl", range(5, 8))  # its batch is rewritten without a's rows
        ingest([tmp_path])
        assert con.execute("select count(*) from metrics").fetchone()[0] == 10  # the version it opened
    finally:
        con.close()


def elsewhere(folder: Path) -> Store:
    """A store reached through pyarrow.fs, as one on S3 is: no lock, the manifest's create arbitrates."""
    return Store(ArrowFiles(pafs.LocalFileSystem()), folder.as_posix())


def test_on_a_store_elsewhere_a_writer_that_loses_the_race_commits_on_the_newest_version(tmp_path, monkeypatch):
    store = elsewhere(tmp_path / "store")
    write_jsonl(tmp_path / "mine" / "run.jsonl", range(5))
    write_jsonl(tmp_path / "rival" / "run.jsonl", range(7))
    real_commit = Manifest.commit
    raced = []

    def a_rival_commits_first(manifest: Manifest, target: Store) -> None:
        if not raced:
            raced.append(True)
            ingest([tmp_path / "rival"], store=target, jobs=1)
        real_commit(manifest, target)

    monkeypatch.setattr(Manifest, "commit", a_rival_commits_first)
    ingest([tmp_path / "mine"], store=store, jobs=1)
    monkeypatch.undo()
    assert rows_per_file(tmp_path / "store") == {"mine/run.jsonl": 5, "rival/run.jsonl": 7}  # read as a local store


def test_on_a_store_elsewhere_only_old_unlisted_files_are_swept(tmp_path):
    """An unlisted file may be a live writer's, not committed yet: it goes only once it is old."""
    write_jsonl(tmp_path / "logs" / "run.jsonl", range(5))
    store = elsewhere(tmp_path / "store")
    ingest([tmp_path / "logs"], store=store)
    listed = next((tmp_path / "store" / "metrics").glob("*.parquet"))
    young, old = listed.with_name("f0000young.parquet"), listed.with_name("f0000old.parquet")
    for copy in (young, old):
        shutil.copy(listed, copy)
    day_ago = time.time() - 86_400
    os.utime(old, (day_ago, day_ago))
    write_jsonl(tmp_path / "logs" / "run.jsonl", range(5, 6))
    ingest([tmp_path / "logs"], store=store)
    assert young.exists() and not old.exists()
    assert rows_per_file(tmp_path / "store") == {"logs/run.jsonl": 6}


def test_a_second_local_writer_waits_for_the_first_and_plans_on_what_it_committed(tmp_path, monkeypatch, capsys):
    import tracesift.pipeline.read_inputs as read_module
    import tracesift.store.lock as lock

    store = tmp_path / "store"
    write_jsonl(tmp_path / "first" / "run.jsonl", range(5))
    write_jsonl(tmp_path / "second" / "run.jsonl", range(7))
    first_reading, go_on = threading.Event(), threading.Event()
    real_read = read_module.read_source

    def first_pauses_while_reading(task):
        if task[0].path.parent.name == "first":
            first_reading.set()
            go_on.wait(LIMIT_S)
        return real_read(task)

    monkeypatch.setattr(read_module, "read_source", first_pauses_while_reading)
    monkeypatch.setattr(lock, "WAIT_NOTICE_S", 0.0)
    failures = []

    def writer(folder: str) -> threading.Thread:
        def run() -> None:
            try:
                ingest([tmp_path / folder], store=store, jobs=1)
            except Exception as exc:  # noqa: BLE001 - a failed writer is what this test looks for
                failures.append(repr(exc))
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    first = writer("first")
    assert first_reading.wait(LIMIT_S)  # the first writer holds the lock now
    second = writer("second")
    deadline, said = time.monotonic() + LIMIT_S, ""
    while "waiting" not in said and time.monotonic() < deadline:
        said += capsys.readouterr().err
        time.sleep(0.01)
    assert "waiting" in said and second.is_alive()  # it cannot go on while the first holds the lock
    go_on.set()
    first.join(LIMIT_S)
    second.join(LIMIT_S)
    assert not failures
    assert rows_per_file(store) == {"first/run.jsonl": 5, "second/run.jsonl": 7}
