"""aider_llm_history: aider's ``--llm-history-file`` (sample written by aider-chat 0.86.2's own ``InputOutput``).

Format from Aider-AI/aider: aider/io.py ``log_llm_history`` @ 14af218ea281854c0900ebbfcf8ca453aa3c41aa,
aider/utils.py ``format_messages`` / ``format_content`` @ b2bec25c2c785989d6456cb03321a61f539bcc86, and
aider/coders/base_coder.py ``send`` / ``format_chat_chunks`` / ``move_back_cur_messages`` @
4e77720c6f96d4960b61ef19f32a2ee12218bf96 (how each prompt is assembled and resent). The sample is the LLM side of
the first session of the chat-history sample (scripts/samples/agents/make_aider.py).
"""

from __future__ import annotations

import re

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input
from tracesift.readers.discover import discover

SAMPLE = "aider/.aider.llm.history"
HEADER = re.compile(r"^(TO LLM|LLM RESPONSE) \S+$", re.MULTILINE)


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def blocks(text: str) -> list[str]:
    """The file's records, each with its header line."""
    starts = [m.start() for m in HEADER.finditer(text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def test_calls_replies_edits_and_errors():
    text = (AGENTS / SAMPLE).read_text()
    batch = read_sample(SAMPLE, "aider_llm_history")
    rows = steps(batch)
    assert batch.problems == [] and len(rows) == 15
    prompts = text.count("\nTO LLM ") + text.startswith("TO LLM ")
    replies = of_kind(rows, "message")[1:]
    assert prompts == text.count("\nLLM RESPONSE ") == len(replies) == 4
    request = "mean([]) in stats.py raises ZeroDivisionError."
    assert text.count(f"USER {request}") == 4  # every prompt resends the chat; a step once
    assert [r["step"] for r in rows if (r["content"] or "").startswith(request)] == [0]
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    edits = [c for c in calls if c["tool"] == "edit"]
    responses = [b for b in blocks(text) if b.startswith("LLM RESPONSE")]
    assert len(edits) == sum(b.count("\nASSISTANT <<<<<<< SEARCH") for b in responses) == 4
    assert column(edits, "arguments") == ["stats.py", "stats.py", "check.py", "tests/test_stats.py"]
    assert [(c["tool"], c["arguments"]) for c in calls if c["tool"] != "edit"] == [("run", "python -m pytest -q tests")]
    assert len(results) == 5
    errors = [r for r in rows if r["is_error"]]
    assert [(r["kind"], r["tool"]) for r in errors] == [("tool_result", "lint"), ("tool_result", "run"),
                                                        ("tool_result", "edit")]
    assert "failed to match" in errors[2]["content"] and "1 failed" in errors[1]["content"]
    assert [r["content"].split(" &")[0] for r in results if not r["is_error"]] == [
        "I committed the changes with git hash 4f1c2ab", "I committed the changes with git hash 9b03e7d"]


def test_inputs_without_the_reminder_times_and_task():
    batch = read_sample(SAMPLE, "aider_llm_history")
    rows = steps(batch)
    request = rows[0]
    assert request["role"] == "user" and request["content"].endswith("It should return 0.0 for an empty list.")
    assert all("SEARCH/REPLACE block* Rules" not in (r["content"] or "") for r in rows)
    replies = [r for r in rows if r["kind"] == "message" and r["role"] == "assistant"]
    assert [r["latency_s"] for r in replies] == [2.0, 3.0, 1.0, 4.0]
    assert all(r["timestamp"] is not None for r in rows) and all(r["agent"] == "aider" for r in rows)
    [t] = trajectories(batch).values()
    assert t["task"] == request["content"] and t["outcome"] == "unknown"
    assert t["labels"] == {"started_at": "2025-08-14T09:30:09", "llm_calls": 4}


def test_a_resent_prompt_adds_no_input(tmp_path):
    parts = blocks((AGENTS / SAMPLE).read_text())
    failed = (parts[6], "LLM RESPONSE 2025-08-14T09:30:37\n\n")
    path = tmp_path / ".aider.llm.history"
    path.write_text("".join([*parts[:6], *failed, *parts[6:]]))  # call 4 failed once (empty reply), then retried
    rows = steps(read_file(path, "aider_llm_history"))
    assert len(rows) == 16 and [r["content"] for r in of_kind(rows, "message")].count("") == 1
    assert len([r for r in rows if r["content"] and r["content"].startswith("# 1 SEARCH/REPLACE")]) == 1


def test_a_new_session_starts_over(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    first_call = "".join(blocks(text)[:2]).replace("USER mean([]) in stats.py raises ZeroDivisionError.",
                                                   "USER median([]) in stats.py raises IndexError.")
    path = tmp_path / ".aider.llm.history"
    path.write_text(text + first_call)
    rows = steps(read_file(path, "aider_llm_history"))
    assert rows[15]["role"] == "user" and rows[15]["content"].startswith("median([])")
    assert len(rows) == 15 + 3  # the request, the reply, its edit


def test_model_without_system_prompt(tmp_path):
    path = tmp_path / "llm.history"
    path.write_text("TO LLM 2025-08-14T10:00:00\n-------\nUSER Act as an expert software developer.\nUSER \n"
                    "USER Reply in the same language.\n-------\nASSISTANT Ok.\n-------\n"
                    "USER I am not sharing any files that you can edit yet.\n-------\nASSISTANT Ok.\n-------\n"
                    "USER what does check.py do?\nLLM RESPONSE 2025-08-14T10:00:03\nASSISTANT It asserts `mean`.\n")
    rows = steps(read_file(path, "aider_llm_history"))
    assert [(r["role"], r["content"]) for r in rows] == [("user", "what does check.py do?"),
                                                         ("assistant", "It asserts `mean`.")]


def test_cut_off_file_with_bad_bytes_keeps_every_complete_call(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    cut = text.index("LLM RESPONSE", text.index("TO LLM", 100))  # the second prompt, without its reply
    damaged = text[:cut].replace("SYSTEM Act as an expert", "SYSTEM Act as an \xe9xpert", 1)
    path = tmp_path / ".aider.llm.history"
    damaged = damaged.replace("\n-------\nUSER I have", "\nstray line\n-------\nUSER I have", 1)
    path.write_bytes(b"\x00\xffjunk\n" + damaged.encode("latin-1", errors="replace"))
    batch = read_file(path, "aider_llm_history")
    errors = {p.error.split(" (")[0].split(":")[0] for p in batch.problems}
    assert {"text before the first 'TO LLM' record", "prompt line without a role prefix",
            "prompt with no LLM RESPONSE after it"} <= errors
    assert any("not UTF-8" in p.error for p in batch.problems)
    rows = steps(batch)
    assert [r["kind"] for r in rows] == ["message", "message", "tool_call", "tool_result", "tool_result"]


def test_not_an_llm_history_fails_with_a_reason(tmp_path):
    path = tmp_path / ".aider.llm.history"
    path.write_text("LLM RESPONSE 2025-08-14T10:00:03\nASSISTANT hello\n")
    with pytest.raises(ValueError, match="LLM RESPONSE with no prompt"):
        read_file(path, "aider_llm_history")
    path.write_text("nothing\n")
    with pytest.raises(ValueError, match="not an aider LLM history"):
        read_file(path, "aider_llm_history")


def test_discovery_takes_the_llm_history_name(tmp_path):
    (tmp_path / ".aider.llm.history").write_text((AGENTS / SAMPLE).read_text())
    (tmp_path / ".aider.chat.history.md").write_text((AGENTS / "aider/.aider.chat.history.md").read_text())
    found = {s.path.name: s for s in discover(tmp_path, tmp_path)}
    assert all(s.pending and not s.ignored for s in found.values())
    assert choose(Input(tmp_path / ".aider.llm.history")).name == "aider_llm_history"
    assert choose(Input(tmp_path / ".aider.chat.history.md")).name == "aider"


OTHERS = sorted(p for p in AGENTS.parent.rglob("*") if p.is_file() and p.name != ".aider.llm.history")


@pytest.mark.parametrize("other", OTHERS)
def test_other_samples_are_not_claimed(other):
    assert by_name("aider_llm_history").sniff(Input(other)) < 0.5
