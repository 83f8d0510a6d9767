"""Writes batches of canonical tables into the store, atomically and incrementally.

Each commit writes the new rows as one Parquet file per table under a fresh
batch id (``metrics/<batch>.parquet``), rewrites the batches that held rows of
replaced or vanished inputs without those rows, packs many small batches into
fewer large ones, syncs the new files, and then creates the next manifest version
(:mod:`tracesift.store.commit`). Until then nothing a query sees has changed;
files that no kept version lists any more are deleted after it. A killed ingest
therefore leaves the previous store intact, plus stray files that the next
writer's :func:`tracesift.store.commit.sweep` removes.
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace

import pyarrow as pa

from tracesift.store import schema
from tracesift.store.commit import commit_on_newest, prune
from tracesift.store.layout import Store, StoreLike
from tracesift.store.lock import store_lock
from tracesift.store.manifest import Fingerprint, Manifest, SourceEntry, batch_file
from tracesift.store.tables import SOURCE_COLUMN

SMALL_BATCH_ROWS = 200_000
"""A batch with fewer rows (all its tables together) is small."""
COMPACT_ABOVE = 16
"""More small batches than this in a commit's manifest are packed together."""
PACK_ROWS = 1_000_000
"""A pack takes small batches until it holds about this many rows."""
METRICS_PARQUET = {
    "use_dictionary": ["run_id", "metric", "raw_metric", "source_file"],
    "column_encoding": {"step": "DELTA_BINARY_PACKED", "value": "BYTE_STREAM_SPLIT", "wall_time": "BYTE_STREAM_SPLIT"},
    "write_statistics": ["run_id", "step", "source_file"],
}
"""How ``metrics`` columns are written. Names repeat, so they are dictionary-encoded; numbers seldom
repeat, so a dictionary only costs time: steps are delta-encoded and floats split by byte, which
zstd then packs tighter (4.2 MB instead of 6.8 MB for 800,000 event-file scalars, in half the
time). Statistics are kept where a filter can skip row groups (a run, a file, a step range): a
row group holds every metric of its runs, and min/max of values or times prune nothing, while
taking a fifth of the writing and leaving NaN out (so a plain ``isnan(value)`` filter saw none)."""


def parquet_options(table: str) -> dict:
    """Options for pyarrow's Parquet writer for one canonical table (every write goes through here)."""
    return {"compression": "zstd", **(METRICS_PARQUET if table == "metrics" else {})}


