"""Reading inputs, in a worker: a chunk of them into canonical tables, or into a batch of the worker's own.

Everything here runs where the executor puts it (this process, a pool worker, a Ray task) and needs
nothing of the ingest that sent it but the task: an input, its fingerprint, the hash the store knows
it by, the role map, its reader options and the store. A reader's failure is data about its file,
never fatal: it comes back as an ``ingest_errors`` row. The ingest (:mod:`tracesift.pipeline.ingest`)
plans the tasks and stages what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from tracesift.errors import NotRegularFile
from tracesift.pipeline.executors import stop_if_orphaned
from tracesift.pipeline.remote import read_from_copy
from tracesift.readers import by_name
from tracesift.readers.base import SNIFF_BYTES, Batch, Input, read_file
from tracesift.readers.discover import Source, identify, not_read
from tracesift.store import schema
from tracesift.store.layout import Store
from tracesift.store.manifest import Fingerprint, SourceEntry, content_hash
from tracesift.store.roles import RoleMap
from tracesift.store.writer import BatchStream

OWN_BATCH_ROWS = 20_000
OWN_BATCH_BYTES = 16 << 20
"""A chunk of inputs this large (in rows, or in bytes read: a few large files make few rows of much
text) is written by the worker that read it, as a batch of its own."""
ROW_GROUP_ROWS = 250_000
ROW_GROUP_BYTES = 128 << 20
"""A worker writes its batch in row groups of about this many rows, or of the rows of this many bytes read."""
SHARE_BYTES = 256 << 20
"""A file up to this size is read once, for its hash and its reader both."""


def read_sources(tasks: list) -> list:
    """Read a chunk of inputs (in a worker); their tables leave as a batch or as one small table each.

    Once the chunk's rows reach ``OWN_BATCH_ROWS`` (or the bytes read ``OWN_BATCH_BYTES``) the
    worker streams them into one batch of its own, a row group per ``ROW_GROUP_ROWS`` rows (or
    ``ROW_GROUP_BYTES``), so that encoding Parquet runs in parallel, large stores need no packing
    and the text of large files never travels between processes; memory holds one row group and
    one input. A smaller chunk rides on its first result (the others carry none), since many small
    Arrow tables cost more to send between processes than their rows.
    """
    results, held, streamed, stream, held_rows, held_bytes = [], [], [], None, 0, 0
    for task in tasks:
        results.append(read_source(task))
        if results[-1][3] is not None and not results[-1][2].error:  # a failure's one row travels by itself
            held.append(len(results) - 1)
            held_rows += sum(t.num_rows for t in results[-1][3].values())
            held_bytes += task[1].size
        last = task is tasks[-1]
        full = held_rows >= ROW_GROUP_ROWS or held_bytes >= ROW_GROUP_BYTES
        if full or (last and (stream or held_rows >= OWN_BATCH_ROWS or held_bytes >= OWN_BATCH_BYTES)):
            stop_if_orphaned()  # never write into the store for an ingest that is gone
            stream = stream or BatchStream(task[-1])
            stream.write(_merged(results, held))
            for i in held:  # written: let go of the rows
                results[i] = (*results[i][:3], {}, results[i][4])
            streamed, held, held_rows, held_bytes = streamed + held, [], 0, 0
    written = stream.close() if stream else {}
    for i in streamed:
        results[i][2].batch = stream.batch
        results[i] = (*results[i][:3], written, results[i][4])
    if held:
        merged = _merged(results, held)
        for i in held:
            results[i] = (*results[i][:3], merged if i == held[0] else {}, results[i][4])
    return results


def _merged(results: list, held: list[int]) -> dict[str, pa.Table]:
    """The tables of the results at ``held``, one Arrow table per canonical table."""
    parts: dict[str, list[pa.Table | schema.RowTable | schema.ColumnTable]] = {}
    for i in held:
        for name, table in results[i][3].items():
            parts.setdefault(name, []).append(table)
    return {name: schema.concat(tables) for name, tables in parts.items()}


def read_source(task: tuple[Source, Fingerprint, str | None, RoleMap, Mapping, Store]):
    """Recognise (when pending) and read one input, in a worker process. Never raises: failures become rows.

    A file's bytes are read from disk once for sniffing, hashing and reading, up to ``SHARE_BYTES``.
    An input on object storage is read from a local copy of it (:func:`tracesift.pipeline.remote.local_copy`).
    """
    source = task[0]
    if source.remote is None:
        return _read_local(task)
    try:
        return read_from_copy(source, lambda: _read_local(task))
    except OSError as exc:  # the object is gone, or the object store cannot be reached
        return _failed(source.key, source, SourceEntry(source.rel, source.reader or "", "", task[1]), _describe(exc))


def _read_local(task: tuple[Source, Fingerprint, str | None, RoleMap, Mapping, Store]):
    source, fingerprint, known_hash, roles, options, _store = task
    key = source.key
    entry = SourceEntry(source.rel, source.reader or "", "", fingerprint)
    try:
        data = _small_file(source, SNIFF_BYTES if source.pending else SHARE_BYTES)
        given = Input(source.path, source.rel, content=data, options=options)
        if source.pending:
            source.reader, source.problem = identify(given)
            source.pending, entry.reader = False, source.reader or ""
            if source.unknown:
                source.skipped = not_read(given)
                return key, source, entry, None, []
            if data is None:
                data = given.content = _small_file(source, SHARE_BYTES)
        if source.problem:
            return _failed(key, source, entry, source.problem)
        fingerprint.content_hash = content_hash(source.path, data)
        if fingerprint.content_hash == known_hash:
            return key, source, entry, None, []
        batch = by_name(source.reader).read(given)
    except NotRegularFile as exc:  # replaced by a FIFO or device since it was found
        source.skipped = str(exc)
        return key, source, entry, None, [str(exc)]
    except Exception as exc:  # a reader's failure is data about the file, never fatal
        return _failed(key, source, entry, _describe(exc))
    tables = _finish(batch, source, roles)
    entry.rows = {name: t.num_rows for name, t in tables.items()}
    return key, source, entry, tables, [p.error for p in batch.problems]


def _small_file(source: Source, limit: int) -> bytes | None:
    """A file's bytes when it is no larger than ``limit`` (None for folders and larger files)."""
    if source.size is None or source.size > limit:
        return None
    return read_file(source.path)


