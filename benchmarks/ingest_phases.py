"""Where a one-process ingest spends its CPU: seconds per phase, measured by wrapping the pipeline's steps.

A profiler (cProfile) doubles the time of a Python-heavy ingest and shifts the shares; this only
times a handful of calls with ``time.process_time``, so the totals stay close to a plain run.
Phases nest where the pipeline nests them (``json`` is inside ``reader.read``; ``manifest`` inside
``commit``). Run by hand, on a folder and with a store that is thrown away; ``PYTHONPATH=<tree>`` times
the tracesift of another source tree:

    python benchmarks/ingest_phases.py /tmp/tracesift-agents-bench/n10000_seed0/trajectories
"""

from __future__ import annotations

import argparse
import collections
import functools
import shutil
import tempfile
import time

STARTED = time.process_time()
import tracesift.cli  # noqa: E402,F401  (what the command imports before it runs)
import tracesift.pipeline.ingest as ingest_module  # noqa: E402
from tracesift.readers import agent_common  # noqa: E402
from tracesift.store import manifest, writer  # noqa: E402

IMPORTS = time.process_time() - STARTED
spent: collections.Counter = collections.Counter()


def timed(owner, name: str, phase: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its CPU seconds to ``phase``."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[phase] += time.process_time() - started

    setattr(owner, name, wrapper)


class _TimedReader:
    def __init__(self, reader) -> None:
        self.reader = reader

    def read(self, given):
        started = time.process_time()
        try:
            return self.reader.read(given)
        finally:
            spent["reader.read (json included)"] += time.process_time() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    args = ap.parse_args()
    for owner, name, phase in [(ingest_module, "discover_all", "discovery"), (ingest_module, "identify", "sniffing"),
                               (ingest_module, "_small_file", "reading files"), (ingest_module, "content_hash", "hashing"),
                               (agent_common, "load_json", "json (whole documents)"),
                               (agent_common, "jsonl_objects", "json (lines)"),
                               (ingest_module.schema, "concat", "Arrow conversion"),
                               (writer.BatchStream, "write", "Parquet (workers' batches)"),
                               (writer, "write_batch", "Parquet (at commit)"), (writer.StoreWriter, "commit", "commit"),
                               (manifest.Manifest, "commit", "manifest")]:
        if hasattr(owner, name):  # an earlier tracesift (PYTHONPATH=<its tree>) may lack one
            timed(owner, name, phase)
    try:
        from tracesift.readers import chat_typed
    except ImportError:  # an earlier tracesift
        pass
    else:
        timed(chat_typed, "_DECODE", "json (typed chat documents)")
    by_name = ingest_module.by_name
    ingest_module.by_name = lambda name: _TimedReader(by_name(name))
    store = tempfile.mkdtemp(prefix="tracesift-phases-")
    try:
        started = time.process_time()
        ingest_module.ingest([args.folder], store=store, jobs=1)
        total = time.process_time() - started
    finally:
        shutil.rmtree(store)
    print(f"imports {IMPORTS:.2f} s, ingest {total:.2f} s (CPU)")
    for phase, seconds in spent.most_common():
        print(f"  {phase:30s} {seconds:6.2f}")


if __name__ == "__main__":
    main()
