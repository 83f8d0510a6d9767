"""Where a store goes when none is named: beside the inputs, or in the user's cache when they are read-only."""

from __future__ import annotations

import os
import shutil

from tests.conftest import SAMPLES
from tracesift.pipeline.ingest import ingest
from tracesift.store.layout import STORE_NAME, default_store
from tracesift.store.query import query


def test_store_goes_beside_inputs_in_a_writable_folder(tmp_path):
    assert default_store([tmp_path]) == tmp_path.resolve() / STORE_NAME
    (tmp_path / "a.log").write_text("x")
    assert default_store([tmp_path / "a.log"]) == tmp_path.resolve() / STORE_NAME


def test_read_only_inputs_get_a_store_in_the_cache_that_query_finds(tmp_path, monkeypatch):
    logs = tmp_path / "readonly"
    shutil.copytree(SAMPLES / "training" / "jsonl", logs)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    writable = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if os.fspath(path) == str(logs) else writable(path, mode))

    store = default_store([logs])
    assert store.is_relative_to(tmp_path / "cache" / "tracesift") and store.name == STORE_NAME
    ingest([logs])
    assert not (logs / STORE_NAME).exists()
    assert query(logs, "select count(distinct run_id) from metrics").rows[0][0] == len(list(logs.rglob("*.jsonl")))


def test_an_existing_store_beside_read_only_inputs_is_used(tmp_path, monkeypatch):
    (tmp_path / STORE_NAME).mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert default_store([tmp_path]) == tmp_path.resolve() / STORE_NAME
