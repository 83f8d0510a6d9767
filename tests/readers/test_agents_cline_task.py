"""cline_task: Cline and Roo Code task folders (api_conversation_history.json + ui_messages.json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.readers.agent_helpers import AGENTS, column, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input
from tracesift.readers.discover import discover

CLINE = "cline/tasks/1760433000000"
ROO = "cline/tasks/0199e8f4-2b6c-7a31-9d05-4f7e1c2a8b90"


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def ui_requests(rel: str) -> list[dict]:
    rows = json.loads((AGENTS / rel / "ui_messages.json").read_text())
    return [r for r in rows if r.get("say") == "api_req_started"]


def test_cline_task_calls_results_errors_and_usage():
    batch = read_sample(CLINE, "cline_task")
    rows = steps(batch)
    assert batch.problems == []
    [task] = trajectories(batch).values()
    assert task["task"] == "Make the slug tests pass" and task["outcome"] == "unknown"
    assert len(rows) == 16
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == 5 and len(results) == 5
    assert column(calls, "tool") == column(results, "tool")
    assert json.loads(calls[0]["arguments"])["command"] == "npm test"
    errors = [r for r in rows if r["is_error"]]
    assert [(r["kind"], r["tool"], r["exit_code"]) for r in errors] == [
        ("tool_result", "execute_command", 1), ("tool_result", "replace_in_file", None), ("error", None, None)]
    assert [r["exit_code"] for r in results if r["tool"] == "execute_command"] == [1, 0]
    assert rows[-1]["kind"] == "final" and "4 tests pass" in rows[-1]["content"]
    assert len(of_kind(rows, "thought")) == 1
    assert not any("environment_details" in (r["content"] or "") for r in rows)
    requests = [json.loads(r["text"]) for r in ui_requests(CLINE)]
    assert sum(r["tokens_in"] or 0 for r in rows) == sum(r["tokensIn"] for r in requests)
    assert sum(r["cost"] or 0 for r in rows) == sum(r["cost"] for r in requests)
    times = column(rows, "timestamp")
    assert None not in times and times == sorted(times)


def test_roo_code_task_uses_message_timestamps():
    batch = read_sample(ROO, "cline_task")
    rows = steps(batch)
    history = json.loads((AGENTS / ROO / "api_conversation_history.json").read_text())
    assert batch.problems == [] and len(trajectories(batch)) == 1
    assert len(rows) == 6
    assert len(of_kind(rows, "tool_call")) == 2 and len(of_kind(rows, "tool_result")) == 2
    [failed] = [r for r in rows if r["is_error"]]
    assert failed["exit_code"] == 1 and "No such file" in failed["content"]
    assert column(rows, "timestamp") == [m["ts"] / 1000 for m in history]


def test_discovery_takes_each_task_folder_whole():
    found = list(discover(AGENTS / "cline", AGENTS))
    assert {s.rel: s.reader for s in found} == {CLINE: "cline_task", ROO: "cline_task"}


def test_sniffer_claims_no_other_sample_folder():
    sniff = by_name("cline_task").sniff
    others = [p for p in AGENTS.rglob("*") if p.is_dir() and "cline" not in p.relative_to(AGENTS).parts]
    assert others and all(sniff(Input(p)) == 0.0 for p in others)


def copy_task(tmp_path: Path) -> Path:
    folder = tmp_path / "tasks" / "1760433000000"
    shutil.copytree(AGENTS / CLINE, folder)
    return folder


def test_cut_off_history_keeps_complete_messages(tmp_path):
    folder = copy_task(tmp_path)
    history = folder / "api_conversation_history.json"
    text = history.read_text()
    cut = text.index('{"role": "assistant"', text.index("[read_file for"))  # inside the 6th message
    history.write_text(text[:cut + 40])
    batch = by_name("cline_task").read(Input(folder, "t"))
    rows = steps(batch)
    assert len(rows) == 7 and rows[-1]["kind"] == "tool_result" and rows[-1]["tool"] == "read_file"
    assert any("cut off" in p.error and "5 complete" in p.error for p in batch.problems)


def test_missing_ui_messages_is_a_problem_and_steps_are_kept(tmp_path):
    folder = copy_task(tmp_path)
    (folder / "ui_messages.json").unlink()
    assert choose(Input(folder)).name == "cline_task"
    batch = by_name("cline_task").read(Input(folder, "t"))
    rows = steps(batch)
    assert len(rows) == 16 and sum(r["is_error"] for r in rows) == 3
    assert all(r["timestamp"] is None and r["tokens_in"] is None for r in rows)
    [problem] = batch.problems
    assert "ui_messages.json" in problem.error
