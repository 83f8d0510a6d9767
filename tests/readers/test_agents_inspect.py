"""inspect_log: logs written by the real Inspect AI (mockllm), .eval and .json."""

from __future__ import annotations

import zipfile

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories


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
    source = zipfile.ZipFile(AGENTS / "inspect" / "toy_agent.eval")
    broken = tmp_path / "broken.eval"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename) if info.compress_type != 93 else _zstd(source, info)
            if info.filename == "samples/add_epoch_1.json":
                data = data[: len(data) // 2]
            out.writestr(info.filename, data)
    batch = read_file(broken, "inspect_log")
    assert len(trajectories(batch)) == 2
    assert "samples/add_epoch_1.json" in batch.problems[0].error and "not valid JSON" in batch.problems[0].error
    not_zip = tmp_path / "junk.eval"
    not_zip.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ValueError, match="zip"):
        read_file(not_zip, "inspect_log")


def _zstd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    from tracesift.readers.inspect_log import _zstd_member

    with open(archive.filename, "rb") as raw:
        return _zstd_member(raw, info)
