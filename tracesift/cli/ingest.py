"""``tracesift ingest``: read logs into the Parquet store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import JobsOption, MapOption, PathsArgument, StoreOption, reports_errors
from tracesift.cli.output import progress_bar, warn
from tracesift.errors import NothingReadable

if TYPE_CHECKING:
    from tracesift.pipeline.ingest import IngestReport


@app.command("ingest")
@reports_errors
def ingest_command(
    paths: PathsArgument,
    store: StoreOption = None,
    jobs: JobsOption = None,
    mappings: MapOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget what the store holds and read everything.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
) -> None:
    """Read training logs into a Parquet store, incrementally.

    Files are recognised by content. Unchanged files are not read again; changed
    or appended files replace what they gave before. Unreadable files are listed
    with the reason (and kept in the ingest_errors table); every other file is
    still read. Exit code 3 when nothing at all was readable.

    Example: tracesift ingest runs/ --store runs.tracesift --jobs 4
    """
    from tracesift.config import role_map
    from tracesift.pipeline.ingest import ingest

    roles = role_map(paths, mappings)
    with progress_bar(quiet) as on_progress:
        report = ingest(paths, store=store, jobs=jobs, roles=roles, rebuild=rebuild, on_progress=on_progress)
    for outcome in report.outcomes:
        for problem in outcome.problems:
            warn(f"{outcome.rel}: {problem}")
    if not quiet:
        _summary(report)
    if not report.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))


def _summary(report: IngestReport) -> None:
    read = report.count("read")
    parts = [
        f"read {read} input{'s' if read != 1 else ''}",
        f"{report.rows('metrics'):,} metric rows",
    ]
    if report.rows("steps"):
        parts.append(f"{report.rows('steps'):,} agent steps")
    for status, label in (("unchanged", "unchanged"), ("error", "unreadable"), ("skipped", "not a log format"),
                          ("removed", "removed")):
        if report.count(status):
            parts.append(f"{report.count(status)} {label}")
    print(", ".join(parts) + f"; store: {report.store}")
