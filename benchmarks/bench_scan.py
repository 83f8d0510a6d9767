"""Scan benchmark: what a warm-store ``tracesift scan`` costs per point, and what many runs cost.

Only the CLI is used (``tracesift ingest``, ``tracesift scan PATH --json``, ``tracesift query STORE SQL``),
each command in a fresh subprocess (wall time including start-up; CPU = user + sys and peak RSS from
``os.wait4`` on that child, via ``bench_ingest.measure``), so the script runs unchanged on later versions.

1. CPU per point vs run length: two corpora with the same number of points, 80 runs x 2,000 steps and
   20 runs x 8,000 steps (10 metrics each, ``bench_ingest.curves``). Each is ingested into a fresh store
   (not timed), then ``tracesift scan <folder> --store <store> --json`` is timed with nothing new to ingest.
   Reported: wall, CPU, peak RSS, CPU microseconds per point, findings, and long/short CPU per point.
2. Many runs: N runs x 2,000 steps x 10 metrics. Ingest (timed, once), warm scan, the number of Parquet
   files in the store, and ``select count(*) from metrics`` through ``tracesift query`` vs plain DuckDB
   (``read_parquet('<store>/metrics/**/*.parquet')`` in a fresh Python), both wall time incl. start-up.
3. NaN check (not timed): ``count(*) ... where isnan(value)`` through ``tracesift query`` (and plain DuckDB)
   vs the NaN values the generator wrote (every 8th run diverges to NaN).

Runs are wide CSV files (``step,loss,grad_norm,...``), generated with numpy once and cached under
``--corpus``. Timed commands run ``--repeat`` times (default 3; once if
the first run took over a minute); the median is reported. Run by hand:

    python benchmarks/bench_scan.py                      # 80x2,000 vs 20x8,000; 300 runs x 2,000
    python benchmarks/bench_scan.py --many-runs 3000     # the issue's size, 60 M scalars
    python benchmarks/bench_scan.py --quick              # smoke test, well under a minute
    python benchmarks/bench_scan.py --part many --out results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import bench_ingest
import numpy as np
from bench_ingest import TRACESIFT, curves, measure

METRICS = 10
SHORT_STEPS, LONG_STEPS, MANY_STEPS = 2_000, 8_000, 2_000
LONG_S = 60  # a command that takes longer is not repeated: noise matters less there, and time does
SCAN_OK = (0, 1)  # scan exits 1 when a critical finding is found, which is the point of this corpus
DUCKDB_CHILD = "import sys, duckdb; print(duckdb.sql(sys.argv[1]).fetchall()[0][0])"


# ---------------------------------------------------------------- corpus
def write_csv(job: tuple[Path, int, int]) -> int:
    """Write one run as a wide CSV; return how many NaN values it holds."""
    folder, run, steps = job
    values = curves(run, steps, METRICS)
    data = np.column_stack([np.arange(1, steps + 1), *values.values()])
    np.savetxt(folder / f"run_{run:04d}.csv", data, fmt=["%d"] + ["%.9g"] * METRICS, delimiter=",",
               header=",".join(["step", *values]), comments="")
    return int(sum(np.isnan(v).sum() for v in values.values()))


def corpus(folder: Path, runs: int, steps: int) -> tuple[Path, dict]:
    """``<folder>/r<runs>_s<steps>_m10/runs/run_NNNN.csv``, generated once, and what the generator wrote."""
    def make(root: Path) -> dict:
        (root / "runs").mkdir()
        with Pool(os.cpu_count()) as pool:
            nans = pool.map(write_csv, [(root / "runs", r, steps) for r in range(runs)], chunksize=4)
        return {"runs": runs, "steps": steps, "metrics": METRICS, "points": runs * steps * METRICS, "nan": sum(nans)}

    root = folder / f"r{runs}_s{steps}_m{METRICS}"
    return root / "runs", bench_ingest.generated(root, make)


# ---------------------------------------------------------------- measurements
def repeated(cmd: list[str], times: int, ok: tuple[int, ...] = (0,)) -> tuple[dict, list[str]]:
    """Run ``cmd`` ``times`` times (once if the first run took over LONG_S): the median of each measure,
    every run's values, and every stdout."""
    runs = [measure(cmd, ok)]
    while len(runs) < times and runs[0]["seconds"] <= LONG_S:
        runs.append(measure(cmd, ok))
    stdouts = [r.pop("stdout") for r in runs]
    keys = ("seconds", "cpu_s", "rss_mib")
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    out["all"] = {k: [r[k] for r in runs] for k in keys}
    return out, stdouts


