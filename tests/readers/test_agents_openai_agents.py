"""openai_agents: OpenAI Agents SDK traces (exported trace and span dicts).

The samples are real SDK output: openai-agents 0.24.0 ``Runner.run`` against a scripted model
endpoint, traced by the SDK and exported with its own ``Trace.export()`` / ``Span.export()`` by a
``TracingProcessor`` (``support_desk.jsonl``) and through ``BatchTraceProcessor`` as the
``{"data": [...]}`` payload (``guardrail_batch.json``): ``scripts/samples/agents/make_openai_agents.py``.
The broken files below are cut from them.
"""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import AGENTS, claimed_elsewhere, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input

LINES = "openai_agents/support_desk.jsonl"
BATCH = "openai_agents/guardrail_batch.json"
SUPPORT = "trace_5f0c8e2a9b3d4c1e8f7a6b5c4d3e2f10"
FIXER = "trace_a1b2c3d4e5f60718293a4b5c6d7e8f90"
TRIPPED = "trace_0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"


def items(rel: str = LINES) -> list[dict]:
    text = (AGENTS / rel).read_text()
    return json.loads(text)["data"] if rel.endswith(".json") else [json.loads(line) for line in text.splitlines()]


def spans(trace: str, kind: str, rel: str = LINES) -> list[dict]:
    return [i for i in items(rel) if i.get("trace_id") == trace and i["span_data"]["type"] == kind]


def trace_steps(trace: str, rel: str = LINES) -> list[dict]:
    return steps(read_sample(rel, "openai_agents"), f"agents/{rel}#{trace}")


def kinds(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def test_a_trajectory_per_trace_with_tool_calls_results_and_errors_counted():
    batch = read_sample(LINES, "openai_agents")
    assert set(trajectories(batch)) == {f"agents/{LINES}#{SUPPORT}", f"agents/{LINES}#{FIXER}"}
    rows = trace_steps(SUPPORT)
    functions = spans(SUPPORT, "function")
    assert len(kinds(rows, "tool_call")) == len(kinds(rows, "tool_result")) == len(functions) == 3
    assert [r["tool"] for r in kinds(rows, "tool_call")] == ["lookup_invoice", "lookup_invoice", "issue_refund"]
    errors = [r for r in rows if r["is_error"]]
    failing = [f for f in functions if f["error"]]
    assert [(r["kind"], r["parent_span_id"]) for r in errors] == [("tool_result", failing[0]["id"])]
    assert errors[0]["content"] == failing[0]["span_data"]["output"]
    fixer = trace_steps(FIXER)
    assert len(kinds(fixer, "tool_call")) == len(kinds(fixer, "tool_result")) == 3
    assert [r["kind"] for r in fixer if r["is_error"]] == ["error"]
    assert fixer[-1]["content"].startswith("Max turns exceeded") and batch.problems == []


def test_steps_follow_start_times_and_results_come_after_their_calls():
    rows = trace_steps(SUPPORT)
    assert column(rows, "step") == list(range(len(rows)))
    started = [r["timestamp"] for r in rows if r["kind"] != "tool_result"]
    assert started == sorted(started)
    calls = {r["span_id"]: r["step"] for r in kinds(rows, "tool_call")}
    assert all(calls[r["parent_span_id"]] < r["step"] for r in kinds(rows, "tool_result"))


def test_agents_handoff_and_final_answer():
    rows = trace_steps(SUPPORT)
    [handoff] = spans(SUPPORT, "handoff")
    [hop] = [r for r in rows if r["tool"] == "handoff"]
    assert hop["agent"] == handoff["span_data"]["from_agent"] == "Triage agent"
    assert json.loads(hop["arguments"]) == {"to": "Billing agent"}
    assert {r["agent"] for r in rows[hop["step"] + 1:]} == {"Billing agent"}
    assert [r["content"] for r in rows if r["role"] == "agent" and r["tool"] is None] == ["Triage agent",
                                                                                          "Billing agent"]
    assert rows[-1]["kind"] == "final" and "refund RF-1001" in rows[-1]["content"]
    agent_ids = {s["id"] for s in spans(SUPPORT, "agent")}
    assert all(r["parent_span_id"] in agent_ids for r in kinds(rows, "tool_call"))


def test_tokens_and_latency_come_from_the_model_spans():
    rows = trace_steps(SUPPORT)
    generations = spans(SUPPORT, "generation")
    assert sum(r["tokens_in"] or 0 for r in rows) == sum(g["span_data"]["usage"]["input_tokens"] for g in generations)
    assert sum(r["tokens_out"] or 0 for r in rows) == sum(g["span_data"]["usage"]["output_tokens"]
                                                          for g in generations)
    by_id = {r["span_id"]: r for r in rows}
    assert all(by_id[g["id"]]["latency_s"] > 0 for g in generations)


def test_trajectory_task_outcome_and_labels():
    found = trajectories(read_sample(LINES, "openai_agents"))
    support, fixer = found[f"agents/{LINES}#{SUPPORT}"], found[f"agents/{LINES}#{FIXER}"]
    assert support["task"] == "I was charged twice for invoice 8812, please refund one."
    assert support["outcome"] == "unknown" and fixer["outcome"] == "failure"
    labels = support["labels"]
    assert labels["workflow_name"] == "Customer support" and labels["group_id"] == "chat-7731"
    assert labels["agents"] == ["Triage agent", "Billing agent"] and labels["models"] == ["gpt-4o-mini"]
    assert labels["usage"]["input_tokens"] == sum(r["tokens_in"] or 0 for r in trace_steps(SUPPORT))


def test_batch_payload_guardrail_tripwire_response_and_custom_spans():
    batch = read_sample(BATCH, "openai_agents")
    found = trajectories(batch)
    assert [t["outcome"] for t in found.values()] == ["unknown", "failure"]
    answered = steps(batch, next(iter(found)))
    [custom] = [r for r in answered if r["role"] == "custom"]
    assert json.loads(custom["content"])["data"]["order_id"] == "5521"
    [reply] = [r for r in answered if r["role"] == "assistant"]
    [response] = [s for s in items(BATCH) if s.get("span_data", {}).get("type") == "response"]
    assert (reply["tokens_in"], reply["tokens_out"]) == (response["span_data"]["usage"]["input_tokens"],
                                                         response["span_data"]["usage"]["output_tokens"])
    tripped = steps(batch, f"agents/{BATCH}#{TRIPPED}")
    assert [(r["kind"], r["role"], r["is_error"]) for r in tripped] == [
        ("message", "agent", False), ("error", "guardrail", True), ("error", "agent", True)]
    assert tripped[1]["tool"] == "no_card_numbers" and "tripwire" in tripped[2]["content"]


def test_a_json_list_and_json_lines_of_payloads_read_alike(tmp_path):
    expected = steps(read_file(AGENTS / LINES, "openai_agents"))
    listed = tmp_path / "spans.json"
    listed.write_text(json.dumps(items(), indent=2))
    payloads = tmp_path / "payloads.jsonl"
    payloads.write_text("".join(json.dumps({"data": items()[k:k + 7]}) + "\n" for k in range(0, len(items()), 7)))
    for path in (listed, payloads):
        assert choose(Input(path)).name == "openai_agents"
        rows = steps(read_file(path, "openai_agents"))
        assert [(r["kind"], r["tool"], r["is_error"]) for r in rows] == \
            [(r["kind"], r["tool"], r["is_error"]) for r in expected]


def test_line_cut_mid_way_and_a_bad_line_are_problems_with_their_lines(tmp_path):
    lines = (AGENTS / LINES).read_text().splitlines()
    lines[3] = "<<< not json >>>"
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:90])
    batch = read_file(path, "openai_agents")
    assert {(p.line_or_offset, p.error) for p in batch.problems} >= {
        (4, "not JSON (Expecting value): line skipped"), (len(lines), "line cut off mid-JSON: skipped")}
    assert len(trajectories(batch)) == 2 and len(steps(batch)) == len(steps(read_sample(LINES, "openai_agents"))) - 1