@dataclass
class StoreWriter:
    """Stages inputs' rows and removals, then commits them on top of the store's newest manifest.

    Hold the store's writer lock (:func:`tracesift.store.lock.store_lock`) from loading
    ``manifest`` to the last commit.
    """

    store: Store
    manifest: Manifest
    pending: dict[str, list[pa.Table]] = field(default_factory=dict)
    pending_entries: dict[str, SourceEntry] = field(default_factory=dict)
    dropping: set[str] = field(default_factory=set)
    touched: dict[str, Fingerprint] = field(default_factory=dict)
    staged_rows: int = 0
    """rows staged since the last commit, the ones workers wrote included"""
    adopted: dict[str, dict[str, int]] = field(default_factory=dict)
    untidy: bool = False
    """a commit left files no version lists any more for a later one to remove"""

    def add(self, key: str, entry: SourceEntry, tables: dict[str, pa.Table]) -> None:
        """Stage what one input produced; ``key`` replaces any earlier version of it."""
        if key in self.manifest.sources:
            self.dropping.add(key)
        for table, rows in tables.items():
            if rows.num_rows:
                self.pending.setdefault(table, []).append(rows)
                self.staged_rows += rows.num_rows
        self.pending_entries[key] = entry

    def adopt(self, key: str, entry: SourceEntry, tables: dict[str, int]) -> None:
        """Stage an input whose rows a worker already wrote as batch ``entry.batch`` (``tables``: rows per table)."""
        if key in self.manifest.sources:
            self.dropping.add(key)
        if entry.batch not in self.adopted:  # several inputs of a chunk share one batch: count its rows once
            self.staged_rows += sum(tables.values())
        self.adopted[entry.batch] = tables
        self.pending_entries[key] = entry

    def touch(self, key: str, fingerprint: Fingerprint) -> None:
        """Record a new file time for an input whose bytes did not change."""
        self.touched[key] = fingerprint

    def drop(self, key: str) -> None:
        """Stage the removal of an input that no longer exists."""
        self.dropping.add(key)

    def commit(self, *, last: bool = True) -> None:
        """Make everything staged visible at once.

        A commit that is not the ``last`` leaves the files no version lists in place: workers may
        have written batches for the next commit already (the last commit removes what is left).
        """
        if not (self.pending_entries or self.dropping or self.touched):
            if last and self.untidy:
                prune(self.store)
                self.untidy = False
            return
        batch = new_batch_id()
        written = write_batch(self.store, batch, self.pending)
        own = {batch_file(table, b) for b, tables in {**self.adopted, batch: written}.items() for table in tables}
        self.manifest = commit_on_newest(self.store, self.manifest, lambda m: self._apply(m, batch, written), own,
                                         tidy=last)
        self.untidy = not last
        self.pending, self.pending_entries, self.dropping, self.touched = {}, {}, set(), {}
        self.staged_rows, self.adopted = 0, {}

    def _apply(self, manifest: Manifest, batch: str, written: dict[str, int]) -> None:
        """Apply what is staged to ``manifest`` (the one loaded, or a newer one after a lost race)."""
        replaced = {key for key in self.dropping | self.pending_entries.keys() if key in manifest.sources}
        _rewrite_without(self.store, manifest, replaced)
        for key in replaced:
            del manifest.sources[key]
        for key, fingerprint in self.touched.items():
            if key in manifest.sources:
                manifest.sources[key].fingerprint = fingerprint
        for key, entry in self.pending_entries.items():  # a copy: a lost attempt's packing must not move it
            manifest.sources[key] = replace(entry, batch=entry.batch or batch)
        if written:
            manifest.batches[batch] = written
        manifest.batches.update(self.adopted)
        for group in _packs(manifest):
            _repack(self.store, manifest, group)


def _rewrite_without(store: Store, manifest: Manifest, keys: set[str]) -> None:
    """Copy each batch holding rows of ``keys`` without them (a batch left with none is dropped)."""
    affected: dict[str, set[str]] = {}
    for key in keys:
        entry = manifest.sources[key]
        affected.setdefault(entry.batch, set()).add(entry.rel)
    for old, rels in affected.items():
        if not any(e.batch == old for key, e in manifest.sources.items() if key not in keys):
            manifest.batches.pop(old, None)  # nothing in it survives
        else:
            _repack(store, manifest, [old], without=rels)


def _packs(manifest: Manifest) -> list[list[str]]:
    """Groups of small batches to pack into one each, oldest first, when there are too many.

    Only batches that inputs own are packed (the findings are replaced whole, by themselves).
    """
    owned = {entry.batch for entry in manifest.sources.values()}
    small = [b for b in sorted(owned & manifest.batches.keys()) if sum(manifest.batches[b].values()) < SMALL_BATCH_ROWS]
    if len(small) <= COMPACT_ABOVE:
        return []
    groups, group, rows = [], [], 0
    for batch in small:
        group.append(batch)
        rows += sum(manifest.batches[batch].values())
        if rows >= PACK_ROWS:
            groups.append(group)
            group, rows = [], 0
    return groups + ([group] if len(group) > 1 else [])


