"""Every agent reader on damaged copies of its own samples: the damage is named, the good steps kept.

Each single-file agent sample (a file whose reader makes ``steps``) is damaged five ways, at the
byte level, so no reader's parser is involved in making the damage:

- ``invalid_bytes``: ``\\xff\\xfe`` (never UTF-8) put into the longest text the reader keeps and
  the format writes once (in a JSON format at the start of a quoted string, in a text format at
  the end of a line): binary bytes a tool wrote raw into a result;
- ``latin_1``: Latin-1 text (``caf\\xe9``) put there: a file of mixed encodings;
- ``escaped_binary``: NUL, escape and replacement characters as JSON escapes (``\\u0000``), as a
  JSON writer stores binary output: valid JSON, so nothing to report, and nothing lost;
- ``huge_output``: 50 MB put there: a single enormous tool output;
- ``cut``: the file cut off at 70% of its bytes, inside a line.

The first four must keep every step of the undamaged file (and say what was wrong with the
encoding); the cut one must keep the steps of the intact lines of a line-per-record file, or
say that the file is cut off; no damage may raise anything but the ``ValueError`` a reader
uses to reject a file with its reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.readers.agent_helpers import AGENTS
from tracesift.readers import choose
from tracesift.readers.base import Batch, Input

HUGE = 50 * 1024 * 1024
JSON_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')
NOT_SAMPLES = {"README.md", "tracesift.toml"}


def agent_samples() -> list[Path]:
    found = []
    for path in sorted(p for p in AGENTS.rglob("*") if p.is_file() and p.name not in NOT_SAMPLES):
        reader = choose(Input(path))
        if reader is not None and not path.name.endswith(".eval") and _steps(reader.read(Input(path))):
            found.append(path)
    return found


def _steps(batch: Batch) -> int:
    return batch.rows("steps")


def insert_at_longest_string(data: bytes, insert: bytes, kept: list[str] = ()) -> bytes:
    """``insert`` just inside the longest JSON string (after its opening quote), or at the longest line's end.

    With ``kept`` (the texts a reader keeps), the longest string or line that is part of one of them.
    """
    is_json = data.lstrip()[:1] in (b"{", b"[")
    strings = sorted(JSON_STRING.finditer(data), key=lambda m: m.start() - m.end()) if is_json else []
    if strings:
        at = ([m for m in strings if _in_one_of(_decoded(m.group())[:40], kept)] or strings)[0].start() + 1
    else:
        lines = sorted(re.finditer(rb"[^\n]+", data), key=lambda m: m.start() - m.end())
        once = [m for m in lines if data.count(m.group()) == 1]  # not a text the format repeats (a resent prompt)
        at = ([m for m in once if _in_one_of(m.group()[-40:].decode(errors="replace"), kept)] or lines)[0].end()
    return data[:at] + insert + data[at:]


def _decoded(quoted: bytes) -> str:
    try:
        return json.loads(quoted)
    except ValueError:
        return ""


def _in_one_of(piece: str, texts: list[str]) -> bool:
    return len(piece.strip()) >= 10 and any(piece in text for text in texts)


def cut_inside_a_line(data: bytes) -> bytes:
    at = int(len(data) * 0.7)
    while at < len(data) - 1 and data[at - 1:at + 1].count(b"\n"):
        at += 1
    return data[:at]


SAMPLES = agent_samples()
IDS = [p.relative_to(AGENTS).as_posix() for p in SAMPLES]
ONE_PER_READER = list({choose(Input(p)).name: p for p in reversed(SAMPLES)}.values())
"""The first sample of each reader: the 50 MB copies are written once per reader, not per sample."""


def read_damaged(tmp_path: Path, sample: Path, data: bytes):
    """The damaged copy read as a fresh file of the same name: (reader, batch or the rejection)."""
    copy = tmp_path / sample.name
    copy.write_bytes(data)
    reader = choose(Input(sample))  # what the intact file is: damage must not make it another format
    try:
        return reader.read(Input(copy, copy.name))
    except ValueError as rejected:
        return rejected


def test_there_are_samples_of_many_readers():
    assert len({choose(Input(p)).name for p in SAMPLES}) >= 8


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
@pytest.mark.parametrize("insert", [b"\xff\xfe", b"caf\xe9 na\xefve"], ids=["invalid_bytes", "latin_1"])
def test_bytes_that_are_not_utf8_keep_every_step_and_are_named(tmp_path, sample, insert):
    batch = assert_every_step_kept(tmp_path, sample, insert)
    assert any("UTF-8" in p.error and p.line_or_offset is not None for p in batch.problems), batch.problems


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_escaped_binary_output_keeps_every_step(tmp_path, sample):
    assert_every_step_kept(tmp_path, sample, b"\\u0000\\u001b[31m\\ufffd\\u0007")


@pytest.mark.parametrize("sample", ONE_PER_READER, ids=lambda p: p.relative_to(AGENTS).as_posix())
def test_a_50_mb_output_keeps_every_step(tmp_path, sample):
    batch = assert_every_step_kept(tmp_path, sample, b"x" * HUGE)
    assert max(map(len, _texts(batch))) >= HUGE, "the 50 MB output was dropped"


def _texts(batch: Batch) -> list[str]:
    rows = batch.arrow()["steps"].to_pylist()
    return [row[column] for row in rows for column in ("content", "arguments") if row[column]]


def assert_every_step_kept(tmp_path: Path, sample: Path, insert: bytes) -> Batch:
    """``insert`` put into a text the reader keeps (a tool output, a message): the steps are as before."""
    intact = choose(Input(sample)).read(Input(sample))
    batch = read_damaged(tmp_path, sample, insert_at_longest_string(sample.read_bytes(), insert, _texts(intact)))
    assert isinstance(batch, Batch), f"rejected: {batch}"
    assert _steps(batch) == _steps(intact)
    return batch


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_a_file_cut_off_keeps_its_intact_records_or_says_it_is_cut(tmp_path, sample):
    data = sample.read_bytes()
    damaged = read_damaged(tmp_path, sample, cut_inside_a_line(data))
    if isinstance(damaged, ValueError):
        assert re.search(r"cut off|truncated|ends early|incomplete", str(damaged)), damaged
        return
    assert damaged.problems, "a cut file read without a word"
    if _one_record_per_line(data):
        assert _steps(damaged) > 0


def _one_record_per_line(data: bytes) -> bool:
    lines = [line for line in data.splitlines() if line.strip()]
    return len(lines) > 3 and all(line.lstrip().startswith(b"{") for line in lines)
