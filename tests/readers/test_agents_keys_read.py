"""swe_agent and claude_code decode only the keys they read: the rows are those of a whole decode."""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import AGENTS
from tracesift.readers import claude_code, swe_agent
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Input

SAMPLES = sorted((AGENTS / "swe_agent").rglob("*.traj")) + sorted((AGENTS / "claude_code").rglob("*.jsonl"))


def _read(path, rel):
    reader = swe_agent if path.suffix == ".traj" else claude_code
    try:
        batch = reader.read(Input(path, rel))
    except ValueError as exc:
        return str(exc)
    return {name: repr(table.to_pylist()) for name, table in batch.arrow().items()}, batch.problems


def _both(path, monkeypatch, rel="run/x"):
    """(keys read, whole decode) of the file."""
    keys_read = _read(path, rel)
    with monkeypatch.context() as patched:
        patched.setattr(swe_agent, "_keys_read", lambda data: None)
        patched.setattr(claude_code, "_line", tj._DECODE)
        whole = _read(path, rel)
    return keys_read, whole


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_read_the_same(monkeypatch, path):
    keys_read, whole = _both(path, monkeypatch, path.relative_to(AGENTS).as_posix())
    assert keys_read == whole


def test_a_traj_skips_the_query_of_each_step():
    data = (AGENTS / "swe_agent/missing_colon_ok.traj").read_bytes()
    document = swe_agent._keys_read(data)
    assert document is not None and document["trajectory"]
    assert all("query" not in step and "action" in step for step in document["trajectory"])


LINE = {"type": "user", "sessionId": "s", "uuid": "u1", "parentUuid": None, "isSidechain": False,
        "message": {"role": "user", "content": "hello"}, "timestamp": "2025-10-14T09:00:12.000Z"}


@pytest.mark.parametrize("odd", [
    b'{"type": "user", "uuid": "u2", "toolUseResult": "\xff\xfe", "message": {"role": "user", "content": "b"}}',
    b'[1, 2]',
    b'{"type": "user", "uuid": "u3", "message": {"role": "user", "content": "c", "n": NaN}}',
    b'{"type": "assistant", "uuid": "u4", "message": {"role": "assistant", "content": [{"type": "text", "text": "d"',
], ids=["not UTF-8 in a key not read", "not an object", "NaN", "cut off"])
def test_odd_lines_read_the_same(tmp_path, monkeypatch, odd):
    path = tmp_path / "session.jsonl"
    path.write_bytes(json.dumps(LINE).encode() + b"\n" + odd + b"\n")
    keys_read, whole = _both(path, monkeypatch)
    assert keys_read == whole and not isinstance(whole, str)


@pytest.mark.parametrize("tail", [b'"\xff"}', b'NaN}', b'1e400}', b'"x"'])
def test_odd_traj_files_read_the_same(tmp_path, monkeypatch, tail):
    document = json.loads((AGENTS / "swe_agent/missing_colon_ok.traj").read_text())
    path = tmp_path / "odd.traj"
    path.write_bytes(json.dumps(document).encode()[:-1] + b', "extra": ' + tail)
    keys_read, whole = _both(path, monkeypatch)
    assert keys_read == whole
