"""``tracesift train-locator``: learn where trajectories first fail, from labelled ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import JobsOption, PathsArgument, StoreOption, VerboseOption, reports_errors
from tracesift.cli.eval import LabelsOption, OneBasedOption
from tracesift.cli.output import progress_bar, show_ingest_problems, warn
from tracesift.errors import NothingReadable

OutputOption = Annotated[Path, typer.Option("--output", "-o", help="The model file to write (JSON).")]


@app.command("train-locator")
@reports_errors
def train_locator_command(
    paths: PathsArgument,
    output: OutputOption = Path("locator.json"),
    labels: LabelsOption = None,
    one_based: OneBasedOption = False,
    store: StoreOption = None,
    jobs: JobsOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Learn a first-failure locator from labelled trajectories and save it as a model file.

    Ingests and scans PATHS as `scan` does, then fits a per-step logistic
    regression (scikit-learn) on every trajectory with a labelled step (its own
    mistake_step, or --labels FILE as for `eval`). Its features are each step's
    position, agent, role, kind, errors and exit code, text statistics, error and
    hedging words, TF-IDF similarity to the task and to the previous step, and
    which detectors flagged the step. The model file is JSON (format version,
    feature list, coefficients, scikit-learn version), never a pickle, so loading
    one runs no code; a file of another format version is refused. Use it with
    `scan --locator FILE` or `eval --locator FILE`, which put its first_failure
    finding in place of the rules'.

    Example: tracesift train-locator sample_traces/agents/multi_agent -o locator.json
    """
    from tracesift.pipeline.evaluate import train_locator

    with progress_bar() as on_progress:
        trained = train_locator(paths, output, labels=labels, one_based=one_based, store=store, jobs=jobs,
                                on_progress=on_progress, fail_on=None)
    show_ingest_problems(trained.scan.ingest, verbose=verbose)
    if not trained.scan.ingest.readable:
        raise NothingReadable("nothing readable found in " + ", ".join(str(p) for p in paths))
    for problem in trained.problems:
        warn(problem)
    print(f"wrote {output}: learned from {trained.trajectories} labelled trajectories ({trained.steps} steps), "
          f"{len(trained.model.features)} features")
