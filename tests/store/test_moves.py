"""Moved or copied folders, and roots with the same layout: every input's rows exactly once, under a unique name."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.store.test_ingest import write_jsonl
from tracesift.pipeline.ingest import ingest
from tracesift.store.layout import Store
from tracesift.store.manifest import Manifest
from tracesift.store.query import query


def rows_per_file(store: Path) -> dict[str, int]:
    rows = query(store, "select source_file, count(*) n from metrics group by 1").dicts()
    return {row["source_file"]: row["n"] for row in rows}


def run_ids(store: Path) -> list[str]:
    return sorted(row["run_id"] for row in query(store, "select distinct run_id from metrics").dicts())


def three_runs(folder: Path) -> None:
    for name in ("a", "b", "c"):
        write_jsonl(folder / name / "metrics.jsonl", range(10))


def test_a_moved_folder_is_read_again_by_nobody(tmp_path):
    three_runs(tmp_path / "logs")
    ingest([tmp_path / "logs"])
    before = rows_per_file(tmp_path / "logs")
    (tmp_path / "logs").rename(tmp_path / "logs2")
    report = ingest([tmp_path / "logs2"])
    assert report.count("read") == 0 and report.count("unchanged") == 3
    assert rows_per_file(tmp_path / "logs2") == before


def test_a_copied_folder_with_an_appended_line_holds_each_row_once(tmp_path):
    three_runs(tmp_path / "logs")
    ingest([tmp_path / "logs"])
    shutil.copytree(tmp_path / "logs", tmp_path / "logs2")
    write_jsonl(tmp_path / "logs2" / "a" / "metrics.jsonl", range(10, 11))
    report = ingest([tmp_path / "logs2"])
    assert report.count("read") == 1
    assert rows_per_file(tmp_path / "logs2") == {"a/metrics.jsonl": 11, "b/metrics.jsonl": 10, "c/metrics.jsonl": 10}
    assert sum(rows_per_file(tmp_path / "logs").values()) == 30  # the original is untouched


def test_a_store_inside_the_folder_forgets_inputs_outside_the_folders_given(tmp_path):
    three_runs(tmp_path / "logs")
    write_jsonl(tmp_path / "other" / "metrics.jsonl", range(5))
    store = tmp_path / "logs" / ".tracesift"
    ingest([tmp_path / "logs", tmp_path / "other"], store=store)
    assert run_ids(store) == ["a", "b", "c", "other"]
    report = ingest([tmp_path / "logs"], store=store)
    assert report.count("removed") == 1 and report.count("read") == 0
    assert run_ids(store) == ["a", "b", "c"]


def test_a_store_of_absolute_keys_is_keyed_again_without_reading(tmp_path):
    """An earlier tracesift keyed every input by its absolute path; upgrading reads and doubles nothing."""
    three_runs(tmp_path / "logs")
    ingest([tmp_path / "logs"])
    store = Store.local(tmp_path / "logs" / ".tracesift")
    manifest = Manifest.load(store)
    manifest.sources = {str(tmp_path / "logs" / key): entry for key, entry in manifest.sources.items()}
    manifest.commit(store)
    report = ingest([tmp_path / "logs"])
    assert report.count("read") == 0
    assert sum(rows_per_file(tmp_path / "logs").values()) == 30


def test_two_roots_of_the_same_layout_get_distinct_names(tmp_path):
    for root in ("d1", "d2"):
        write_jsonl(tmp_path / root / "runs" / "a.jsonl", range(10))
    store = tmp_path / "elsewhere" / "S"  # a folder holding neither root
    ingest([tmp_path / "d1" / "runs", tmp_path / "d2" / "runs"], store=store)
    assert len(rows_per_file(store)) == 2 and len(run_ids(store)) == 2
    write_jsonl(tmp_path / "d1" / "runs" / "a.jsonl", range(10, 12))
    report = ingest([tmp_path / "d1" / "runs", tmp_path / "d2" / "runs"], store=store)
    assert report.count("read") == 1
    assert sorted(rows_per_file(store).values()) == [10, 12]  # d2's rows survive d1's append


def test_a_root_ingested_later_does_not_take_a_name_the_store_holds(tmp_path):
    for root in ("d1", "d2"):
        write_jsonl(tmp_path / root / "runs" / "a.jsonl", range(10))
    store = tmp_path / "elsewhere" / "S"  # a folder holding neither root
    ingest([tmp_path / "d1" / "runs"], store=store)
    ingest([tmp_path / "d2" / "runs"], store=store)
    assert len(run_ids(store)) == 2
    write_jsonl(tmp_path / "d1" / "runs" / "a.jsonl", range(10, 12))
    ingest([tmp_path / "d1" / "runs"], store=store)
    assert sorted(rows_per_file(store).values()) == [10, 12]


def test_roots_whose_parents_have_the_same_name_too_are_told_apart(tmp_path):
    roots = [tmp_path / "x" / "d" / "runs", tmp_path / "y" / "d" / "runs"]
    for root in roots:
        write_jsonl(root / "a.jsonl", range(3))
    store = tmp_path / "elsewhere" / "S"
    ingest(roots, store=store)
    assert len(run_ids(store)) == 2
