"""The canonical tables: one pyarrow schema each, and the schema version they share.

Every reader returns tables in exactly these schemas and every query reads them;
no other module defines columns. Bump ``SCHEMA_VERSION`` whenever a column is
added, removed or changes meaning: a store written under another version is
rebuilt, not mixed.
"""

from __future__ import annotations

from itertools import chain, repeat

import pyarrow as pa

SCHEMA_VERSION = 1

METRICS = pa.schema(
    [
        ("run_id", pa.string()),
        ("step", pa.int64()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("wall_time", pa.float64()),
        ("raw_metric", pa.string()),
        ("source_file", pa.string()),
    ]
)

RUNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("source_format", pa.string()),
        ("path", pa.string()),
        ("started_at", pa.float64()),
        ("config", pa.string()),
        ("tags", pa.string()),
        ("source_file", pa.string()),
    ]
)

STEPS = pa.schema(
    [
        ("trajectory_id", pa.string()),
        ("step", pa.int64()),
        ("agent", pa.string()),
        ("role", pa.string()),
        ("kind", pa.string()),
        ("tool", pa.string()),
        ("arguments", pa.string()),
        ("content", pa.string()),
        ("is_error", pa.bool_()),
        ("exit_code", pa.int64()),
        ("tokens_in", pa.int64()),
        ("tokens_out", pa.int64()),
        ("cost", pa.float64()),
        ("latency_s", pa.float64()),
        ("timestamp", pa.float64()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),
        ("source_file", pa.string()),
    ]
)

TRAJECTORIES = pa.schema(
    [
        ("trajectory_id", pa.string()),
        ("source_format", pa.string()),
        ("path", pa.string()),
        ("task", pa.string()),
        ("outcome", pa.string()),
        ("labels", pa.string()),
        ("source_file", pa.string()),
    ]
)

FINDINGS = pa.schema(
    [
        ("subject_type", pa.string()),
        ("subject_id", pa.string()),
        ("detector", pa.string()),
        ("kind", pa.string()),
        ("severity", pa.string()),
        ("onset_step", pa.int64()),
        ("first_step", pa.int64()),
        ("end_step", pa.int64()),
        ("metric_or_agent", pa.string()),
        ("score", pa.float64()),
        ("lead_steps", pa.int64()),
        ("evidence", pa.string()),
        ("message", pa.string()),
    ]
)

INGEST_ERRORS = pa.schema(
    [
        ("path", pa.string()),
        ("reader", pa.string()),
        ("error", pa.string()),
        ("line_or_offset", pa.int64()),
    ]
)

# The column naming the input file each row came from, per ingested table.
# Re-reading a changed file replaces exactly the rows that carry its name.
SOURCE_COLUMN: dict[str, str] = {
    "metrics": "source_file",
    "runs": "source_file",
    "steps": "source_file",
    "trajectories": "source_file",
    "ingest_errors": "path",
}

TABLES: dict[str, pa.Schema] = {
    "metrics": METRICS,
    "runs": RUNS,
    "steps": STEPS,
    "trajectories": TRAJECTORIES,
    "findings": FINDINGS,
    "ingest_errors": INGEST_ERRORS,
}


def empty(table: str) -> pa.Table:
    """An empty table with the canonical schema of ``table``."""
    return TABLES[table].empty_table()


def from_rows(table: str, rows: list[dict]) -> pa.Table:
    """Build a canonical table from row dicts; missing keys become nulls."""
    target = TABLES[table]
    return pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in target.names}, schema=target)


class Rows:
    """Rows of one canonical table as Python lists in column order, ``source_file`` left out.

    A reader that makes a few dozen rows per input returns these instead of Arrow:
    ingest stamps each input's ``source_file`` and turns the rows of a whole chunk
    of inputs into one Arrow table (:func:`rows_to_arrow`), which costs far less
    than one small table per input.
    """

    def __init__(self, table: str, rows: list[list] | None = None) -> None:
        if TABLES[table].names[-1] != "source_file":
            raise ValueError(f"{table} has no trailing source_file column")
        self.table = table
        self.rows = rows if rows is not None else []
        self.source_file: str | None = None

    @property
    def num_rows(self) -> int:
        return len(self.rows)

    def to_arrow(self) -> pa.Table:
        return rows_to_arrow([self])


def rows_to_arrow(parts: list[Rows]) -> pa.Table:
    """One Arrow table holding the rows of several :class:`Rows` of the same table, in order."""
    target = TABLES[parts[0].table]
    rows = list(chain.from_iterable(part.rows for part in parts))
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(target) - 1)
    sources = list(chain.from_iterable(repeat(part.source_file, part.num_rows) for part in parts))
    if len(columns) != len(target) - 1:
        raise ValueError(f"{parts[0].table} rows need {len(target) - 1} values, not {len(columns)}")
    arrays = [pa.array(column, field.type) for column, field in zip(columns, target)]
    return pa.Table.from_arrays([*arrays, pa.array(sources, pa.string())], schema=target)
