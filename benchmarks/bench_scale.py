"""Scale-out benchmark: the local engine against Ray on this machine, and a local store against S3.

The corpora are the other benchmarks' generators, cached: training runs are ``bench_scan.corpus``
(wide CSV files, 10 metrics, ``bench_ingest.curves``: every 8th run diverges to NaN), trajectories
``bench_agents.corpus`` (chat JSON files of about 30 steps, an eighth of tool results failing).

Each command runs in a fresh subprocess through the CLI, timed with ``bench_ingest.measure`` (wall
time including start-up): ``tracesift ingest <corpus> --store <fresh> -q`` and then a warm
``tracesift scan <corpus> --store <that store> --json`` (nothing new to ingest: the detectors only),
with ``--engine local`` and with ``--engine ray --address <one Ray instance>``, which this script
starts once (``num_cpus`` = the cores) so that Ray's start-up is measured apart. Both engines must
give the same findings; the script stops otherwise.

Object storage: an S3-compatible server on loopback (moto's ``ThreadedMotoServer``, a Python
server holding objects in memory: it measures the cost of going through pyarrow's S3 filesystem,
not the speed of real S3), on a scaled corpus (``--s3-share`` of each, default a tenth): local
inputs into a local store, local inputs into an S3 store, S3 inputs into an S3 store.

It also measures Ray's overhead per task (a map of no-op tasks) and, for the estimate in
``benchmarks/README.md``, per-file and per-subject costs. Run by hand (the bench and test extras)::

    python benchmarks/bench_scale.py                                # 2,000 runs, 50,000 trajectories
    python benchmarks/bench_scale.py --runs 200 --trajectories 5000  # scaled
    python benchmarks/bench_scale.py --quick                        # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bench_agents
import bench_scan
from bench_ingest import TRACESIFT, measure

SCAN_OK = (0, 1)
NOOP_TASKS = 2_000
BUCKET = "tracesift-bench"


def timed(label: str, cmd: list[str], ok: tuple[int, ...] = (0,)) -> dict:
    result = measure(cmd, ok)
    print(f"  {label}: {result['seconds']} s", flush=True)
    return result


def ingest_and_scan(name: str, corpus: str, store: str, engine: list[str]) -> dict:
    """A fresh ingest, then a warm scan; the findings' kinds counted."""
    ingest = timed(f"{name} ingest", [TRACESIFT, "ingest", corpus, "--store", store, "-q", *engine])
    scan = timed(f"{name} scan", [TRACESIFT, "scan", corpus, "--store", store, "--json", *engine], SCAN_OK)
    findings = json.loads(scan.pop("stdout"))["findings"]
    ingest.pop("stdout")
    return {"ingest_s": ingest["seconds"], "scan_s": scan["seconds"], "findings": len(findings),
            "scan_rss_mib": scan["rss_mib"], "digest": sorted(json.dumps(f, sort_keys=True) for f in findings)}


def ray_instance(cpus: int) -> tuple[object, str, float]:
    """A Ray instance for the whole benchmark: the module, its address, and the seconds it took to start."""
    import ray

    os.environ.update({"RAY_worker_niceness": "0"})  # Ray runs its workers at nice 15: on a shared machine they would starve
    started = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    return ray, ray.get_runtime_context().gcs_address, time.perf_counter() - started


def task_overhead(tasks: int) -> float:
    """Milliseconds a no-op Ray task costs, submitted and gathered by tracesift's Ray executor."""
    from tracesift.pipeline.ray_executor import ray_cluster

    with ray_cluster() as executor:
        list(executor.map(abs, list(range(64))))  # workers started, function registered
        started = time.perf_counter()
        list(executor.map(abs, list(range(tasks))))
        return 1000 * (time.perf_counter() - started) / tasks


def engines(corpora: dict[str, Path], stores: Path, address: str) -> dict:
    """Each corpus ingested and scanned by each engine; the findings must agree."""
    results = {}
    for kind, folder in corpora.items():
        print(f"{kind}:", flush=True)
        local = ingest_and_scan("local", str(folder), str(stores / f"{kind}-local"), ["--engine", "local"])
        ray = ingest_and_scan("ray", str(folder), str(stores / f"{kind}-ray"), ["--engine", "ray", "--address", address])
        if local.pop("digest") != ray.pop("digest"):
            raise SystemExit(f"{kind}: the engines' findings differ")
        results[kind] = {"local": local, "ray": ray}
    return results


