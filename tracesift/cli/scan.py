"""``tracesift scan`` / ``collapse-scan``: what went wrong in each run, from which step."""

from __future__ import annotations

from enum import Enum
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
    prints_rows,
    reports_errors,
    runs_on_engine,
)
from tracesift.cli.eval import LocatorOption
from tracesift.cli.output import Format, progress_bar, show_ingest_problems, show_notes, show_scan
from tracesift.errors import NothingReadable
from tracesift.pipeline.engines import LOCAL, Engine


class FailOn(str, Enum):
    info = "info"
    warning = "warning"
    critical = "critical"
    never = "never"


FailOnOption = Annotated[
    FailOn | None, typer.Option("--fail-on", help="Exit 1 when a finding is this severe or worse. [default: critical]")
]
DetectorsOption = Annotated[list[str] | None, typer.Option("--detector", "-d", help="Run only this detector (repeatable).")]
MetricsOption = Annotated[
    list[str] | None, typer.Option("--metric", "-m", help="Keep only findings on this metric role (repeatable).")
]
FromStepOption = Annotated[int | None, typer.Option("--from-step", help="Ignore steps before this one.")]
ToStepOption = Annotated[int | None, typer.Option("--to-step", help="Ignore steps after this one.")]
SettingsOption = Annotated[
    list[str] | None, typer.Option("--set", help="A detector threshold, DETECTOR.NAME=VALUE, e.g. --set loss_spike.z=8.")
]


@reports_errors
@prints_rows
@runs_on_engine
def scan_command(
    paths: InputsArgument,
    fail_on: FailOnOption = None,
    detectors: DetectorsOption = None,
    metrics: MetricsOption = None,
    from_step: FromStepOption = None,
    to_step: ToStepOption = None,
    settings: SettingsOption = None,
    store: StoreOption = None,
    jobs: JobsOption = None,
    mappings: MapOption = None,
    verbose: VerboseOption = False,
    reader: ReaderOption = None,
    locator: LocatorOption = None,
    fmt: Format = Format.table,
    engine: Engine = LOCAL,
) -> None:
    """Find collapse in training runs: per run, what went wrong, from which step, how sure.

    Ingests whatever is new under PATHS, runs the detectors, prints the findings
    sorted by severity and keeps them in the store's findings table. `onset` is
    where a change-point search puts the start of the change; `first alarm` is
    where a threshold first fired. Thresholds can also live in tracesift.toml
    under [detectors.NAME]; `tracesift detectors` lists them all. `--json` prints
    one document (see docs/json.md), `--jsonl` one finding per line. Inputs that
    were not read are counted on stderr; --verbose names each (see `tracesift
    ingest --help`), and --reader reads the files given with that reader.
    --locator FILE places each failed trajectory's first_failure with a model
    from `tracesift train-locator` instead of the rules. PATHS and --store may be
    s3://bucket/prefix URLs; --engine ray reads and judges on a Ray cluster, with
    the same findings.

    Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 usage error,
    3 nothing readable, 4 the store could not be written (a full disk, a read-only
    store, a worker killed; the store keeps its last complete version).

    Example: collapse-scan runs/ --json | jq '.findings[] | select(.severity=="critical")'
    """
    from tracesift.config import Config
    from tracesift.pipeline.scan import scan

    config = Config.load(paths)
    with progress_bar() as on_progress:
        result = scan(
            paths, store=store, jobs=jobs, roles=config.roles(mappings), reader_options=config.reader_options(),
            detectors=config.detectors(detectors), metrics=metrics, first_step=from_step, last_step=to_step,
            params=config.detector_params(settings), fail_on=config.fail_on(fail_on.value if fail_on else None),
            on_progress=on_progress, reader=reader, locator=locator, engine=engine,
        )
    show_ingest_problems(result.ingest, verbose=verbose)
    show_notes(result.notes)
    if not result.ingest.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))
    show_scan(result, fmt)
    if result.failed:
        raise typer.Exit(1)


app.command("scan")(scan_command)


def collapse_scan_main() -> None:
    """The ``collapse-scan`` console script: ``tracesift scan`` under its own name."""
    command = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                          context_settings={"help_option_names": ["-h", "--help"]})
    command.command(name="collapse-scan")(scan_command)
    command(prog_name="collapse-scan")