def ingest(folder: Path, store: Path) -> dict:
    """Ingest ``folder`` into a fresh ``store``."""
    shutil.rmtree(store, ignore_errors=True)
    r = measure([TRACESIFT, "ingest", str(folder), "--store", str(store), "--quiet"])
    r.pop("stdout")
    return r


def warm_scan(folder: Path, store: Path, points: int, times: int) -> dict:
    """Time the scan of an already-ingested folder; count what it found."""
    cmd = [TRACESIFT, "scan", str(folder), "--store", str(store), "--json"]
    r, stdouts = repeated(cmd, times, SCAN_OK)
    docs = [json.loads(s) for s in stdouts]
    found = [len(d["findings"]) for d in docs]
    if len(set(found)) > 1:
        print(f"  warning: the scans found different numbers of findings: {found}", flush=True)
    r["cpu_us_per_point"] = round(r["cpu_s"] / points * 1e6, 3)
    r["findings"] = found[0]
    r["runs_scanned"] = docs[0].get("runs_scanned")
    r["kinds"] = dict(sorted(Counter(f["kind"] for f in docs[0]["findings"]).items()))
    return r


def tracesift_query(store: Path, sql: str) -> int:
    out = subprocess.run([TRACESIFT, "query", str(store), sql, "--json"], capture_output=True, text=True, check=True)
    return int(next(iter(json.loads(out.stdout)[0].values())))


def duckdb_query(sql: str) -> int:
    out = subprocess.run([sys.executable, "-c", DUCKDB_CHILD, sql], capture_output=True, text=True, check=True)
    return int(out.stdout)


def parquet_sql(store: Path, where: str = "") -> str:
    path = str(store / "metrics" / "**" / "*.parquet").replace("'", "''")
    return f"select count(*) from read_parquet('{path}')" + (f" where {where}" if where else "")


def count_star(store: Path, times: int) -> dict:
    """``count(*)`` over metrics: tracesift query vs plain DuckDB on the same files, each a fresh process."""
    ts, ts_out = repeated([TRACESIFT, "query", str(store), "select count(*) as n from metrics", "--json"], times)
    duck, duck_out = repeated([sys.executable, "-c", DUCKDB_CHILD, parquet_sql(store)], times)
    ts["rows"] = int(json.loads(ts_out[0])[0]["n"])
    duck["rows"] = int(duck_out[0])
    return {"tracesift": ts, "duckdb": duck, "ratio": round(ts["seconds"] / duck["seconds"], 2)}


def nan_check(store: Path, want: int) -> dict:
    """NaN values found by ``where isnan(value)``; ``duckdb_aggregate`` counts them with a FILTER clause
    instead, which DuckDB cannot push down to the Parquet statistics, so it reads every value."""
    got = tracesift_query(store, "select count(*) as n from metrics where isnan(value)")
    duck = duckdb_query(parquet_sql(store, "isnan(value)"))
    every = duckdb_query(parquet_sql(store).replace("count(*)", "count(*) filter (where isnan(value))", 1))
    return {"expected": want, "tracesift": got, "duckdb": duck, "duckdb_aggregate": every, "match": got == want}


def parquet_files(store: Path) -> dict:
    files = list(store.rglob("*.parquet"))
    return {"all": len(files), "metrics": sum(1 for f in files if f.relative_to(store).parts[0] == "metrics")}


# ---------------------------------------------------------------- the two parts
def bench_pair(args: argparse.Namespace, stores: Path) -> dict:
    out = {}
    for label, runs, steps in (("short", args.short_runs, SHORT_STEPS), ("long", args.long_runs, LONG_STEPS)):
        folder, want = corpus(args.corpus, runs, steps)
        store = stores / f"pair-r{runs}_s{steps}"
        ingest(folder, store)
        scan = warm_scan(folder, store, want["points"], args.repeat)
        out[label] = {"corpus": want, "scan": scan, "nan": nan_check(store, want["nan"])}
        print(f"  {runs} x {steps:,}: warm scan {scan['seconds']} s, {scan['cpu_s']} s CPU, "
              f"{scan['cpu_us_per_point']} us/point, {scan['findings']} findings", flush=True)
    out["long_over_short"] = round(out["long"]["scan"]["cpu_us_per_point"] / out["short"]["scan"]["cpu_us_per_point"], 2)
    return out


