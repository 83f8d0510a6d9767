"""MLflow tracking data in its SQLite backend (``sqlite:///mlflow.db``, MLflow's default).

Read: the ``runs``, ``experiments``, ``metrics``, ``params`` and ``tags`` tables,
opened read-only. Assumed of the schema (stable from MLflow 1.x to 3.x):
``metrics(key, value, timestamp, run_uuid, step, is_nan)`` with the timestamp in
milliseconds; a NaN is written as ``value=0, is_nan=1`` and +/-inf as
+/-1.7976931348623157e308 (SQL can hold neither), which are turned back into
NaN and +/-inf here; ``runs(run_uuid, name, start_time, lifecycle_stage,
experiment_id)``; ``experiments(experiment_id, name, lifecycle_stage)``.
Deleted runs, and runs of deleted experiments, are skipped. Each run becomes
``{run_id}/{experiment name}/{run name or uuid}``, the uuid's first 8 characters
appended to a run name that is not unique within its experiment.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa

from tracesift.readers.base import Batch, Input, Problem, Reader, metrics_table
from tracesift.store import schema

SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = {"metrics", "runs", "experiments", "params", "tags"}
FETCH_ROWS = 50_000

# One row per live run: its uuid and the run id tracesift gives it.
_LIVE_RUNS = """
WITH live AS (
    SELECT r.run_uuid, r.name, r.start_time, e.name AS experiment,
           COUNT(*) OVER (PARTITION BY r.experiment_id, r.name) AS same_name
    FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
    WHERE COALESCE(r.lifecycle_stage, 'active') != 'deleted'
      AND COALESCE(e.lifecycle_stage, 'active') != 'deleted'
),
named AS (
    SELECT run_uuid, start_time,
           :prefix || '/' || experiment || '/' || CASE
               WHEN name IS NULL OR name = '' THEN run_uuid
               WHEN same_name > 1 THEN name || '-' || substr(run_uuid, 1, 8)
               ELSE name END AS run_id
    FROM live
)
"""

_RUNS_SQL = (
    _LIVE_RUNS
    + """
SELECT n.run_id, n.start_time / 1000.0,
       (SELECT json_group_object(key, value) FROM
           (SELECT key, value FROM params p WHERE p.run_uuid = n.run_uuid ORDER BY key)),
       (SELECT json_group_object(key, value) FROM
           (SELECT key, value FROM tags t WHERE t.run_uuid = n.run_uuid ORDER BY key))
FROM named n ORDER BY n.run_id
"""
)

# NaN comes back as NULL (SQLite has no NaN) and is filled in with pyarrow.
_METRICS_SQL = (
    _LIVE_RUNS
    + """
SELECT n.run_id, m.step, m.key,
       CASE WHEN m.is_nan THEN NULL
            WHEN m.value >= 1.7976931348623157e308 THEN 9e999
            WHEN m.value <= -1.7976931348623157e308 THEN -9e999
            ELSE m.value END,
       m.timestamp / 1000.0
FROM metrics m JOIN named n ON n.run_uuid = m.run_uuid
"""
)


def _connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` read-only: the database is never written, nor created."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _table_names(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def sniff(source: Input) -> float:
    path = source.path
    """0.95 for an SQLite file with MLflow's tables and ``alembic_version``, 0.8 without it.

    An SQLite header whose schema cannot be read (a truncated or corrupt file)
    gets 0.5, so that reading it reports the damage instead of skipping it.
    """
    if source.prefix(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
        return 0.0
    try:
        conn = _connect(path)
        try:
            names = _table_names(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return 0.5
    if not {"metrics", "runs", "experiments"} <= names:
        return 0.0
    return 0.95 if "alembic_version" in names else 0.8


def _runs_table(rows: list[tuple], source: Path) -> pa.Table:
    run_ids, started, configs, tags = (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [], [])
    n = len(run_ids)
    return schema.from_columns("runs", run_id=run_ids, source_format=schema.repeated("mlflow_sqlite", n),
                               path=schema.repeated(str(source), n), started_at=started, config=configs, tags=tags)


def _metrics_table(rows: list[tuple]) -> pa.Table:
    columns = zip(*rows, strict=True) if rows else [[]] * 5
    run_ids, steps, keys, values, times = (list(col) for col in columns)
    return metrics_table(run_ids, steps, keys, pa.array(values, pa.float64()).fill_null(float("nan")), times)


def _fetch_metrics(conn: sqlite3.Connection, prefix: str, problems: list[Problem]) -> list[tuple]:
    """All metric rows; rows read before damage in the table stops the scan are kept."""
    rows: list[tuple] = []
    try:
        cursor = conn.execute(_METRICS_SQL, {"prefix": prefix})
        while chunk := cursor.fetchmany(FETCH_ROWS):
            rows.extend(chunk)
    except sqlite3.DatabaseError as exc:
        problems.append(Problem(f"metrics table unreadable after {len(rows)} rows: {exc}"))
    return rows


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    """Every live run of the database as ``runs`` rows, and all their metric points."""
    problems: list[Problem] = []
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        raise ValueError(f"cannot open as SQLite: {exc}") from exc
    try:
        missing = REQUIRED_TABLES - _table_names(conn)
        if missing:
            raise ValueError(f"not an MLflow database: no table {', '.join(sorted(missing))}")
        run_rows = conn.execute(_RUNS_SQL, {"prefix": run_id}).fetchall()
        metric_rows = _fetch_metrics(conn, run_id, problems)
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"damaged or truncated SQLite database: {exc}") from exc
    finally:
        conn.close()
    tables = {"metrics": _metrics_table(metric_rows), "runs": _runs_table(run_rows, path)}
    return Batch(tables=tables, problems=problems)


READER = Reader(
    name="mlflow_sqlite",
    description="MLflow tracking database in SQLite (runs, params, tags, metric history)",
    example="mlflow.db",
    sniff=sniff,
    read=read,
)
