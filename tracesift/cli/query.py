"""``tracesift query``: read-only SQL over an ingested store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import prints_rows, reports_errors
from tracesift.cli.output import Format, render


@app.command("query")
@reports_errors
@prints_rows
def query_command(
    target: Annotated[Path, typer.Argument(help="A store folder, or the logs folder it was made for.")],
    sql: Annotated[str, typer.Argument(help="SQL over the views metrics, runs, steps, trajectories, findings, "
                                            "ingest_errors.")],
    fmt: Format = Format.table,
) -> None:
    """Answer SQL (DuckDB dialect) over what was ingested. The store is opened read-only.

    Example: tracesift query runs/ "select run_id, max(step) from metrics group by 1"
    """
    from tracesift.store.query import query

    answer = query(target, sql)
    render(answer.dicts(), fmt, columns=answer.columns)
