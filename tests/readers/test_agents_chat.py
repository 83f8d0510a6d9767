"""chat_messages: OpenAI-style and Anthropic-style chats, on the samples and on broken variants."""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import column, read_file, read_sample, steps, trajectories
from tracesift.readers import choose
from tracesift.readers.base import Input


def test_openai_object_with_tool_error_cascade():
    batch = read_sample("chat/tool_error_cascade.json", "chat_messages")
    rows = steps(batch)
    assert len(rows) == 8 and column(rows, "step") == list(range(8))
    assert column(rows, "kind") == ["message", "message", "tool_call", "tool_result", "message", "tool_call",
                                    "tool_result", "final"]
    assert column(rows, "is_error") == [False, False, False, True, False, False, True, False]
    assert rows[3]["tool"] == "read_csv" and rows[3]["parent_span_id"] == "call_1"
    assert json.loads(rows[2]["arguments"]) == {"path": "logs/latency.csv"}
    assert rows[2]["tokens_in"] == 210 and rows[2]["tokens_out"] == 24
    [trajectory] = trajectories(batch).values()
    assert trajectory["task"].startswith("Report the p95") and trajectory["outcome"] == "unknown"
    assert not batch.problems


def test_anthropic_blocks_keep_is_error_and_thinking():
    rows = steps(read_sample("chat/anthropic_blocks.json", "chat_messages"))
    assert column(rows, "kind") == ["message", "thought", "message", "tool_call", "tool_result", "tool_call",
                                    "tool_result", "final"]
    assert rows[4]["is_error"] is True and rows[4]["tool"] == "get_weather"
    assert rows[6]["is_error"] is False and rows[6]["content"] == "18C, cloudy"
    assert json.loads(rows[3]["arguments"]) == {"city": "Paris"}


def test_jsonl_one_conversation_per_line_gives_one_trajectory_each():
    batch = read_sample("chat/sessions.jsonl", "chat_messages")
    found = trajectories(batch)
    assert set(found) == {"agents/chat/sessions.jsonl#ok-1", "agents/chat/sessions.jsonl#loop-1"}
    assert found["agents/chat/sessions.jsonl#loop-1"]["outcome"] == "failure"
    loop = steps(batch, "agents/chat/sessions.jsonl#loop-1")
    assert [r["arguments"] for r in loop if r["kind"] == "tool_call"] == ['{"cmd": "pip install -e ."}'] * 4
    assert sum(r["is_error"] for r in loop) == 4


def test_jsonl_one_message_per_line_is_one_trajectory_with_timestamps():
    batch = read_sample("chat/messages_per_line.jsonl", "chat_messages")
    rows = steps(batch)
    assert len(rows) == 5 and rows[0]["timestamp"] == pytest.approx(1767261600.0)
    assert rows[3]["tool"] == "shell" and rows[4]["kind"] == "final"


def test_unknown_role_and_orphan_tool_result_are_problems(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([{"role": "user", "content": "hi"}, {"role": "narrator", "content": "meanwhile"},
                                {"role": "tool", "tool_call_id": "nope", "content": "42"}]))
    batch = read_file(path, "chat_messages")
    assert len(steps(batch)) == 3
    text = " | ".join(p.error for p in batch.problems)
    assert "unknown role 'narrator'" in text and "'nope' has no matching call" in text


def test_cut_off_list_keeps_complete_messages(tmp_path):
    text = json.dumps([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                       {"role": "user", "content": "c"}])
    path = tmp_path / "cut.json"
    path.write_text(text[: text.rindex("{") + 12])
    assert choose(Input(path)).name == "chat_messages"
    batch = read_file(path, "chat_messages")
    assert len(steps(batch)) == 2 and "cut off mid-JSON" in batch.problems[0].error


def test_cut_off_object_and_bad_line(tmp_path):
    whole = tmp_path / "whole.json"
    whole.write_text('{"messages": [{"role": "user", "content": "a"}, {"role": "assis')
    with pytest.raises(ValueError, match="cut off mid-JSON"):
        read_file(whole, "chat_messages")
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(b'{"role": "user", "content": "caf\xe9"}\n{"role": "assistant", "content": "ok"}\n{"role": "us\n')
    batch = read_file(lines, "chat_messages")
    assert len(steps(batch)) == 2
    errors = [p.error for p in batch.problems]
    assert any("not UTF-8" in e for e in errors) and any("cut off" in e for e in errors)


def test_tool_result_belongs_to_the_agent_whose_call_it_answers(tmp_path):
    def call(call_id: str) -> list:
        return [{"id": call_id, "type": "function", "function": {"name": "bash", "arguments": "{}"}}]

    messages = [
        {"role": "user", "content": "ship it"},
        {"role": "assistant", "name": "planner", "content": None, "tool_calls": call("a")},
        {"role": "assistant", "name": "coder", "content": None, "tool_calls": call("b")},
        {"role": "tool", "tool_call_id": "b", "name": "bash", "content": "bash: make: command not found"},
        {"role": "tool", "tool_call_id": "a", "name": "bash", "content": "ok"},
        {"role": "tool", "tool_call_id": "zzz", "name": "bash", "content": "who asked?"},
    ]
    path = tmp_path / "team.json"
    path.write_text(json.dumps({"messages": messages}))
    batch = read_file(path, "chat_messages")
    results = [r for r in steps(batch) if r["kind"] == "tool_result"]
    assert [(r["agent"], r["tool"], r["is_error"]) for r in results] == [
        ("coder", "bash", True), ("planner", "bash", False), ("tool", "bash", False)]
    assert [p.error for p in batch.problems] == ["team.json: tool result for tool_call_id 'zzz' has no matching call"]


def test_json_values_are_the_standard_librarys_and_lines_end_only_at_line_ends(tmp_path):
    """The fast decoder gives what ``json.loads`` gives, the values it refuses included (NaN, integers
    beyond 64 bits), and a U+2028 inside a string does not end the line."""
    messages = [{"role": "user", "content": "caf\u00e9 \u2192 na\u00efve\u2028second line"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "bash", "arguments": {"big": 123456789012345678901234567890}}}], "cost": float("nan")},
                {"role": "tool", "tool_call_id": "c1", "content": "ok"}]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages), encoding="utf-8")
    batch = read_file(path, "chat_messages")
    rows = steps(batch)
    assert not batch.problems and len(rows) == 3
    assert rows[0]["content"] == messages[0]["content"]
    assert rows[1]["arguments"] == '{"big": 123456789012345678901234567890}' and rows[1]["cost"] != rows[1]["cost"]
    assert rows[2]["parent_span_id"] == "c1"


def test_a_lone_surrogate_escape_in_content_is_kept_escaped(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text('[{"role": "user", "content": "lone \\ud800 here"}]')
    [row] = steps(read_file(path, "chat_messages"))
    assert row["content"] == "lone \\xed\\xa0\\x80 here"
