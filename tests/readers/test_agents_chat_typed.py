"""chat_typed: the plain chat layout read typed gives the very rows of the general chat_messages path."""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import AGENTS
from tracesift.readers import agent_common as ac
from tracesift.readers import chat_messages, chat_typed
from tracesift.readers.base import Input

CALL = {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": '{"cmd": "ls"}'}}
RESULT = {"role": "tool", "tool_call_id": "c1", "name": "bash", "content": "a.txt"}
PLAIN = [
    {"role": "system", "content": "You are an agent."},
    {"role": "user", "content": "Fix the build.", "timestamp": "2026-01-01T10:00:00Z"},
    {"role": "assistant", "content": "Looking.", "tool_calls": [CALL], "timestamp": 1767261600123,
     "usage": {"prompt_tokens": 120, "completion_tokens": 9}},
    RESULT,
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c2", "function": {"name": "read_file", "arguments": {"path": "setup.py"}}},
        {"id": "c3", "name": "grep", "arguments": "x", "function": {"arguments": None}},
        {"id": "c4", "name": "edit", "arguments": {"path": "a"}}]},
    {"role": "tool", "tool_call_id": "c2", "content": "Traceback (most recent call last):\n  boom", "exit_code": "2"},
    {"role": "tool", "tool_call_id": "c3", "content": "fine", "is_error": True},
    {"role": "tool", "tool_call_id": "c4", "content": "", "error": "denied", "exit_code": 1.5},
    {"role": "tool", "tool_call_id": "gone", "content": "orphan"},
    {"role": "function", "name": "legacy", "content": "ok", "created_at": 1767261601},
    {"role": "assistant", "name": "planner", "reasoning_content": "think", "content": "Done.",
     "usage": {"input_tokens": 5, "output_tokens": 6, "cost": 0.25}, "latency": 1.5},
    {"role": "developer", "content": "", "cost": 0.5, "latency_s": 0},
    {"role": "assistant", "content": "Bye.", "created": 0, "usage": None, "other": [1, {"x": 2}]},
    {"role": "assistant", "content": "Again.", "usage": {"prompt_tokens": None, "input_tokens": 3, "completion_tokens": 0}},
]
TYPED = {
    "tool calls, results, errors, usage and timestamps": {"id": "t1", "messages": PLAIN},
    "task, outcome and labels": {"messages": PLAIN[:4], "task": {"goal": "build"}, "outcome": "success",
                                 "labels": {"team": "a", "n": 2}},
    "an unknown outcome, a reasoning dict, no user": {"messages": [
        {"role": "assistant", "reasoning": {"text": "hm"}, "content": "x"}], "outcome": "maybe"},
    "no messages": {"messages": []},
    "the last assistant message calls a tool": {"messages": PLAIN[:3]},
    "a message naming a null nested conversation": {"messages": [{"role": "user", "content": "a", "messages": None}]},
}
GENERAL = {
    "a list of messages": PLAIN,
    "Anthropic blocks": {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
    "a legacy function call": {"messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}]},
    "an unknown role": {"messages": [{"role": "narrator", "content": "meanwhile"}]},
    "a message that is not an object": {"messages": [{"role": "user", "content": "a"}, "b"]},
    "a numeric call id": {"messages": [{"role": "assistant", "tool_calls": [{"id": 7, "function": {"name": "f"}}]}]},
    "usage as text": {"messages": [{"role": "assistant", "content": "a", "usage": "lots"}]},
    "no messages key": {"id": "x", "turns": []},
}


def _both(path, monkeypatch) -> tuple:
    typed = _read(path)
    with monkeypatch.context() as patched:
        patched.setattr(chat_typed, "read", lambda source, table: None)
        general = _read(path)
    return typed, general


def _read(path):
    try:
        return chat_messages.read(Input(path, "run/chat.json"))
    except ValueError as exc:
        return str(exc)


def _same(typed, general) -> None:
    if isinstance(general, str):  # the file is refused, for the same reason
        assert typed == general
        return
    assert set(typed.tables) == set(general.tables)
    for name in typed.tables:
        assert repr(typed.arrow()[name].to_pylist()) == repr(general.arrow()[name].to_pylist()), name  # NaN too
    assert typed.problems == general.problems


@pytest.mark.parametrize("name", TYPED)
def test_plain_layout_is_read_typed_with_the_general_rows(tmp_path, monkeypatch, name):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(TYPED[name], indent=1))
    assert chat_typed.read(Input(path, "run/chat.json"), ac.StepTable("chat_messages", path)) is not None
    _same(*_both(path, monkeypatch))


@pytest.mark.parametrize("name", GENERAL)
def test_other_layouts_fall_back_to_the_general_path(tmp_path, name):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(GENERAL[name]))
    assert chat_typed.read(Input(path, "run/chat.json"), ac.StepTable("chat_messages", path)) is None


@pytest.mark.parametrize("data", [b'{"messages": [{"role": "user", "content": "\xff"}]}',
                                  b'{"messages": [{"role": "user", "content": "a"}, {"role": ',
                                  b'{"messages": [{"role": "user", "content": "a", "latency": NaN}]}'])
def test_broken_files_fall_back_and_keep_their_problems(tmp_path, monkeypatch, data):
    path = tmp_path / "chat.json"
    path.write_bytes(data)
    assert chat_typed.read(Input(path, "run/chat.json"), ac.StepTable("chat_messages", path)) is None
    _same(*_both(path, monkeypatch))


def test_the_object_sample_is_read_typed(monkeypatch):
    path = AGENTS / "chat/tool_error_cascade.json"
    assert chat_typed.read(Input(path, "chat.json"), ac.StepTable("chat_messages", path)) is not None
    _same(*_both(path, monkeypatch))
