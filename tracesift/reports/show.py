"""One run or trajectory in the terminal: a sparkline per metric, or the steps around the first failure.

Log content is printed as plain text, never read as rich markup, its control characters shown as
escapes; a long step is cut at ``STEP_CHARS`` characters and says how many it had (the HTML report
shows far more of it, the store's ``steps`` table all).
"""

from __future__ import annotations

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tracesift.report_data import Envelope, RunData, TrajectoryData
from tracesift.reports.charts import log_scale_suits
from tracesift.reports.terminal import findings_table
from tracesift.reports.text import printable
from tracesift.reports.timeline import first_failure_step

BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 48
AROUND = 3
STEP_CHARS = 600


def sparkline(envelope: Envelope, width: int = SPARK_WIDTH) -> str:
    """The series in ``width`` characters, each the largest value of its share of the columns; ``!`` where
    non-finite values begin; log-scaled when the values span three decades or more."""
    if not len(envelope.steps):
        return "!" * min(width, max(1, envelope.non_finite_stretches)) if envelope.non_finite else ""
    hi = np.log10(envelope.hi) if log_scale_suits([envelope]) else envelope.hi
    buckets = np.array_split(np.arange(len(hi)), min(width, len(hi)))
    values = np.array([hi[b].max() for b in buckets])
    span = values.max() - values.min()
    levels = np.zeros(len(values), int) if span == 0 else np.round((values - values.min()) / span * 7).astype(int)
    chars = [BARS[level] for level in levels]
    first, last = int(envelope.steps[0]), int(envelope.steps[-1])
    before, after = "", ""
    for step, _ in envelope.non_finite:
        if step < first or step > last:  # outside the finite values: beside the line, not over it
            before, after = ("!", after) if step < first else (before, "!")
        else:
            chars[0 if last == first else int((step - first) / (last - first) * (len(chars) - 1))] = "!"
    return before + "".join(chars) + after


def run_view(run: RunData) -> Group:
    table = Table(title=Text(printable(f"{run.run_id} ({run.source_format or '?'})")), title_justify="left")
    for name in ("metric", "points", "steps", "min", "max", "last", "series", "non-finite"):
        table.add_column(name, no_wrap=name != "metric")
    for metric, e in run.series.items():
        steps = f"{e.span[0]}-{e.span[1]}" if e.span else ""
        numbers = [f"{e.lo.min():.4g}", f"{e.hi.max():.4g}", f"{e.hi[-1]:.4g}"] if len(e.steps) else ["", "", ""]
        bad = ", ".join(f"{name} from {step}" for step, name in e.non_finite[:3])
        table.add_row(Text(printable(metric)), f"{e.points:,}", steps, *numbers, sparkline(e), Text(bad))
    parts = [table]
    if run.hidden_metrics:
        parts.append(Text(printable("also logged: " + ", ".join(run.hidden_metrics))))
    parts.append(findings_table(run.findings, f"{len(run.findings)} findings") if run.findings
                 else Text("No findings."))
    return Group(*parts)


def trajectory_view(trajectory: TrajectoryData) -> Group:
    step = first_failure_step(trajectory)
    head = Text(printable(f"{trajectory.trajectory_id} ({trajectory.source_format or '?'}): outcome "
                f"{trajectory.outcome or 'unknown'}, {len(trajectory.steps)} steps"))
    parts = [head]
    if step is not None:
        shown = [s for s in trajectory.steps if abs(s.step - step) <= AROUND]
        table = Table(title=f"steps around the first failure (step {step})", title_justify="left", show_lines=True)
        for name in ("step", "agent", "kind", "tool", "content"):
            table.add_column(name, overflow="fold", no_wrap=name == "step")
        for s in shown:
            mark = ("▶ " if s.step == step else "") + str(s.step)
            table.add_row(mark, Text(printable(s.agent or "")), Text((s.kind or "") + (" (failed)" if s.failed else "")),
                          Text(printable(s.tool or "")), Text(printable(_cut(s.content or s.arguments or ""))))
        parts.append(table)
    parts.append(findings_table(trajectory.findings, f"{len(trajectory.findings)} findings") if trajectory.findings
                 else Text("No findings."))
    return Group(*parts)


def _cut(text: str) -> str:
    if len(text) <= STEP_CHARS:
        return text
    return text[:STEP_CHARS] + f" … ({len(text):,} characters: `tracesift report` shows more, the steps table all)"


def print_subject(subject: RunData | TrajectoryData, console: Console) -> None:
    console.print(run_view(subject) if isinstance(subject, RunData) else trajectory_view(subject))
