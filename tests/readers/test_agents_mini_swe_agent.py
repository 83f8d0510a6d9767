"""mini_swe_agent: mini-swe-agent .traj.json files (samples written by mini-swe-agent 1.17.5)."""

from __future__ import annotations

import json
import re

import pytest

from tests.readers.agent_helpers import AGENTS, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name
from tracesift.readers.base import Input

SAMPLE = "mini_swe_agent/empty_mean.traj.json"
LIMIT = "mini_swe_agent/step_limit.traj.json"


def raw(rel: str) -> dict:
    return json.loads((AGENTS / rel).read_text())


def commands(document: dict) -> list[str]:
    """The bash blocks of the assistant turns, found independently of the reader."""
    found = []
    for message in document["messages"]:
        if message["role"] == "assistant":
            found += [block.strip() for block in re.findall(r"```bash\n(.*?)\n```", message["content"], re.S)]
    return found


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def test_submitted_trajectory_with_failing_commands_and_a_format_error():
    document = raw(SAMPLE)
    batch = read_sample(SAMPLE, "mini_swe_agent")
    rows = steps(batch)
    assert batch.problems == [] and len(trajectories(batch)) == 1
    assistant = [m for m in document["messages"] if m["role"] == "assistant"]
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == 6 == len(commands(document)) and [c["arguments"] for c in calls] == commands(document)
    assert {c["tool"] for c in calls} == {"bash"} and len(of_kind(rows, "message")) == 2 + len(assistant)
    assert len(results) == 5 and [r["exit_code"] for r in results] == [0, 1, 0, 2, 0]
    assert [r["is_error"] for r in results] == [False, True, False, True, False]
    assert results[1]["content"].startswith("Traceback") and "<returncode>" not in results[1]["content"]
    [format_error] = of_kind(rows, "error")
    assert format_error["is_error"] and "EXACTLY ONE action" in format_error["content"]
    assert rows[format_error["step"] - 1]["kind"] == "message"  # the turn without an action
    assert len(rows) == 22 and sum(r["is_error"] for r in rows) == 3
    assert rows[-1]["kind"] == "final" and rows[-1]["content"] == document["info"]["submission"]
    assert rows[-2]["arguments"].startswith("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT")


def test_outcome_stays_unknown_and_labels_keep_the_run_info():
    batch = read_sample(SAMPLE, "mini_swe_agent")
    [t] = trajectories(batch).values()
    assert t["outcome"] == "unknown" and t["trajectory_id"] == f"agents/{SAMPLE}"
    assert t["labels"]["exit_status"] == "Submitted" and t["labels"]["instance_id"] == "stats__empty-mean"
    assert t["labels"]["model_stats"]["api_calls"] == 7 and t["labels"]["trajectory_format"] == "mini-swe-agent-1"
    assert "mean([])" in t["task"]
    assert all(r["timestamp"] is not None for r in steps(batch))


def test_step_limit_loop_of_a_failing_command():
    rows = steps(read_sample(LIMIT, "mini_swe_agent"))
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == 3 and {c["arguments"] for c in calls} == {"python -m pytest -q tests"}
    assert [r["exit_code"] for r in results] == [4, 4, 4] and all(r["is_error"] for r in results)
    assert rows[-1]["kind"] == "error" and rows[-1]["is_error"] and rows[-1]["content"] == "LimitsExceeded"
    assert sum(r["is_error"] for r in rows) == 4 and len(rows) == 12


@pytest.mark.parametrize("other", sorted(p for p in AGENTS.rglob("*") if p.is_file() and "mini_swe_agent" not in str(p)))
def test_other_samples_are_not_claimed(other):
    assert by_name("mini_swe_agent").sniff(Input(other)) < 0.5


def test_format_marker_found_at_the_end_of_a_large_file(tmp_path):
    document = raw(LIMIT)
    big = {"messages": [{"role": "system", "content": "x" * 100_000}] + document["messages"][1:],
           "info": document["info"], "trajectory_format": "mini-swe-agent-1"}
    path = tmp_path / "big.traj.json"
    path.write_text(json.dumps(big))
    assert by_name("mini_swe_agent").sniff(Input(path)) >= 0.9
    assert len(of_kind(steps(read_file(path, "mini_swe_agent")), "tool_call")) == 3


def test_version_two_messages_with_extra(tmp_path):
    messages = [
        {"role": "system", "content": "s"}, {"role": "user", "content": "Fix it"},
        {"role": "assistant", "content": "run", "extra": {"actions": [{"command": "make"}], "cost": 0.5}},
        {"role": "user", "content": "<returncode>2</returncode>\n<output>\nmake: *** No rule\n</output>",
         "extra": {"returncode": 2, "raw_output": "make: *** No rule"}},
        {"role": "exit", "content": "", "extra": {"exit_status": "Submitted", "submission": "diff"}},
    ]
    path = tmp_path / "v2.traj.json"
    path.write_text(json.dumps({"info": {"exit_status": "Submitted"}, "messages": messages,
                                "trajectory_format": "mini-swe-agent-1.1"}))
    rows = steps(read_file(path, "mini_swe_agent"))
    assert [r["kind"] for r in rows] == ["message", "message", "message", "tool_call", "tool_result", "final"]
    assert rows[2]["cost"] == 0.5 and rows[4]["exit_code"] == 2 and rows[4]["is_error"]


def test_cut_off_file_keeps_complete_messages(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    cut = tmp_path / "cut.traj.json"
    cut.write_text(text[: text.rindex("grep -rn mean docs/")])  # inside the 5th action's turn
    batch = read_file(cut, "mini_swe_agent")
    rows = steps(batch)
    assert "cut off mid-JSON" in batch.problems[0].error
    assert len(of_kind(rows, "tool_call")) == 3 and [r["exit_code"] for r in of_kind(rows, "tool_result")] == [0, 1, 0]


def test_binary_junk_and_a_turn_with_no_action(tmp_path):
    junk = tmp_path / "junk.traj.json"
    junk.write_bytes(b"\x00\xff\x10junk" * 50)
    with pytest.raises(ValueError, match="not valid JSON"):
        read_file(junk, "mini_swe_agent")
    document = raw(LIMIT)
    document["messages"][4]["content"] = "I will run the tests now."  # no ```bash block, no format error after
    bad = tmp_path / "bad.traj.json"
    bad.write_text(json.dumps(document))
    batch = read_file(bad, "mini_swe_agent")
    assert "message 4: assistant turn with no parsable bash action" in batch.problems[0].error
    assert batch.problems[0].line_or_offset == 4 and "message 5" in batch.problems[1].error
    rows = steps(batch)
    assert len(of_kind(rows, "tool_call")) == 2 and len(of_kind(rows, "tool_result")) == 3  # every result kept
