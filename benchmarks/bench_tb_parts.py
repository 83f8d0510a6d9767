"""CPU time of the TensorBoard reader's parts, and of a whole ``--jobs 1`` ingest, over an event-file
corpus in one process (imports and other first-call costs are paid before the best of 7 is taken).

Works on this checkout and on one from before the vectorised framing (``tensorboard._frame`` /
``_verified``), so the two can be run one after the other with each checkout's interpreter:

    <checkout>/.venv/bin/python benchmarks/bench_tb_parts.py [/tmp/tracesift-bench/r40_t10_s2000/tb]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tracesift.readers import tensorboard as tb


def best_cpu(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tracesift-bench/r40_t10_s2000/tb")
    files = sorted(folder.rglob("events.out.tfevents*"))
    datas = [f.read_bytes() for f in files]
    if hasattr(tb, "_frame"):
        frame, verified, label = tb._frame, tb._verified, "before"
    else:
        from tracesift.readers import tfrecord

        frame, verified, label = tfrecord.frame, tfrecord.verified, "after"
    framed = [frame(d, []) for d in datas]
    parts = {
        "frame": lambda: [frame(d, []) for d in datas],
        "verified": lambda: [verified(np.frombuffer(d, np.uint8), s, n, []) for d, (s, n) in zip(datas, framed)],
        "read": lambda: [tb.read(tb.Input(f, "r")) for f in files],
    }
    try:  # the one-value layout found, decoded and CRC-checked in one pass (what `read` uses instead of `verified`)
        from tracesift.readers import tensorboard_layout
    except ImportError:
        tensorboard_layout = None
    if tensorboard_layout is not None:
        parts["layout"] = lambda: [tensorboard_layout.find(np.frombuffer(d, np.uint8), s + 12, n)
                                   for d, (s, n) in zip(datas, framed)]
    try:
        from tracesift.pipeline.ingest import ingest
    except ImportError:  # a checkout from before the pipeline package
        ingest = None
    if ingest is not None:  # the whole ingest in this process: reading, provenance, roles, Parquet, manifest
        scratch = Path(tempfile.mkdtemp(prefix="tracesift-parts-"))
        stores = iter(range(1_000))
        parts["ingest"] = lambda: ingest([folder], store=scratch / f"s{next(stores)}", jobs=1)
    for name, fn in parts.items():
        print(f"{label} {name:10s} {best_cpu(fn) * 1000:7.1f} ms CPU ({len(files)} files)")
    if ingest is not None:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
