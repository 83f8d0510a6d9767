"""DuckDB over the store: one view per canonical table, read-only for user SQL."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from tracesift.errors import QueryError, StoreError
from tracesift.store import schema
from tracesift.store.layout import Store, StoreLike
from tracesift.store.manifest import Manifest

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
}

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
    manifest = Manifest.load(store)
    if not manifest.version:
        raise StoreError(f"{store}: no tracesift store here (run `tracesift ingest` first)")
    con = duckdb.connect(":memory:")
    # pyarrow's Parquet statistics leave NaN out of min/max; without this DuckDB prunes NaN rows away
    con.execute("SET parquet_can_have_nan = true")
    for table in schema.TABLES:
        name = "runs_by_file" if table == "runs" else table
        files = [store.url(rel) for rel in manifest.files(table)]
        con.execute(f"CREATE VIEW {name} AS {_select(table, files)}")
    con.execute(_RUNS_VIEW)
    if read_only:
        _lock_down(con, store)
    return con


def _select(table: str, files: list[str]) -> str:
    columns = ", ".join(schema.TABLES[table].names)
    if files:
        listing = ", ".join(_quote(path) for path in files)
        return f"SELECT {columns} FROM read_parquet([{listing}])"
    typed = ", ".join(f"CAST(NULL AS {_DUCKDB_TYPES[f.type]}) AS {f.name}" for f in schema.TABLES[table])
    return f"SELECT {typed} WHERE false"


def _lock_down(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    con.execute(f"SET allowed_directories = [{_quote(store.url() + '/')}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run user SQL; DuckDB's complaint becomes a :class:`QueryError`."""
    try:
        relation = con.sql(sql)
        return relation.to_arrow_table() if relation is not None else pa.table({})
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from exc
