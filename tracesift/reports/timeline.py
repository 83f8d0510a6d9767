"""A trajectory as a strip of steps: one cell per step coloured by agent (top) and kind (bottom), failures marked.

Above the cells: a cross on each failed step, a diamond on each contract violation; below
them, a bracket under each loop. The first-failure step is outlined. A trajectory with more
steps than the strip has room for cells of two pixels shares one cell among neighbouring steps,
and that cell's tooltip names them all. Tokens and cost over the steps are small charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracesift.findings import Finding
from tracesift.report_data import Envelope, StepData, TrajectoryData
from tracesift.reports.charts import Chart, Mark, Rule, empty_chart, series_shape

WIDTH = 900
MIN_CELL = 2.0
KINDS = ("message", "tool_call", "tool_result", "thought", "final", "error")
LOOP_KINDS = frozenset({"repeated_action", "repeated_error", "alternation", "monologue", "condensation_loop", "stuck"})
CONTRACT_KINDS = frozenset({"contract_violation"})
CELLS_TOP, AGENT_ROW, KIND_ROW = 14, 14, 8


@dataclass(frozen=True)
class Cell:
    x: float
    w: float
    agent: int
    kind: str
    title: str
    failed: bool


@dataclass
class Timeline:
    width: int
    height: int
    cells: list[Cell] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    loops: list[Rule] = field(default_factory=list)
    first_failure: Cell | None = None
    agents: list[str] = field(default_factory=list)


def first_failure_step(trajectory: TrajectoryData) -> int | None:
    """The step of the ``first_failure`` finding, else the first step of the most severe finding."""
    located = [f.first_step for f in trajectory.findings if f.kind == "first_failure" and f.first_step is not None]
    if located:
        return located[0]
    ranked = sorted((f for f in trajectory.findings if f.first_step is not None), key=Finding.sort_key)
    return ranked[0].first_step if ranked else None


def timeline(trajectory: TrajectoryData) -> Timeline:
    steps = trajectory.steps
    agents = list(dict.fromkeys(s.agent or "?" for s in steps))
    drawn = Timeline(WIDTH, CELLS_TOP + AGENT_ROW + KIND_ROW + 12, agents=agents)
    if not steps:
        return drawn
    per_cell = max(1, int(np.ceil(len(steps) * MIN_CELL / WIDTH)))
    groups = [steps[i:i + per_cell] for i in range(0, len(steps), per_cell)]
    width = WIDTH / len(groups)
    failure = first_failure_step(trajectory)
    for i, group in enumerate(groups):
        cell = Cell(i * width, width, agents.index(group[0].agent or "?"), _kind(group[0]), _title(group),
                    any(s.failed for s in group))
        drawn.cells.append(cell)
        if cell.failed:
            drawn.marks.append(Mark(cell.x + width / 2, CELLS_TOP - 6, "failed", cell.title))
        if failure is not None and group[0].step <= failure <= group[-1].step:
            drawn.first_failure = cell
    position = {s.step: (i // per_cell) * width for i, s in enumerate(steps)}
    for finding in trajectory.findings:
        _mark_finding(drawn, finding, position, width)
    return drawn


def _kind(step: StepData) -> str:
    return step.kind if step.kind in KINDS else "other"


def _title(group: list[StepData]) -> str:
    def one(s: StepData) -> str:
        parts = [f"step {s.step}", s.agent or "?", s.kind or "?"]
        if s.tool:
            parts.append(s.tool)
        if s.failed:
            parts.append("failed" + (f" (exit {s.exit_code})" if s.exit_code else ""))
        return " · ".join(parts)

    return "\n".join(one(s) for s in group)


def _mark_finding(drawn: Timeline, finding: Finding, position: dict[int, float], width: float) -> None:
    step = finding.first_step if finding.first_step is not None else finding.onset_step
    if step is None or step not in position:
        return
    text = f"{finding.kind} ({finding.severity.value}) at step {step}: {finding.message}"
    if finding.kind in CONTRACT_KINDS:
        drawn.marks.append(Mark(position[step] + width / 2, CELLS_TOP - 6, "contract", text))
    elif finding.kind in LOOP_KINDS:
        start = finding.onset_step if finding.onset_step in position else step
        end = finding.end_step if finding.end_step in position else step
        drawn.loops.append(Rule(position[start], "loop", text, position[end] + width))


def usage_charts(trajectory: TrajectoryData) -> list[Chart]:
    """Tokens (in and out) and cost, summed over the steps, where the trajectory recorded them."""
    steps = trajectory.steps
    failure = first_failure_step(trajectory)
    charts = []
    for name in ("tokens", "cost"):
        known, values = recorded(steps, name)
        if not len(values):
            continue
        envelope = Envelope.of(known, np.cumsum(values))
        chart, x, y = empty_chart(f"{name}, summed over steps", f"{len(values)} of {len(steps)} steps record "
                                  f"{name}", (steps[0].step, max(steps[-1].step, steps[0].step + 1)), [envelope])
        shape = series_shape(envelope, x, y, "s0", f"{name}: {float(envelope.hi[-1]):.6g} in all")
        chart.shapes = [shape] if shape else []
        if failure is not None:
            chart.rules.append(Rule(float(x(failure)), "onset", f"first failure at step {failure}"))
        charts.append(chart)
    return charts


def recorded(steps: list[StepData], what: str) -> tuple[np.ndarray, np.ndarray]:
    """The steps that record ``what`` ("tokens": in and out together, or "cost"), and what each recorded."""
    if what == "cost":
        pairs = [(s.step, s.cost) for s in steps if s.cost is not None]
    else:
        pairs = [(s.step, (s.tokens_in or 0) + (s.tokens_out or 0)) for s in steps
                 if s.tokens_in is not None or s.tokens_out is not None]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=float)