def _repack(store: Store, manifest: Manifest, olds: list[str], without: Collection[str] = ()) -> None:
    """Rewrite batches ``olds`` as one new batch, leaving out the rows of the inputs named ``without``.

    The entries of those batches move to the new one; the old files stay while a kept version lists them.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    parts: dict[str, list[pa.Table]] = {}
    for old in olds:
        for table in manifest.batches.pop(old, {}):
            rows = pq.read_table(store.path(batch_file(table, old)), filesystem=store.fs)
            column = SOURCE_COLUMN.get(table)
            if without and column:
                rows = rows.filter(pc.invert(pc.is_in(rows[column], pa.array(sorted(without), pa.string()))))
            parts.setdefault(table, []).append(rows)
    replacement = new_batch_id()
    written = write_batch(store, replacement, parts)
    if written:
        manifest.batches[replacement] = written
    for entry in manifest.sources.values():
        if entry.batch in olds:
            entry.batch = replacement


def new_batch_id() -> str:
    """A name no other writer picks: the time, this process and a count, and random bits, since Ray
    workers on many machines (each in its own container, with the same few process ids) write into one store."""
    return f"{time.time_ns():x}{os.getpid():x}{next(_counter):x}{secrets.token_hex(2)}"


_counter = itertools.count(1)


class BatchStream:
    """A batch written as its rows arrive (by a worker): one Parquet file per table, a row group per write.

    Nothing shows until the parent commits a manifest naming the batch, so a killed
    worker leaves only files that :func:`sweep` removes.
    """

    def __init__(self, store: StoreLike) -> None:
        self.store = Store.open(store)
        self.batch = new_batch_id()
        self.rows: dict[str, int] = {}
        self._files: dict = {}

    def write(self, tables: dict[str, pa.Table]) -> None:
        for table, rows in tables.items():
            if rows.num_rows:
                target = schema.TABLES[table]
                self._file(table).write_table(rows if rows.schema == target else rows.cast(target))
                self.rows[table] = self.rows.get(table, 0) + rows.num_rows

    def close(self) -> dict[str, int]:
        """Finish the files; returns rows per table."""
        for file in self._files.values():
            file.close()
        return self.rows

    def _file(self, table: str):
        if table not in self._files:
            import pyarrow.parquet as pq

            self.store.make(table)
            path = self.store.path(batch_file(table, self.batch))
            self._files[table] = pq.ParquetWriter(path, schema.TABLES[table], filesystem=self.store.fs,
                                                  **parquet_options(table))
        return self._files[table]


def write_batch(store: Store, batch: str, tables: dict[str, list[pa.Table]]) -> dict[str, int]:
    """Write one Parquet file per table with rows, straight under its final name; return rows per table.

    The name is new, so nothing can see a half-written file: no manifest lists it yet.
    """
    tables = {table: [p for p in parts if p.num_rows] for table, parts in tables.items()}
    tables = {table: parts for table, parts in tables.items() if parts}
    if not tables:
        return {}
    import pyarrow.parquet as pq  # here: an ingest with nothing new to write never needs it

    for table, parts in tables.items():
        target = schema.TABLES[table]
        rows = pa.concat_tables([p if p.schema == target else p.cast(target) for p in parts])
        store.make(table)
        pq.write_table(rows, store.path(batch_file(table, batch)), filesystem=store.fs, **parquet_options(table))
    return {table: sum(p.num_rows for p in parts) for table, parts in tables.items()}


def replace_findings(store: StoreLike, findings: pa.Table) -> None:
    """Make ``findings`` the store's whole findings table (each scan replaces the last), under the writers' lock."""
    store = Store.open(store)
    batch = new_batch_id()

    def change(manifest: Manifest) -> None:
        for stale in [b for b, tables in manifest.batches.items() if list(tables) == ["findings"]]:
            manifest.batches.pop(stale)
        if written:
            manifest.batches[batch] = written

    with store_lock(store):
        written = write_batch(store, batch, {"findings": [findings]})
        commit_on_newest(store, Manifest.load(store), change, own=[batch_file("findings", batch)])
