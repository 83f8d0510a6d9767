"""What stops an ingest or scan short becomes one line naming the cause and the path, never a traceback.

A full disk, a read-only store or a worker process that died (killed, or out of
memory) raise :class:`~tracesift.errors.StoreWriteFailed` (exit code 4). They happen
before the commit, so the store keeps its last complete version.
"""

from __future__ import annotations

import errno
import functools
import os
import re
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from tracesift.errors import StoreWriteFailed
from tracesift.pipeline.remote import as_inputs
from tracesift.store.layout import default_store
from tracesift.store.paths import escape

WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
"""The errors of a store that cannot take what is written to it (everything else is a bug, shown as one)."""
UNCHANGED = "the store keeps its last complete version"

Function = TypeVar("Function", bound=Callable)


def stops_cleanly(function: Function) -> Function:
    """Turn ``function``'s (an ingest's or a scan's) store write failures into :class:`StoreWriteFailed`.

    ``function`` takes the input paths first and the store as ``store=``.
    """

    @functools.wraps(function)
    def wrapper(paths, *args, **kwargs):
        paths = as_inputs(paths)
        try:
            return function(paths, *args, **kwargs)
        except BrokenProcessPool as exc:
            store = kwargs.get("store") or default_store(paths)
            raise StoreWriteFailed(f"a worker process died while reading into {escape(str(store))} (killed, or "
                                   f"out of memory); {UNCHANGED}: run again, or with fewer --jobs") from exc
        except OSError as exc:
            if exc.errno not in WRITE_ERRORS:
                raise
            raise StoreWriteFailed(f"cannot write {escape(failed_path(exc, kwargs.get('store'), paths))}: "
                                   f"{os.strerror(exc.errno).lower()}; {UNCHANGED}") from exc

    return wrapper  # type: ignore[return-value]


def failed_path(exc: OSError, store, paths: list[Path | str]) -> str:
    """The file an OSError is about: its ``filename``, the path pyarrow quotes in its message, or the store."""
    if exc.filename:
        return os.fsdecode(exc.filename)
    quoted = re.search(r"'([^']+)'", str(exc))
    return quoted[1] if quoted else str(store or default_store(paths))
