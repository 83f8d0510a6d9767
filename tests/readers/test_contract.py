"""One contract, every registered reader: cheap sniffing, canonical tables, clear failures."""

from __future__ import annotations

import os

import pytest

from tests.conftest import SAMPLES
from tracesift.config import reader_options_in
from tracesift.readers import all_readers, choose
from tracesift.readers.base import Input
from tracesift.readers.discover import discover, identify
from tracesift.store import schema

READERS = {r.name: r for r in all_readers()}


@pytest.fixture
def junk(tmp_path):
    made = {
        "empty": tmp_path / "empty.json",
        "binary": tmp_path / "binary.json",
        "text": tmp_path / "prose.log",
        "folder": tmp_path / "folder",
    }
    made["empty"].write_bytes(b"")
    made["binary"].write_bytes(os.urandom(4096))
    made["text"].write_text("nothing to see here\n" * 10)
    made["folder"].mkdir()
    (made["folder"] / "README.md").write_text("hello")
    return made


@pytest.mark.parametrize("name", READERS)
def test_sniff_is_a_confidence_and_never_raises_on_junk(name, junk):
    reader = READERS[name]
    for path in junk.values():
        if path.is_dir() != reader.reads_folders:
            continue
        score = reader.sniff(Input(path))
        assert 0.0 <= score < 0.5, f"{name} claims {path.name}"


@pytest.mark.parametrize("name", READERS)
def test_read_of_junk_fails_with_a_reason(name, junk):
    reader = READERS[name]
    path = junk["folder"] if reader.reads_folders else junk["binary"]
    try:
        batch = reader.read(Input(path, path.name))
    except ValueError as exc:
        assert str(exc).strip()
        return
    for table, rows in batch.arrow().items():  # reading nothing is fine; inventing columns is not
        assert rows.schema.names == schema.TABLES[table].names


def sample_input(source) -> Input:
    """A sample as ingest hands it to a reader, with the options of a tracesift.toml beside it."""
    return Input(source.path, source.rel, options=reader_options_in(source.path.parent) or {})


def sample_sources():
    sources = list(discover(SAMPLES, SAMPLES))
    for source in sources:
        if source.pending:
            source.reader, source.problem = identify(sample_input(source))
    return [s for s in sources if s.reader or s.problem]


@pytest.mark.parametrize("source", sample_sources(), ids=lambda s: s.rel)
def test_every_sample_reads_into_canonical_tables(source):
    assert source.problem is None
    batch = READERS[source.reader].read(sample_input(source))
    assert batch.rows("metrics") + batch.rows("steps") > 0
    for table, rows in batch.arrow().items():
        assert rows.schema.names == schema.TABLES[table].names
        assert rows.schema.types == schema.TABLES[table].types


def test_samples_cover_every_reader():
    used = {s.reader for s in sample_sources()}
    assert used == set(READERS)


def test_choose_picks_by_content(tmp_path):
    log = tmp_path / "run.txt"
    log.write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.4}\n')
    assert choose(Input(log)).name == "jsonl"
