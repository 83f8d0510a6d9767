"""multi_agent: Who&When-style logs with failure labels."""

from __future__ import annotations

import json

from tests.readers.agent_helpers import column, read_file, read_sample, steps, trajectories


def test_labels_line_up_with_steps():
    batch = read_sample("multi_agent/algorithm_generated_8e867cd7.json", "multi_agent")
    rows = steps(batch)
    [t] = trajectories(batch).values()
    assert t["labels"]["mistake_step"] == 2 and t["labels"]["mistake_agent"] == "DiscographyAnalysis_Expert"
    assert rows[2]["agent"] == t["labels"]["mistake_agent"] and t["outcome"] == "failure"
    assert rows[1]["kind"] == "tool_result" and rows[1]["exit_code"] == 0
    assert set(column(rows, "agent")) == {"DiscographyAnalysis_Expert", "Computer_terminal", "Verification_Expert"}


def test_hand_crafted_roles_are_agents_and_wrong_handoff():
    batch = read_sample("multi_agent/hand_crafted.jsonl", "multi_agent")
    found = trajectories(batch)
    bad = "agents/multi_agent/hand_crafted.jsonl#hc-17"
    assert found[bad]["labels"]["mistake_step"] == 2
    assert found["agents/multi_agent/hand_crafted.jsonl#ok-1"]["outcome"] == "success"
    rows = steps(batch, bad)
    assert rows[2]["agent"] == "Orchestrator (-> Coder)" and rows[2]["role"] == "assistant"
    assert rows[3]["is_error"] and rows[3]["exit_code"] == 1


def test_bad_label_and_bad_record_are_problems(tmp_path):
    path = tmp_path / "wm.json"
    path.write_text(json.dumps([{"question": "q", "history": [{"role": "a", "content": "x"}], "mistake_step": "7",
                                 "mistake_agent": "a"}, {"question": "no history"}]))
    batch = read_file(path, "multi_agent")
    assert len(steps(batch)) == 1
    errors = " | ".join(p.error for p in batch.problems)
    assert "mistake_step '7'" in errors and "no history" in errors
