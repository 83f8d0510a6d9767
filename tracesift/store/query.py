"""Read-only SQL over a store, found from the store folder or the logs folder."""

from __future__ import annotations

from pathlib import Path

from tracesift.errors import StoreError
from tracesift.store.layout import STORE_NAME, Store, StoreLike, cache_store
from tracesift.store.manifest import looks_like_store
from tracesift.store.views import Answer, read_only_connection, run_query


def locate_store(target: StoreLike) -> Store:
    """``target`` itself when it is a store (or a Store or URL), else the store inside or beside it, or the
    one kept in the user's cache for it (see :func:`~tracesift.store.layout.default_store`)."""
    if isinstance(target, Store) or (isinstance(target, str) and "://" in target):
        return Store.open(target)
    target = Path(target)
    folder = target if target.is_dir() else target.parent
    for candidate in (target, target / STORE_NAME, target.parent / STORE_NAME, cache_store(folder.resolve())):
        store = Store.local(candidate)
        if looks_like_store(store):
            return store
    raise StoreError(f"{target}: no tracesift store here; run `tracesift ingest {target}` first")


def query(target: StoreLike, sql: str, *, timeout: float | None = None, limit: int | None = None) -> Answer:
    """Run read-only SQL over the store at (or for) ``target``.

    Only SELECT statements run (anything that would write raises ``ReadOnlyQuery``);
    a query still running after ``timeout`` seconds is stopped (``QueryTimeout``);
    at most ``limit`` rows are fetched, and ``Answer.truncated`` says whether there
    were more. None (or 0) means no time limit and every row.
    """
    with read_only_connection(locate_store(target)) as con:
        return run_query(con, sql, timeout=timeout, limit=limit)
