"""FIFOs, sockets and devices are never opened: discovery and reading pass them over with the reason."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from tests.conftest import write_loss_jsonl
from tracesift.errors import NotRegularFile
from tracesift.pipeline import ingest as ingest_module
from tracesift.pipeline.ingest import ingest
from tracesift.readers.base import SNIFF_BYTES, Input, read_file

BOUND_S = 20
"""Far longer than any of these takes; only a hang reaches it."""



def without_hanging(function, fifos: list[Path]):
    """``function()``'s result; fails (after releasing anything blocked on ``fifos``) if it hangs."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = function()
        except Exception as exc:  # raised again in the test's own thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(BOUND_S)
    hung = worker.is_alive()
    for fifo in fifos:  # a writer that opens and closes gives a blocked reader its end of file
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    worker.join(BOUND_S)
    assert not hung, f"blocked on {', '.join(map(str, fifos))}"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.mark.parametrize("read", [read_file, lambda path: Input(path).end(4096)], ids=["start", "end"])
def test_read_file_refuses_a_fifo(tmp_path, read):
    fifo = tmp_path / "metrics.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match=r"not a regular file \(FIFO\)"):
        without_hanging(lambda: read(fifo), [fifo])


def test_the_end_of_a_file_from_the_disk_or_from_what_was_read(tmp_path):
    big, small = tmp_path / "big.traj", tmp_path / "small.traj"
    big.write_bytes(b"x" * (2 * SNIFF_BYTES) + b'"environment": "swe_main"}')
    small.write_bytes(b'{"trajectory": []}')
    assert Input(big).end(26) == b'"environment": "swe_main"}'
    assert Input(small).end(4096) == b'{"trajectory": []}'
    known = Input(small)
    known.prefix()
    small.unlink()  # what the prefix read holds the whole file: no second read
    assert known.end(5) == b': []}'
    assert Input(Path("x"), content=b"0123456789").end(3) == b"789"


def test_fifo_named_like_a_wandb_log_is_skipped_with_its_reason(tmp_path):
    run = tmp_path / "wandb" / "offline-run-1"
    run.mkdir(parents=True)
    os.mkfifo(run / "run-1.wandb")
    write_loss_jsonl(tmp_path / "good.jsonl", 5)
    report = without_hanging(lambda: ingest([tmp_path], jobs=1), [run / "run-1.wandb"])
    assert report.count("read") == 1 and report.rows("metrics") == 5
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    assert [(o.rel, o.problems) for o in skipped] == [("wandb/offline-run-1/run-1.wandb",
                                                       ["not a regular file (FIFO)"])]


def test_file_replaced_by_a_fifo_before_reading_is_skipped(tmp_path, monkeypatch):
    victim = tmp_path / "swapped.jsonl"
    write_loss_jsonl(victim, 5)
    write_loss_jsonl(tmp_path / "good.jsonl", 5)
    found = ingest_module.discover_all

    def discover_then_swap(*args):
        sources = found(*args)
        victim.unlink()
        os.mkfifo(victim)
        return sources

    monkeypatch.setattr(ingest_module, "discover_all", discover_then_swap)
    report = without_hanging(lambda: ingest([tmp_path], jobs=1), [victim])
    assert report.rows("metrics") == 5
    assert ("swapped.jsonl", "not a regular file (FIFO)") in report.problems()
    assert {o.rel: o.status for o in report.outcomes} == {"good.jsonl": "read", "swapped.jsonl": "skipped"}
