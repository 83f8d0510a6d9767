"""Writes batches of canonical tables into the store, atomically and incrementally.

Each commit writes the new rows as one Hive partition per table
(``metrics/batch=<id>/part-0.parquet``), rewrites the batches that held rows of
replaced or vanished inputs without those rows, and then swaps the manifest.
Until that swap nothing a query sees has changed; after it, old batch files are
deleted. A killed ingest therefore leaves the previous store intact, plus stray
files that :func:`sweep` removes.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tracesift.store import schema
from tracesift.store.manifest import Fingerprint, Manifest, SourceEntry, batch_file


@dataclass
class StoreWriter:
    store: Path
    manifest: Manifest
    pending: dict[str, list[pa.Table]] = field(default_factory=dict)
    pending_entries: dict[str, SourceEntry] = field(default_factory=dict)
    dropping: set[str] = field(default_factory=set)
    touched: bool = False
    staged_rows: int = 0
    adopted: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, entry: SourceEntry, tables: dict[str, pa.Table]) -> None:
        """Stage what one input produced; ``key`` replaces any earlier version of it."""
        if key in self.manifest.sources:
            self.dropping.add(key)
        for table, rows in tables.items():
            if rows.num_rows:
                self.pending.setdefault(table, []).append(rows)
                self.staged_rows += rows.num_rows
        self.pending_entries[key] = entry

    def adopt(self, key: str, entry: SourceEntry, tables: list[str]) -> None:
        """Stage an input whose rows a worker already wrote as batch ``entry.batch``."""
        if key in self.manifest.sources:
            self.dropping.add(key)
        self.adopted[entry.batch] = tables
        self.pending_entries[key] = entry

    def touch(self, key: str, fingerprint: Fingerprint) -> None:
        """Record a new file time for an input whose bytes did not change."""
        self.manifest.sources[key].fingerprint = fingerprint
        self.touched = True

    def drop(self, key: str) -> None:
        """Stage the removal of an input that no longer exists."""
        self.dropping.add(key)

    def commit(self) -> None:
        """Make everything staged visible at once."""
        if not (self.pending_entries or self.dropping or self.touched):
            return
        old_batches = self._rewrite_without(self.dropping)
        batch = new_batch_id()
        written = [table for table, parts in self.pending.items() if _write(self.store, table, batch, parts)]
        for key in self.dropping:
            self.manifest.sources.pop(key, None)
        for key, entry in self.pending_entries.items():
            entry.batch = entry.batch or batch
            self.manifest.sources[key] = entry
        if written:
            self.manifest.batches[batch] = written
        self.manifest.batches.update(self.adopted)
        self.manifest.save(self.store)
        for old in old_batches:
            _remove_batch(self.store, old)
        self.pending, self.pending_entries, self.dropping, self.touched = {}, {}, set(), False
        self.staged_rows, self.adopted = 0, {}

    def _rewrite_without(self, keys: set[str]) -> list[str]:
        """Copy each batch holding rows of ``keys`` without them; return the batches replaced."""
        affected: dict[str, set[str]] = {}
        for key in keys:
            if key in self.manifest.sources:
                entry = self.manifest.sources[key]
                affected.setdefault(entry.batch, set()).add(entry.rel)
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        for old, rels in affected.items():
            if rels >= {e.rel for e in self.manifest.sources.values() if e.batch == old}:
                self.manifest.batches.pop(old, None)  # nothing in it survives
                continue
            replacement = new_batch_id()
            kept = []
            for table in self.manifest.batches.get(old, []):
                rows = pq.read_table(batch_file(self.store, table, old))
                column = schema.SOURCE_COLUMN.get(table)
                if column:
                    rows = rows.filter(pc.invert(pc.is_in(rows[column], pa.array(sorted(rels), pa.string()))))
                if _write(self.store, table, replacement, [rows]):
                    kept.append(table)
            self.manifest.batches.pop(old, None)
            if kept:
                self.manifest.batches[replacement] = kept
            for entry in self.manifest.sources.values():
                if entry.batch == old:
                    entry.batch = replacement
        return list(affected)


def new_batch_id() -> str:
    return f"{time.time_ns():x}{os.getpid():x}{next(_counter):x}"


_counter = itertools.count(1)


def write_own_batch(store: Path, tables: dict[str, pa.Table]) -> tuple[str, list[str]]:
    """Write one input's tables as a batch of its own (from a worker); return its id and tables.

    Nothing shows until the parent commits a manifest naming the batch.
    """
    batch = new_batch_id()
    return batch, [name for name, rows in tables.items() if _write(store, name, batch, [rows])]


def _write(store: Path, table: str, batch: str, parts: list[pa.Table]) -> bool:
    """Write one partition file atomically; False when there were no rows."""
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return False
    target = schema.TABLES[table]
    rows = pa.concat_tables([p if p.schema == target else p.cast(target) for p in parts])
    import pyarrow.parquet as pq  # here: an ingest with nothing new to write never needs it

    path = batch_file(store, table, batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    pq.write_table(rows, temp, compression="zstd")
    os.replace(temp, path)
    return True


def _remove_batch(store: Path, batch: str) -> None:
    for table in schema.TABLES:
        shutil.rmtree(store / table / f"batch={batch}", ignore_errors=True)


def sweep(store: Path, manifest: Manifest) -> int:
    """Delete partition folders no manifest entry names; return how many."""
    removed = 0
    for table in schema.TABLES:
        folder = store / table
        if not folder.is_dir():
            continue
        for partition in folder.iterdir():
            batch = partition.name.removeprefix("batch=")
            if table not in manifest.batches.get(batch, []):
                shutil.rmtree(partition, ignore_errors=True)
                removed += 1
    return removed


def replace_findings(store: Path, findings: pa.Table) -> None:
    """Make ``findings`` the store's whole findings table (each scan replaces the last)."""
    manifest = Manifest.load(store)
    old = [batch for batch, tables in manifest.batches.items() if tables == ["findings"]]
    batch = new_batch_id()
    for stale in old:
        manifest.batches.pop(stale)
    if _write(store, "findings", batch, [findings]):
        manifest.batches[batch] = ["findings"]
    manifest.save(store)
    for stale in old:
        _remove_batch(store, stale)
