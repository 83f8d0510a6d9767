"""claude_code: Claude Code session transcripts, on the sample session, its subagent and broken files."""

from __future__ import annotations

import json

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input

PROJECT = "claude_code/-home-dev-invoice-api"
SESSION = f"{PROJECT}/7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07.jsonl"
SUBAGENT = f"{PROJECT}/7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07/subagents/agent-a3f9c21.jsonl"


def lines_of(rel: str) -> list[dict]:
    return [json.loads(line) for line in (AGENTS / rel).read_text().splitlines()]


def kinds(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def test_session_steps_tool_calls_results_and_errors():
    batch = read_sample(SESSION, "claude_code")
    rows = steps(batch)
    assert len(rows) == 17 and column(rows, "step") == list(range(17))
    calls, results = kinds(rows, "tool_call"), kinds(rows, "tool_result")
    assert column(calls, "tool") == ["Bash", "Read", "Edit", "Edit", "Task", "Bash"]
    assert column(results, "parent_span_id") == column(calls, "span_id") and column(results, "tool") == column(calls, "tool")
    assert [(r["tool"], r["exit_code"]) for r in rows if r["is_error"]] == [("Bash", 1), ("Edit", None)]
    assert len(kinds(rows, "thought")) == 1 and column(rows, "kind")[-1] == "final"
    assert json.loads(calls[0]["arguments"])["command"] == "pytest -q tests/test_totals.py"
    [trajectory] = trajectories(batch).values()
    assert trajectory["outcome"] == "unknown" and trajectory["task"].startswith("The VAT test")
    assert trajectory["labels"]["session_id"] == "7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07"
    assert not batch.problems


def test_bookkeeping_lines_are_not_steps():
    turns = [line for line in lines_of(SESSION) if line["type"] in ("user", "assistant")]
    others = {line["type"] for line in lines_of(SESSION)} - {"user", "assistant"}
    assert others == {"summary", "file-history-snapshot", "system"}
    blocks = sum(len(line["message"]["content"]) if isinstance(line["message"]["content"], list) else 1
                 for line in turns)
    assert len(steps(read_sample(SESSION, "claude_code"))) == blocks


def test_usage_of_a_streamed_message_counts_once_on_its_first_step():
    rows = steps(read_sample(SESSION, "claude_code"))
    usage = {}
    for line in lines_of(SESSION):
        if line["type"] == "assistant":
            usage[line["message"]["id"]] = line["message"]["usage"]
    prompt = sum(u["input_tokens"] + u["cache_creation_input_tokens"] + u["cache_read_input_tokens"]
                 for u in usage.values())
    assert sum(r["tokens_in"] or 0 for r in rows) == prompt
    assert sum(r["tokens_out"] or 0 for r in rows) == sum(u["output_tokens"] for u in usage.values())
    assert rows[1]["kind"] == "thought" and rows[1]["tokens_in"] is not None and rows[2]["tokens_in"] is None


def test_subagent_file_is_a_child_of_its_session():
    batch = read_sample(SUBAGENT, "claude_code")
    rows = steps(batch)
    assert len(rows) == 8 and len(kinds(rows, "tool_call")) == 3 and len(kinds(rows, "tool_result")) == 3
    assert [(r["tool"], r["is_error"]) for r in rows if r["is_error"]] == [("Read", True)]
    assert set(column(kinds(rows, "tool_call"), "agent")) == {"agent-a3f9c21"}
    [trajectory] = trajectories(batch).values()
    assert trajectory["labels"]["parent"] == f"agents/{SESSION}" and trajectory["labels"]["agent_id"] == "a3f9c21"
    assert trajectory["task"] == lines_of(SUBAGENT)[0]["message"]["content"]


def test_inline_sidechain_lines_are_a_child_trajectory(tmp_path):
    session = lines_of(SESSION)
    side = [{**line, "isSidechain": True, "parentUuid": None if i == 0 else f"side-{i - 1}", "uuid": f"side-{i}"}
            for i, line in enumerate(lines_of(SUBAGENT))]
    for line in side:
        line.pop("agentId")
    path = tmp_path / "session.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in session[:8] + side + session[8:]))
    batch = read_file(path, "claude_code")
    found = trajectories(batch)
    assert set(found) == {"session.jsonl", "session.jsonl#side-0"}
    assert found["session.jsonl#side-0"]["labels"]["parent"] == "session.jsonl"
    assert len(steps(batch, "session.jsonl")) == 17 and len(steps(batch, "session.jsonl#side-0")) == 8
    assert not batch.problems


def test_broken_file_keeps_every_good_step(tmp_path):
    text = (AGENTS / SESSION).read_text().splitlines(keepends=True)
    unknown = json.dumps({"type": "hologram", "uuid": "x"}) + "\n"
    cut = text[-2][: len(text[-2]) // 2]
    path = tmp_path / "broken.jsonl"
    path.write_bytes("".join(text[:5] + [unknown] + text[5:-2]).encode() + b"\x89PNG\xff\xfe junk\n" + cut.encode())
    assert choose(Input(path)).name == "claude_code"
    batch = read_file(path, "claude_code")
    whole = steps(read_sample(SESSION, "claude_code"))
    assert len(steps(batch)) == len(whole) - 1  # only the cut final answer is lost
    problems = {p.line_or_offset: p.error for p in batch.problems}
    assert "unknown record type 'hologram'" in problems[6]
    assert "not JSON" in problems[len(text)] and "cut off" in problems[len(text) + 1]
    assert any("not UTF-8" in p.error for p in batch.problems)


def test_result_without_its_call_is_a_problem(tmp_path):
    lines = lines_of(SESSION)
    orphan = next(i for i, line in enumerate(lines) if line["type"] == "assistant"
                  and line["message"]["content"][0]["type"] == "tool_use")
    path = tmp_path / "orphan.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for i, line in enumerate(lines) if i != orphan))
    batch = read_file(path, "claude_code")
    assert [p.line_or_offset for p in batch.problems] == [orphan + 1]
    assert "has no matching tool_use" in batch.problems[0].error


def test_sniff_claims_only_claude_code_transcripts():
    claude = {p for p in AGENTS.rglob("*.json*") if "claude_code" in p.parts}
    for path in AGENTS.rglob("*.json*"):
        assert (by_name("claude_code").sniff(Input(path)) >= 0.9) == (path in claude), path


def test_cut_off_last_line_of_a_live_session_is_the_only_problem(tmp_path):
    """A session still being written ends mid-line; a line of Unicode spaces is blank, as before."""
    text = (AGENTS / SESSION).read_text().splitlines(keepends=True)
    path = tmp_path / "live.jsonl"
    path.write_text("".join(text[:4] + ["\u00a0 \u3000\n"] + text[4:]) + text[-1][:40], encoding="utf-8")
    batch = read_file(path, "claude_code")
    assert len(steps(batch)) == len(steps(read_sample(SESSION, "claude_code")))
    assert [p.error for p in batch.problems] == ["line cut off mid-JSON: skipped"]


def test_a_compaction_is_one_system_step_and_its_summary_is_not_the_users(tmp_path):
    """Claude Code's compaction as it writes it: a ``system`` line of subtype ``compact_boundary`` with
    ``compactMetadata``, then the summary on a user line marked ``isCompactSummary``; other system lines stay
    bookkeeping. The session's other steps are unchanged."""
    lines = lines_of(SESSION)
    session = next(line["sessionId"] for line in lines if "sessionId" in line)
    boundary = {"type": "system", "subtype": "compact_boundary", "uuid": "c1", "parentUuid": None,
                "logicalParentUuid": lines[5].get("uuid"), "sessionId": session, "timestamp": "2026-02-01T10:00:00Z",
                "content": "Conversation compacted", "compactMetadata": {"trigger": "auto", "preTokens": 155025}}
    summary = {"type": "user", "uuid": "cs1", "parentUuid": "c1", "sessionId": session, "isCompactSummary": True,
               "isVisibleInTranscriptOnly": True, "timestamp": "2026-02-01T10:00:01Z",
               "message": {"role": "user", "content": [{"type": "text", "text": "This session is being continued "
                                                                                 "from a previous conversation."}]}}
    duration = {"type": "system", "subtype": "turn_duration", "durationMs": 88947, "sessionId": session}
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in [*lines[:6], boundary, summary, duration, *lines[6:]]))
    batch = read_file(path, "claude_code")
    rows, before = steps(batch), steps(read_sample(SESSION, "claude_code"))
    added = [r for r in rows if r["role"] == "system"]
    assert [(r["kind"], r["agent"], r["content"]) for r in added] == [
        ("message", None, "context compacted (auto, 155025 tokens before): Conversation compacted"),
        ("message", None, "This session is being continued from a previous conversation.")]
    assert len(rows) == len(before) + 2 and not batch.problems
    assert [r["content"] for r in rows if r["role"] != "system"] == [r["content"] for r in before]
