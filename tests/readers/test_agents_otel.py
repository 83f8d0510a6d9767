"""otel_genai: OTLP/JSON written by the real OpenTelemetry SDK."""

from __future__ import annotations

import base64
import json

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
