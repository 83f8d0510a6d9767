"""``tracesift ingest``: read logs into the Parquet store."""

from __future__ import annotations

from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import (
    InputsArgument,
    JobsOption,
    MapOption,
    ReaderOption,
    StoreOption,
    VerboseOption,
    reports_errors,
    runs_on_engine,
)
from tracesift.cli.output import progress_bar, show_ingest_problems
from tracesift.errors import NothingReadable
from tracesift.pipeline.engines import LOCAL, Engine


@app.command("ingest")
@reports_errors
@runs_on_engine
def ingest_command(
    paths: InputsArgument,
    store: StoreOption = None,
    jobs: JobsOption = None,
    mappings: MapOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget what the store holds and read everything.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    verbose: VerboseOption = False,
    reader: ReaderOption = None,
    engine: Engine = LOCAL,
) -> None:
    """Read training logs into a Parquet store, incrementally.

    Files are recognised by content. Unchanged files are not read again; changed
    or appended files replace what they gave before. Unreadable files are listed
    with the reason (and kept in the ingest_errors table); every other file is
    still read. Files no reader recognised are skipped: --verbose names each, a
    skipped .log, .out or .txt file or a file given on the command line is a
    warning, and all are rows of ingest_errors (reader NULL, error 'skipped: ...').
    --reader reads the files given with that reader instead. Documentation, code,
    images and weights in a folder are never inputs. FIFOs, sockets and devices
    are never opened. Exit codes: 0 done,
    2 usage error, 3 nothing at all was readable, 4 the store could not be written
    (a full disk, a read-only store, a worker killed; the store keeps its last
    complete version).

    PATHS and --store may be s3://bucket/prefix URLs (credentials and endpoint
    from the AWS environment variables or profile, AWS_ENDPOINT_URL for an
    S3-compatible server); --engine ray reads on a Ray cluster.

    Example: tracesift ingest runs/ --store runs.tracesift --jobs 4
    """
    from tracesift.config import Config
    from tracesift.pipeline.ingest import ingest

    config = Config.load(paths)
    with progress_bar(quiet) as on_progress:
        report = ingest(paths, store=store, jobs=jobs, roles=config.roles(mappings),
                        reader_options=config.reader_options(), rebuild=rebuild, on_progress=on_progress,
                        reader=reader, engine=engine)
    show_ingest_problems(report, verbose=verbose, hint=not quiet)
    if not quiet:
        print(report.summary())
    if not report.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))

