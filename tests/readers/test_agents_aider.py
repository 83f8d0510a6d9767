"""aider: .aider.chat.history.md files (sample written by aider-chat 0.86.2's InputOutput)."""

from __future__ import annotations

import re

import pytest

from tests.readers.agent_helpers import AGENTS, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input
from tracesift.readers.discover import discover

SAMPLE = "aider/.aider.chat.history.md"


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def raw_counts(text: str) -> dict[str, int]:
    """What the file holds, counted from its lines independently of the reader."""
    lines = text.splitlines()
    return {
        "sessions": sum(line.startswith("# aider chat started at") for line in lines),
        "edits": sum(line.startswith("<<<<<<< SEARCH") for line in lines),
        "commands": sum(bool(re.match(r"#### (/run|/test) ", line)) for line in lines),
        "applied": sum(line.startswith("> Applied edit to") for line in lines),
    }


def test_sessions_edits_commands_and_errors():
    counts = raw_counts((AGENTS / SAMPLE).read_text())
    batch = read_sample(SAMPLE, "aider")
    rows = steps(batch)
    assert batch.problems == [] and len(trajectories(batch)) == counts["sessions"] == 2
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    edits = [c for c in calls if c["tool"] == "edit"]
    assert len(edits) == counts["edits"] == 4 and len(calls) == counts["edits"] + counts["commands"] == 7
    assert [e["arguments"] for e in edits] == ["stats.py", "stats.py", "check.py", "tests/test_stats.py"]
    assert len(results) == 7 and sum(r["content"].startswith("Applied edit") for r in results) == counts["applied"]
    errors = [r for r in rows if r["is_error"]]
    assert len(errors) == 3 and {e["tool"] for e in errors} == {"lint", "test", "edit"}
    assert "failed to match" in next(e["content"] for e in errors if e["tool"] == "edit")
    assert len(rows) == 25 and all(r["exit_code"] is None for r in rows)


def test_trajectories_keep_task_and_start_time():
    batch = read_sample(SAMPLE, "aider")
    first, second = trajectories(batch).values()
    assert first["trajectory_id"] == f"agents/{SAMPLE}#1" and second["trajectory_id"].endswith("#2")
    assert first["task"].startswith("mean([]) in stats.py") and "\n" in first["task"] and second["task"] is None
    assert first["outcome"] == "unknown" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first["labels"]["started_at"])
    rows = steps(batch, second["trajectory_id"])
    assert rows[0]["role"] == "system" and rows[1]["tool"] == "run" and rows[1]["arguments"] == "python check.py"


def test_quoted_command_output_with_a_traceback_is_an_error(tmp_path):
    path = tmp_path / ".aider.chat.history.md"
    path.write_text("\n# aider chat started at 2024-05-01 10:00:00\n\n#### !python check.py  \n"
                    "> Traceback (most recent call last):  \n>   File \"check.py\", line 1  \n"
                    "> ZeroDivisionError: division by zero  \n\n#### /run ls  \n> check.py  \n")
    rows = steps(read_file(path, "aider"))
    assert [(r["kind"], r["tool"], r["is_error"]) for r in rows] == [
        ("tool_call", "run", False), ("tool_result", "run", True), ("tool_call", "run", False),
        ("tool_result", "run", False)]


def test_cut_off_edit_block_and_bad_bytes_keep_every_good_step(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    cut_at = text.index("assert mean([]) == 0\n=======")  # inside the third edit block
    path = tmp_path / ".aider.chat.history.md"
    path.write_bytes(text[:cut_at].encode().replace(b"Guard", b"Gu\xffard", 1))
    batch = read_file(path, "aider")
    errors = [p.error for p in batch.problems]
    assert any("not UTF-8" in e for e in errors)
    [cut] = [p for p in batch.problems if "not closed" in p.error]
    assert "check.py" in cut.error and text[:cut_at].splitlines()[cut.line_or_offset - 1] == "<<<<<<< SEARCH"
    rows = steps(batch)
    assert len([r for r in of_kind(rows, "tool_call") if r["tool"] == "edit"]) == 2
    assert len(of_kind(rows, "tool_result")) == 4 and rows[-1]["role"] == "assistant"


def test_text_before_any_header_is_read_with_a_problem(tmp_path):
    path = tmp_path / "history.md"
    path.write_text("#### hello  \n\nHi!\n")
    batch = read_file(path, "aider")
    assert batch.problems[0].line_or_offset == 1 and len(steps(batch)) == 2
    with pytest.raises(ValueError, match="not an aider chat history"):
        (tmp_path / "empty.md").write_text("\n\n")
        read_file(tmp_path / "empty.md", "aider")


def test_discovery_takes_aider_history_names_but_no_other_markdown(tmp_path):
    (tmp_path / ".aider.chat.history.md").write_text((AGENTS / SAMPLE).read_text())
    (tmp_path / "NOTES.md").write_text((AGENTS / SAMPLE).read_text())
    found = {s.path.name: s for s in discover(tmp_path, tmp_path)}
    assert found[".aider.chat.history.md"].pending and not found[".aider.chat.history.md"].ignored
    assert found["NOTES.md"].ignored
    assert choose(Input(tmp_path / ".aider.chat.history.md")).name == "aider"


@pytest.mark.parametrize("other", sorted(p for p in AGENTS.parent.rglob("*") if p.is_file() and "/aider/" not in str(p)))
def test_other_samples_are_not_claimed(other):
    assert by_name("aider").sniff(Input(other)) < 0.5
