"""The canonical tables as pyarrow schemas, and helpers that build tables in them.

Every reader returns tables in exactly these schemas and every query reads them.
The columns themselves are defined once, in :mod:`tracesift.store.tables`.
"""

from __future__ import annotations

import pyarrow as pa

from tracesift.store.arrays import from_list, repeated_string
from tracesift.store.paths import escape
from tracesift.store.tables import COLUMNS, SOURCE_COLUMN

_ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}

TABLES: dict[str, pa.Schema] = {
    table: pa.schema([(name, _ARROW_TYPES[sql_type]) for name, sql_type in columns])
    for table, columns in COLUMNS.items()
}
METRICS, RUNS, STEPS = TABLES["metrics"], TABLES["runs"], TABLES["steps"]
TRAJECTORIES, FINDINGS, INGEST_ERRORS = TABLES["trajectories"], TABLES["findings"], TABLES["ingest_errors"]


def empty(table: str) -> pa.Table:
    """An empty table with the canonical schema of ``table``."""
    target = TABLES[table]
    return pa.Table.from_arrays([pa.nulls(0, f.type) for f in target], schema=target)  # empty_table imports pandas


def from_rows(table: str, rows: list[dict]) -> pa.Table:
    """Build a canonical table from row dicts; missing keys become nulls."""
    target = TABLES[table]
    arrays = [_array([row.get(f.name) for row in rows], f.type) for f in target]
    return pa.Table.from_arrays(arrays, schema=target)


def from_columns(table: str, **columns: list | pa.Array) -> pa.Table:
    """Build a canonical table from whole columns (lists or Arrow arrays), cast to the schema's types.

    Columns not given are nulls; every given column must be as long as the others, and
    must be a column of ``table``.
    """
    target = TABLES[table]
    unknown = set(columns) - set(target.names)
    if unknown:
        raise ValueError(f"{table} has no column {', '.join(sorted(unknown))}")
    lengths = {len(column) for column in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{table} columns of different lengths: {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    arrays = [column(columns[f.name], f.type) if f.name in columns else pa.nulls(n, f.type) for f in target]
    return pa.Table.from_arrays(arrays, schema=target)


def column(values: list | pa.Array, type_: pa.DataType) -> pa.Array:
    """``values`` as one Arrow array of ``type_``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == type_ else values.cast(type_)
    return _array(values, type_)


def _array(values: list, type_: pa.DataType) -> pa.Array:
    """``values`` as Arrow; text that is not valid UTF-8 (a file name's undecodable bytes) is escaped."""
    try:
        return from_list(values, type_)
    except UnicodeEncodeError:
        return from_list([escape(v) if isinstance(v, str) else v for v in values], type_)


def repeated(value: str | None, n: int) -> pa.Array:
    """A string column holding ``value`` ``n`` times, built in Arrow rather than in Python."""
    if value is None:
        return pa.nulls(n, pa.string())
    return repeated_string(escape(value), n)


class RowTable:
    """Rows of one canonical table still as Python lists, in its column order, ``source_file`` left out.

    A reader that makes a few dozen rows per input may return one in place of an Arrow
    table: the rows of many inputs are then converted together (:func:`concat`), which
    costs far less than one small Arrow table per input. Build rows with the column
    names of :attr:`columns`; ``to_arrow`` checks their width.
    """

    def __init__(self, table: str, rows: list[list] | None = None) -> None:
        if TABLES[table].names[-1] != "source_file":
            raise ValueError(f"{table} has no trailing source_file column")
        self.table = table
        self.rows = rows if rows is not None else []
        self.source_file: str | None = None

    @property
    def columns(self) -> list[str]:
        return TABLES[self.table].names[:-1]

    @property
    def num_rows(self) -> int:
        return len(self.rows)

    def to_arrow(self) -> pa.Table:
        return concat([self])


def concat(parts: list[pa.Table | RowTable]) -> pa.Table:
    """One Arrow table of several parts of the same canonical table, in order, in one piece."""
    tables, pending = [], []
    for part in [*parts, None]:
        if isinstance(part, RowTable):
            pending.append(part)
            continue
        if pending:
            tables.append(_rows_to_arrow(pending))
            pending = []
        if part is not None:
            tables.append(part)
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables).combine_chunks()


def _rows_to_arrow(parts: list[RowTable]) -> pa.Table:
    target = TABLES[parts[0].table]
    rows = [row for part in parts for row in part.rows]
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(target) - 1)
    if len(columns) != len(target) - 1:
        raise ValueError(f"{parts[0].table} rows need {len(target) - 1} values, not {len(columns)}")
    sources = [part.source_file for part in parts for _ in range(part.num_rows)]
    arrays = [_array(values, field.type) for values, field in zip(columns, target)]
    return pa.Table.from_arrays([*arrays, _array(sources, pa.string())], schema=target)


def with_source(table: pa.Table | RowTable, name: str, source_file: str) -> pa.Table | RowTable:
    """``table`` (of canonical table ``name``) with every row stamped as coming from ``source_file``."""
    if isinstance(table, RowTable):
        table.source_file = source_file
        return table
    column = SOURCE_COLUMN[name]
    return table.set_column(table.schema.get_field_index(column), column, repeated(source_file, table.num_rows))
