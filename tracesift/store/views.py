"""DuckDB over the store: one view per canonical table, read-only for user SQL."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from tracesift.errors import QueryError, StoreError
from tracesift.store.layout import Store, StoreLike
from tracesift.store.manifest import current_files
from tracesift.store.tables import COLUMNS

# A run read from several files (resumed TensorBoard runs) has one row per file;
# the view keeps the earliest.
_RUNS_VIEW = """
CREATE VIEW runs AS
SELECT * EXCLUDE (rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY started_at NULLS LAST, path) AS rank
    FROM runs_by_file
) WHERE rank = 1
"""


def connect(store: StoreLike, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the store's tables as views over exactly the
    files the newest manifest lists.

    With ``read_only`` the connection may read the store's Parquet and nothing
    else: user SQL cannot write files or reach other paths.
    """
    store = Store.open(store)
    files = current_files(store)
    if files is None:
        raise StoreError(f"{store}: no tracesift store here (run `tracesift ingest` first)")
    con = duckdb.connect(":memory:")
    # pyarrow's Parquet statistics leave NaN out of min/max; without this DuckDB prunes NaN rows away
    con.execute("SET parquet_can_have_nan = true")
    for table in COLUMNS:
        name = "runs_by_file" if table == "runs" else table
        con.execute(f"CREATE VIEW {name} AS {_select(table, [store.url(rel) for rel in files.get(table, [])])}")
    con.execute(_RUNS_VIEW)
    if read_only:
        _lock_down(con, store)
    return con


def _select(table: str, files: list[str]) -> str:
    if files:
        listing = ", ".join(_quote(path) for path in files)
        return f"SELECT {', '.join(name for name, _ in COLUMNS[table])} FROM read_parquet([{listing}])"
    typed = ", ".join(f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in COLUMNS[table])
    return f"SELECT {typed} WHERE false"


def _lock_down(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    con.execute(f"SET allowed_directories = [{_quote(store.url() + '/')}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Answer:
    """What a query returned: its column names and its rows as tuples of Python values."""

    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> Answer:
    """Run user SQL; DuckDB's complaint becomes a :class:`QueryError`."""
    try:
        relation = con.sql(sql)
        if relation is None:  # a statement with no result
            return Answer([], [])
        return Answer(list(relation.columns), relation.fetchall())
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from exc
