"""swe_agent: SWE-agent .traj files."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import choose
from tracesift.readers.base import SNIFF_BYTES, Input

IID = "marshmallow-code__marshmallow-1867"
V1 = f"swe_agent/run_1x/{IID}/{IID}.traj"


def test_submitted_trajectory():
    batch = read_sample("swe_agent/missing_colon_ok.traj", "swe_agent")
    rows = steps(batch)
    assert len(rows) == 12 and set(column(rows, "agent")) == {"primary"}
    assert [r["tool"] for r in rows if r["kind"] in ("tool_call", "final")] == ["find_file", "open", "edit", "submit"]
    assert rows[10]["kind"] == "final" and not any(column(rows, "is_error"))
    [t] = trajectories(batch).values()
    # "submitted" says a patch was handed in, not that it resolves the issue; no report lies beside it
    assert t["outcome"] == "unknown" and t["labels"]["model_stats"]["tokens_sent"] == 18230
    assert t["task"].startswith("SyntaxError")  # the demonstration is not the task


def test_loop_of_the_same_failing_command():
    rows = steps(read_sample("swe_agent/repeated_failing_command.traj", "swe_agent"))
    errors = [r["step"] for r in rows if r["is_error"]]
    assert errors == [8, 11, 14, 17, 20]
    assert {rows[s - 1]["arguments"] for s in errors} == {"python reproduce.py"}
    assert rows[7]["latency_s"] == pytest.approx(1.2)


def test_context_overrun_is_a_failure():
    batch = read_sample("swe_agent/context_overrun.traj", "swe_agent")
    [t] = trajectories(batch).values()
    assert t["outcome"] == "failure" and t["labels"]["exit_status"] == "submitted (exit_context)"


def test_retry_agent_attempts_and_cut_off_file(tmp_path):
    one = {"trajectory": [{"thought": "t", "action": "ls", "observation": "a.py", "response": "", "state": "{}"}],
           "history": [], "info": {"exit_status": "submitted"}}
    path = tmp_path / "retry.traj"
    path.write_text(json.dumps({"attempts": [one, one], **one}))
    batch = read_file(path, "swe_agent")
    assert set(trajectories(batch)) == {"retry.traj#attempt0", "retry.traj#attempt1"}
    text = json.dumps({"environment": "x", "trajectory": [one["trajectory"][0]] * 3, "history": [], "info": {}})
    cut = tmp_path / "cut.traj"
    cut.write_text(text[: text.rindex('{"thought"') + 20])
    batch = read_file(cut, "swe_agent")
    assert len(steps(batch)) == 6 and "cut off mid-JSON" in batch.problems[0].error
    broken = tmp_path / "broken.traj"
    broken.write_text('{"environment": "x", "info": {"exit')
    with pytest.raises(ValueError, match="cut off"):
        read_file(broken, "swe_agent")


def test_v1_file_with_history_past_the_prefix_is_recognised_and_read():
    path = AGENTS / V1
    data = json.loads(path.read_text())
    head = path.read_bytes()[:SNIFF_BYTES]
    assert path.stat().st_size > SNIFF_BYTES and b'"history"' not in head and b'"info"' not in head
    batch = read_sample(V1, "swe_agent")
    rows = steps(batch)
    calls = [r for r in rows if r["kind"] in ("tool_call", "final")]
    results = [r for r in rows if r["kind"] == "tool_result"]
    assert len(calls) == len(results) == len(data["trajectory"]) == 10
    assert [r["arguments"] for r in calls] == [e["action"] for e in data["trajectory"]]
    assert calls[-1]["kind"] == "final" and calls[-1]["tool"] == "submit"
    errors = [r for r in rows if r["is_error"]]
    assert [r["content"].splitlines()[-1] for r in errors] == [
        "NameError: name 'TimeDelta' is not defined", "bash: pytest-3: command not found"]
    assert all(r["exit_code"] is None for r in rows)  # SWE-agent records no exit code
    assert set(column(rows, "agent")) == {"main"}
    assert calls[3]["latency_s"] == pytest.approx(0.84)
    [t] = trajectories(batch).values()
    assert "TimeDelta serialization precision" in t["task"]


def _copy_v1(tmp_path, folder=IID):
    target = tmp_path / "run" / folder / f"{IID}.traj"
    target.parent.mkdir(parents=True)
    shutil.copy(AGENTS / V1, target)
    return target


def test_v1_outcome_comes_from_the_report_beside_it(tmp_path):
    [t] = trajectories(read_sample(V1, "swe_agent")).values()
    assert t["outcome"] == "success" and t["labels"]["resolved"] is True and t["labels"]["instance_id"] == IID
    traj = _copy_v1(tmp_path)
    assert [t["outcome"] for t in trajectories(read_file(traj, "swe_agent")).values()] == ["unknown"]
    (traj.parent / "report.json").write_text(json.dumps({IID: {"patch_exists": True, "resolved": False}}))
    [t] = trajectories(read_file(traj, "swe_agent")).values()
    assert t["outcome"] == "failure" and t["labels"]["resolved"] is False


@pytest.mark.parametrize(("lists", "outcome"), [
    ({"resolved_ids": [IID], "unresolved_ids": []}, "success"),
    ({"resolved_ids": ["other__repo-1"], "unresolved_ids": [IID]}, "failure"),
    ({"resolved": [IID], "applied": [IID]}, "success"),
    ({"resolved_ids": ["other__repo-1"]}, "unknown"),
])
def test_v1_outcome_from_a_run_summary_in_the_run_folder(tmp_path, lists, outcome):
    traj = _copy_v1(tmp_path, folder="attempt")  # joined by the file's name, not its folder's
    (traj.parent.parent / "results.json").write_text(json.dumps({"total_instances": 2, **lists}))
    [t] = trajectories(read_file(traj, "swe_agent")).values()
    assert t["outcome"] == outcome


@pytest.mark.parametrize("text", ['{"marshmallow', "[1, 2]", json.dumps({IID: {"resolved": "yes"}})])
def test_v1_broken_report_is_a_problem_not_a_crash(tmp_path, text):
    traj = _copy_v1(tmp_path)
    (traj.parent / "report.json").write_text(text)
    batch = read_file(traj, "swe_agent")
    [t] = trajectories(batch).values()
    assert t["outcome"] == "unknown" and len(steps(batch)) > 0
    assert any("report.json" in p.error for p in batch.problems)


def test_v1_compact_file_is_recognised_by_its_tail(tmp_path):
    data = json.loads((AGENTS / V1).read_text())
    path = tmp_path / "compact.traj"
    path.write_text(json.dumps(data, separators=(",", ":")))
    chosen = choose(Input(path))
    assert chosen is not None and chosen.name == "swe_agent"
    cut = tmp_path / "other.json"  # same start, but the document does not close after SWE-agent's keys
    cut.write_text(json.dumps({"trajectory": data["trajectory"], "scores": [1, 2]}))
    other = choose(Input(cut))
    assert other is None or other.name != "swe_agent"
