"""The findings table people read in a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tracesift.detectors.scan import ScanResult

STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def print_findings(result: ScanResult, console: Console) -> None:
    if not result.findings:
        console.print(f"No findings in {result.runs} run{'s' if result.runs != 1 else ''}.")
        return
    table = Table(title=f"{len(result.findings)} findings in {result.runs} runs", title_justify="left")
    for name in ("run", "kind", "onset", "first alarm", "metric", "severity", "evidence"):
        table.add_column(name, overflow="fold", no_wrap=name in ("onset", "first alarm", "severity"))
    for f in result.findings:
        table.add_row(
            escape(f.subject_id),
            f.kind,
            _step(f.onset_step),
            _step(f.first_step),
            escape(f.metric_or_agent or ""),
            f"[{STYLE[f.severity]}]{f.severity}[/]",
            escape(f.message),
        )
    console.print(table)


def _step(step: int | None) -> str:
    return "" if step is None else str(step)
