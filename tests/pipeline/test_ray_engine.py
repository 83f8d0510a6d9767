"""The Ray engine: the same store and the same findings as the local engine, and a killed worker or
driver costs nothing once the ingest is run again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.pipeline.helpers import assert_same_tables, corpus, rows
from tests.reports.html_parse import Page
from tracesift.cli import app
from tracesift.pipeline import scan as scan_module
from tracesift.pipeline.engines import Engine
from tracesift.pipeline.ingest import ingest
from tracesift.pipeline.report import report
from tracesift.pipeline.scan import scan
from tracesift.reports.html_report import render
from tracesift.store.manifest import Manifest

TRACESIFT = str(Path(sys.executable).parent / "tracesift")


@pytest.fixture(scope="module")
def local_samples(tmp_path_factory) -> Path:
    """sample_traces/ scanned with the local engine."""
    store = tmp_path_factory.mktemp("local") / "store"
    scan([SAMPLES], store=store, jobs=2)
    return store


def test_ray_scan_of_the_samples_matches_the_local_engine(ray_address, local_samples, tmp_path):
    store = tmp_path / "store"
    result = scan([SAMPLES], store=store, engine=Engine("ray"))
    assert result.findings and result.runs > 10 and result.trajectories > 10
    assert_same_tables(local_samples, store)


def test_ray_scan_of_a_generated_corpus_matches_the_local_engine(ray_address, tmp_path, monkeypatch):
    folder = corpus(tmp_path / "corpus")
    monkeypatch.setattr(scan_module, "TASK_ROWS", 500)  # a task of a few subjects: many tasks, on both engines
    local = scan([folder], store=tmp_path / "local", jobs=2)
    distributed = scan([folder], store=tmp_path / "ray", engine=Engine("ray"))
    assert {f.kind for f in local.findings} >= {"divergence", "non_finite"}
    assert [f.row() for f in distributed.findings] == [f.row() for f in local.findings]
    assert_same_tables(tmp_path / "local", tmp_path / "ray")


class DiesOnce:
    """A task that kills its worker process the first time it runs (after its reads and writes), once."""

    def __init__(self, function, flag: Path) -> None:
        self.function, self.flag = function, flag

    def __call__(self, item):
        result = self.function(item)
        try:
            self.flag.touch(exist_ok=False)
        except FileExistsError:
            return result
        os.kill(os.getpid(), signal.SIGKILL)


class KillingExecutor:
    """The Ray executor, each task function wrapped in :class:`DiesOnce`."""

    def __init__(self, inner, flag: Path) -> None:
        self.inner, self.flag, self.jobs = inner, flag, inner.jobs

    def map(self, function, items, *, parallel=True):
        return self.inner.map(DiesOnce(function, self.flag), items, parallel=parallel)


def test_a_killed_worker_is_run_again_with_nothing_lost_or_doubled(ray_address, tmp_path, monkeypatch):
    from tracesift.pipeline import ingest as ingest_module
    from tracesift.pipeline.ray_executor import ray_cluster

    folder = corpus(tmp_path / "corpus", steps=2000)  # a task of runs holds more than OWN_BATCH_ROWS: its worker
    monkeypatch.setattr(ingest_module, "COMMIT_EVERY_ROWS", 100)  # writes them; the driver commits after each task
    flag = tmp_path / "killed"
    with ray_cluster() as executor:
        ingest([folder], store=tmp_path / "ray", executor=KillingExecutor(executor, flag))
    assert flag.exists()
    ingest([folder], store=tmp_path / "local", jobs=1)
    assert_same_tables(tmp_path / "local", tmp_path / "ray", tables=("metrics", "runs", "steps", "trajectories"))


DRIVER = """
import os, signal, sys
from pathlib import Path
from tracesift.pipeline import ingest as ingest_module
from tracesift.pipeline.ray_executor import ray_cluster

ingest_module.COMMIT_EVERY_ROWS = 100       # the driver commits after every task
folder, store, address, after = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])

class DiesAfter:
    def __init__(self, inner):
        self.inner, self.jobs = inner, inner.jobs
    def map(self, function, items, *, parallel=True):
        for done, result in enumerate(self.inner.map(function, items, parallel=parallel)):
            if done == after:
                os.kill(os.getpid(), signal.SIGKILL)
            yield result

with ray_cluster(address) as executor:
    ingest_module.ingest([folder], store=store, executor=DiesAfter(executor))
"""


def test_a_killed_driver_leaves_a_store_the_next_ingest_completes(ray_address, tmp_path):
    folder = corpus(tmp_path / "corpus", runs=40, trajectories=40, steps=2000)  # runs' workers write their batches
    store = tmp_path / "ray"
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(DRIVER), str(folder), str(store), ray_address, "4"],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = Manifest.load(store)
    assert 0 < len(partial.sources) < 80  # committed some inputs, not all: killed mid-run
    stray = {f"{t}/{p.name}" for t in ("metrics", "steps") for p in (store / t).glob("*.parquet")}
    assert stray - {f for t in ("metrics", "steps") for f in partial.files(t)}  # written, never committed

    again = subprocess.run([TRACESIFT, "ingest", str(folder), "--store", str(store), "--engine", "ray",
                            "--address", ray_address, "-q"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    ingest([folder], store=tmp_path / "local", jobs=1)
    assert_same_tables(tmp_path / "local", store, tables=("metrics", "runs", "steps", "trajectories"))
    assert len(rows(store, "runs")) == 40


def test_engine_ray_without_ray_says_how_to_install_it(runner, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as where it is not installed
    result = runner.invoke(app, ["ingest", str(SAMPLES / "training" / "jsonl"), "--store", str(tmp_path / "s"),
                                 "--engine", "ray"])
    assert result.exit_code == 2
    assert "pip install 'tracesift[ray]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_address_without_engine_ray_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(app, ["ingest", str(SAMPLES), "--store", str(tmp_path / "s"), "--address", "x:1"])
    assert result.exit_code == 2 and "--engine ray" in result.stderr


def test_a_report_on_ray_shows_what_the_local_engine_shows(ray_address, tmp_path):
    pages = []
    for name, engine in (("local", None), ("ray", Engine("ray"))):
        copy = tmp_path / name / "sample_traces"
        shutil.copytree(SAMPLES, copy)
        pages.append(Page(render(report([copy], jobs=2, engine=engine))))
    local, distributed = ({key: sorted(s.findings) for key, s in page.sections.items()} for page in pages)
    assert len(local) > 50 and distributed == local