def test_spans_whose_parents_are_missing_are_kept_with_a_problem(tmp_path):
    kept = [i for i in items() if i.get("span_data", {}).get("type") not in ("agent", "custom")]
    path = tmp_path / "partial.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in kept))
    batch = read_file(path, "openai_agents")
    orphans = [p for p in batch.problems if "parent span is not in the file" in p.error]
    assert len(orphans) == 2 and orphans[0].error.startswith(f"partial.jsonl#{SUPPORT}:")
    rows = steps(batch, f"partial.jsonl#{SUPPORT}")
    assert len(kinds(rows, "tool_call")) == len(kinds(rows, "tool_result")) == 3
    assert sum(r["is_error"] for r in rows) == 1


def test_the_layout_before_task_and_turn_spans(tmp_path):
    """Older SDKs open no task or turn spans: agent spans are the roots; an error there is a failure."""
    found = [i for i in items() if i.get("trace_id", i.get("id")) == FIXER]
    containers = {i["id"]: i["parent_id"] for i in found if i.get("span_data", {}).get("type") == "custom"}
    for item in found:
        while item.get("parent_id") in containers:
            item["parent_id"] = containers[item["parent_id"]]
    path = tmp_path / "old.json"
    path.write_text(json.dumps([i for i in found if i.get("id") not in containers]))
    batch = read_file(path, "openai_agents")
    [t] = trajectories(batch).values()
    assert t["outcome"] == "failure" and batch.problems == []
    assert column(steps(batch), "kind") == column(trace_steps(FIXER), "kind")


def test_cut_off_payload_keeps_complete_entries(tmp_path):
    text = (AGENTS / BATCH).read_text()
    path = tmp_path / "cut.json"
    last = text.rfind('"object": "trace.span"')
    path.write_text(text[:text.rfind('"object": "trace.span"', 0, last)])  # the last two spans are cut
    batch = read_file(path, "openai_agents")
    assert any("cut off" in p.error and "exported traces and spans" in p.error for p in batch.problems)
    assert 0 < len(steps(batch)) < len(steps(read_sample(BATCH, "openai_agents")))


def test_nothing_readable_raises_a_clear_error(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text('{"data": []}')
    with pytest.raises(ValueError, match="no exported OpenAI Agents SDK spans"):
        by_name("openai_agents").read(Input(path))


def test_claims_no_other_sample_and_others_do_not_claim_it():
    assert claimed_elsewhere("openai_agents", "openai_agents") == []
    assert choose(Input(AGENTS / LINES)).name == choose(Input(AGENTS / BATCH)).name == "openai_agents"
