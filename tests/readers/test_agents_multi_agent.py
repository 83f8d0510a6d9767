"""multi_agent: Who&When-style logs with failure labels."""

from __future__ import annotations

import json

from tests.readers.agent_helpers import column, read_file, read_sample, steps, trajectories
from tracesift.readers import choose
from tracesift.readers.base import Input


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
    assert rows[2]["agent"] == found[bad]["labels"]["mistake_agent"] == "Orchestrator"
    assert rows[2]["role"] == "assistant" and rows[2]["tool"] == "handoff"
    assert json.loads(rows[2]["arguments"]) == {"to": "Coder"}
    assert rows[1]["kind"] == "thought" and rows[-1]["kind"] == "final" and rows[-1]["agent"] == "Orchestrator"
    assert rows[3]["is_error"] and rows[3]["exit_code"] == 1


def test_bad_label_and_bad_record_are_problems(tmp_path):
    path = tmp_path / "wm.json"
    path.write_text(json.dumps([{"question": "q", "history": [{"role": "a", "content": "x"}], "mistake_step": "7",
                                 "mistake_agent": "a"}, {"question": "no history"}]))
    batch = read_file(path, "multi_agent")
    assert len(steps(batch)) == 1
    errors = " | ".join(p.error for p in batch.problems)
    assert "mistake_step '7'" in errors and "no history" in errors


MAGENTIC_ONE = [
    {"role": "human", "content": "Find the opening hours of the city library."},
    {"role": "Orchestrator (thought)", "content": "Plan: WebSurfer searches the library site."},
    {"role": "Orchestrator (-> WebSurfer)", "content": "Please open the city library's website."},
    {"role": "WebSurfer", "content": "The library opens 9:00-18:00 on weekdays."},
    {"role": "Orchestrator (thought)", "content": "The request is satisfied."},
    {"role": "Orchestrator (termination condition)", "content": "No agent selected."},
    {"role": "Orchestrator (final answer)", "content": "9:00-18:00 on weekdays."},
]


def test_magentic_one_roles_split_into_agent_hop_and_addressee(tmp_path):
    path = tmp_path / "m1.json"
    path.write_text(json.dumps({"history": MAGENTIC_ONE, "is_correct": True}))
    assert choose(Input(path)).name == "multi_agent"
    batch = read_file(path, "multi_agent")
    rows = steps(batch)
    assert len(rows) == len(MAGENTIC_ONE) and not batch.problems
    assert set(column(rows, "agent")) == {"human", "Orchestrator", "WebSurfer"}
    assert column(rows, "tool") == [None, "thought", "handoff", None, "thought", "termination condition",
                                    "final answer"]
    assert column(rows, "kind") == ["message", "thought", "message", "message", "thought", "message", "final"]
    assert [json.loads(r["arguments"]) for r in rows if r["arguments"]] == [{"to": "WebSurfer"}]
    [t] = trajectories(batch).values()
    assert t["task"] == MAGENTIC_ONE[0]["content"] and t["outcome"] == "success"


def test_who_and_when_samples_have_no_hops():
    rows = steps(read_sample("multi_agent/algorithm_generated_8e867cd7.json", "multi_agent"))
    assert not [r for r in rows if r["arguments"] or (r["tool"] and r["kind"] != "tool_result")]
