"""gemini_checkpoint: Gemini CLI ``/chat save`` checkpoints (current and legacy) and ``/restore`` tool checkpoints.

Structures from google-gemini/gemini-cli: packages/core/src/core/logger.ts @ 3344f6849cfd90fbc5906f131698bcca4378fcf9
(``Checkpoint {history, authType}``, ``checkpoint-<encoded tag>.json``, the legacy bare Content list),
packages/cli/src/ui/commands/chatCommand.ts @ 3344f684 (``/chat save``), packages/core/src/utils/checkpointUtils.ts
@ e5adeaca8004a19ec0f344ad52e706f7fb711a30 (``ToolCallData``, the file name), packages/cli/src/ui/hooks/
useGeminiStream.ts @ 348fc35f176d02403e37d7891bc554a28a71c595 (when a tool checkpoint is written) and its first
version @ e0f4f428 (``filePath``); the samples are written by scripts/samples/agents/make_gemini_checkpoint.py.
"""

from __future__ import annotations

import json

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input

PROJECT = "9f2c41d07be35a86c1e04f7d2ab9e6c35d80f1a4b7e2c9d6f03a85b1e4c7d290"
CHAT = f"gemini_cli/tmp/{PROJECT}/checkpoint-iso-week%20fix.json"
TOOL = f"gemini_cli/tmp/{PROJECT}/checkpoints/2026-03-02T10-15-21_050Z-dates.py-replace.json"
LEGACY = f"gemini_cli/tmp/{PROJECT[::-1]}/checkpoint-drafts.json"


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def parts(contents: list[dict], key: str) -> list[dict]:
    return [p[key] for c in contents for p in c["parts"] if key in p]


def test_chat_checkpoint_calls_results_and_errors():
    contents = json.loads((AGENTS / CHAT).read_text())["history"]
    batch = read_sample(CHAT, "gemini_checkpoint")
    rows = steps(batch)
    assert batch.problems == [] and len(rows) == 15
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == len(parts(contents, "functionCall")) == 5
    assert len(results) == len(parts(contents, "functionResponse")) == 5
    ids = [c["id"] for c in parts(contents, "functionCall")]
    assert column(results, "parent_span_id") == column(calls, "span_id") == ids
    failed = [r for r in rows if r["is_error"]]
    assert [(r["tool"], r["exit_code"]) for r in failed] == [("run_shell_command", 1), ("read_file", None)]
    assert "File not found" in failed[1]["content"]
    assert [r["exit_code"] for r in results if r["tool"] == "run_shell_command"] == [1, None]
    assert len(of_kind(rows, "thought")) == 1 and rows[-1]["kind"] == "final"
    assert (rows[0]["role"], rows[1]["role"]) == ("system", "user")  # the CLI's session context, then the user


def test_chat_checkpoint_task_and_labels():
    [t] = trajectories(read_sample(CHAT, "gemini_checkpoint")).values()
    assert t["task"] == "test_parse_iso_week fails for 2026-W53, please fix it" and t["outcome"] == "unknown"
    assert t["labels"] == {"kind": "chat", "tag": "iso-week fix", "auth_type": "oauth-personal", "project_hash": PROJECT}


def test_tool_checkpoint_ends_with_the_edit_waiting_for_approval():
    document = json.loads((AGENTS / TOOL).read_text())
    batch = read_sample(TOOL, "gemini_checkpoint")
    rows = steps(batch)
    calls = of_kind(rows, "tool_call")
    assert len(calls) == len(parts(document["clientHistory"], "functionCall")) == 5  # the pending one not twice
    assert len(of_kind(rows, "tool_result")) == 3 and [r["tool"] for r in rows[-2:]] == ["replace", "run_shell_command"]
    assert json.loads(rows[-2]["arguments"]) == document["toolCall"]["args"]
    [t] = trajectories(batch).values()
    assert t["labels"] == {"kind": "tool_call", "pending_tool": "replace", "commit_hash": document["commitHash"],
                           "message_id": document["messageId"], "saved_at": "2026-03-02T10:15:21.050000+00:00",
                           "project_hash": PROJECT}


def test_first_tool_checkpoint_layout_adds_the_pending_call(tmp_path):
    document = json.loads((AGENTS / TOOL).read_text())
    document["clientHistory"] = document["clientHistory"][:-1]  # the model's turn not in the history yet
    document["filePath"] = document["toolCall"]["args"]["file_path"]
    del document["messageId"]
    path = tmp_path / "2025-06-22T10-00-00_000Z-dates.py-replace.json"
    path.write_text(json.dumps(document, indent=2))
    rows = steps(read_file(path, "gemini_checkpoint"))
    assert rows[-1]["kind"] == "tool_call" and rows[-1]["tool"] == "replace" and rows[-1]["span_id"] is None
    [t] = trajectories(read_file(path, "gemini_checkpoint")).values()
    assert t["labels"]["file_path"].endswith("dates.py") and t["labels"]["saved_at"].startswith("2025-06-22T10:00:00")


