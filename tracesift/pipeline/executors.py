"""Executors: how the pipeline maps its pure task functions (read a chunk of files; judge some subjects).

A task function takes one picklable argument and returns a picklable result, and
depends on no process-global state, so that any engine can run it. ``local`` is
today's process pool on this machine.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Protocol, TypeVar

from tracesift.pipeline.engines import Engine

Item = TypeVar("Item")
Result = TypeVar("Result")


class Executor(Protocol):
    """Maps a task function over items, results in the items' order."""

    jobs: int

    def map(self, function: Callable[[Item], Result], items: list[Item], *, parallel: bool = True) -> Iterator[Result]:
        ...


class LocalExecutor:
    """A pool of ``jobs`` worker processes on this machine, started on first use; one job runs in-process."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def map(self, function: Callable[[Item], Result], items: list[Item], *, parallel: bool = True) -> Iterator[Result]:
        """``map``, spread over the pool when there is one and the work is worth it."""
        if self.jobs <= 1 or not parallel or len(items) < 2:
            return map(function, items)
        return self._workers().map(function, items, chunksize=max(1, min(64, len(items) // 16)))

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import pyarrow.compute  # noqa: F401  (50-70 ms: Arrow casts import it; forked workers share it)

            from tracesift.store.schema import arrow_without_pandas

            arrow_without_pandas()  # once here, not per worker: pyarrow's first conversion would import pandas
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_start_method(),
                                             initializer=start_worker, initargs=gc.get_threshold())
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)  # after a failure, the chunks not started never run
            self._pool = None


@contextmanager
def local(jobs: int | None = None) -> Iterator[LocalExecutor]:
    """A local executor of ``jobs`` processes (default: one per core, at most 8), shut down on exit."""
    executor = LocalExecutor(jobs or min(os.cpu_count() or 1, 8))
    try:
        yield executor
    finally:
        executor.close()


@contextmanager
def given_or_local(executor: Executor | None, jobs: int | None, engine: Engine | None = None) -> Iterator[Executor]:
    """``executor`` when the caller has one (it stays open), else one of ``engine`` (local by default) for this block."""
    if executor is not None:
        yield executor
        return
    if engine is not None and engine.name == "ray":
        from tracesift.pipeline.ray_executor import ray_cluster

        with ray_cluster(engine.address) as made:
            yield made
        return
    with local(jobs) as made:
        yield made


PR_SET_PDEATHSIG = 1
_parent: int | None = None
"""In a worker, the process that started it; None in any other process."""


def start_worker(*gc_thresholds: int) -> None:
    """A pool worker's first act: die with the process that started it, and collect garbage as it does.

    On Linux the kernel kills the worker when its parent dies (``PR_SET_PDEATHSIG``), be the
    parent killed with SIGKILL or SIGTERM; elsewhere :func:`stop_if_orphaned` is the guard.
    """
    global _parent
    _parent = os.getppid()
    gc.set_threshold(*gc_thresholds)
    from tracesift.store.schema import arrow_without_pandas

    arrow_without_pandas()  # a worker started from a fork server has not done it yet
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    stop_if_orphaned()  # the parent may have died before the signal was asked for


def stop_if_orphaned() -> None:
    """In a worker whose parent is gone, exit at once: nothing it does now would be committed."""
    if _parent is not None and os.getppid() != _parent:
        os._exit(1)


def _start_method():
    """Fork: the workers start at once with everything imported. But a process that has run polars
    holds its thread pool, and a forked child that runs polars then waits on it for ever; such a
    process (a notebook, a test session) starts its workers from a fresh fork server instead."""
    if "polars" not in sys.modules:
        return get_context("fork")
    context = get_context("forkserver")
    context.set_forkserver_preload(["tracesift.pipeline.ingest", "tracesift.pipeline.scan"])
    return context
