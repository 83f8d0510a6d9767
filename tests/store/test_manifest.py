"""The store's layout: versioned manifests, the published file list, compaction, the filesystem seam."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.store.test_ingest import files_of_kept_versions, scalar, write_jsonl
from tracesift.errors import StoreError
from tracesift.pipeline.ingest import ingest
from tracesift.store import writer
from tracesift.store.layout import Store
from tracesift.store.manifest import KEEP_VERSIONS, Manifest, StaleStoreError, versions
from tracesift.store.query import query
from tracesift.store.views import connect


def newest_document(store: Path) -> dict:
    """The newest manifest version, read as another engine would: the highest number, plain JSON."""
    return json.loads(sorted((store / "manifest").glob("*.json"))[-1].read_text())


def parquet_files(store: Path) -> set[str]:
    return {p.relative_to(store).as_posix() for p in store.rglob("*.parquet")}


def per_run(folder: Path) -> dict[str, int]:
    rows = query(folder, "select run_id, count(*) n from metrics group by 1").dicts()
    return {row["run_id"]: row["n"] for row in rows}


TORN = {
    "cut short": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "whole JSON, wrong checksum": lambda data: data.replace(b'"roles": "', b'"roles": "x', 1),
}


@pytest.mark.parametrize("tear", TORN.values(), ids=TORN.keys())
def test_a_torn_newest_version_is_ignored_and_the_one_before_holds(tmp_path, monkeypatch, tear):
    """A kill while the next version is written: queries read the previous one, the next ingest sweeps it."""
    log = tmp_path / "a" / "metrics.jsonl"
    write_jsonl(log, range(5))
    ingest([tmp_path])
    write_jsonl(log, range(5, 8))
    real_create = Store.create

    def killed_mid_write(store, rel, data):
        real_create(store, rel, tear(data) if rel.startswith("manifest/") else data)
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(Store, "create", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        ingest([tmp_path])
    monkeypatch.undo()
    store = tmp_path / ".tracesift"
    assert versions(Store.local(store)) == [1, 2]
    assert Manifest.load(store).version == 1
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == 5  # version 1's files are all still there
    report = ingest([tmp_path])
    assert report.count("read") == 1
    assert scalar(tmp_path, "select count(*) n, max(step) last from metrics") == {"n": 8, "last": 7}
    assert newest_document(store)["version"] == 2  # the torn file is gone; version 2 is whole now
    assert parquet_files(store) == files_of_kept_versions(store)  # and files no kept version lists are gone


def test_published_file_list_is_what_the_views_read(tmp_path):
    for name in ("a", "b", "c"):
        write_jsonl(tmp_path / name / "metrics.jsonl", range(4))
    ingest([tmp_path])
    (tmp_path / "b" / "metrics.jsonl").write_text('{"step": 0, "loss": 9.0}\n')
    ingest([tmp_path])
    store = tmp_path / ".tracesift"
    published = newest_document(store)["files"]
    con = connect(store)
    try:
        for table, view_name in (("metrics", "metrics"), ("runs", "runs_by_file")):
            view = con.execute("select sql from duckdb_views() where view_name = ?", [view_name]).fetchone()[0]
            read = set(re.findall(r"'([^']+\.parquet)'", view))
            assert read == {str(store / rel) for rel in published[table]}
            mine = con.execute(f"select count(*) from {view_name}").fetchone()[0]
            plain = duckdb.connect().execute("select count(*) from read_parquet(?)", [sorted(read)])  # no tracesift
            assert plain.fetchone()[0] == mine
    finally:
        con.close()
    assert per_run(tmp_path) == {"a": 4, "b": 1, "c": 4}


def test_old_versions_beyond_a_few_are_deleted(tmp_path):
    log = tmp_path / "a" / "metrics.jsonl"
    for i in range(KEEP_VERSIONS + 3):
        write_jsonl(log, range(i, i + 1))
        ingest([tmp_path])
    assert versions(Store.local(tmp_path / ".tracesift")) == list(range(4, KEEP_VERSIONS + 4))
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == KEEP_VERSIONS + 3


@pytest.fixture
def packing(monkeypatch):
    """Every input its own small batch, and more than three such batches packed."""
    import tracesift.pipeline.ingest as ingest_module
    import tracesift.pipeline.read_inputs as read_module

    monkeypatch.setattr(read_module, "OWN_BATCH_ROWS", 5)
    monkeypatch.setattr(ingest_module, "CHUNK", 1)
    monkeypatch.setattr(writer, "COMPACT_ABOVE", 3)
    monkeypatch.setattr(writer, "PACK_ROWS", 100)


def test_compaction_packs_small_batches_and_keeps_every_row(tmp_path, packing):
    for i in range(10):
        write_jsonl(tmp_path / f"r{i}" / "metrics.jsonl", range(20))  # 20 rows: a batch of its own each
    ingest([tmp_path], jobs=1)
    store = tmp_path / ".tracesift"
    manifest = Manifest.load(store)
    assert len(manifest.batches) == 2  # 10 batches of 21 rows, packed while under 100 rows
    assert len(parquet_files(store)) == 4  # metrics and runs of each pack; the 20 files it packed are gone
    assert per_run(tmp_path) == {f"r{i}": 20 for i in range(10)}
    assert scalar(tmp_path, "select count(*) n from runs")["n"] == 10
    assert Counter(e.batch for e in manifest.sources.values()) == {batch: 5 for batch in manifest.batches}


def test_a_packed_input_that_changes_or_vanishes_replaces_exactly_its_rows(tmp_path, packing):
    for i in range(10):
        write_jsonl(tmp_path / f"r{i}" / "metrics.jsonl", range(20))
    ingest([tmp_path], jobs=1)
    write_jsonl(tmp_path / "r3" / "metrics.jsonl", range(20, 23))
    (tmp_path / "r7" / "metrics.jsonl").unlink()
    report = ingest([tmp_path], jobs=1)
    assert report.count("read") == 1 and report.count("removed") == 1
    assert per_run(tmp_path) == {f"r{i}": 23 if i == 3 else 20 for i in range(10) if i != 7}
    store = tmp_path / ".tracesift"
    assert parquet_files(store) == files_of_kept_versions(store)  # and files no kept version lists are gone


def test_nan_values_are_counted(tmp_path):
    """pyarrow's statistics leave NaN out of min/max; the views must not let DuckDB prune those rows.

    A run that diverges: finite losses, then NaN, so the file's statistics say 0.5 to 1.0.
    """
    log = tmp_path / "a" / "metrics.csv"
    log.parent.mkdir()
    log.write_text("step,loss\n" + "".join(f"{i},{1 - i / 20 if i < 10 else 'nan'}\n" for i in range(50)))
    ingest([tmp_path])
    assert scalar(tmp_path, "select count(*) n from metrics where isnan(value)")["n"] == 40
    assert scalar(tmp_path, "select count(*) n from metrics where value > 1")["n"] == 40  # NaN sorts above all


def test_a_store_in_the_old_layout_asks_for_a_rebuild(tmp_path):
    write_jsonl(tmp_path / "a" / "metrics.jsonl", range(3))
    store = tmp_path / ".tracesift"
    (store / "metrics" / "batch=1").mkdir(parents=True)
    (store / "metrics" / "batch=1" / "part-0.parquet").write_bytes(b"PAR1")
    (store / "manifest.json").write_text('{"schema_version": 1, "sources": {}, "batches": {"1": ["metrics"]}}')
    with pytest.raises(StaleStoreError, match="older layout.*--rebuild"):
        query(tmp_path, "select 1")
    with pytest.raises(StaleStoreError, match="--rebuild"):
        ingest([tmp_path])
    ingest([tmp_path], rebuild=True)
    assert not (store / "manifest.json").exists() and not (store / "metrics" / "batch=1").exists()
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == 3


def test_a_store_of_another_schema_version_asks_for_a_rebuild(tmp_path):
    write_jsonl(tmp_path / "a" / "metrics.jsonl", range(3))
    ingest([tmp_path])
    store = Store.local(tmp_path / ".tracesift")
    stale = Manifest.load(store)
    stale.schema_version = 0
    stale.commit(store)
    with pytest.raises(StaleStoreError, match="schema version 0.*--rebuild"):
        query(tmp_path, "select 1")
    with pytest.raises(StoreError, match="--rebuild"):
        ingest([tmp_path])
    report = ingest([tmp_path], rebuild=True)
    assert report.count("read") == 1
    assert scalar(tmp_path, "select count(*) n from metrics")["n"] == 3


def test_a_store_given_as_a_url_is_the_same_store(tmp_path):
    write_jsonl(tmp_path / "a" / "metrics.jsonl", range(3))
    url = (tmp_path / "elsewhere").as_uri()
    report = ingest([tmp_path], store=url)
    assert str(report.store) == str(tmp_path / "elsewhere")
    assert scalar(url, "select count(*) n from metrics")["n"] == 3
    assert scalar(tmp_path / "elsewhere", "select count(*) n from metrics")["n"] == 3