def scaled(folder: Path, share: float, into: Path) -> Path:
    """A copy of the first ``share`` of a corpus's files (sorted), for the object-storage rounds."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    keep = files[: max(1, int(len(files) * share))]
    target = into / folder.name
    for path in keep:
        (target / path.relative_to(folder)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / path.relative_to(folder))
    return target


def object_storage(corpora: dict[str, Path], share: float, work: Path) -> dict:
    """Local and S3 stores and inputs, on a scaled copy of each corpus, with the local engine."""
    import pyarrow.fs as pafs

    endpoint = os.environ["AWS_ENDPOINT_URL"]
    s3 = pafs.S3FileSystem(endpoint_override=endpoint, allow_bucket_creation=True)
    s3.create_dir(BUCKET)
    results = {}
    for kind, folder in corpora.items():
        small = scaled(folder, share, work / "scaled" / kind)
        started = time.perf_counter()
        pafs.copy_files(str(small), f"{BUCKET}/inputs/{kind}", source_filesystem=pafs.LocalFileSystem(),
                        destination_filesystem=s3)
        print(f"{kind} (scaled to {share:g}): uploaded in {time.perf_counter() - started:.1f} s", flush=True)
        rounds = {"local inputs, local store": (str(small), str(work / "stores" / f"{kind}-local")),
                  "local inputs, S3 store": (str(small), f"s3://{BUCKET}/stores/{kind}-a"),
                  "S3 inputs, S3 store": (f"s3://{BUCKET}/inputs/{kind}", f"s3://{BUCKET}/stores/{kind}-b")}
        measured = {name: ingest_and_scan(name, src, store, []) for name, (src, store) in rounds.items()}
        if len({json.dumps(m.pop("digest")) for m in measured.values()}) != 1:
            raise SystemExit(f"{kind}: findings differ between local and S3")
        results[kind] = {"files": sum(1 for p in small.rglob("*") if p.is_file()), **measured}
    return results


def moto_server() -> Callable[[], None]:
    """Start moto's S3 server on loopback with the AWS variables pointing at it; returns its stop."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_EC2_METADATA_DISABLED="true")
    return server.stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/tracesift-bench-scale"), help="corpus cache folder")
    ap.add_argument("--runs", type=int, default=2_000)
    ap.add_argument("--steps", type=int, default=500, help="steps per run (10 metrics each)")
    ap.add_argument("--trajectories", type=int, default=50_000)
    ap.add_argument("--s3-share", type=float, default=0.1, help="share of each corpus for the S3 rounds")
    ap.add_argument("--quick", action="store_true", help="smoke test: 40 runs, 400 trajectories")
    ap.add_argument("--out", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.trajectories, args.s3_share = 40, 400, 0.5
    runs, _ = bench_scan.corpus(args.corpus / "runs", args.runs, args.steps)  # before Ray: the generators fork
    trajectories = bench_agents.corpus(args.corpus / "agents", args.trajectories, seed=1)[0] / "trajectories"
    corpora = {"runs": runs, "trajectories": trajectories}
    stop_moto = moto_server()  # then the server: Ray's workers take the AWS variables from this process
    ray, address, ray_start_s = ray_instance(os.cpu_count() or 1)
    try:
        results = {"environment": bench_scan.environment(), "runs": args.runs, "steps": args.steps,
                   "trajectories": args.trajectories,
                   "ray_start_s": round(ray_start_s, 2), "ray_task_ms": round(task_overhead(NOOP_TASKS), 3)}
        print(f"Ray: started in {ray_start_s:.1f} s; {results['ray_task_ms']} ms a task", flush=True)
        with tempfile.TemporaryDirectory(prefix="tracesift-bench-scale-") as tmp:
            results["engines"] = engines(corpora, Path(tmp), address)
            results["object_storage"] = object_storage(corpora, args.s3_share, Path(tmp))
    finally:
        ray.shutdown()
        stop_moto()
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
