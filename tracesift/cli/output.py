"""One way to print results: a table for people, JSON / JSON lines / CSV for programs.

Results go to stdout; progress, warnings and summaries go to stderr. rich is
imported only when something is drawn with it, so that ``--json`` output starts fast.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING

from tracesift.reports.text import printable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from tracesift.findings import IngestReport, ScanResult


@functools.cache
def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def render(rows: list[dict], fmt: Format, *, columns: list[str] | None = None, title: str | None = None) -> None:
    """Rows (dicts) as a table for people, or JSON, JSON lines or CSV; ``columns`` default to the first row's keys."""
    columns = columns if columns is not None else list(rows[0]) if rows else []
    if fmt is Format.json:
        print(json.dumps([_plain(r) for r in rows], indent=2, default=str))
    elif fmt is Format.jsonl:
        for row in rows:
            print(json.dumps(_plain(row), default=str))
    elif fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row[name] for name in columns] for row in rows)
    else:
        _table(rows, columns, title)


def _table(rows: list[dict], columns: list[str], title: str | None) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False)
    for name in columns:
        table.add_column(Text(printable(name)), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row[name]) for name in columns))
    wide_console().print(table)


def wide_console() -> Console:
    """stdout for tables: the terminal's width, or a generous one when piped to a file."""
    from rich.console import Console

    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def _cell(value: object) -> Text:
    """Log content is untrusted: shown as plain text, never read as markup or as terminal control."""
    from rich.text import Text

    if value is None:
        return Text("")
    if isinstance(value, float):
        return Text(f"{value:.6g}")
    return Text(printable(str(value)))


def _plain(row: dict) -> dict:
    """JSON has no NaN or infinity: write them as the strings "NaN", "Infinity", "-Infinity"."""
    return {key: _json_number(value) for key, value in row.items()}


def _json_number(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Callable[[int, int, str], None]]:
    """A bar on stderr for long work (reading files, then judging their subjects); yields the callback that
    moves it: ``(done, total, what)``, ``what`` being "reading" or "judging"."""
    if quiet:  # no bar: nor rich's progress module to import (30 ms)
        yield lambda done, total, what: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    console = stderr()
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("reading", total=None)
        yield lambda done, total, what: progress.update(task, completed=done, total=total, description=what)


def _say(label: str, style: str, message: str) -> None:
    """One line on stderr; a file name that is not UTF-8 shows its odd bytes as ``\\xNN``."""
    from rich.markup import escape

    from tracesift.store.paths import escape as escape_name

    stderr().print(f"[{style}]{label}:[/{style}] {escape(escape_name(message))}", soft_wrap=True)


def warn(message: str) -> None:
    _say("warning", "yellow", message)


def note(message: str) -> None:
    _say("note", "dim", message)


def error(message: str) -> None:
    _say("error", "red", message)


def show_ingest_problems(report: IngestReport, *, verbose: bool = False, hint: bool = True) -> None:
    """One warning on stderr per problem an input had, and what was not read.

    A skipped input whose name promised a log is a warning; any other is one
    ``skipped:`` line when ``verbose``, else counted in a note saying how to see them.
    """
    for rel, problem in report.problems():
        warn(f"{rel}: {problem}")
    skipped = report.skipped()
    for outcome in skipped:
        if outcome.expected:
            warn(f"skipped: {outcome.rel}: {outcome.reason}")
        elif verbose:
            _say("skipped", "dim", f"{outcome.rel}: {outcome.reason}")
    unnamed = 0 if verbose else sum(1 for o in skipped if not o.expected)
    if unnamed and hint:
        _hint_skipped(report, unnamed, named=len(skipped) - unnamed)


def _hint_skipped(report: IngestReport, unnamed: int, named: int) -> None:
    import shlex

    from tracesift.findings import SKIPPED_SQL

    inputs = f"{unnamed}{' more' if named else ''} {'input was' if unnamed == 1 else 'inputs were'}"
    note(f"{inputs} not read (no reader recognised them): -v names them, and so does: "
         f"tracesift query {shlex.quote(str(report.store))} \"{SKIPPED_SQL}\"")


def show_notes(notes: dict[tuple[str, str], list[str]]) -> None:
    for (subject, metric), texts in sorted(notes.items()):
        note(f"{subject}: {metric}: {'; '.join(texts)}")


def show_scan(result: ScanResult, fmt: Format) -> None:
    """A scan's findings: the terminal table, the JSON document, one JSON finding per line, or CSV rows."""
    from tracesift.reports import json_report

    if fmt is Format.json:
        print(json_report.dumps(json_report.document(result)))
    elif fmt is Format.jsonl:
        for line in json_report.json_lines(result):
            print(line)
    elif fmt is Format.csv:
        from tracesift.store.schema import FINDINGS

        render([f.row() for f in result.findings], fmt, columns=FINDINGS.names)
    else:
        from tracesift.reports.terminal import print_findings

        print_findings(result, wide_console())


def show_plugin_warnings() -> None:
    """A plugin that fails to load is one ``warning:`` line on stderr, like any other warning."""
    import warnings

    from tracesift.registry import PluginWarning

    def show(message, category, *args, **kwargs):
        if issubclass(category, PluginWarning):
            warn(str(message))
        else:
            default(message, category, *args, **kwargs)

    default = warnings.showwarning
    warnings.showwarning = show
