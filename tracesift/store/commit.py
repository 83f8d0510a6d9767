"""Committing a change on top of the newest manifest, and removing only what no one can need.

Every writer (an ingest, a scan's findings) changes the manifest it loaded and creates
the next version. Locally the writers' lock (:mod:`tracesift.store.lock`) makes that one
writer at a time; on an object store two may race, and the create of the next version
decides: the loser loads the newest version, applies its change to it and tries again,
so both writers' rows survive.

What goes, and when:

- a Parquet file stays while any kept manifest version (the newest ``KEEP_VERSIONS``)
  lists it, so a query that opened one of them never meets a missing file;
- a file no kept version lists is an orphan: locally, one found while holding the lock is
  removed at once (no other writer is live); elsewhere only once it is
  ``ORPHAN_GRACE_S`` old, since it may be another writer's, not committed yet;
- the same holds for torn versions newer than the newest complete one, and for temporary
  files (``*.tmp``) left in the store's root by older tracesift versions.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection

from tracesift.errors import CommitConflict
from tracesift.store import schema
from tracesift.store.layout import Store
from tracesift.store.manifest import Manifest, listed_files

COMMIT_ATTEMPTS = 30
"""A writer that loses the race for the next version this many times gives up (a store elsewhere only)."""
ORPHAN_GRACE_S = 3600.0
"""On a store that is not local, an unlisted file younger than this may be a live writer's: it stays."""
TEMP_SUFFIX = ".tmp"

Change = Callable[[Manifest], None]
"""Applies a writer's staged work to a manifest (writing any file it needs, such as repacked batches)."""


def commit_on_newest(store: Store, manifest: Manifest, change: Change, own: Collection[str] = (),
                     *, tidy: bool = True) -> Manifest:
    """Apply ``change`` to ``manifest`` and commit it; if another writer committed first, apply it to the newest.

    ``own`` are files the caller wrote before (its new batches): they survive a lost race,
    while files ``change`` wrote for a lost attempt are deleted. Files the commit names are
    synced first. Returns the manifest committed; then, when ``tidy``, removes the files no kept
    version lists (a writer whose workers are still writing batches for its next commit passes False).
    """
    attempt = 1
    while True:
        before = _named(manifest)
        change(manifest)
        made = _named(manifest) - before
        store.sync(made)
        try:
            manifest.commit(store)
            break
        except CommitConflict:
            if attempt == COMMIT_ATTEMPTS:
                raise
            for rel in made - set(own):
                store.delete(rel)
            manifest = _reloaded(store, manifest)
            time.sleep(random.uniform(0, min(1.0, 0.01 * 2**attempt)))
            attempt += 1
    if tidy:
        prune(store)
    return manifest


def _reloaded(store: Store, lost: Manifest) -> Manifest:
    """The newest manifest, keeping the role map of the writer that lost (its rows are mapped with it)."""
    newest = Manifest.load(store)
    newest.roles = lost.roles
    return newest


def _named(manifest: Manifest) -> set[str]:
    return {rel for table in schema.TABLES for rel in manifest.files(table)}


def sweep(store: Store, manifest: Manifest) -> int:
    """What a writer does first, holding the lock: remove torn versions newer than ``manifest``,
    leftover temporary files and orphaned Parquet files. Returns how many Parquet files went."""
    grace = _grace_s(store)
    manifest.discard_newer(store, min_age_s=grace)
    for name in store.list(""):
        if name.endswith(TEMP_SUFFIX) and store.age_s(name) >= grace:
            store.delete(name)
    return prune(store)


def prune(store: Store) -> int:
    """Remove the Parquet files that no kept version lists (on a store elsewhere, only old ones)."""
    grace = _grace_s(store)
    keep = listed_files(store)
    removed = 0
    for table in schema.TABLES:
        for name in store.list(table):
            rel = f"{table}/{name}"
            if rel not in keep and store.age_s(rel) >= grace:
                store.delete(rel)
                removed += 1
    return removed


def _grace_s(store: Store) -> float:
    """Locally a writer holds the lock, so nothing unlisted is live; elsewhere, a file must age first."""
    return 0.0 if store.local_path is not None else ORPHAN_GRACE_S
