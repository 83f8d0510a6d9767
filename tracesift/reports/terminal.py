"""The findings table people read in a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracesift.findings import Finding, ScanResult, SubjectType
from tracesift.reports.text import printable

STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
COLUMNS = ("run", "kind", "onset", "first alarm", "metric", "severity", "evidence")
TRAJECTORY_COLUMNS = ("trajectory", "kind", "onset", "step", "agent", "severity", "evidence")
MIXED_COLUMNS = ("run / trajectory", "kind", "onset", "first alarm / step", "metric / agent", "severity", "evidence")


def print_findings(result: ScanResult, console: Console) -> None:
    """Most severe first; every value from a log is plain text, never markup."""
    if not result.findings:
        console.print(Text(f"No findings in {result.subjects()}."))
        return
    console.print(findings_table(result.findings, f"{len(result.findings)} findings in {result.subjects()}"))


def findings_table(findings: list[Finding], title: str) -> Table:
    """The findings as a table, its columns named for runs, trajectories or both."""
    table = Table(title=title, title_justify="left")
    types = {f.subject_type for f in findings}
    columns = COLUMNS if types == {SubjectType.run} else TRAJECTORY_COLUMNS if types == {SubjectType.trajectory} \
        else MIXED_COLUMNS
    for name in columns:
        table.add_column(name, overflow="fold", no_wrap=name in ("onset", "first alarm", "step", "severity"))
    for f in findings:
        table.add_row(
            Text(printable(f.subject_id)),
            Text(f.kind),
            _step(f.onset_step),
            _step(f.first_step),
            Text(printable(_what(f))),
            Text(f.severity.value, style=STYLE[f.severity.value]),
            Text(printable(f.message)),
        )
    return table


def _what(f: Finding) -> str:
    """The metric (with the one it is tied to, ``reward~response_length``), or the agent."""
    what = f.metric or f.agent or ""
    return f"{what}~{f.related}" if f.related else what


def _step(step: int | None) -> str:
    return "" if step is None else str(step)
