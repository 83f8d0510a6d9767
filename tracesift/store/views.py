"""DuckDB over the store: one view per canonical table, read-only for user SQL."""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from tracesift.errors import QueryError, QueryTimeout, ReadOnlyQuery, StoreError
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


# The only statements user SQL may run: SELECT covers WITH, FROM, VALUES, DESCRIBE, SHOW and SUMMARIZE.
_READ_STATEMENTS = frozenset({duckdb.StatementType.SELECT})


def connect(store: StoreLike, *, read_only: bool = True, spill_to: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the store's tables as views over exactly the
    files the newest manifest lists.

    DuckDB reads a local store's files itself; a store elsewhere (S3) through pyarrow's
    filesystem, as Arrow datasets DuckDB scans (pushing column and row filters down to them, so
    row groups of other subjects are skipped), since DuckDB's own S3 extension may not be installed.

    With ``read_only`` the connection may read the store's listed Parquet files and
    nothing else, and its settings are locked. DuckDB spills to ``spill_to`` (a
    private folder the caller removes), or not at all when it is None, never to
    the working folder. Refusing statements that write is :func:`run_query`'s job.
    """
    store = Store.open(store)
    files = current_files(store)
    if files is None:
        raise StoreError(f"{store}: no tracesift store here (run `tracesift ingest` first)")
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")  # a long query's bar would land in stdout, amid JSON or a table
    # pyarrow's Parquet statistics leave NaN out of min/max; without this DuckDB prunes NaN rows away
    con.execute("SET parquet_can_have_nan = true")
    urls = {table: [store.url(rel) for rel in files.get(table, [])] for table in COLUMNS}
    for table, table_urls in urls.items():
        source = _source(con, store, table, files.get(table, []), table_urls)
        con.execute(f"CREATE VIEW {'runs_by_file' if table == 'runs' else table} AS {_select(table, source)}")
    con.execute(_RUNS_VIEW)
    if read_only:
        _lock_down(con, [url for table_urls in urls.values() for url in table_urls], spill_to)
    return con


@contextlib.contextmanager
def read_only_connection(store: StoreLike) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only :func:`connect` that spills to a private temporary folder, removed with the connection."""
    with tempfile.TemporaryDirectory(prefix="tracesift-query-") as spill:
        con = connect(store, read_only=True, spill_to=spill)
        try:
            yield con
        finally:
            con.close()


def _source(con: duckdb.DuckDBPyConnection, store: Store, table: str, rels: list[str], urls: list[str]) -> str | None:
    """What a table's view reads: ``read_parquet`` of its files, an Arrow dataset of them, or None for no file."""
    if not rels:
        return None
    if store.local_path is not None:
        return f"read_parquet([{', '.join(_quote(url) for url in urls)}])"
    import pyarrow.dataset as ds

    from tracesift.store.schema import TABLES

    name = f"tracesift_{table}_files"
    con.register(name, ds.dataset([store.path(rel) for rel in rels], schema=TABLES[table], format="parquet",
                                  filesystem=store.fs))
    return name


def _select(table: str, source: str | None) -> str:
    if source:
        return f"SELECT {', '.join(name for name, _ in COLUMNS[table])} FROM {source}"
    typed = ", ".join(f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in COLUMNS[table])
    return f"SELECT {typed} WHERE false"


def _lock_down(con: duckdb.DuckDBPyConnection, listed: list[str], spill_to: str | None) -> None:
    """Only the listed files are reachable (DuckDB adds its own temporary folder); nothing can be changed after."""
    con.execute(f"SET temp_directory = {_quote(spill_to or '')}")
    con.execute(f"SET allowed_paths = [{', '.join(_quote(path) for path in listed)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Answer:
    """What a query returned: its column names and its rows as tuples of Python values."""

    columns: list[str]
    rows: list[tuple]
    truncated: bool = False  # more rows than the limit asked for

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run_query(con: duckdb.DuckDBPyConnection, sql: str, *, timeout: float | None = None,
              limit: int | None = None) -> Answer:
    """Run user SQL: only SELECT statements (the last one's rows are returned), stopped after
    ``timeout`` seconds, at most ``limit`` rows fetched (None or 0: no limit).

    DuckDB's complaint becomes a :class:`QueryError`, a statement that is not a query a
    :class:`ReadOnlyQuery`, a query that ran out of time a :class:`QueryTimeout`.
    """
    statements = _statements(con, sql)
    if not statements:
        return Answer([], [])
    timer = threading.Timer(timeout, con.interrupt) if timeout else None
    if timer:
        timer.start()
    try:
        for statement in statements:
            con.execute(statement)
        return _fetch(con, limit)
    except duckdb.InterruptException:
        raise QueryTimeout(f"query stopped after {timeout:g} s (--timeout 0 for no limit)") from None
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from exc
    finally:
        if timer:  # and never let it interrupt a connection that is closing
            timer.cancel()
            timer.join()


def _statements(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from exc
    for statement in statements:
        if statement.type not in _READ_STATEMENTS:
            kind = statement.type.name.replace("_", " ")
            raise ReadOnlyQuery(f"queries are read-only: {kind} is refused (only SELECT, WITH, FROM, VALUES, "
                                "DESCRIBE, SHOW and SUMMARIZE run)")
    return statements


def _fetch(con: duckdb.DuckDBPyConnection, limit: int | None) -> Answer:
    """The result's rows, fetched from DuckDB's stream: never more than ``limit`` + 1 of them in Python."""
    if con.description is None:  # a statement with no result
        return Answer([], [])
    columns = [column[0] for column in con.description]
    if not limit:
        return Answer(columns, con.fetchall())
    rows = con.fetchmany(limit + 1)
    return Answer(columns, rows[:limit], truncated=len(rows) > limit)


def _first_line(exc: duckdb.Error) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
