"""The Ray engine: the pipeline's pure task functions run as Ray tasks, on one machine or a cluster.

Ray does the distribution and the retries; tracesift only submits. At most
``IN_FLIGHT_PER_CPU`` tasks per CPU of the cluster are submitted ahead of the result
being consumed, so the driver holds a bounded number of results whatever the number of
tasks, and results come back in the items' order, as from the local pool. A task whose
worker dies (killed, out of memory, its machine lost) is run again by Ray, up to
``RETRIES`` times: a task is pure and writes only files under new names, so a second
run leaves nothing twice in the store (see :mod:`tracesift.store.writer`).

Ray is an optional extra (``pip install 'tracesift[ray]'``), imported only here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tracesift.errors import EngineUnavailable, StoreWriteFailed

Item = TypeVar("Item")
Result = TypeVar("Result")

INSTALL = "pip install 'tracesift[ray]'"
RETRIES = 3
"""How many times Ray runs a task again whose worker died."""
IN_FLIGHT_PER_CPU = 2


def import_ray():
    """The ``ray`` module, or :class:`EngineUnavailable` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise EngineUnavailable(f"--engine ray needs Ray, which is not installed: {INSTALL}") from None
    return ray


class RayExecutor:
    """Maps task functions as Ray tasks on the cluster this process is connected to."""

    def __init__(self, ray) -> None:
        self._ray = ray
        self.jobs = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def map(self, function: Callable[[Item], Result], items: list[Item], *, parallel: bool = True) -> Iterator[Result]:
        """Every item as its own Ray task (``parallel`` is ignored: asked for a cluster, the tasks run on it)."""
        remote = self._ray.remote(apply).options(max_retries=RETRIES, retry_exceptions=False)
        shared = self._ray.put(function)  # once, not with every task
        window = IN_FLIGHT_PER_CPU * self.jobs
        pending: deque = deque()
        for item in items:
            pending.append(remote.remote(shared, item))
            if len(pending) >= window:
                yield self._get(pending.popleft())
        while pending:
            yield self._get(pending.popleft())

    def _get(self, reference) -> Result:
        ray = self._ray
        try:
            return ray.get(reference)
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError, ray.exceptions.OutOfMemoryError) as exc:
            raise StoreWriteFailed(f"a Ray worker died {RETRIES + 1} times running one task (killed, or out of "
                                   "memory); the store keeps its last complete version: run again") from exc
        except ray.exceptions.RayTaskError as exc:
            raise exc.as_instanceof_cause() from None  # the task's own exception, as the local pool raises it


def apply(function: Callable[[Item], Result], item: Item) -> Result:
    """One Ray task: ``function`` (any picklable callable) on one item."""
    return function(item)


@contextmanager
def ray_cluster(address: str | None = None) -> Iterator[RayExecutor]:
    """A Ray executor: on the Ray instance this process already joined, else on ``address`` (None: a
    new local instance, or the cluster ``RAY_ADDRESS`` names). What this block started, it shuts down."""
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield RayExecutor(ray)
    finally:
        if started:
            ray.shutdown()
