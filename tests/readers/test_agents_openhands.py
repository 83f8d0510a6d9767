"""openhands: OpenHands event-stream trajectories."""

from __future__ import annotations

import json

import pytest

from tests.detectors.agents.helpers import judge, load
from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories


def test_successful_run_has_exit_codes_tokens_and_cost():
    batch = read_sample("openhands/hello_ok.json", "openhands")
    rows = steps(batch)
    assert column(rows, "kind") == ["message", "thought", "tool_call", "tool_result", "thought", "tool_call",
                                    "tool_result", "final"]
    assert rows[6]["exit_code"] == 0 and rows[6]["tool"] == "execute_bash" and rows[6]["parent_span_id"] == "3"
    assert rows[2]["tokens_in"] == 3400 and sum(r["cost"] or 0 for r in rows) == pytest.approx(0.029)
    assert list(trajectories(batch).values())[0]["outcome"] == "success"


def test_a_cut_off_list_keeps_its_complete_events(tmp_path):
    text = (AGENTS / "openhands/hello_ok.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[:text.rfind('"id": 5')])
    batch = read_file(path, "openhands")
    assert 0 < len(steps(batch)) < len(steps(read_sample("openhands/hello_ok.json", "openhands")))
    assert "cut off" in batch.problems[0].error


def test_delegation_error_and_loop():
    batch = read_sample("openhands/delegation_loop.json", "openhands")
    rows = steps(batch)
    assert rows[4]["agent"] == "BrowsingAgent" and rows[4]["tool"] == "browse"
    assert rows[5]["is_error"] and rows[5]["kind"] == "tool_result"
    assert [r["exit_code"] for r in rows if r["exit_code"] is not None] == [2, 2, 2]
    assert rows[-1]["kind"] == "error" and "stuck in a loop" in rows[-1]["content"]
    [t] = trajectories(batch).values()
    assert t["outcome"] == "failure" and t["task"].startswith("Fix the failing test")


def test_condensations_are_system_steps_and_three_in_a_row_are_a_loop(tmp_path):
    """CondensationAction events as event_to_dict writes them (the condenser's message, forgotten ids in args),
    three with nothing between: OpenHands' known endless-condensation failure."""
    events = json.loads((AGENTS / "openhands/hello_ok.json").read_text())
    condensations = [{"id": 10 + i, "timestamp": f"2026-01-01T12:00:1{i}.000000", "source": "agent",
                      "message": f"Condenser is dropping the events: [{1 + i}, {2 + i}].", "action": "condensation",
                      "args": {"forgotten_event_ids": [1 + i, 2 + i], "forgotten_events_start_id": None,
                               "forgotten_events_end_id": None, "summary": None, "summary_offset": None}}
                     for i in range(3)]
    (tmp_path / "oh").mkdir()
    path = tmp_path / "oh" / "condensing.json"
    path.write_text(json.dumps(events[:3] + condensations + events[3:]))
    rows = steps(read_file(path, "openhands"))
    condensed = [r for r in rows if (r["content"] or "").startswith("context condensed")]
    assert [(r["kind"], r["role"], r["agent"]) for r in condensed] == [("message", "system", None)] * 3
    assert "dropping the events: [1, 2]" in condensed[0]["content"]
    [trajectory] = load(tmp_path / "oh").values()
    [loop] = judge("loop", trajectory)
    assert loop.kind == "condensation_loop" and loop.first_step == rows.index(condensed[2])
