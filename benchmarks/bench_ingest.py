"""Side-by-side benchmark: reading training logs with tracesift vs what a user would otherwise do.

Compared, each in a fresh subprocess (wall time, and peak RSS from ``os.wait4`` of that child):

* TensorBoard event files: ``tbparse.SummaryReader(tb, pivot=False, extra_columns={"dir_name"}).scalars``
  vs ``tracesift ingest tb --store <fresh> --quiet`` (default jobs, ``--jobs 1``) and a re-run on the
  unchanged folder.
* HF ``trainer_state.json`` + wide CSV + JSONL: pandas (``json.load`` + ``pd.DataFrame(log_history)``,
  ``pd.read_csv``, ``pd.read_json(lines=True)``, concatenated per kind) vs ``tracesift ingest`` of the folder.

The corpus (default 40 runs x 10 tags x 2,000 steps per format) is generated once and cached under
``--corpus``. Point counts are checked against what the generator wrote. Run by hand:

    python benchmarks/bench_ingest.py [--runs 40 --tags 10 --steps 2000] [--out r.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

import numpy as np

BASE_TAGS = ["loss", "grad_norm", "lr", "accuracy", "perplexity", "entropy", "tokens_per_sec", "weight_norm",
             "eval_loss", "eval_accuracy"]
TRACESIFT = str(Path(sys.executable).parent / "tracesift")
TASKS = (("event files", "tb", "tbparse"), ("json/csv", "tabular", "pandas"))


# ---------------------------------------------------------------- corpus
def curves(run: int, steps: int, ntags: int) -> dict[str, np.ndarray]:
    """Plausible noisy training curves; every 8th run (run % 8 == 3) diverges to NaN near the end."""
    rng = np.random.default_rng(run)
    s = np.arange(1, steps + 1, dtype=np.float64)
    decay = 0.1 + 0.1 * rng.random()
    loss = 1.6 + 0.4 * rng.random() + 6 * np.exp(-s / (decay * steps)) + rng.normal(0, 0.05, steps)
    warm = max(1, steps // 20)
    lr = 3e-4 * np.where(s < warm, s / warm, 0.5 * (1 + np.cos(np.pi * (s - warm) / max(1, steps - warm))))
    out = {
        "loss": loss, "grad_norm": (0.4 + 3 * np.exp(-s / (0.05 * steps))) * rng.lognormal(0, 0.3, steps), "lr": lr,
        "accuracy": 0.85 * (1 - np.exp(-s / (0.2 * steps))) + rng.normal(0, 0.01, steps),
        "perplexity": np.exp(loss), "entropy": 0.5 * loss + rng.normal(0, 0.02, steps),
        "tokens_per_sec": rng.normal(52_000, 1_500, steps), "weight_norm": 80 + 0.01 * s + rng.normal(0, 0.1, steps),
        "eval_loss": loss + 0.1 + rng.normal(0, 0.02, steps), "eval_accuracy": 0.8 * (1 - np.exp(-s / (0.25 * steps))),
    }
    for k in range(len(BASE_TAGS), ntags):
        out[f"metric_{k}"] = np.cumsum(rng.normal(0, 0.01, steps))
    out = {name: out[name] for name in list(out)[:ntags]}
    if run % 8 == 3:  # a divergence: loss spikes, then NaN for the last 5% of steps
        bad = int(steps * 0.95)
        for name in ("loss", "grad_norm", "perplexity"):
            if name in out:
                out[name][bad - 20:bad] *= np.linspace(1, 50, 20)
                out[name][bad:] = np.nan
    return {name: v.astype(np.float32).astype(np.float64) for name, v in out.items()}


def write_run(job: tuple[Path, int, int, int]) -> dict[str, int]:
    """Write one run in all four formats; return the scalar points written (NaN included) and the NaN ones."""
    root, run, ntags, steps = job
    import logging

    from tensorboardX import SummaryWriter

    logging.getLogger("tensorboardX.x2num").setLevel(logging.ERROR)  # one "NaN or Inf found" per NaN otherwise
    values, name = curves(run, steps, ntags), f"run_{run:03d}"
    writer = SummaryWriter(str(root / "tb" / name))
    for i in range(steps):
        for tag, v in values.items():
            writer.add_scalar(f"{'eval' if tag.startswith('eval') else 'train'}/{tag}", v[i], i + 1)
    writer.close()
    hf_points, hf_nan = write_trainer_state(root / "tabular" / "hf" / name / "trainer_state.json", values, steps)
    lines = [",".join(["step", *values])]
    lines += [",".join([str(i + 1), *(repr(float(v[i])) for v in values.values())]) for i in range(steps)]
    (root / "tabular" / "csv" / f"{name}.csv").write_text("\n".join(lines) + "\n")
    jl = root / "tabular" / "jsonl" / name / "metrics.jsonl"
    jl.parent.mkdir(parents=True, exist_ok=True)
    jl.write_text("".join(json.dumps({"step": i + 1, **{k: float(v[i]) for k, v in values.items()}}) + "\n"
                          for i in range(steps)))
    nan = sum(int(np.isnan(v).sum()) for v in values.values())
    tabular = hf_points + 2 * ntags * steps
    return {"tb": ntags * steps, "tb_nan": nan, "tabular": tabular, "tabular_nan": hf_nan + 2 * nan}


def write_trainer_state(path: Path, v: dict[str, np.ndarray], steps: int, per_epoch: int = 500) -> tuple[int, int]:
    """Same layout HF writes: json.dumps(asdict(state), indent=2, sort_keys=True) + newline."""
    history = []
    for i in range(steps):
        s, epoch = i + 1, round((i + 1) / per_epoch, 6)
        history.append({"epoch": epoch, "grad_norm": float(v["grad_norm"][i]),
                        "learning_rate": float(v["lr"][i]), "loss": float(v["loss"][i]), "step": s})
        if s % 100 == 0:
            history.append({"epoch": epoch, "eval_loss": float(v["loss"][i] + 0.1), "eval_runtime": 12.3456,
                            "eval_samples_per_second": 81.004, "eval_steps_per_second": 10.125, "step": s})
    history.append({"epoch": steps / per_epoch, "step": steps, "total_flos": 1.2e17, "train_loss": 2.41,
                    "train_runtime": 3600.5, "train_samples_per_second": 35.5, "train_steps_per_second": 0.556})
    state = {"best_global_step": None, "best_metric": None, "best_model_checkpoint": None, "epoch": steps / per_epoch,
             "eval_steps": 100, "global_step": steps, "is_hyper_param_search": False, "is_local_process_zero": True,
             "is_world_process_zero": True, "log_history": history, "logging_steps": 1, "max_steps": steps,
             "num_input_tokens_seen": 0, "num_train_epochs": math.ceil(steps / per_epoch), "save_steps": 500,
             "stateful_callbacks": {"TrainerControl": {"args": {"should_epoch_stop": False, "should_evaluate": False,
                                    "should_log": False, "should_save": True, "should_training_stop": True},
                                    "attributes": {}}},
             "total_flos": 1.2e17, "train_batch_size": 8, "trial_name": None, "trial_params": None}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    points = [x for e in history[:-1] for k, x in e.items() if k != "step"]
    return len(points), sum(1 for x in points if x != x)  # the closing summary is not a metric point


def generated(root: Path, make: Callable[[Path], dict]) -> dict:
    """The counts ``make(root)`` returns of what it wrote into ``root``, made once.

    The counts and the seconds it took are kept in ``<root>.done.json``, beside the folder (inside, a reader would
    take the file for a log); a folder without one was cut short and is made again.
    """
    done = root.with_name(root.name + ".done.json")
    if done.exists():
        print(f"corpus: cached at {root}", flush=True)
        return json.loads(done.read_text())
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    counts = make(root)
    os.sync()  # or the first timed run competes with the write-back of the corpus
    want = {**counts, "seconds": round(time.perf_counter() - started, 1)}
    done.write_text(json.dumps(want))
    print(f"corpus: generated {root} in {want['seconds']} s ({os.cpu_count()} processes)", flush=True)
    return want


def corpus(folder: Path, runs: int, ntags: int, steps: int) -> tuple[Path, dict]:
    """``<folder>/r<runs>_t<ntags>_s<steps>``, generated once, and what the generator wrote."""
    def make(root: Path) -> dict:
        (root / "tabular" / "csv").mkdir(parents=True)
        with Pool(os.cpu_count()) as pool:
            counts = pool.map(write_run, [(root, r, ntags, steps) for r in range(runs)], chunksize=1)
        return {k: sum(c[k] for c in counts) for k in counts[0]}

    root = folder / f"r{runs}_t{ntags}_s{steps}"
    return root, generated(root, make)


# ---------------------------------------------------------------- what the child processes run
def child_tbparse(folder: str) -> dict:
    from tbparse import SummaryReader

    df = SummaryReader(folder, pivot=False, extra_columns={"dir_name"}).scalars
    return {"rows": len(df)}


def load_json(path: Path) -> dict:
    with open(path) as handle:
        return json.load(handle)


def child_pandas(folder: str) -> dict:
    import pandas as pd

    root = Path(folder)
    hf = [pd.DataFrame(load_json(f)["log_history"]) for f in sorted(root.rglob("trainer_state.json"))]
    csv = [pd.read_csv(f) for f in sorted(root.rglob("*.csv"))]
    jl = [pd.read_json(f, lines=True) for f in sorted(root.rglob("*.jsonl"))]
    frames = [pd.concat(kind, ignore_index=True) for kind in (hf, csv, jl) if kind]
    # points = non-missing cells other than step; pandas cannot tell a logged NaN from "not logged"
    return {"rows": int(sum(f.drop(columns="step").notna().sum().sum() for f in frames)),
            "frame_rows": int(sum(len(f) for f in frames))}


def measure(cmd: list[str], ok: tuple[int, ...] = (0,)) -> dict:
    """Run ``cmd``; wall seconds, and from os.wait4 peak RSS (max over it and its reaped children) and
    CPU seconds (user + sys of it and its reaped children). An exit code outside ``ok`` stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return {"seconds": round(seconds, 2), "rss_mib": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "stdout": out}