def bench_many(args: argparse.Namespace, stores: Path) -> dict:
    folder, want = corpus(args.corpus, args.many_runs, MANY_STEPS)
    store = stores / f"many-r{args.many_runs}_s{MANY_STEPS}"
    first = ingest(folder, store)
    print(f"  ingest: {first['seconds']} s", flush=True)
    scan = warm_scan(folder, store, want["points"], args.repeat)
    print(f"  warm scan: {scan['seconds']} s, {scan['cpu_s']} s CPU, {scan['findings']} findings", flush=True)
    counts = count_star(store, args.repeat)
    return {"corpus": want, "ingest": first, "scan": scan, "parquet_files": parquet_files(store),
            "count": counts, "nan": nan_check(store, want["nan"])}


# ---------------------------------------------------------------- report
def size(want: dict) -> str:
    return f"{want['runs']:,} x {want['steps']:,}"


def row(corpus: str, what: str, r: dict, result: str = "") -> str:
    per_point = r.get("cpu_us_per_point", "")
    return (f"| {corpus} | {what} | {r['seconds']:.2f} | {r['cpu_s']:.2f} | {r['rss_mib']:.0f} | {per_point} | "
            f"{result} |")


def report(results: dict) -> list[str]:
    lines = ["| runs x steps | what | wall s | CPU s | peak RSS MiB | CPU us/point | result |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    notes = []
    pair, many = results.get("pair"), results.get("many")
    if pair:
        for label in ("short", "long"):
            p = pair[label]
            lines.append(row(size(p["corpus"]), "warm scan", p["scan"], f"{p['scan']['findings']} findings"))
        notes.append(f"CPU per point, long / short runs: {pair['long_over_short']:.2f} (target: within 1.5)")
    if many:
        name, c = size(many["corpus"]), many["count"]
        lines.append(row(name, "ingest (once)", many["ingest"]))
        lines.append(row(name, "warm scan", many["scan"], f"{many['scan']['findings']} findings"))
        lines.append(row(name, "count(*): tracesift query", c["tracesift"], f"{c['tracesift']['rows']:,} rows"))
        lines.append(row(name, "count(*): plain DuckDB", c["duckdb"], f"{c['duckdb']['rows']:,} rows"))
        files = many["parquet_files"]
        notes.append(f"{name}: {files['all']:,} Parquet files in the store ({files['metrics']:,} under metrics/); "
                     f"count(*) tracesift / DuckDB wall: {c['ratio']:.2f} (target: within 1.5)")
    for part in (pair and pair["short"], pair and pair["long"], many):
        if part:
            n, want = part["nan"], part["corpus"]
            notes.append(f"NaN check, {size(want)}: generator wrote {n['expected']:,} NaN; tracesift query "
                         f"isnan(value): {n['tracesift']:,}, plain DuckDB: {n['duckdb']:,} (with count(*) filter "
                         f"(where isnan(value)): {n['duckdb_aggregate']:,}) -> "
                         + ("match" if n["match"] else "MISMATCH"))
    return lines + [""] + notes


def environment() -> dict:
    import tracesift

    package = Path(tracesift.__file__).resolve().parent
    commit = subprocess.run(["git", "-C", str(package), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit.stdout.strip() or None,
            "python": platform.python_version(), "cpus": os.cpu_count(), "argv": sys.argv[1:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/tracesift-bench-scan"), help="corpus cache folder")
    ap.add_argument("--short-runs", type=int, default=80, help=f"runs of {SHORT_STEPS:,} steps (default 80)")
    ap.add_argument("--long-runs", type=int, default=20, help=f"runs of {LONG_STEPS:,} steps (default 20)")
    ap.add_argument("--many-runs", type=int, default=300, help=f"runs of {MANY_STEPS:,} steps (default 300)")
    ap.add_argument("--part", choices=("all", "pair", "many"), default="all")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timed command; the median is reported")
    ap.add_argument("--quick", action="store_true", help="smoke test: 8 x 2,000 vs 2 x 8,000, 20 runs")
    ap.add_argument("--stores", type=Path, help="keep the stores here (default: a temporary folder, removed)")
    ap.add_argument("--out", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    if args.quick:
        args.short_runs, args.long_runs, args.many_runs = 8, 2, 20
    if LONG_STEPS * args.long_runs != SHORT_STEPS * args.short_runs:
        print("note: the two corpora do not have the same number of points", flush=True)
    results = {"environment": environment()}
    with tempfile.TemporaryDirectory(prefix="tracesift-bench-scan-store-") as tmp:
        stores = args.stores or Path(tmp)
        if args.part in ("all", "pair"):
            print("CPU per point vs run length:", flush=True)
            results["pair"] = bench_pair(args, stores)
        if args.part in ("all", "many"):
            print(f"many runs ({args.many_runs:,}):", flush=True)
            results["many"] = bench_many(args, stores)
    print()
    print("\n".join(report(results)))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
