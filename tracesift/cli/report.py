"""``tracesift report``: one self-contained HTML file telling what failed in a folder of logs, where, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import (
    JobsOption,
    MapOption,
    PathsArgument,
    ReaderOption,
    StoreOption,
    VerboseOption,
    reports_errors,
    runs_on_engine,
)
from tracesift.cli.eval import LocatorOption
from tracesift.cli.output import note, progress_bar, show_ingest_problems, show_notes
from tracesift.cli.scan import DetectorsOption, SettingsOption
from tracesift.errors import NothingReadable
from tracesift.pipeline.engines import LOCAL, Engine

OutputOption = Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")]
TitleOption = Annotated[str | None, typer.Option("--title", help="The report's title. Default: the paths given.",
                                                 show_default=False)]


@app.command("report")
@reports_errors
@runs_on_engine
def report_command(
    paths: PathsArgument,
    output: OutputOption = Path("report.html"),
    title: TitleOption = None,
    detectors: DetectorsOption = None,
    settings: SettingsOption = None,
    store: StoreOption = None,
    jobs: JobsOption = None,
    mappings: MapOption = None,
    verbose: VerboseOption = False,
    reader: ReaderOption = None,
    locator: LocatorOption = None,
    engine: Engine = LOCAL,
) -> None:
    """Write one HTML file that opens offline and shows what `scan` found, with plots.

    Scans PATHS as `tracesift scan` does (same options, same store), then writes:
    an overview of every run and trajectory with its worst finding, the counts per
    kind and detector and what could not be read; per training run, small plots of
    its metrics with each finding's onset, first alarm, spikes, early-warning
    window and non-finite values; per experiment folder, its runs overlaid, and the
    logged config values that tell collapsed runs from healthy ones; per agent
    trajectory, a timeline of its steps and the steps around its first failure. The
    file's path is printed on stdout. It loads nothing from the network, and log
    content in it is text, never markup or script. --engine ray reads and judges on
    a Ray cluster, as `scan` does.

    Example: tracesift report runs/ -o report.html
    """
    from tracesift.config import Config
    from tracesift.pipeline.report import report
    from tracesift.reports.html_report import write_report

    config = Config.load(paths)
    with progress_bar() as on_progress:
        data = report(paths, store=store, jobs=jobs, roles=config.roles(mappings),
                      reader_options=config.reader_options(), detectors=config.detectors(detectors),
                      params=config.detector_params(settings), on_progress=on_progress, reader=reader,
                      locator=locator, engine=engine)
    show_ingest_problems(data.result.ingest, verbose=verbose)
    show_notes(data.result.notes)
    if not data.result.ingest.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))
    data.title = title or "tracesift report: " + " ".join(str(p) for p in paths)
    size = write_report(data, output)
    note(f"{len(data.result.findings)} findings in {data.result.subjects()}; {size / 1e6:.1f} MB")
    print(output)