def _failed(key: str, source: Source, entry: SourceEntry, reason: str):
    entry.error = reason
    return key, source, entry, {"ingest_errors": errors_table(source, [(reason, None)])}, [reason]


def _finish(batch: Batch, source: Source, roles: RoleMap) -> dict[str, pa.Table]:
    """Stamp provenance, normalise metric names, add missing ``runs`` rows and problem rows."""
    tables = {}
    for name, table in batch.tables.items():
        table = schema.with_source(table, name, source.rel)
        tables[name] = roles.normalize(table) if name == "metrics" else table
    if "metrics" in tables and "runs" not in tables:
        tables["runs"] = _runs_from_metrics(tables["metrics"], source)
    if batch.problems:
        tables["ingest_errors"] = errors_table(source, [(p.error, p.line_or_offset) for p in batch.problems])
    return tables


def _runs_from_metrics(metrics: pa.Table, source: Source) -> pa.Table:
    run_ids = sorted(metrics["run_id"].unique().to_pylist())
    rows = [{"run_id": r, "source_format": source.reader, "path": str(source.path), "source_file": source.rel}
            for r in run_ids]
    return schema.from_rows("runs", rows)


def errors_table(source: Source, problems: list[tuple[str, int | None]]) -> pa.Table:
    rows = [{"path": source.rel, "reader": source.reader, "error": e, "line_or_offset": at} for e, at in problems]
    return schema.from_rows("ingest_errors", rows)


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (invalid byte at offset {exc.start})"
    if isinstance(exc, MemoryError):
        return "too large to read into memory"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"
