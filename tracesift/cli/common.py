"""What several commands share: options defined once, the output format, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli.output import Format, error
from tracesift.errors import TracesiftError, UsageError

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store folder. Default: .tracesift inside the first folder given (beside a file), "
                 "or in ~/.cache/tracesift when that folder is read-only."),
]
PathsArgument = Annotated[list[Path], typer.Argument(help="Log files or folders (searched recursively).")]
JobsOption = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Files parsed in parallel. Default: one per core.")
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="Extra metric-role mapping RAW=ROLE, e.g. --map 'lm loss=loss'. Repeatable."),
]

VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Name on stderr every input that was not read, with the reason.")
]
ReaderOption = Annotated[
    str | None,
    typer.Option("--reader", help="Read the PATHS given with this reader, whatever their content "
                                  "(`tracesift formats` lists the readers).", show_default=False),
]

ALIASES = {"as_json": ("--json", Format.json), "as_jsonl": ("--jsonl", Format.jsonl), "as_csv": ("--csv", Format.csv)}


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


def prints_rows(command):
    """Give ``command`` the shared ``--format table|json|jsonl|csv`` option (``--fmt`` too) and the aliases
    ``--json``, ``--jsonl`` and ``--csv``; the command receives the chosen format as ``fmt``."""
    signature = inspect.signature(command, eval_str=True)
    fmt = inspect.Parameter(
        "fmt", inspect.Parameter.KEYWORD_ONLY, default=Format.table,
        annotation=Annotated[Format, typer.Option("--format", "--fmt", help="table, json, jsonl or csv.")],
    )
    aliases = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False,
                          annotation=Annotated[bool, typer.Option(flag, help=f"Same as --format {value.value}.")])
        for name, (flag, value) in ALIASES.items()
    ]
    kept = [p for p in signature.parameters.values() if p.name != "fmt"]

    @functools.wraps(command)
    def wrapper(*args, fmt: Format = Format.table, **kwargs):
        chosen = {ALIASES[name][1] for name in ALIASES if kwargs.pop(name, False)}
        if fmt is not Format.table:
            chosen.add(fmt)
        if len(chosen) > 1:
            raise UsageError("choose one output format: " + " or ".join(sorted(f.value for f in chosen)))
        return command(*args, fmt=chosen.pop() if chosen else Format.table, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*kept, fmt, *aliases])
    return wrapper
