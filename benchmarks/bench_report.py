"""Benchmark: writing the HTML report, its size, the time Chromium takes to load it, beside tbparse and
TensorBoard's own loader reading the logs.

Two measurements, each in fresh subprocesses (``bench_ingest.measure``: wall time, peak RSS):

* end to end, on files: ``--runs`` TensorBoard runs (tensorboardX event files, ``--tags`` scalars each,
  ``--steps`` steps, every 8th diverging: ``bench_ingest.curves``) and ``--trajectories`` OpenAI-style chat
  trajectories (``bench_agents``), generated once into ``--corpus``; ``tracesift report`` of the folder
  into a fresh store, against ``tbparse.SummaryReader(...).scalars`` reading the same event files (what a
  TensorBoard user would run to get the numbers out) and TensorBoard's own loader under it,
  ``EventAccumulator(run, size_guidance={SCALARS: 0}).Reload()`` run by run (``--baselines``);
* render only, at full size in one process: ``--full-runs`` x ``--tags`` x ``--full-steps`` series and
  ``--full-trajectories`` trajectories built in memory (no files, no scan), each series reduced to its
  envelope and the page rendered (``tracesift.pipeline.report.run_data`` and ``reports.html_report.render``).

For each report, the file's size and the time ``chromium --headless --dump-dom`` takes on it, less its time
on an empty page (the browser's own start-up). Run by hand:

    python benchmarks/bench_report.py [--runs 20 --tags 10 --steps 10000 --trajectories 1000]
                                      [--full-runs 200 --full-steps 10000 --full-trajectories 1000] [--jobs N]
    python benchmarks/bench_report.py --phases FOLDER      # where one report's time goes, in one process
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_agents  # noqa: E402
import bench_ingest  # noqa: E402

TRACESIFT = str(Path(sys.executable).parent / "tracesift")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def write_run(job: tuple[Path, int, int, int]) -> int:
    root, run, tags, steps = job
    import logging

    from tensorboardX import SummaryWriter

    logging.getLogger("tensorboardX.x2num").setLevel(logging.ERROR)
    values = bench_ingest.curves(run, steps, tags)
    writer = SummaryWriter(str(root / "tb" / f"run_{run:03d}"))
    for i in range(steps):
        for tag, v in values.items():
            writer.add_scalar(f"{'eval' if tag.startswith('eval') else 'train'}/{tag}", v[i], i + 1)
    writer.close()
    return tags * steps


def corpus(folder: Path, runs: int, tags: int, steps: int, trajectories: int) -> Path:
    def make(root: Path) -> dict:
        (root / "agents").mkdir()
        with Pool(os.cpu_count()) as pool:
            points = sum(pool.map(write_run, [(root, r, tags, steps) for r in range(runs)], chunksize=1))
            chunk = 250
            pool.map(bench_agents.write_chunk, [(root / "agents", a, min(trajectories, a + chunk), 0)
                                                for a in range(0, trajectories, chunk)])
        return {"points": points}

    root = folder / f"report_r{runs}_t{tags}_s{steps}_n{trajectories}"
    bench_ingest.generated(root, make)
    return root


def child_tbparse(folder: str) -> dict:
    from tbparse import SummaryReader

    frame = SummaryReader(folder, pivot=False, extra_columns={"dir_name"}).scalars
    return {"rows": len(frame)}


def child_event_accumulator(folder: str) -> dict:
    """TensorBoard's own loader (what tbparse and TensorBoard's server use), every scalar kept, run by run."""
    from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

    rows = 0
    for run in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        accumulator = EventAccumulator(str(run), size_guidance={SCALARS: 0})  # 0: keep every event
        accumulator.Reload()
        rows += sum(len(accumulator.Scalars(tag)) for tag in accumulator.Tags()[SCALARS])
    return {"rows": rows}


BASELINES = {"tbparse": (child_tbparse, "tbparse SummaryReader(...).scalars"),
             "event_accumulator": (child_event_accumulator, "TensorBoard's EventAccumulator, Reload()")}


def chromium_load(page: Path, profile: Path) -> float | None:
    """Seconds Chromium takes to load and lay out ``page``, less its time on an empty page."""
    if CHROMIUM is None:
        return None
    empty = profile / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title>")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile / 'p'}",
             "--dump-dom"]
    times = {}
    for name, target in (("empty", empty), ("page", page), ("empty2", empty), ("page2", page)):
        times[name] = bench_ingest.measure([*flags, target.as_uri()])["seconds"]
    return round(min(times["page"], times["page2"]) - min(times["empty"], times["empty2"]), 2)


def full_size(runs: int, tags: int, steps: int, trajectories: int, out: Path) -> dict:
    """Render a report of ``runs`` x ``tags`` x ``steps`` series and ``trajectories`` trajectories built in memory."""
    import pyarrow as pa

    from tracesift.detectors.base import runs_of_table
    from tracesift.findings import Finding, IngestReport, ScanResult, Severity
    from tracesift.pipeline.compare import compare_folders
    from tracesift.pipeline.report import overlaid, run_data, with_info
    from tracesift.report_data import ReportData
    from tracesift.reports.html_report import write_report

    started = time.perf_counter()
    built = []
    for r in range(runs):
        values = bench_ingest.curves(r, steps, tags)
        table = pa.table({
            "run_id": [f"sweep/run_{r:03d}"] * (tags * steps),
            "metric": np.repeat(list(values), steps), "raw_metric": np.repeat(list(values), steps),
            "step": np.tile(np.arange(1, steps + 1), tags), "value": np.concatenate(list(values.values())),
            "source_file": [f"run_{r:03d}"] * (tags * steps)})
        run = next(runs_of_table(table))
        findings = [Finding(run.run_id, "divergence", "divergence", Severity.critical, "loss diverged", metric="loss",
                            onset_step=int(steps * 0.93), first_step=int(steps * 0.95))] if r % 8 == 3 else []
        built.append(with_info(run_data(run, findings), {"config": json.dumps({"lr": 1e-4 * (1 + r % 8)})}))
    gathered = time.perf_counter() - started
    made = synthetic_trajectories(trajectories)
    findings = [f for r in built for f in r.findings] + [f for t in made for f in t.findings]
    result = ScanResult(findings, IngestReport("memory"), ["divergence", "first_failure"], runs, trajectories)
    data = ReportData(result, built, made, [], compare_folders(built, overlaid))
    rendered = time.perf_counter()
    size = write_report(data, out)
    took = round(time.perf_counter() - rendered, 2)
    return {"points": runs * tags * steps, "envelopes_s": round(gathered, 2), "render_s": took,
            "mb": round(size / 1e6, 1), "matplotlib": matplotlib_per_run(built[:5])}


def matplotlib_per_run(runs: list) -> dict:
    """What drawing each run's panels with matplotlib instead would cost: seconds and KB of SVG per run."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: smaller and faster than paths
    from matplotlib.figure import Figure

    started, size = time.perf_counter(), 0
    for run in runs:
        figure = Figure(figsize=(15, 5))
        for axes, (metric, e) in zip(figure.subplots(2, 5).flat, run.series.items()):
            axes.fill_between(e.steps, e.lo, e.hi, linewidth=0.6)
            axes.set_title(metric, fontsize=8)
        out = io.StringIO()
        figure.savefig(out, format="svg")
        size += len(out.getvalue())
    return {"s_per_run": round((time.perf_counter() - started) / len(runs), 2), "kb_per_run": size // len(runs) // 1000}


def synthetic_trajectories(n: int, steps: int = 30) -> list:
    """``n`` trajectories of ``steps`` steps, each failed at step 9, with tokens and cost on every step."""
    from tracesift.findings import Finding, Severity, SubjectType
    from tracesift.report_data import StepData, TrajectoryData

    rng = np.random.default_rng(0)
    kinds = ("tool_result", "message", "tool_call")
    made = []
    for i in range(n):
        name = f"agents/traj_{i:05d}.json"
        steps_of = [StepData(s, "tool" if s % 3 == 0 else "assistant", None, kinds[s % 3], "bash" if s % 3 != 1 else None,
                             None, " ".join(rng.choice(bench_agents.WORDS, 60)), s % 3 == 0 and rng.random() < 0.15,
                             None, 1500 + 10 * s, 50, 0.001) for s in range(steps)]
        located = Finding(name, "first_failure", "first_failure", Severity.critical, "first failure at step 9",
                          first_step=9, onset_step=9, subject_type=SubjectType.trajectory)
        made.append(TrajectoryData(name, "chat_messages", None, "Fix the failing test.", "failure", steps_of, [located]))
    return made


def phases(folder: Path, store: Path, out: Path) -> str:
    """Where a report's time goes, in this process: ingest and scan (drawing as it judges), gather, render, and a
    second scan."""
    from tracesift.pipeline.report import drawn, gather
    from tracesift.pipeline.scan import scan
    from tracesift.reports.html_report import write_report

    started = time.perf_counter()
    result = scan([folder], store=store, jobs=1, fail_on=None, keep=drawn)
    scanned = time.perf_counter()
    data = gather(result)
    gathered = time.perf_counter()
    size = write_report(data, out)
    written = time.perf_counter()
    scan([folder], store=store, jobs=1, fail_on=None)
    again = time.perf_counter() - written
    return (f"ingest+scan {scanned - started:.1f} s (the scan alone, nothing new to ingest: {again:.1f} s), "
            f"gather {gathered - scanned:.1f} s, render {written - gathered:.1f} s, {size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "tracesift-bench")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--trajectories", type=int, default=1000)
    parser.add_argument("--full-runs", type=int, default=200)
    parser.add_argument("--full-steps", type=int, default=10_000)
    parser.add_argument("--full-trajectories", type=int, default=1000)
    parser.add_argument("--skip-files", action="store_true", help="Only the in-memory full-size render.")
    parser.add_argument("--jobs", type=int, help="tracesift report --jobs (default: one per core).")
    parser.add_argument("--phases", type=Path, help="Only time the phases of a report of this folder.")
    parser.add_argument("--baselines", default="tbparse,event_accumulator",
                        help="What reads the event files beside tracesift: tbparse, event_accumulator (comma-separated).")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(BASELINES[args.child[0]][0](args.child[1])))
        return
    with tempfile.TemporaryDirectory(prefix="tracesift-report-") as tmp:
        tmp = Path(tmp)
        if args.phases:
            print(phases(args.phases, tmp / "store", tmp / "report.html"))
            return
        if not args.skip_files:
            root = corpus(args.corpus, args.runs, args.tags, args.steps, args.trajectories)
            page = tmp / "report.html"
            jobs = ["--jobs", str(args.jobs)] if args.jobs else []
            mine = bench_ingest.measure([TRACESIFT, "report", str(root), "--store", str(tmp / "store"), "-o",
                                         str(page), *jobs])
            print(f"files: {args.runs} runs x {args.tags} tags x {args.steps} steps and {args.trajectories} "
                  f"trajectories")
            print(f"  tracesift report: {mine['seconds']} s, {mine['rss_mib']} MiB peak; "
                  f"{page.stat().st_size / 1e6:.1f} MB; Chromium load {chromium_load(page, tmp)} s", flush=True)
            for name in args.baselines.split(","):
                theirs = bench_ingest.measure([sys.executable, __file__, "--child", name, str(root / "tb")])
                rows = json.loads(theirs.pop("stdout"))["rows"]
                print(f"  {BASELINES[name][1]} (event files only, {rows:,} scalars): {theirs['seconds']} s, "
                      f"{theirs['rss_mib']} MiB peak; ratio to tracesift report {theirs['seconds'] / mine['seconds']:.2f}",
                      flush=True)
        page = tmp / "full.html"
        full = full_size(args.full_runs, args.tags, args.full_steps, args.full_trajectories, page)
        print(f"in memory: {args.full_runs} runs x {args.tags} tags x {args.full_steps} steps ({full['points']:,} "
              f"points) and {args.full_trajectories} trajectories: envelopes {full['envelopes_s']} s, render "
              f"{full['render_s']} s, {full['mb']} MB; Chromium load {chromium_load(page, tmp)} s; matplotlib would take "
              f"{full['matplotlib']['s_per_run']} s and {full['matplotlib']['kb_per_run']} KB of SVG a run")


if __name__ == "__main__":
    main()
