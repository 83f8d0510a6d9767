"""langfuse: Langfuse trace exports (a trace with its observations, or a list of them)."""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input

SAMPLE = "langfuse/metrics_agent_trace.json"


def document() -> dict:
    return json.loads((AGENTS / SAMPLE).read_text())


def observations_by_type(kind: str) -> list[dict]:
    return [o for o in document()["observations"] if o["type"] == kind]


def test_steps_follow_start_time_and_keep_observation_ids():
    rows = steps(read_sample(SAMPLE, "langfuse"))
    assert column(rows, "step") == list(range(len(rows)))
    times = [r["timestamp"] for r in rows if r["kind"] != "tool_result"]
    assert times == sorted(times)
    ids = {o["id"] for o in document()["observations"]}
    assert ids <= set(column(rows, "span_id"))
    root = next(o["id"] for o in document()["observations"] if o["parentObservationId"] is None)
    assert rows[0]["span_id"] == root and rows[0]["role"] == "agent"


def test_tool_calls_from_generations_are_answered_by_tool_observations():
    rows = steps(read_sample(SAMPLE, "langfuse"))
    calls = {r["span_id"]: r for r in rows if r["kind"] == "tool_call"}
    results = [r for r in rows if r["kind"] == "tool_result"]
    tools = observations_by_type("TOOL")
    assert len(calls) == len(results) == len(tools)
    assert all(calls[r["parent_span_id"]]["tool"] == r["tool"] for r in results)
    generations = {o["id"] for o in observations_by_type("GENERATION")}
    assert all(c["parent_span_id"] in generations and c["arguments"] for c in calls.values())


def test_error_level_marks_the_failing_tool_result():
    rows = steps(read_sample(SAMPLE, "langfuse"))
    failing = [o for o in document()["observations"] if o["level"] == "ERROR"]
    errors = [r for r in rows if r["is_error"]]
    assert [r["span_id"] for r in errors] == [o["id"] for o in failing]
    assert errors[0]["kind"] == "tool_result" and errors[0]["content"] == failing[0]["statusMessage"]


def test_tokens_cost_and_latency_come_from_the_generations():
    rows = steps(read_sample(SAMPLE, "langfuse"))
    generations = observations_by_type("GENERATION")
    assert sum(r["tokens_in"] or 0 for r in rows) == sum(g["usageDetails"]["input"] for g in generations)
    assert sum(r["tokens_out"] or 0 for r in rows) == sum(g["usageDetails"]["output"] for g in generations)
    assert sum(r["cost"] or 0 for r in rows) == pytest.approx(document()["totalCost"])
    by_id = {r["span_id"]: r for r in rows}
    assert all(by_id[g["id"]]["latency_s"] == pytest.approx(g["latency"]) for g in generations)


def test_trajectory_task_labels_and_outcome():
    [t] = trajectories(read_sample(SAMPLE, "langfuse")).values()
    trace = document()
    assert t["task"] == trace["input"]["question"] and t["outcome"] == "unknown"
    assert t["labels"]["trace_id"] == trace["id"] and t["labels"]["session_id"] == trace["sessionId"]


def test_list_of_traces_gives_one_trajectory_each_and_root_error_is_failure(tmp_path):
    first, second = document(), document()
    second["id"] = "second-trace"
    for o in second["observations"]:
        o["traceId"] = "second-trace"
        o["level"] = "ERROR" if o["parentObservationId"] is None else o["level"]
    path = tmp_path / "traces.json"
    path.write_text(json.dumps([first, second]))
    assert choose(Input(path)).name == "langfuse"
    found = trajectories(read_file(path, "langfuse"))
    assert set(found) == {f"traces.json#{first['id']}", "traces.json#second-trace"}
    assert found["traces.json#second-trace"]["outcome"] == "failure"


def test_cut_off_export_is_a_problem_and_complete_observations_stay(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    good = len(steps(read_sample(SAMPLE, "langfuse")))
    last = text.rfind('"id": "obs-')
    path = tmp_path / "cut.json"
    path.write_text(text[:last + 20])
    batch = read_file(path, "langfuse")
    kept = steps(batch)
    assert 0 < len(kept) < good
    assert any("cut off" in p.error and "observations" in p.error for p in batch.problems)


def test_broken_file_without_observations_raises_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"id": "t1", "observations": [')
    with pytest.raises(ValueError, match="cut off"):
        by_name("langfuse").read(Input(path))


def test_claims_no_other_sample_and_others_do_not_claim_it():
    reader = by_name("langfuse")
    others = [p for p in AGENTS.rglob("*") if p.is_file() and "langfuse" not in p.parts]
    assert all(reader.sniff(Input(p)) < 0.9 for p in others)
    assert choose(Input(AGENTS / SAMPLE)).name == "langfuse"
