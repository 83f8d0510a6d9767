"""openhands_sdk: OpenHands agent-SDK (V1) conversation folders."""

from __future__ import annotations

import json
import shutil

from tests.readers.agent_helpers import AGENTS, column, read_sample, steps, trajectories
from tracesift.readers import by_name
from tracesift.readers.base import Input

CONVERSATION = "openhands_sdk/6a1e2f4c9d8b4e0f8a7c3b2d1e0f9a8b"


def test_steps_tool_calls_results_and_errors():
    rows = steps(read_sample(CONVERSATION, "openhands_sdk"))
    kinds = column(rows, "kind")
    assert kinds.count("tool_call") == 3 and kinds.count("tool_result") == 3 and kinds.count("error") == 1
    assert kinds[:2] == ["message", "message"] and kinds[-1] == "final"
    assert [r["exit_code"] for r in rows if r["exit_code"] is not None] == [1, 0]
    failing = next(r for r in rows if r["exit_code"] == 1)
    assert failing["is_error"] and failing["tool"] == "terminal" and "AssertionError" in failing["content"]
    [error] = [r for r in rows if r["kind"] == "error"]
    assert error["is_error"] and error["tool"] == "browser" and "not found" in error["content"]


def test_results_answer_their_calls_and_usage_is_counted_once():
    rows = steps(read_sample(CONVERSATION, "openhands_sdk"))
    calls = {r["span_id"]: r for r in rows if r["kind"] == "tool_call"}
    results = [r for r in rows if r["kind"] == "tool_result"]
    assert all(calls[r["parent_span_id"]]["tool"] == r["tool"] for r in results)
    state = json.loads((AGENTS / CONVERSATION / "base_state.json").read_text())
    used = {u["response_id"]: u["prompt_tokens"] for u in state["stats"]["usage_to_metrics"]["agent"]["token_usages"]}
    answered = {"chatcmpl-r1", "chatcmpl-r2", "chatcmpl-r4", "chatcmpl-r5"}  # r3 was the call to a missing tool
    assert sum(r["tokens_in"] or 0 for r in rows) == sum(used[k] for k in answered)
    assert sum(1 for r in rows if r["latency_s"] is not None) == len(answered)


def test_trajectory_task_outcome_and_labels():
    [t] = trajectories(read_sample(CONVERSATION, "openhands_sdk")).values()
    assert t["task"].startswith("The slugify tests fail") and t["outcome"] == "success"
    assert t["labels"]["execution_status"] == "finished" and t["labels"]["accumulated_cost"] > 0


def test_broken_event_file_is_a_problem_and_other_steps_stay(tmp_path):
    folder = tmp_path / "conv"
    shutil.copytree(AGENTS / CONVERSATION, folder)
    good = len(steps(by_name("openhands_sdk").read(Input(folder, "conv"))))
    cut = sorted((folder / "events").glob("event-00008-*.json"))[0]  # the passing test's result
    cut.write_text(cut.read_text()[:60])
    (folder / "base_state.json").write_text('{"stats": ')
    batch = by_name("openhands_sdk").read(Input(folder, "conv"))
    assert len(steps(batch)) == good - 1
    assert any(cut.name in p.error and "cut off" in p.error for p in batch.problems)
    assert any("base_state.json" in p.error for p in batch.problems)


def test_failed_status_is_failure_and_files_are_not_claimed(tmp_path):
    folder = tmp_path / "conv"
    shutil.copytree(AGENTS / CONVERSATION, folder)
    state = json.loads((folder / "base_state.json").read_text())
    (folder / "base_state.json").write_text(json.dumps({**state, "execution_status": "stuck"}))
    [t] = trajectories(by_name("openhands_sdk").read(Input(folder, "conv"))).values()
    assert t["outcome"] == "failure"
    assert by_name("openhands_sdk").sniff(Input(AGENTS / "openhands")) == 0.0


def test_a_condensation_is_a_system_step_and_a_trailing_one_keeps_the_outcome(tmp_path):
    """``Condensation`` events as the SDK persists them (``forgotten_event_ids``, ``summary``, ``summary_offset``),
    one after the run finished: a system step each, and the run still ends in success."""
    folder = tmp_path / "conv"
    shutil.copytree(AGENTS / CONVERSATION, folder)
    for index, summary in ((12, "The slug tests were fixed."), (13, None)):
        event = {"id": f"0c5e00{index}-7b1a-4f3e-9d2c-5a6b7c8d9e{index}", "timestamp": "2025-11-03T10:16:00.000000",
                 "source": "environment", "forgotten_event_ids": ["0c5e0002-7b1a-4f3e-9d2c-5a6b7c8d9e02",
                                                                  "0c5e0003-7b1a-4f3e-9d2c-5a6b7c8d9e03"],
                 "summary": summary, "summary_offset": 1 if summary else None, "llm_response_id": None,
                 "kind": "Condensation"}
        (folder / "events" / f"event-000{index}-{event['id']}.json").write_text(json.dumps(event))
    batch = by_name("openhands_sdk").read(Input(folder, "conv"))
    rows = steps(batch)
    assert [(r["kind"], r["role"], r["agent"], r["content"]) for r in rows[-2:]] == [
        ("message", "system", None, "context condensed: 2 events forgotten; summary: The slug tests were fixed."),
        ("message", "system", None, "context condensed: 2 events forgotten")]
    assert not batch.problems
    [t] = trajectories(batch).values()
    assert t["outcome"] == "success"