def tracesift_count(store: Path) -> int:
    out = subprocess.run([TRACESIFT, "query", str(store), "select count(*) as n from metrics", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return int(json.loads(out)[0]["n"])


def bench_task(task: str, folder: Path, baseline: str, tmp: Path, also: dict[str, str] | None = None) -> list[dict]:
    """The baseline, then this tracesift, then each other tracesift in ``also`` (name -> executable)."""
    rows = []
    me = [sys.executable, __file__, "--child", baseline, str(folder)]
    r = measure(me)
    counts = json.loads(r.pop("stdout"))
    rows.append({"task": task, "tool": baseline, **r, **counts})
    print(f"  {baseline}: {r['seconds']} s", flush=True)
    for name, exe in {"": TRACESIFT, **(also or {})}.items():
        rows += tracesift_rows(task, folder, tmp / (name or "this"), exe, f" [{name}]" if name else "")
    for row in rows:
        row["speedup"] = round(rows[0]["seconds"] / row["seconds"], 2) if row["tool"] != baseline else 1.0
    return rows


def tracesift_rows(task: str, folder: Path, tmp: Path, exe: str, suffix: str) -> list[dict]:
    """``exe ingest`` into a fresh store with the default jobs, again unchanged, then ``--jobs 1``."""
    rows = []
    for jobs in (None, 1):
        store = tmp / f"{task}-{jobs or 'default'}"
        cmd = [exe, "ingest", str(folder), "--store", str(store), "--quiet"] + (["--jobs", "1"] if jobs else [])
        label = "tracesift ingest" + suffix + (" --jobs 1" if jobs else "")
        runs = [(label, measure(cmd))] + ([] if jobs else [(label + " (re-run)", measure(cmd))])
        for tool, r in runs:
            r.pop("stdout")
            rows.append({"task": task, "tool": tool, **r, "rows": tracesift_count(store)})
            print(f"  {tool}: {r['seconds']} s", flush=True)
    rows[1]["rerun_ratio"] = round(rows[0]["seconds"] / rows[1]["seconds"], 1)
    return rows


def table(rows: list[dict]) -> str:
    head = "| task | tool | seconds | peak RSS MiB | rows | baseline s / this s | first / re-run |"
    lines = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['tool']} | {r['seconds']:.2f} | {r['rss_mib']:.0f} | {r['rows']:,} | "
                     f"{r['speedup']:.2f} | {r.get('rerun_ratio', '')} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/tracesift-bench"))
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--tags", type=int, default=10)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only", choices=["tb", "tabular"], help="measure one task only")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=EXE",
                    help="also measure another tracesift executable (e.g. an older checkout's), side by side")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps({"tbparse": child_tbparse, "pandas": child_pandas}[args.child[0]](args.child[1])))
        return
    root, want = corpus(args.corpus, args.runs, args.tags, args.steps)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tracesift-bench-store-") as tmp:
        also = dict(item.split("=", 1) for item in args.also)
        for task, sub, baseline in TASKS:
            if args.only in (None, sub):
                print(f"{task}:", flush=True)
                rows += bench_task(task, root / sub, baseline, Path(tmp), also)
    print()
    print(table(rows))
    print()
    for task, key, _ in TASKS:
        if args.only not in (None, key):
            continue
        counts = {r["tool"]: r["rows"] for r in rows if r["task"] == task}
        print(f"{task}: generator wrote {want[key]:,} points ({want[key + '_nan']:,} NaN); "
              + ", ".join(f"{t}: {n:,}" + ("" if n == want[key] else f" (off by {n - want[key]:+,})")
                          for t, n in counts.items()))
    print("(pandas points = non-missing cells but step: a logged NaN reads as missing, and each\n"
          " trainer_state's closing summary row adds its cells, which tracesift keeps in runs.config)")
    if args.out:
        args.out.write_text(json.dumps({"corpus": str(root), "expected": want, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
