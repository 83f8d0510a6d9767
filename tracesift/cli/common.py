"""What several commands share: options defined once, the output format, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import inspect
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli.output import Format, error
from tracesift.errors import TracesiftError, UsageError

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store folder, or s3://bucket/prefix. Default: .tracesift inside the first folder "
                 "given (beside a file), or in ~/.cache/tracesift when that folder is read-only.", show_default=False),
]
FoundStoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store folder, or s3://bucket/prefix. Default: the nearest .tracesift at or above the "
                 "subject's folder (or kept for it in ~/.cache/tracesift), else one in the current folder.",
                 show_default=False),
]
PathsArgument = Annotated[list[Path], typer.Argument(help="Log files or folders (searched recursively).")]
InputsArgument = Annotated[
    list[str], typer.Argument(help="Log files or folders (searched recursively), or s3://bucket/prefix URLs.")
]
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


class EngineName(str, Enum):
    local = "local"
    ray = "ray"


def runs_on_engine(command):
    """Give ``command`` the shared ``--engine local|ray`` and ``--address`` options; the command receives
    them as ``engine`` (an :class:`~tracesift.pipeline.executors.Engine`)."""
    from tracesift.pipeline.engines import Engine

    signature = inspect.signature(command, eval_str=True)
    added = [
        inspect.Parameter("engine_name", inspect.Parameter.KEYWORD_ONLY, default=EngineName.local, annotation=Annotated[
            EngineName, typer.Option("--engine", help="Where the work runs: local (a process pool) or ray (a Ray "
                                                      "cluster; pip install 'tracesift[ray]').")]),
        inspect.Parameter("address", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
            str | None, typer.Option("--address", help="The Ray cluster to join, e.g. ray://head:10001. Default: a "
                                                       "Ray instance started on this machine (or RAY_ADDRESS).",
                                     show_default=False)]),
    ]
    kept = [p for p in signature.parameters.values() if p.name != "engine"]

    @functools.wraps(command)
    def wrapper(*args, engine_name: EngineName = EngineName.local, address: str | None = None, **kwargs):
        if address is not None and engine_name is not EngineName.ray:
            raise UsageError("--address names a Ray cluster: give it with --engine ray")
        return command(*args, engine=Engine(engine_name.value, address), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*kept, *added])
    return wrapper


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
