"""``tracesift eval``: first-failure findings scored against labelled trajectories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import JobsOption, PathsArgument, StoreOption, VerboseOption, prints_rows, reports_errors
from tracesift.cli.output import Format, note, progress_bar, render, show_ingest_problems, warn
from tracesift.errors import NothingReadable, UsageError

LabelsOption = Annotated[
    Path | None,
    typer.Option("--labels", help="Labels file (JSON, JSON lines or CSV): trajectory id or file name, step, agent. "
                                  "Replaces the labels the trajectories carry.", show_default=False),
]
OneBasedOption = Annotated[bool, typer.Option("--one-based", help="The labels file counts steps from 1.")]
LocatorOption = Annotated[
    Path | None,
    typer.Option("--locator", help="A model file from `tracesift train-locator`: it places first_failure "
                                   "instead of the rules (no default model ships: `default` says so).",
                 show_default=False),
]
COLUMNS = ["subset", "labelled", "predicted", "missing", "agent", "step", "±1", "±2", "±3", "±4", "±5"]


@app.command("eval")
@reports_errors
@prints_rows
def eval_command(
    paths: PathsArgument,
    labels: LabelsOption = None,
    one_based: OneBasedOption = False,
    locator: LocatorOption = None,
    store: StoreOption = None,
    jobs: JobsOption = None,
    verbose: VerboseOption = False,
    fmt: Format = Format.table,
) -> None:
    """Score first-failure findings against labelled trajectories: agent and step accuracy per subset.

    Ingests and scans PATHS as `scan` does, then compares each trajectory's
    first_failure finding (its step and agent) with the trajectory's label: the
    mistake_step / mistake_agent it carries (multi-agent benchmark logs), or an
    entry of --labels FILE, which wins. Steps are 0-based (--one-based for a file
    that counts from 1). Agent names compare case-insensitively, ignoring a
    trailing suffix in parentheses: `Orchestrator (thought)`, `orchestrator` and
    `Orchestrator (-> WebSurfer)` are one agent. A subset is the top folder under
    PATH (`.` for files at the top). A labelled trajectory with no first_failure
    counts as wrong for step and agent (column `missing`); a label whose step is
    not a step of its trajectory, or that names no trajectory read, is reported on
    stderr and not scored. `step` is exact step accuracy, `±k` within k steps.
    --json prints one document (docs/json.md), --jsonl one scored trajectory per
    line. Exit codes: 0 scored, 2 usage error (no labels, a bad labels or model
    file), 3 nothing readable.

    Example: tracesift eval sample_traces/agents/multi_agent --json
    """
    from tracesift.pipeline.evaluate import evaluate

    with progress_bar() as on_progress:
        result = evaluate(paths, labels=labels, one_based=one_based, locator=locator, store=store, jobs=jobs,
                          on_progress=on_progress, fail_on=None)
    show_ingest_problems(result.scan.ingest, verbose=verbose)
    if not result.scan.ingest.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))
    for problem in result.scores.problems:
        warn(problem)
    if not result.scores.cases:
        raise UsageError("no labelled trajectory to score under " + ", ".join(str(p) for p in paths) +
                         " (labels come from the trajectories' mistake_step / mistake_agent, or --labels FILE)")
    if not any(c.predicted for c in result.scores.cases):
        note("no labelled trajectory has a first_failure finding: each counts as a miss "
             "(--locator FILE places them with a model from `tracesift train-locator`)")
    _show(result, fmt)


def _show(result, fmt: Format) -> None:
    if fmt is Format.json:
        print(json.dumps(result.document(), indent=2, allow_nan=False))
    elif fmt is Format.jsonl:
        for case in result.scores.cases:
            print(json.dumps(case.as_dict(), allow_nan=False, ensure_ascii=False))
    else:
        totals = [*result.scores.subsets, result.scores.overall]
        rows = [_row(s, percent=fmt is Format.table) for s in totals]
        render(rows, fmt, columns=COLUMNS, title="First failure: agent and step accuracy")


def _row(s, *, percent: bool) -> dict:
    shown = (lambda v: "" if v is None else f"{v:.1%}") if percent else (lambda v: v)  # noqa: E731
    return {"subset": s.subset, "labelled": s.labelled, "predicted": s.predicted, "missing": s.missing,
            "agent": shown(s.agent_accuracy), "step": shown(s.step_accuracy),
            **{f"±{k}": shown(s.within_accuracy(k)) for k in (1, 2, 3, 4, 5)}}
