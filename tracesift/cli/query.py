"""``tracesift query``: read-only SQL over an ingested store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracesift.cli import app
from tracesift.cli.common import reports_errors
from tracesift.cli.output import Format, render


@app.command("query")
@reports_errors
def query_command(
    target: Annotated[Path, typer.Argument(help="A store folder, or the logs folder it was made for.")],
    sql: Annotated[str, typer.Argument(help="SQL over the views metrics, runs, steps, trajectories, findings, "
                                            "ingest_errors.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of rows.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per row.")] = False,
) -> None:
    """Answer SQL (DuckDB dialect) over what was ingested. The store is opened read-only.

    Example: tracesift query runs/ "select run_id, max(step) from metrics group by 1"
    """
    from tracesift.store.query import query

    fmt = Format.json if as_json else Format.csv if as_csv else Format.jsonl if as_jsonl else Format.table
    render(query(target, sql), fmt)
