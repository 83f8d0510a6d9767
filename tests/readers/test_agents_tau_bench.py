"""tau_bench: τ-bench result records, on the sample and on a cut-off copy."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLES
from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name
from tracesift.readers.base import Input

SAMPLE = next((AGENTS / "tau_bench").glob("*.json"))
REL = f"tau_bench/{SAMPLE.name}"
TID = f"agents/{REL}"


def records() -> list[dict]:
    return json.loads(SAMPLE.read_text())


def test_one_trajectory_per_record_with_reward_as_outcome():
    found = trajectories(read_sample(REL, "tau_bench"))
    assert len(found) == len(records()) == 4
    assert set(found) == {f"{TID}#{r['task_id']}-trial{r['trial']}" for r in records()}
    outcomes = {tid.split("#")[1]: t["outcome"] for tid, t in found.items()}
    assert outcomes == {"0-trial0": "success", "1-trial0": "failure", "0-trial1": "success", "1-trial1": "failure"}
    assert found[f"{TID}#0-trial0"]["task"] == records()[0]["info"]["task"]["instruction"]
    assert found[f"{TID}#0-trial1"]["labels"]["trial"] == 1


def test_steps_follow_the_chat_with_tool_calls_and_errors():
    batch = read_sample(REL, "tau_bench")
    rows = steps(batch, f"{TID}#0-trial0")
    traj = records()[0]["traj"]
    assert column(rows, "step") == list(range(len(rows)))
    assert column(rows, "role") == [m["role"] for m in traj]  # one step per message here
    calls = [r for r in rows if r["kind"] == "tool_call"]
    results = [r for r in rows if r["kind"] == "tool_result"]
    assert len(calls) == len(results) == 3
    assert [r["parent_span_id"] for r in results] == [c["span_id"] for c in calls]
    assert json.loads(calls[1]["arguments"]) == {"order_id": "W4817420", "reason": "no longer needed"}
    assert column(results, "is_error") == [False, True, False] and results[1]["tool"] == "cancel_pending_order"
    assert not batch.problems


def test_failed_task_and_raised_run():
    batch = read_sample(REL, "tau_bench")
    failed = steps(batch, f"{TID}#1-trial0")
    assert sum(r["is_error"] for r in failed) == 1
    assert [r["tool"] for r in failed if r["is_error"]] == ["modify_pending_order_items"]
    [raised] = steps(batch, f"{TID}#1-trial1")
    assert raised["kind"] == "error" and raised["is_error"] and "RateLimitError" in raised["content"]
    found = trajectories(batch)
    assert found[f"{TID}#1-trial1"]["task"] == found[f"{TID}#1-trial0"]["task"]
    assert "RateLimitError" in found[f"{TID}#1-trial1"]["labels"]["error"]


def test_unique_task_ids_need_no_trial(tmp_path: Path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(records()[:2], indent=2))
    assert set(trajectories(read_file(path, "tau_bench"))) == {"results.json#0", "results.json#1"}


def test_cut_off_list_keeps_complete_records(tmp_path: Path):
    text = SAMPLE.read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"task_id": 0,', text.index('"task_id": 1,')) + 5])
    batch = read_file(path, "tau_bench")
    assert set(trajectories(batch)) == {"cut.json#0", "cut.json#1"}
    whole = read_file(SAMPLE, "tau_bench")
    kept = [f"{SAMPLE.name}#0-trial0", f"{SAMPLE.name}#1-trial0"]
    assert len(steps(batch)) == sum(len(steps(whole, tid)) for tid in kept)
    assert any("cut off" in p.error for p in batch.problems)


def test_chat_messages_leaves_the_sample_to_tau_bench():
    assert by_name("chat_messages").sniff(Input(SAMPLE)) < 0.9
    others = [p for p in SAMPLES.rglob("*") if p.is_file() and "tau_bench" not in p.parts]
    assert others and not [p for p in others if by_name("tau_bench").sniff(Input(p)) > 0]
