"""Pool workers die with the ingest that started them, and never write into the store after it is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracesift.pipeline import ingest as ingest_module
from tracesift.pipeline import read_inputs
from tracesift.pipeline.executors import stop_if_orphaned

REPO = Path(__file__).resolve().parents[2]
BOUND_S = 30
"""Far longer than any step here takes; only a stuck or surviving worker reaches it."""

CHILD = """
import sys
from pathlib import Path
from tests.store import test_worker_lifetime as probe
from tracesift.pipeline import ingest as ingest_module

ingest_module.read_sources = probe.held_read_sources
ingest_module.PARALLEL_FROM_FILES = 1
ingest_module.ingest([Path(sys.argv[1])], jobs=2)
"""


def held_read_sources(tasks: list) -> list:
    """Read tasks that announce their worker, then wait for a release before reading (and writing)."""
    root = Path(tasks[0][0].path).parent
    (root / "workers" / str(os.getpid())).touch()
    deadline = time.monotonic() + 2 * BOUND_S
    while not (root / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    stop_if_orphaned()
    read_inputs.OWN_BATCH_ROWS = 1  # whatever a worker still reads, it writes into the store itself
    return _real_read_sources(tasks)


_real_read_sources = ingest_module.read_sources


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has stopped: only its exit status waits to be collected


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads process states from /proc")
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_workers_die_with_a_killed_ingest_and_write_nothing(tmp_path, stop):
    (tmp_path / "workers").mkdir()
    for i in range(4):
        (tmp_path / f"run{i}.jsonl").write_text("".join(f'{{"step": {s}, "loss": 1.0}}\n' for s in range(50)))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], cwd=REPO)
    workers: list[int] = []
    try:
        wait_for(lambda: len(os.listdir(tmp_path / "workers")) >= 2, "two workers to start reading")
        workers = [int(name) for name in os.listdir(tmp_path / "workers")]
        child.send_signal(stop)
        child.wait(BOUND_S)
        wait_for(lambda: not any(alive(pid) for pid in workers), "the workers to die with their parent")
        (tmp_path / "release").touch()
        assert not list((tmp_path / ".tracesift").rglob("*.parquet"))
    finally:
        (tmp_path / "release").touch()
        child.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_an_orphaned_worker_exits_before_it_writes():
    """Where no parent-death signal exists, the check before each write is what stops an orphan."""
    script = ("import os; from tracesift.pipeline import executors; executors._parent = os.getppid() + 1; "
              "executors.stop_if_orphaned(); print('wrote')")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=BOUND_S)
    assert done.returncode != 0 and "wrote" not in done.stdout
