"""``tracesift scan`` / ``collapse-scan``: what went wrong in each run, from which step."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import JobsOption, MapOption, PathsArgument, StoreOption, reports_errors
from tracesift.cli.output import note, progress_bar, warn, wide_console
from tracesift.errors import NothingReadable, UsageError


class FailOn(str, Enum):
    info = "info"
    warning = "warning"
    critical = "critical"
    never = "never"


@reports_errors
def scan_command(
    paths: PathsArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (see docs/json.md).")] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="Print one JSON finding per line.")] = False,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="Exit 1 when a finding is this severe or worse. [default: critical]")
    ] = None,
    detectors: Annotated[
        list[str] | None, typer.Option("--detector", "-d", help="Run only this detector (repeatable).")
    ] = None,
    metrics: Annotated[
        list[str] | None, typer.Option("--metric", "-m", help="Keep only findings on this metric role (repeatable).")
    ] = None,
    from_step: Annotated[int | None, typer.Option("--from-step", help="Ignore steps before this one.")] = None,
    to_step: Annotated[int | None, typer.Option("--to-step", help="Ignore steps after this one.")] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="A detector threshold, DETECTOR.NAME=VALUE, e.g. --set loss_spike.z=8."),
    ] = None,
    store: StoreOption = None,
    jobs: JobsOption = None,
    mappings: MapOption = None,
) -> None:
    """Find collapse in training runs: per run, what went wrong, from which step, how sure.

    Ingests whatever is new under PATHS, runs the detectors, prints the findings
    sorted by severity and keeps them in the store's findings table. `onset` is
    where a change-point search puts the start of the change; `first alarm` is
    where a threshold first fired. Thresholds can also live in tracesift.toml
    under [detectors.NAME]; `tracesift detectors` lists them all.

    Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 usage error,
    3 nothing readable.

    Example: collapse-scan runs/ --json | jq '.findings[] | select(.severity=="critical")'
    """
    from tracesift.config import load_config, role_map
    from tracesift.detectors.base import severity_rank
    from tracesift.detectors.scan import scan
    from tracesift.reports.json_report import document, dumps, finding_dict
    from tracesift.reports.terminal import print_findings

    config = load_config(paths)
    scan_config = config.get("scan", {})
    thresholds = _thresholds(config.get("detectors", {}), settings or [])
    with progress_bar() as on_progress:
        result = scan(
            paths,
            store=store,
            jobs=jobs,
            roles=role_map(paths, mappings),
            detectors=detectors or scan_config.get("detectors"),
            metrics=metrics,
            first_step=from_step,
            last_step=to_step,
            thresholds=thresholds,
            on_progress=on_progress,
        )
    for outcome in result.ingest.outcomes:
        for problem in outcome.problems:
            warn(f"{outcome.rel}: {problem}")
    for (run_id, metric), texts in sorted(result.notes.items()):
        note(f"{run_id}: {metric}: {'; '.join(texts)}")
    if not result.ingest.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))
    if as_json:
        print(dumps(document(result)))
    elif as_jsonl:
        for finding in result.findings:
            print(dumps(finding_dict(finding)).replace("\n", "").replace("  ", ""))
    else:
        print_findings(result, wide_console())
    threshold = (fail_on or FailOn(scan_config.get("fail_on", "critical"))).value
    if threshold != "never" and any(severity_rank(f.severity) >= severity_rank(threshold) for f in result.findings):
        raise typer.Exit(1)


def _thresholds(from_config: dict, settings: list[str]) -> dict[str, dict]:
    """[detectors.NAME] tables from the config, then --set entries on top."""
    merged = {name: dict(values) for name, values in from_config.items() if isinstance(values, dict)}
    for entry in settings:
        key, sep, value = entry.partition("=")
        detector, dot, name = key.strip().partition(".")
        if not (sep and dot and detector and name):
            raise UsageError(f"--set expects DETECTOR.NAME=VALUE, got {entry!r}")
        merged.setdefault(detector, {})[name] = value.strip()
    return merged


app.command("scan")(scan_command)


def collapse_scan_main() -> None:
    """The ``collapse-scan`` console script: ``tracesift scan`` under its own name."""
    command = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                          context_settings={"help_option_names": ["-h", "--help"]})
    command.command(name="collapse-scan")(scan_command)
    command(prog_name="collapse-scan")



