"""inspect_log: logs written by the real Inspect AI (mockllm), .eval and .json."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name
from tracesift.readers.base import Batch, Input
from tracesift.readers.inspect_log import MAX_MEMBER_BYTES, MB, inflate

EVAL = AGENTS / "inspect" / "toy_agent.eval"


@pytest.mark.parametrize("name", ["toy_agent.eval", "toy_agent.json"])
def test_samples_become_trajectories(name):
    batch = read_sample(f"inspect/{name}", "inspect_log")
    found = trajectories(batch)
    tid = f"agents/inspect/{name}#"
    assert {k: v["outcome"] for k, v in found.items()} == {
        tid + "add": "success", tid + "config-port": "failure", tid + "tests-loop": "failure"}
    add = steps(batch, tid + "add")
    assert column(add, "kind") == ["message", "message", "tool_call", "tool_result", "final"]
    assert add[2]["tool"] == "add" and add[2]["arguments"] == '{"x": 17, "y": 25}' and add[1]["tokens_in"] == 120
    loop = steps(batch, tid + "tests-loop")
    assert sum(r["is_error"] and r["kind"] == "tool_result" for r in loop) == 4
    assert loop[-1]["kind"] == "error" and "Message limit" in loop[-1]["content"]
    assert found[tid + "tests-loop"]["labels"]["limit"]["type"] == "message"
    port = steps(batch, tid + "config-port")
    assert [r["step"] for r in port if r["is_error"]] == [3, 6]


def test_broken_member_is_a_problem_and_other_samples_survive(tmp_path):
    def halve(name: str, data: bytes) -> bytes:
        return data[: len(data) // 2] if name == "samples/add_epoch_1.json" else data

    batch = read_file(deflated_copy(tmp_path / "broken.eval", edit=halve), "inspect_log")
    assert len(trajectories(batch)) == 2
    assert "samples/add_epoch_1.json" in batch.problems[0].error and "not valid JSON" in batch.problems[0].error
    not_zip = tmp_path / "junk.eval"
    not_zip.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ValueError, match="zip"):
        read_file(not_zip, "inspect_log")


def _zstd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with open(archive.filename, "rb") as raw:
        return inflate(archive, raw, info, MAX_MEMBER_BYTES)


def deflated_copy(path: Path, extra: dict[str, bytes] | None = None, edit=lambda name, data: data) -> Path:
    """The sample archive rewritten with deflate (what zipfile writes), members passed through ``edit``,
    plus ``extra`` members."""
    source = zipfile.ZipFile(EVAL)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename) if info.compress_type != 93 else _zstd(source, info)
            out.writestr(info.filename, edit(info.filename, data))
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return path


def read_with(path: Path, **options) -> Batch:
    return by_name("inspect_log").read(Input(path, path.name, options={"inspect_log": options}))


def test_member_inflating_past_the_cap_is_skipped_and_the_rest_read(tmp_path):
    bomb = json.dumps({"id": "bomb", "epoch": 1, "messages": []}).encode() + b" " * (3 * MB)  # 3 MB from a few KB
    path = deflated_copy(tmp_path / "bomb.eval", {"samples/bomb_epoch_1.json": bomb})
    assert path.stat().st_size < MB
    batch = read_with(path, max_member_mb=1)
    assert len(trajectories(batch)) == 3
    [problem] = batch.problems
    assert "samples/bomb_epoch_1.json" in problem.error and "too large when inflated (> 1 MB)" in problem.error


def test_zstd_members_stop_at_the_cap_whatever_the_header_claims(tmp_path):
    archive = zipfile.ZipFile(EVAL)
    info = archive.getinfo("samples/tests-loop_epoch_1.json")
    assert info.compress_type == 93  # current Inspect writes zstd
    limit = info.file_size // 2
    with open(EVAL, "rb") as raw:
        assert inflate(archive, raw, info, limit) is None
        info.file_size = 10  # a header that lies
        assert inflate(archive, raw, info, limit) is None


def test_zstd_archive_over_its_cap_skips_members_and_keeps_the_rest():
    largest = max(zipfile.ZipFile(EVAL).infolist(), key=lambda info: info.file_size)
    batch = read_with(EVAL, max_member_mb=(largest.file_size - 1) / MB)
    assert len(trajectories(batch)) == 2
    assert [largest.filename in p.error and "too large when inflated" in p.error for p in batch.problems] == [True]


def test_archive_cap_in_all_skips_the_members_past_it(tmp_path):
    members = {f"samples/pad{i}_epoch_1.json": json.dumps({"id": f"pad{i}", "pad": " " * (MB // 2)}).encode()
               for i in range(4)}
    path = deflated_copy(tmp_path / "many.eval", members)
    batch = read_with(path, max_file_mb=1.2)
    found = trajectories(batch)
    assert 0 < len(found) < 7 and len(found) + len(batch.problems) == 7
    assert all("more than 1.2 MB in all" in p.error for p in batch.problems)
