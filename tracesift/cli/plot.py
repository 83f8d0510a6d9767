"""``tracesift plot``: one metric of one run, with its findings, as a PNG or SVG figure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import FoundStoreOption, reports_errors
from tracesift.cli.show import SubjectArgument


@app.command("plot")
@reports_errors
def plot_command(
    run: SubjectArgument,
    metric: Annotated[str, typer.Option("--metric", "-m", help="The metric role or name to draw.")] = "loss",
    output: Annotated[Path, typer.Option("--output", "-o", help="The figure to write: .png or .svg.")]
    = Path("plot.png"),
    store: FoundStoreOption = None,
) -> None:
    """Draw one metric of one run, with its findings' onset, first alarm, spikes and non-finite values.

    Reads the store as `tracesift show` does. A series with more points than the
    figure has pixel columns is drawn as its min/max per column, so no spike is
    lost. The figure's path is printed on stdout.

    Example: tracesift plot runs/exp3 --metric loss -o loss.png
    """
    from tracesift.pipeline.subject import load_run
    from tracesift.reports.plots import COLUMNS, plot_metric

    plot_metric(load_run(run, store=store, columns=COLUMNS), metric, output)
    print(output)
