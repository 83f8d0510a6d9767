"""swe_agent: SWE-agent .traj files."""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import column, read_file, read_sample, steps, trajectories


def test_submitted_trajectory():
    batch = read_sample("swe_agent/missing_colon_ok.traj", "swe_agent")
    rows = steps(batch)
    assert len(rows) == 12 and set(column(rows, "agent")) == {"primary"}
    assert [r["tool"] for r in rows if r["kind"] in ("tool_call", "final")] == ["find_file", "open", "edit", "submit"]
    assert rows[10]["kind"] == "final" and not any(column(rows, "is_error"))
    [t] = trajectories(batch).values()
    assert t["outcome"] == "success" and t["labels"]["model_stats"]["tokens_sent"] == 18230
    assert t["task"].startswith("SyntaxError")  # the demonstration is not the task


def test_loop_of_the_same_failing_command():
    rows = steps(read_sample("swe_agent/repeated_failing_command.traj", "swe_agent"))
    errors = [r["step"] for r in rows if r["is_error"]]
    assert errors == [8, 11, 14, 17, 20]
    assert {rows[s - 1]["arguments"] for s in errors} == {"python reproduce.py"}
    assert rows[7]["latency_s"] == pytest.approx(1.2)


def test_context_overrun_is_a_failure():
    batch = read_sample("swe_agent/context_overrun.traj", "swe_agent")
    [t] = trajectories(batch).values()
    assert t["outcome"] == "failure" and t["labels"]["exit_status"] == "submitted (exit_context)"


def test_retry_agent_attempts_and_cut_off_file(tmp_path):
    one = {"trajectory": [{"thought": "t", "action": "ls", "observation": "a.py", "response": "", "state": "{}"}],
           "history": [], "info": {"exit_status": "submitted"}}
    path = tmp_path / "retry.traj"
    path.write_text(json.dumps({"attempts": [one, one], **one}))
    batch = read_file(path, "swe_agent")
    assert set(trajectories(batch)) == {"retry.traj#attempt0", "retry.traj#attempt1"}
    text = json.dumps({"environment": "x", "trajectory": [one["trajectory"][0]] * 3, "history": [], "info": {}})
    cut = tmp_path / "cut.traj"
    cut.write_text(text[: text.rindex('{"thought"') + 20])
    batch = read_file(cut, "swe_agent")
    assert len(steps(batch)) == 6 and "cut off mid-JSON" in batch.problems[0].error
    broken = tmp_path / "broken.traj"
    broken.write_text('{"environment": "x", "info": {"exit')
    with pytest.raises(ValueError, match="cut off"):
        read_file(broken, "swe_agent")
