"""What several commands share: options, and the one place errors become exit codes."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli.output import Format, error
from tracesift.errors import TracesiftError

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store folder. Default: .tracesift inside the first folder given (beside a file)."),
]
PathsArgument = Annotated[list[Path], typer.Argument(help="Log files or folders (searched recursively).")]
JobsOption = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Files parsed in parallel. Default: one per core.")
]
FormatOption = Annotated[Format, typer.Option("--fmt", help="table, json, jsonl or csv.")]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="Extra metric-role mapping RAW=ROLE, e.g. --map 'lm loss=loss'. Repeatable."),
]


def reports_errors(command):
    """Turn tracesift's named errors into a one-line message and their exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TracesiftError as exc:
            error(str(exc))
            raise typer.Exit(exc.exit_code) from None

    return wrapper
