"""The canonical tables as pyarrow schemas, and helpers that build tables in them.

Every reader returns tables in exactly these schemas and every query reads them.
The columns themselves are defined once, in :mod:`tracesift.store.tables`.
"""

from __future__ import annotations

import sys

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


_SOURCE_LAST = frozenset(name for name, target in TABLES.items() if target.names[-1] == "source_file")
"""The tables whose last column is ``source_file`` (``Schema.names`` builds a new list at each call)."""


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
    """Rows of one canonical table still as Python tuples (or lists), in its column order, ``source_file`` left out.

    A reader that makes a few dozen rows per input may return one in place of an Arrow
    table: the rows of many inputs are then converted together (:func:`concat`), which
    costs far less than one small Arrow table per input. Build rows with the column
    names of :attr:`columns`; ``to_arrow`` checks their width. Tuples convert fastest:
    Arrow takes them apart itself, with no transposing in Python.
    """

    def __init__(self, table: str, rows: list[tuple | list] | None = None) -> None:
        if table not in _SOURCE_LAST:
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


class ColumnTable:
    """Rows of one canonical table as one Python list per column, in its column order, ``source_file`` left out.

    What a reader that makes many rows per input builds (``columns[i].append``): like a
    :class:`RowTable` its rows are converted together with other inputs' (:func:`concat`), and
    whole columns convert to Arrow about twice as fast as rows of tuples.
    """

    def __init__(self, table: str) -> None:
        if table not in _SOURCE_LAST:
            raise ValueError(f"{table} has no trailing source_file column")
        self.table = table
        self.columns: list[list] = [[] for _ in TABLES[table].names[:-1]]
        self.source_file: str | None = None

    @property
    def num_rows(self) -> int:
        return len(self.columns[0])

    def to_arrow(self) -> pa.Table:
        return concat([self])


def concat(parts: list[pa.Table | RowTable | ColumnTable]) -> pa.Table:
    """One Arrow table of several parts of the same canonical table, in order, in one piece."""
    tables, pending = [], []
    for part in [*parts, None]:
        if pending and part.__class__ is not pending[0].__class__:  # a run of Python rows ends: convert it
            tables.append(_rows_to_arrow(pending) if isinstance(pending[0], RowTable) else _columns_to_arrow(pending))
            pending = []
        if isinstance(part, (RowTable, ColumnTable)):
            pending.append(part)
        elif part is not None:
            tables.append(part)
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables).combine_chunks()


def _columns_to_arrow(parts: list[ColumnTable]) -> pa.Table:
    target = TABLES[parts[0].table]
    joined: list[list] = [[] for _ in parts[0].columns]
    for part in parts:
        for whole, values in zip(joined, part.columns, strict=True):
            whole += values
    sources = _array([part.source_file for part in parts for _ in range(part.num_rows)], pa.string())
    return pa.Table.from_arrays([*(_array(v, f.type) for v, f in zip(joined, target)), sources], schema=target)


_ROW_TYPES: dict[str, pa.StructType] = {name: pa.struct(list(target)[:-1]) for name, target in TABLES.items()}
"""Per table, a struct of its columns but ``source_file``: the type rows of tuples convert to in one call."""


def _rows_to_arrow(parts: list[RowTable]) -> pa.Table:
    target = TABLES[parts[0].table]
    rows = [row for part in parts for row in part.rows]
    sources = _array([part.source_file for part in parts for _ in range(part.num_rows)], pa.string())
    try:  # tuples of valid text, the usual case: Arrow transposes them itself
        columns = pa.array(rows, _ROW_TYPES[parts[0].table]).flatten()
    except (pa.ArrowException, UnicodeEncodeError, TypeError):  # lists, a short row, text to escape: column by column
        columns = _transposed(rows, parts[0].table)
    return pa.Table.from_arrays([*columns, sources], schema=target)


def _transposed(rows: list, table: str) -> list[pa.Array]:
    target = TABLES[table]
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(target) - 1)
    if len(columns) != len(target) - 1:
        raise ValueError(f"{table} rows need {len(target) - 1} values, not {len(columns)}")
    return [_array(values, field.type) for values, field in zip(columns, target)]


def with_source(table: pa.Table | RowTable | ColumnTable, name: str,
                source_file: str) -> pa.Table | RowTable | ColumnTable:
    """``table`` (of canonical table ``name``) with every row stamped as coming from ``source_file``."""
    if isinstance(table, (RowTable, ColumnTable)):
        table.source_file = source_file
        return table
    column = SOURCE_COLUMN[name]
    return table.set_column(table.schema.get_field_index(column), column, repeated(source_file, table.num_rows))


class _HidePandas:
    """An import finder that refuses pandas (while :func:`arrow_without_pandas` runs)."""

    @staticmethod
    def find_spec(name: str, path=None, target=None) -> None:
        if name == "pandas":
            raise ImportError("pandas is not needed here")
        return None


def arrow_without_pandas() -> None:
    """Spare this process the import of pandas that pyarrow makes on its first conversion, when nothing
    has imported pandas yet (0.4-0.8 s, a tenth of ingesting 10,000 trajectories).

    pyarrow then takes pandas for absent. It imports pandas all the same on the first call that
    needs it (``to_pandas``, ``from_pandas``), so only a pandas object handed to ``pa.array``
    before such a call would be read as a plain sequence; tracesift makes none.
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _HidePandas)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_HidePandas)
