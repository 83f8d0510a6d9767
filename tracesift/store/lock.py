"""The writers' lock: one writer at a time reads, changes and commits a store's manifest.

A local store is locked with an advisory ``fcntl.flock`` on ``<store>/lock``; a second
writer waits for it (saying so on stderr when the wait is long) and then plans against
the manifest it finds. The kernel drops the lock when its holder dies, so a killed writer
never leaves the store locked. Forked worker processes close their copy of the lock at
once: only the process that took it holds it.

A store elsewhere (S3, GCS, ...) has no lock: the create of the next manifest version
arbitrates, and a writer that loses re-reads the newest version and commits again on top
of it (:func:`tracesift.store.commit.commit_on_newest`). Readers never lock.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tracesift.store.layout import LOCK_NAME, Store

WAIT_NOTICE_S = 2.0
"""A writer that has waited this long for the lock says so on stderr, once."""
POLL_S = 0.05

_held: set[int] = set()
"""Descriptors of the locks this process holds."""


@contextmanager
def store_lock(store: Store) -> Iterator[None]:
    """Hold the store's writer lock for the block (nothing to hold for a store that is not local)."""
    root = store.local_path
    if root is None:
        yield
        return
    descriptor = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _acquire(descriptor, store)
        _held.add(descriptor)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        _held.discard(descriptor)
        fcntl.flock(descriptor, fcntl.LOCK_UN)  # for every process sharing the descriptor
        os.close(descriptor)


def _acquire(descriptor: int, store: Store) -> None:
    """Take the lock, polling for a while, then saying who holds it and waiting as long as it takes."""
    deadline = time.monotonic() + WAIT_NOTICE_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL_S)
    holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip() or "another process"
    print(f"tracesift: waiting for the writer holding {store} (pid {holder}) to finish", file=sys.stderr, flush=True)
    fcntl.flock(descriptor, fcntl.LOCK_EX)


def _forget_in_child() -> None:
    """A forked child closes its copy of held locks: the lock stays its parent's alone."""
    for descriptor in _held:
        os.close(descriptor)
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)
