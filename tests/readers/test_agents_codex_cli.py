"""codex_cli: OpenAI Codex CLI session rollouts (rollout-*.jsonl)."""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name
from tracesift.readers.base import Input

MODERN = "codex_cli/rollout-2025-10-14T09-12-03-0199e1a2-7c3d-7b10-9f4e-3a5c2d8e6b71.jsonl"
LEGACY = "codex_cli/rollout-2025-05-07T17-24-21-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl"


def records(rel: str) -> list[dict]:
    return [json.loads(line) for line in (AGENTS / rel).read_text().splitlines()]


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def test_rollout_messages_calls_results_and_exit_codes():
    batch = read_sample(MODERN, "codex_cli")
    rows = steps(batch)
    lines = records(MODERN)
    assert batch.problems == []
    assert len(trajectories(batch)) == 1
    assert len(rows) == 13 == sum(r["type"] == "response_item" for r in lines)  # bookkeeping is not a step
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == 4 and len(results) == 4
    assert column(results, "parent_span_id") == column(calls, "span_id")
    assert [r["tool"] for r in calls] == [r["tool"] for r in results] == ["shell", "shell", "apply_patch", "shell"]
    [failed] = [r for r in rows if r["is_error"]]
    assert failed["kind"] == "tool_result" and failed["exit_code"] == 1 and "1 failed" in failed["content"]
    assert "pytest" in calls[0]["arguments"] and failed["parent_span_id"] == calls[0]["span_id"]
    assert [r["exit_code"] for r in results if not r["is_error"]] == [0, 0, 0]
    assert [r["kind"] for r in rows[-1:]] == ["final"] and len(of_kind(rows, "thought")) == 2


def test_rollout_usage_labels_and_task():
    batch = read_sample(MODERN, "codex_cli")
    rows = steps(batch)
    usages = [r["payload"]["info"]["last_token_usage"] for r in records(MODERN)
              if r["payload"].get("type") == "token_count" and r["payload"].get("info")]
    assert sum(r["tokens_in"] or 0 for r in rows) == sum(u["input_tokens"] for u in usages)
    assert sum(r["tokens_out"] or 0 for r in rows) == sum(u["output_tokens"] for u in usages)
    assert all(r["tokens_in"] is None for r in rows if r["role"] in ("user", "tool"))
    [t] = trajectories(batch).values()
    meta = records(MODERN)[0]["payload"]
    assert t["outcome"] == "unknown" and t["labels"]["model"] == "gpt-5-codex"
    assert t["labels"]["cwd"] == meta["cwd"] and t["labels"]["session_id"] == meta["id"]
    assert t["task"].startswith("test_unicode_slug") and "environment_context" not in t["task"]


def test_first_layout_with_bare_items_and_state_lines():
    batch = read_sample(LEGACY, "codex_cli")
    rows = steps(batch)
    assert batch.problems == [] and len(trajectories(batch)) == 1
    assert len(rows) == 6 and len(of_kind(rows, "tool_call")) == 2 and len(of_kind(rows, "tool_result")) == 2
    [failed] = [r for r in rows if r["is_error"]]
    assert failed["exit_code"] == 1 and "No such file" in failed["content"]
    assert rows[-1]["kind"] == "final"


def test_broken_file_keeps_every_good_step(tmp_path):
    lines = (AGENTS / MODERN).read_text().splitlines()
    junk = '{"timestamp":"2025-10-14T09:12:30.000Z","type":"mystery_record","payload":{}}'
    broken = [*lines[:5], junk, *lines[5:-1], lines[-1][:30]]
    path = tmp_path / "rollout-broken.jsonl"
    path.write_bytes("\n".join(broken).encode() + b"\n\xff\xfe\x00garbage\n")
    batch = read_file(path, "codex_cli")
    assert len(steps(batch)) == len(steps(read_sample(MODERN, "codex_cli")))  # the cut line was bookkeeping
    by_line = {p.line_or_offset: p.error for p in batch.problems}
    assert "mystery_record" in by_line[6]
    assert "cut off" in by_line[len(broken)]
    assert "not JSON" in by_line[len(broken) + 1]
    assert any("not UTF-8" in p.error for p in batch.problems)


def test_output_shapes_and_error_events(tmp_path):
    def item(payload: dict) -> str:
        return json.dumps({"timestamp": "2025-10-14T10:00:00Z", "type": "response_item", "payload": payload})
    call = {"type": "function_call", "name": "exec_command", "arguments": "{}"}
    body = [
        item({**call, "call_id": "a"}),
        item({"type": "function_call_output", "call_id": "a", "output": "Chunk ID: 1\nProcess exited with code 2\n"}),
        item({**call, "call_id": "b"}),
        item({"type": "function_call_output", "call_id": "b", "output": {"content": "denied", "success": False}}),
        item({**call, "call_id": "c"}),
        item({"type": "function_call_output", "call_id": "c", "output": "Traceback (most recent call last):\n"}),
        item({"type": "function_call_output", "call_id": "zz", "output": "ok"}),
        json.dumps({"timestamp": "2025-10-14T10:00:01Z", "type": "event_msg",
                    "payload": {"type": "error", "message": "stream disconnected"}}),
    ]
    path = tmp_path / "rollout-shapes.jsonl"
    path.write_text("\n".join(body) + "\n")
    batch = read_file(path, "codex_cli")
    results = of_kind(steps(batch), "tool_result")
    assert column(results, "exit_code") == [2, None, None, None]
    assert column(results, "is_error") == [True, True, True, False]
    [error] = of_kind(steps(batch), "error")
    assert error["is_error"] and error["content"] == "stream disconnected"
    assert any("'zz'" in p.error and p.line_or_offset == 7 for p in batch.problems)


def test_nothing_readable_is_an_error(tmp_path):
    path = tmp_path / "rollout-empty.jsonl"
    path.write_text('{"timestamp":"2025-10-14T10:00:00Z","type":"session_me')
    with pytest.raises(ValueError, match="cut off"):
        read_file(path, "codex_cli")


def test_sniffer_claims_only_codex_rollouts(tmp_path):
    sniff = by_name("codex_cli").sniff
    others = [p for p in AGENTS.rglob("*") if p.is_file() and "codex_cli" not in p.parts]
    assert others and all(sniff(Input(p)) == 0.0 for p in others)
    chat = tmp_path / "chat.jsonl"
    chat.write_text('{"timestamp": "2025-01-01T00:00:00Z", "type": "message", "role": "user", "content": "hi"}\n')
    assert sniff(Input(chat)) == 0.0
