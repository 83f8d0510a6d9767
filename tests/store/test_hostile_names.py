"""File and folder names that are not valid UTF-8: read like any other, shown escaped, bytes kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import write_loss_jsonl
from tracesift.cli import app
from tracesift.errors import UsageError
from tracesift.pipeline.ingest import ingest
from tracesift.store.paths import escape, is_utf8, unescape
from tracesift.store.query import query

LATIN1_NAME = b"caf\xe9"  # "café" as Latin-1: not UTF-8



def odd(folder: Path, *names: bytes) -> Path:
    """``folder`` joined with byte names (as Python shows a Linux file name that is not UTF-8)."""
    return folder.joinpath(*(os.fsdecode(name) for name in names))


@pytest.mark.parametrize("raw", [LATIN1_NAME, b"a\\b\xff\xfe", "café/ü".encode(), b"plain"])
def test_escape_round_trips_the_bytes(raw):
    name = os.fsdecode(raw)
    shown = escape(name)
    assert is_utf8(shown)
    assert os.fsencode(unescape(shown)) == raw
    assert (shown == name) == is_utf8(name)


def test_files_and_folders_with_odd_names_are_read(tmp_path):
    write_loss_jsonl(odd(tmp_path, LATIN1_NAME, b"metrics.jsonl"), 20)
    write_loss_jsonl(odd(tmp_path, b"run-\xff.jsonl"), 10)
    write_loss_jsonl(tmp_path / "ok.jsonl", 5)
    report = ingest([tmp_path], jobs=1)
    assert report.count("read") == 3 and report.count("error") == 0
    rows = query(tmp_path, "select source_file, count(*) n from metrics group by 1").dicts()
    counts = {os.fsencode(unescape(row["source_file"])): row["n"] for row in rows}
    assert counts == {LATIN1_NAME + b"/metrics.jsonl": 20, b"run-\xff.jsonl": 10, b"ok.jsonl": 5}
    paths = [row["path"] for row in query(tmp_path, "select path from runs").dicts()]
    assert sorted(os.fsencode(unescape(p)) for p in paths) == sorted(
        os.fsencode(p) for p in (odd(tmp_path, LATIN1_NAME, b"metrics.jsonl"), odd(tmp_path, b"run-\xff.jsonl"),
                                 tmp_path / "ok.jsonl"))


def test_odd_names_are_known_again_by_the_next_ingest(tmp_path):
    write_loss_jsonl(odd(tmp_path, LATIN1_NAME + b".jsonl"), 5)
    ingest([tmp_path], jobs=1)
    again = ingest([tmp_path], jobs=1)
    assert again.count("unchanged") == 1 and again.count("read") == 0
    os.remove(odd(tmp_path, LATIN1_NAME + b".jsonl"))
    assert ingest([tmp_path], jobs=1).count("removed") == 1
    assert query(tmp_path, "select count(*) n from metrics").dicts()[0]["n"] == 0


def test_bad_file_with_an_odd_name_is_one_escaped_warning(tmp_path, runner):
    write_loss_jsonl(tmp_path / "ok.jsonl", 5)
    odd(tmp_path, LATIN1_NAME + b".json").write_bytes(b"\x00\x01junk")
    result = runner.invoke(app, ["ingest", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "caf\\xe9.json" in warnings[0]


def test_store_in_a_folder_whose_name_is_not_utf8_is_a_usage_error(tmp_path):
    folder = odd(tmp_path, LATIN1_NAME)
    write_loss_jsonl(folder / "ok.jsonl", 5)
    with pytest.raises(UsageError, match=r"caf\\xe9.*--store"):
        ingest([folder], jobs=1)
    assert ingest([folder], store=tmp_path / "store", jobs=1).count("read") == 1
