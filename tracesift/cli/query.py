"""``tracesift query``: read-only SQL over an ingested store."""

from __future__ import annotations

from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import prints_rows, reports_errors
from tracesift.cli.output import Format, note, render

TABLE_LIMIT = 1000  # rows a table shows unless --limit says otherwise; programs get every row

TimeoutOption = Annotated[
    float, typer.Option("--timeout", min=0, help="Stop the query after this many seconds (exit 124); 0 for no limit.")
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", min=0, help=f"Print at most this many rows; 0 for all. Default: {TABLE_LIMIT} for a table, "
                                        "all for json, jsonl and csv.", show_default=False),
]


@app.command("query")
@reports_errors
@prints_rows
def query_command(
    target: Annotated[str, typer.Argument(help="A store folder or s3://bucket/prefix, or the logs folder it was made "
                                               "for.")],
    sql: Annotated[str, typer.Argument(help="SQL over the views metrics, runs, steps, trajectories, findings, "
                                            "ingest_errors.")],
    timeout: TimeoutOption = 300,
    limit: LimitOption = None,
    fmt: Format = Format.table,
) -> None:
    """Answer SQL (DuckDB dialect) over what was ingested. The store is opened read-only.

    Only queries run (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE): a
    statement that would write (COPY, EXPORT, ATTACH, CREATE, INSTALL, SET, ...)
    is refused with exit 2, and nothing but the store's current Parquet files can
    be read. A query still running after --timeout seconds is stopped with exit
    124. A table shows the first 1000 rows unless --limit says otherwise, with a
    note on stderr when rows were left out.

    Example: tracesift query runs/ "select run_id, max(step) from metrics group by 1"
    """
    from tracesift.store.query import query

    shown = limit if limit is not None else TABLE_LIMIT if fmt is Format.table else 0
    answer = query(target, sql, timeout=timeout or None, limit=shown or None)
    render(answer.dicts(), fmt, columns=answer.columns)
    if answer.truncated:
        note(f"showing the first {shown} rows; --limit 0 for all")
