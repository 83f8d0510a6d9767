"""Side-by-side benchmark: reading a large console log with tracesift vs a plain Python loop.

For each line shape (HF/TRL dict lines after tqdm bars, verl ``step:N - k:v`` lines, ``key=value``
lines), one log of about ``--mb`` MB is written once (seeded) under ``--corpus``, each opening with a
long preamble (a config dump, printed source code, warnings). Then, each in a fresh subprocess:

* the baseline a user would write: read line by line; a dict line goes through ``ast.literal_eval``,
  any other line through one ``re.findall`` of ``key=value`` / ``key:value`` pairs;
* the console reader alone: ``stdout_log.read`` of the log, in a process of its own;
* ``tracesift ingest <log> --store <fresh> --quiet``.

All are reported in MB/s of log. Run by hand (the test suite does not):

    python benchmarks/bench_console.py [--mb 1024] [--shapes hf,verl,kv] [--tools loop,reader,ingest] [--repeat 1]
                                       [--out r.json]
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_ingest import TRACESIFT, measure, tracesift_count  # noqa: E402

SHAPES = ("hf", "verl", "kv")


# ---------------------------------------------------------------- corpus
def preamble(rng: random.Random) -> str:
    """What real logs print before their first metric: config, source code, banners, warnings."""
    config = [f"actor_rollout_ref.actor.optim.lr: {rng.choice(['1e-6', '3e-6'])}",
              "data.train_batch_size: 256", "trainer.total_epochs: 15", "model.path: Qwen/Qwen2.5-7B"]
    code = ["def get_lr(it):", "    if it < warmup_iters:", "        return learning_rate * it / warmup_iters",
            "    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)"]
    warn = ["UserWarning: torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly.",
            "[2026-11-30 10:01:02,123] [INFO] [real_accelerator.py:203:get_accelerator] Setting ds_accelerator to cuda",
            "(raylet) file_system_monitor.cc:111: /tmp/ray is over 95% full, available space: 1.2 GB"]
    lines = []
    for _ in range(3000):
        lines.append(rng.choice(config + code + warn + ["", "=" * 80, "Loading checkpoint shards: 100%"]))
    return "\n".join(lines) + "\n"


def hf_lines(step: int, rng: random.Random) -> str:
    loss = 2.0 * math.exp(-step / 40_000) + 0.3 + rng.gauss(0, 0.02)
    bar = f"\r{100 * step // 10**6:3d}%|{'#' * (step % 20):<20}| {step}/1000000 [12:34<56:07, {rng.uniform(1, 9):.2f}it/s]"
    line = (f"{{'loss': {loss:.4f}, 'grad_norm': {rng.lognormvariate(0, 0.3):.6f}, "
            f"'learning_rate': {3e-5 * (1 - step / 10**6):.4e}, 'epoch': {step / 5000:.2f}}}")
    if step % 500 == 0:
        line += f"\n{{'eval_loss': {loss + 0.1:.4f}, 'eval_runtime': 12.3, 'epoch': {step / 5000:.2f}}}"
    return f"{bar}{line}\n"


def verl_lines(step: int, rng: random.Random) -> str:
    fields = {"actor/entropy": 0.6 * math.exp(-step / 90_000), "actor/pg_loss": rng.gauss(0, 0.01),
              "actor/grad_norm": rng.lognormvariate(-1, 0.4), "critic/score/mean": 0.2 + step / 2e6,
              "critic/rewards/mean": 0.2 + step / 2e6, "response_length/mean": 400 + rng.gauss(0, 20),
              "response_length/clip_ratio": 0.01, "actor/ppo_kl": abs(rng.gauss(0, 1e-3)),
              "timing_s/gen": rng.uniform(30, 40), "perf/throughput": rng.uniform(900, 1100)}
    return f"step:{step} - " + " - ".join(f"{k}:{v:.6g}" for k, v in fields.items()) + "\n"


def kv_lines(step: int, rng: random.Random) -> str:
    loss = 3.0 * math.exp(-step / 50_000) + 1.0 + rng.gauss(0, 0.02)
    return (f"2026-11-30 10:{step // 60 % 60:02d}:{step % 60:02d} INFO train step={step} loss={loss:.5f} "
            f"lr={6e-4 * (1 - step / 10**6):.3e} grad_norm={rng.lognormvariate(0, 0.3):.4f} "
            f"tokens_per_sec={rng.uniform(4e5, 5e5):.0f}\n")


LINES = {"hf": hf_lines, "verl": verl_lines, "kv": kv_lines}


def write_log(path: Path, shape: str, megabytes: int, seed: int = 0) -> int:
    """Write one console log of about ``megabytes`` MB; returns the metric lines written."""
    rng, target, step = random.Random(seed), megabytes * 10**6, 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".tmp"), "w") as out:
        written = out.write(preamble(rng))
        while written < target:
            chunk = "".join(LINES[shape](step + i, rng) for i in range(1, 2001))
            written += out.write(chunk)
            step += 2000
    path.with_suffix(".tmp").rename(path)
    return step


def corpus(folder: Path, shape: str, megabytes: int) -> Path:
    path = folder / f"{shape}_{megabytes}mb" / "train.log"
    if not path.exists():
        print(f"writing {path} ...", flush=True)
        write_log(path, shape, megabytes)
        os.sync()
    return path


# ---------------------------------------------------------------- what the child process runs
PAIR = re.compile(r"([A-Za-z][\w/.\-]*)\s*[=:]\s*([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf))(?![\w.])")


def child_baseline(path: str) -> dict:
    """A user's loop: ``ast.literal_eval`` of each dict line, ``re.findall`` of pairs on the others."""
    columns: dict[str, array] = {}
    with open(path, errors="replace") as handle:
        for line in handle:
            for part in line.split("\r"):
                start = part.find("{'")
                if start >= 0:
                    try:
                        pairs = ast.literal_eval(part[start:].strip()).items()
                    except (ValueError, SyntaxError):
                        continue
                else:
                    pairs = PAIR.findall(part)
                for key, value in pairs:
                    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                        columns.setdefault(key, array("d")).append(float(value))
    return {"rows": sum(len(c) for c in columns.values())}


