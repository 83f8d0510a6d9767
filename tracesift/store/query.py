"""Read-only SQL over a store, found from the store folder or the logs folder."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from tracesift.errors import StoreError
from tracesift.store.layout import STORE_NAME
from tracesift.store.manifest import MANIFEST
from tracesift.store.views import connect, run_query


def locate_store(target: Path) -> Path:
    """``target`` itself when it is a store, else the store inside or beside it."""
    for candidate in (target, target / STORE_NAME, target.parent / STORE_NAME):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise StoreError(f"{target}: no tracesift store here; run `tracesift ingest {target}` first")


def query(target: Path, sql: str) -> pa.Table:
    con = connect(locate_store(target), read_only=True)
    try:
        return run_query(con, sql)
    finally:
        con.close()
