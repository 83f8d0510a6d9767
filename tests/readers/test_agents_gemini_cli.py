"""gemini_cli: Gemini CLI recorded sessions (chats/session-*.jsonl and the older whole-document .json)."""

from __future__ import annotations

import json

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories

PROJECT = "9f2c41d07be35a86c1e04f7d2ab9e6c35d80f1a4b7e2c9d6f03a85b1e4c7d290"
JSONL = f"gemini_cli/tmp/{PROJECT}/chats/session-2026-03-02T10-15-c3d9a1f0.jsonl"
LEGACY = f"gemini_cli/tmp/{PROJECT[::-1]}/chats/session-2025-09-18T14-02-5e6f7a8b.json"


def records(rel: str) -> list[dict]:
    return [json.loads(line) for line in (AGENTS / rel).read_text().splitlines()]


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def last_copies(lines: list[dict]) -> list[dict]:
    """Each message once, its last copy, in the place of its first (as Gemini CLI rebuilds them)."""
    messages: dict[str, dict] = {}
    for line in lines:
        if isinstance(line.get("id"), str):
            messages[line["id"]] = line
    return list(messages.values())


def test_session_calls_results_statuses_and_exit_codes():
    batch = read_sample(JSONL, "gemini_cli")
    rows = steps(batch)
    messages = last_copies(records(JSONL))
    tool_calls = [c for m in messages for c in m.get("toolCalls", [])]
    assert batch.problems == [] and len(trajectories(batch)) == 1
    assert len(rows) == 14
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == len(results) == len(tool_calls) == 5  # a re-appended message is counted once
    assert column(results, "parent_span_id") == column(calls, "span_id") == [c["id"] for c in tool_calls]
    assert column(calls, "tool") == [c["name"] for c in tool_calls]
    failed = [r for r in rows if r["is_error"]]
    assert [(r["tool"], r["exit_code"]) for r in failed] == [("run_shell_command", 1), ("read_file", None)]
    assert "1 failed" in failed[0]["content"] and "File not found" in failed[1]["content"]
    assert [c["status"] for c in tool_calls if c["id"] == failed[1]["parent_span_id"]] == ["error"]
    assert len(of_kind(rows, "thought")) == 1 and rows[-1]["kind"] == "final" and rows[0]["role"] == "user"


def test_session_tokens_once_per_message_labels_and_task():
    batch = read_sample(JSONL, "gemini_cli")
    rows = steps(batch)
    usages = [m["tokens"] for m in last_copies(records(JSONL)) if m.get("tokens")]
    assert sum(r["tokens_in"] or 0 for r in rows) == sum(u["input"] for u in usages)
    assert sum(r["tokens_out"] or 0 for r in rows) == sum(u["output"] + u["thoughts"] for u in usages)
    assert all(r["tokens_in"] is None for r in rows if r["role"] in ("user", "tool"))
    [t] = trajectories(batch).values()
    meta = records(JSONL)[0]
    assert t["outcome"] == "unknown" and t["labels"]["session_id"] == meta["sessionId"]
    assert t["labels"]["project_hash"] == PROJECT and t["labels"]["summary"] and t["labels"]["model"]
    assert t["task"].startswith("test_parse_iso_week")


def test_whole_document_session():
    batch = read_sample(LEGACY, "gemini_cli")
    rows = steps(batch)
    assert batch.problems == [] and len(trajectories(batch)) == 1
    assert len(rows) == 6 and len(of_kind(rows, "tool_call")) == len(of_kind(rows, "tool_result")) == 2
    [failed] = [r for r in rows if r["is_error"]]
    assert failed["kind"] == "tool_result" and "ENOENT" in failed["content"] and failed["exit_code"] is None
    assert rows[-1]["kind"] == "final"


def test_rewind_and_checkpoint_records_replayed(tmp_path):
    lines = records(JSONL)
    path = tmp_path / "session-rewound.jsonl"
    rewound = [*lines, {"$rewindTo": "m5"}]
    path.write_text("\n".join(json.dumps(r) for r in rewound) + "\n")
    kept = steps(read_file(path, "gemini_cli"))
    assert len(kept) == len(steps(read_sample(JSONL, "gemini_cli"))) - 1 and kept[-1]["kind"] == "tool_result"
    first_two = [m for m in last_copies(lines)][:2]
    path.write_text("\n".join(json.dumps(r) for r in [*lines, {"$set": {"messages": first_two}}]) + "\n")
    assert len(steps(read_file(path, "gemini_cli"))) == 1 + 1 + 2  # user, thought, call and result


def test_broken_file_keeps_every_good_step(tmp_path):
    lines = (AGENTS / JSONL).read_text().splitlines()
    broken = [*lines[:3], '{"mystery": 1}', *lines[3:-1], lines[-1][:20]]
    path = tmp_path / "session-broken.jsonl"
    path.write_bytes("\n".join(broken).encode() + b"\n\xff\xfe\x00garbage\n")
    batch = read_file(path, "gemini_cli")
    assert len(steps(batch)) == len(steps(read_sample(JSONL, "gemini_cli")))  # the cut line was a $set
    by_line = {p.line_or_offset: p.error for p in batch.problems}
    assert "not a Gemini CLI session record" in by_line[4]
    assert "cut off" in by_line[len(broken)]
    assert any("not UTF-8" in p.error for p in batch.problems)


def test_cut_off_document_keeps_complete_messages(tmp_path):
    text = (AGENTS / LEGACY).read_text()
    path = tmp_path / "session-cut.json"
    path.write_text(text[: text.index('"id": "a4"')])
    batch = read_file(path, "gemini_cli")
    assert len(steps(batch)) == 5 and "cut off" in batch.problems[0].error
