"""``tracesift show``: one run or trajectory in the terminal, with its findings."""

from __future__ import annotations

from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import FoundStoreOption, reports_errors
from tracesift.cli.output import wide_console

SubjectArgument = Annotated[str, typer.Argument(help="A run or trajectory: its id, or its path (a unique ending "
                                                     "of an id is enough).")]

@app.command("show")
@reports_errors
def show_command(
    subject: SubjectArgument,
    metrics: Annotated[list[str] | None, typer.Option("--metric", "-m", help="Show only this metric (repeatable).")]
    = None,
    store: FoundStoreOption = None,
) -> None:
    """Print one run (a sparkline per metric) or trajectory (the steps around its first failure) and its findings.

    Reads the store that `scan`, `report` or `ingest` wrote (the nearest .tracesift
    folder at or above SUBJECT, else --store) and the findings its last scan kept;
    it reads no log and runs no detector. `!` in a sparkline is where non-finite
    values begin.

    Example: tracesift show runs/exp3 --metric loss
    """
    from tracesift.pipeline.subject import load_subject
    from tracesift.reports.show import print_subject

    print_subject(load_subject(subject, store=store, metrics=metrics), wide_console())