def test_legacy_list_calls_without_ids_take_their_responses_ids():
    contents = json.loads((AGENTS / LEGACY).read_text())
    batch = read_sample(LEGACY, "gemini_checkpoint")
    rows = steps(batch)
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert all("id" not in c for c in parts(contents, "functionCall"))
    assert column(calls, "span_id") == column(results, "parent_span_id") == [
        r["id"] for r in parts(contents, "functionResponse")]
    assert [r["is_error"] for r in results] == [True, False] and "ENOENT" in results[0]["content"]
    assert rows[1]["content"] == "Got it. Thanks for the context!" and rows[-1]["kind"] == "final"
    [t] = trajectories(batch).values()
    assert t["task"] == "what is in my drafts folder?" and t["labels"]["tag"] == "drafts"


def test_cut_off_checkpoint_with_bad_bytes_keeps_complete_entries(tmp_path):
    text = (AGENTS / CHAT).read_text()
    cut = text.index('"name": "replace"')
    path = tmp_path / "checkpoint-cut.json"
    path.write_bytes(text[:cut].encode().replace(b"week 53.", b"week \xff53.", 1))
    batch = read_file(path, "gemini_checkpoint")
    errors = [p.error for p in batch.problems]
    assert any("not UTF-8" in e for e in errors) and any("cut off" in e and "kept 8 complete" in e for e in errors)
    rows = steps(batch)
    assert len(rows) == 10 and rows[-1]["kind"] == "tool_result" and len(of_kind(rows, "tool_call")) == 3
    assert trajectories(batch)["checkpoint-cut.json"]["labels"] == {"kind": "chat", "tag": "cut"}


def test_stray_entries_and_answers_without_calls_are_problems(tmp_path):
    path = tmp_path / "checkpoint-odd.json"
    path.write_text(json.dumps({"history": [
        {"role": "user", "parts": [{"text": "go"}]}, "not content",
        {"role": "user", "parts": [{"functionResponse": {"id": "x-1", "name": "glob", "response": {"output": "a.py"}}}]},
        {"role": "model", "parts": [{"functionCall": {"id": "y", "name": "run_shell_command", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"id": "y", "name": "run_shell_command", "response": {
            "output": "Command: ls\nDirectory: (root)\nOutput: a.py\nError: (none)\nExit Code: 0\nSignal: (none)"}}}]},
    ]}))
    batch = read_file(path, "gemini_checkpoint")
    assert [p.line_or_offset for p in batch.problems] == [1, 2]
    assert "answers no functionCall" in batch.problems[1].error
    rows = steps(batch)
    assert [(r["kind"], r["parent_span_id"], r["exit_code"], r["is_error"]) for r in rows[1:]] == [
        ("tool_result", "x-1", None, False), ("tool_call", None, None, False), ("tool_result", "y", 0, False)]


def test_not_a_checkpoint_fails_with_a_reason(tmp_path):
    path = tmp_path / "checkpoint-empty.json"
    path.write_text('{"history": [{"type": "user", "text": "hi", "id": 1772446506870}]}')
    with pytest.raises(ValueError, match="no 'history' list of Content"):
        read_file(path, "gemini_checkpoint")


def test_tool_checkpoint_with_a_long_display_history_is_recognised(tmp_path):
    document = json.loads((AGENTS / TOOL).read_text())
    document["history"] = document["history"] * 200  # the clientHistory key lies past the sniffed prefix
    path = tmp_path / "long.json"
    path.write_text(json.dumps(document, indent=2))
    assert '"clientHistory"' not in path.read_text()[:65536]
    assert choose(Input(path)).name == "gemini_checkpoint"


def test_chat_messages_leaves_gemini_content_lists_alone():
    assert by_name("chat_messages").sniff(Input(AGENTS / LEGACY)) == 0.0


@pytest.mark.parametrize("other", sorted(p for p in AGENTS.parent.rglob("*") if p.is_file() and "checkpoint" not in p.name
                                         and "/checkpoints/" not in str(p)))
def test_other_samples_are_not_claimed(other):
    assert by_name("gemini_checkpoint").sniff(Input(other)) < 0.5
