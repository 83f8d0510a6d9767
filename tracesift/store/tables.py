"""The canonical tables as plain data: each table's columns and their SQL types.

This is the one place columns are defined. :mod:`tracesift.store.schema` turns
these into pyarrow schemas for the readers and the writer; the query views use
them as they are, so opening a store for SQL needs no pyarrow.

Bump ``SCHEMA_VERSION`` whenever a column is added, removed or changes meaning:
a store written under another version is rebuilt, not mixed.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

TEXT, INT, FLOAT, BOOL = "VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN"

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "metrics": (
        ("run_id", TEXT), ("step", INT), ("metric", TEXT), ("value", FLOAT), ("wall_time", FLOAT),
        ("raw_metric", TEXT), ("source_file", TEXT),
    ),
    "runs": (
        ("run_id", TEXT), ("source_format", TEXT), ("path", TEXT), ("started_at", FLOAT), ("config", TEXT),
        ("tags", TEXT), ("source_file", TEXT),
    ),
    "steps": (
        ("trajectory_id", TEXT), ("step", INT), ("agent", TEXT), ("role", TEXT), ("kind", TEXT), ("tool", TEXT),
        ("arguments", TEXT), ("content", TEXT), ("is_error", BOOL), ("exit_code", INT), ("tokens_in", INT),
        ("tokens_out", INT), ("cost", FLOAT), ("latency_s", FLOAT), ("timestamp", FLOAT), ("span_id", TEXT),
        ("parent_span_id", TEXT), ("source_file", TEXT),
    ),
    "trajectories": (
        ("trajectory_id", TEXT), ("source_format", TEXT), ("path", TEXT), ("task", TEXT), ("outcome", TEXT),
        ("labels", TEXT), ("source_file", TEXT),
    ),
    "findings": (
        ("subject_type", TEXT), ("subject_id", TEXT), ("detector", TEXT), ("kind", TEXT), ("severity", TEXT),
        ("onset_step", INT), ("first_step", INT), ("end_step", INT), ("metric", TEXT), ("agent", TEXT),
        ("related", TEXT), ("score", FLOAT), ("lead_steps", INT), ("evidence", TEXT), ("message", TEXT),
    ),
    "ingest_errors": (
        ("path", TEXT), ("reader", TEXT), ("error", TEXT), ("line_or_offset", INT),
    ),
}

# The column naming the input file each row came from, per ingested table.
# Re-reading a changed file replaces exactly the rows that carry its name.
SOURCE_COLUMN: dict[str, str] = {
    "metrics": "source_file",
    "runs": "source_file",
    "steps": "source_file",
    "trajectories": "source_file",
    "ingest_errors": "path",
}


def names(table: str) -> list[str]:
    return [name for name, _ in COLUMNS[table]]
