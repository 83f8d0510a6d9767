"""otel_genai: OTLP/JSON written by the real OpenTelemetry SDK."""

from __future__ import annotations

import base64
import json

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories


def test_one_trajectory_per_trace_in_start_order():
    batch = read_sample("otel_genai/trip_planner.json", "otel_genai")
    found = trajectories(batch)
    assert sorted(t["outcome"] for t in found.values()) == ["failure", "success"]
    failed = next(k for k, t in found.items() if t["outcome"] == "failure")
    rows = steps(batch, failed)
    assert len(rows) == 9 and column(rows, "step") == list(range(9))
    assert [r["timestamp"] for r in rows] == sorted(r["timestamp"] for r in rows)
    assert [r["tool"] for r in rows if r["kind"] == "tool_call"] == ["search_hotels", "search_hotels", "book_hotel"]
    assert [r["step"] for r in rows if r["is_error"]] == [0, 2, 4, 5, 7]
    assert column(rows, "agent") == ["planner"] * 5 + ["booking"] * 3 + ["planner"]
    assert rows[1]["tokens_in"] == 300 and rows[1]["tokens_out"] == 40 and rows[1]["latency_s"] == 1.5
    assert rows[1]["parent_span_id"] == rows[0]["span_id"] and rows[0]["parent_span_id"] is None
    assert found[failed]["task"] == "Find a hotel in Osaka under 100 USD"


def test_base64_ids_jsonl_and_cut_off_line(tmp_path):
    document = json.loads((AGENTS / "otel_genai" / "trip_planner.json").read_text())
    for span in document["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for key in ("traceId", "spanId", "parentSpanId"):
            if span.get(key):
                span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    path = tmp_path / "export.jsonl"
    line = json.dumps(document)
    path.write_text(line + "\n" + line[:100] + "\n")
    batch = read_file(path, "otel_genai")
    assert len(trajectories(batch)) == 2 and len(steps(batch)) == 17
    assert all(len(r["span_id"]) == 16 for r in steps(batch))
    assert "cut off" in batch.problems[0].error


OPENINFERENCE = "otel_genai/openinference_agent.json"


def _sample_spans() -> list[dict]:
    return json.loads((AGENTS / OPENINFERENCE).read_text())


def test_openinference_to_json_spans_steps_tools_tokens_and_agents():
    spans = _sample_spans()
    batch = read_sample(OPENINFERENCE, "otel_genai")
    [(tid, trajectory)] = trajectories(batch).items()
    rows = steps(batch, tid)
    assert len(rows) == len(spans) and column(rows, "step") == list(range(len(spans)))
    assert [r["timestamp"] for r in rows] == sorted(r["timestamp"] for r in rows)
    by_id = {s["context"]["span_id"][2:]: s for s in spans}
    for row in rows:
        span = by_id[row["span_id"]]
        attrs = span["attributes"]
        assert row["is_error"] == (span["status"]["status_code"] == "ERROR")
        assert row["parent_span_id"] == (span["parent_id"][2:] if span["parent_id"] else None)
        assert row["tokens_in"] == attrs.get("llm.token_count.prompt")
        assert row["tokens_out"] == attrs.get("llm.token_count.completion")
        if attrs["openinference.span.kind"] == "TOOL":
            assert row["kind"] == "tool_call" and row["tool"] == attrs["tool.name"]
            assert json.loads(row["arguments"]) == json.loads(attrs["input.value"])
        if "output.value" in attrs and attrs["openinference.span.kind"] != "AGENT":
            assert row["content"] == attrs["output.value"]
    agent_span = next(s for s in spans if s["attributes"]["openinference.span.kind"] == "AGENT")
    assert set(column(rows, "agent")) == {agent_span["attributes"]["agent.name"]}
    assert trajectory["task"] == agent_span["attributes"]["input.value"] and trajectory["outcome"] == "failure"
    assert trajectory["labels"]["models"] == sorted({s["attributes"]["llm.model_name"] for s in spans
                                                    if "llm.model_name" in s["attributes"]})


def test_failing_tool_span_keeps_its_error_text(tmp_path):
    batch = read_sample(OPENINFERENCE, "otel_genai")
    failed = [r for r in steps(batch) if r["kind"] == "tool_call" and r["is_error"]]
    span = next(s for s in _sample_spans() if s["name"] == failed[0]["tool"])
    assert len(failed) == 1 and failed[0]["content"] == span["status"]["description"]
    del span["status"]["description"]
    path = tmp_path / "spans.json"
    path.write_text(json.dumps([span]))
    [row] = steps(read_file(path, "otel_genai"))
    assert row["is_error"] and span["events"][0]["attributes"]["exception.message"] in row["content"]


def test_otlp_documents_in_a_json_list_read_like_the_documents(tmp_path):
    document = json.loads((AGENTS / "otel_genai" / "trip_planner.json").read_text())
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps([document]))
    alone = tmp_path / "alone.json"
    alone.write_text(json.dumps(document))
    rename = {"trajectory_id": lambda v: v.replace("alone.json", "wrapped.json")}
    expected = [{k: rename.get(k, lambda v: v)(v) for k, v in r.items()} for r in steps(read_file(alone, "otel_genai"))]
    assert steps(read_file(path, "otel_genai")) == expected


def test_broken_to_json_spans_are_skipped_or_refused(tmp_path):
    spans = _sample_spans()
    spans[1]["context"] = {"trace_id": None}
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(spans))
    batch = read_file(path, "otel_genai")
    assert len(steps(batch)) == len(spans) - 1 and "skipped" in batch.problems[0].error
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(spans)[:300])
    with pytest.raises(ValueError):
        read_file(cut, "otel_genai")


def test_a_failing_span_keeps_its_stack_trace_once(tmp_path):
    span = next(s for s in _sample_spans() if s["status"]["status_code"] == "ERROR" and s["events"])
    span["attributes"].pop("output.value", None)
    trace = 'Traceback (most recent call last):\n  File "tools.py", line 12, in lookup\nConnectionError: down'
    span["events"][0]["attributes"]["exception.stacktrace"] = trace
    path = tmp_path / "spans.json"
    path.write_text(json.dumps([span]))
    [row] = steps(read_file(path, "otel_genai"))
    assert row["is_error"] and trace in row["content"]
    assert row["content"].count(span["events"][0]["attributes"]["exception.message"]) == 1