def child_reader(path: str) -> dict:
    """tracesift's console reader alone, without the rest of ingest (sniffing, hashing, roles, Parquet)."""
    from tracesift.readers import stdout_log
    from tracesift.readers.base import Input

    return {"rows": stdout_log.read(Input(Path(path), Path(path).name)).rows("metrics")}


# ---------------------------------------------------------------- measuring
TOOLS = {"loop": "python loop", "reader": "tracesift reader", "ingest": "tracesift ingest"}


def bench_shape(shape: str, log: Path, tmp: Path, repeat: int, tools: list[str]) -> list[dict]:
    """The baseline, the reader alone and ``tracesift ingest`` (those of ``tools``), alternating, ``repeat``
    times each; medians."""
    size_mb = log.stat().st_size / 10**6
    runs: dict[str, list[dict]] = {TOOLS[tool]: [] for tool in tools}
    for attempt in range(repeat):
        if "loop" in tools:
            base = measure([sys.executable, __file__, "--child", str(log)])
            runs["python loop"].append({**base, **json.loads(base.pop("stdout"))})
        if "reader" in tools:
            reader = measure([sys.executable, __file__, "--reader", str(log)])
            runs["tracesift reader"].append({**reader, **json.loads(reader.pop("stdout"))})
        if "ingest" in tools:
            store = tmp / f"{shape}-{attempt}"
            ours = measure([TRACESIFT, "ingest", str(log), "--store", str(store), "--quiet"])
            ours.pop("stdout")
            runs["tracesift ingest"].append({**ours, "rows": tracesift_count(store)})
        print(f"  {shape} #{attempt + 1}: " + ", ".join(f"{tool} {results[-1]['seconds']} s"
                                                     for tool, results in runs.items())
              + f" (load {os.getloadavg()[0]:.2f})", flush=True)
    rows = []
    for tool, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        rows.append({"shape": shape, "tool": tool, "mb": round(size_mb), "seconds": seconds,
                     "all_seconds": [r["seconds"] for r in results], "mb_per_s": round(size_mb / seconds, 1),
                     "cpu_s": statistics.median(r["cpu_s"] for r in results),
                     "rss_mib": max(r["rss_mib"] for r in results), "rows": results[-1]["rows"]})
    if "loop" in tools:
        for row in rows[1:]:
            row["ratio"] = round(rows[0]["seconds"] / row["seconds"], 2)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| log | tool | MB | seconds (median) | MB/s | CPU s | peak RSS MiB | points | loop s / tracesift s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['tool']} | {r['mb']:,} | {r['seconds']:.2f} | {r['mb_per_s']:.1f} | "
                     f"{r['cpu_s']:.1f} | {r['rss_mib']:.0f} | {r['rows']:,} | {r.get('ratio', '')} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/tracesift-bench-console"))
    ap.add_argument("--mb", type=int, default=1024, help="size of each log in MB (10**6 bytes)")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, of: " + ", ".join(SHAPES))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated, of: " + ", ".join(TOOLS))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--reader", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child or args.reader:
        print(json.dumps(child_baseline(args.child) if args.child else child_reader(args.reader)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="tracesift-bench-console-") as tmp:
        for shape in args.shapes.split(","):
            rows += bench_shape(shape, corpus(args.corpus, shape, args.mb), Path(tmp), args.repeat, args.tools.split(","))
    print()
    print(table(rows))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
