"""openhands: OpenHands event-stream trajectories."""

from __future__ import annotations

import pytest

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
