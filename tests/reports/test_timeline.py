"""A trajectory's strip of steps: a cell per step, or one per few steps when there are many, none left out."""

from __future__ import annotations

from tracesift.findings import Finding, Severity, SubjectType
from tracesift.report_data import StepData, TrajectoryData
from tracesift.reports.timeline import MIN_CELL, WIDTH, timeline


def trajectory(n: int, failed_at: int) -> TrajectoryData:
    steps = [StepData(i, "coder" if i % 2 else "planner", None, "tool_result" if i % 2 else "tool_call", "bash", None,
                      "ok", i == failed_at, None, None, None, None) for i in range(n)]
    findings = [Finding("t", "first_failure", "first_failure", Severity.critical, "first failure", first_step=failed_at,
                        onset_step=failed_at, subject_type=SubjectType.trajectory),
                Finding("t", "loop", "repeated_action", Severity.critical, "the same call 4 times", onset_step=10,
                        first_step=13, end_step=16, subject_type=SubjectType.trajectory)]
    return TrajectoryData("t", "chat_messages", None, None, "failure", steps, findings)


def test_each_step_is_a_cell_coloured_by_its_agent():
    strip = timeline(trajectory(30, failed_at=7))
    assert len(strip.cells) == 30 and strip.agents == ["planner", "coder"]
    assert [c.agent for c in strip.cells[:4]] == [0, 1, 0, 1]
    assert strip.first_failure is strip.cells[7] and strip.cells[7].failed
    assert len(strip.loops) == 1 and strip.loops[0].x == strip.cells[10].x
    assert sum(m.css == "failed" for m in strip.marks) == 1


def test_many_steps_share_cells_and_every_step_is_named():
    strip = timeline(trajectory(5_000, failed_at=4_321))
    assert len(strip.cells) <= WIDTH / MIN_CELL
    named = [line for cell in strip.cells for line in cell.title.splitlines()]
    assert len(named) == 5_000 and named[4_321].startswith("step 4321")
    assert "step 4321" in strip.first_failure.title and strip.first_failure.failed
