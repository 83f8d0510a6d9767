"""MLflow's legacy file store: an ``mlruns/`` folder (``file:///.../mlruns``).

Layout read: ``<root>/<experiment id>/meta.yaml`` (``name``, ``lifecycle_stage``)
and, per run, ``<root>/<experiment id>/<run id>/meta.yaml`` (``run_id``,
``run_name``, ``start_time`` in ms, ``lifecycle_stage``), ``metrics/<key>``
(lines ``timestamp value step``, also the 2-field form without a step and the
5-field form with a dataset; keys with ``/`` are nested folders),
``params/<name>`` and ``tags/<name>`` (the file's text is the value). Hidden
folders (``.trash``) and folders without a ``meta.yaml`` are not runs; deleted
runs and experiments are skipped. ``meta.yaml`` is read by a tiny parser of
top-level ``key: scalar`` lines, all these fields need. Each run becomes
``{run_id}/{experiment name}/{run name or uuid}``, as in ``mlflow_sqlite``.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import islice
from pathlib import Path

from tracesift.readers.base import Batch, Input, MetricColumns, Problem, Reader
from tracesift.store import schema

SNIFF_ENTRIES = 50  # folders looked at by sniff, at each of two levels


def parse_meta(text: str) -> dict[str, str | None]:
    """Top-level ``key: value`` scalars of a meta.yaml; nested and list lines are skipped."""
    meta: dict[str, str | None] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t-#" or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("''", "'")
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        meta[key.strip()] = None if value in ("", "null", "~") else value
    return meta


def _subfolders(folder: Path, limit: int | None = None) -> list[Path]:
    """Visible subfolders, at most ``limit`` of the entries looked at."""
    entries = islice(folder.iterdir(), limit)
    return sorted(p for p in entries if p.is_dir() and not p.name.startswith("."))


def sniff(source: Input) -> float:
    folder = source.path
    """0.95 for a folder of experiments (``meta.yaml``) holding runs with ``metrics/``."""
    experiments = [p for p in _subfolders(folder, SNIFF_ENTRIES) if (p / "meta.yaml").is_file()]
    if not experiments:
        return 0.0
    for experiment in experiments:
        for run in _subfolders(experiment, SNIFF_ENTRIES):
            if (run / "meta.yaml").is_file() and (run / "metrics").is_dir():
                return 0.95
    # Experiments but no runs yet (a fresh store holds just the Default experiment).
    return 0.6 if "experiment_id" in parse_meta((experiments[0] / "meta.yaml").read_text("utf-8")) else 0.0


def _values(folder: Path) -> dict[str, str]:
    """``params/`` or ``tags/``: file path under ``folder`` -> its text."""
    if not folder.is_dir():
        return {}
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_text("utf-8", errors="replace") for p in files}


def _read_metric_file(file: Path, key: str, run: str, out: MetricColumns, problems: list[Problem], rel: str) -> None:
    """Add each ``timestamp value step`` line; a bad line is a Problem, the rest are kept."""
    with open(file, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            try:
                if len(parts) not in (2, 3, 5):
                    raise ValueError(f"{len(parts)} fields, expected 2, 3 or 5")
                wall_time = int(parts[0]) / 1000.0
                value = float(parts[1])
                step = int(parts[2]) if len(parts) >= 3 else 0
            except ValueError as exc:
                reason = f"{rel}: line {number}: malformed metric line {line.strip()!r} ({exc})"
                problems.append(Problem(reason, number))
                continue
            out.add(run, step, key, value, wall_time)


def _read_run(folder: Path, run: str, out: MetricColumns, problems: list[Problem], rel: str) -> None:
    metrics = folder / "metrics"
    if not metrics.is_dir():
        return
    for file in sorted(p for p in metrics.rglob("*") if p.is_file()):
        key = file.relative_to(metrics).as_posix()
        _read_metric_file(file, key, run, out, problems, f"{rel}/metrics/{key}")


def _run_name(meta: dict[str, str | None], tags: dict[str, str], uuid: str) -> str:
    return meta.get("run_name") or tags.get("mlflow.runName") or uuid


def read(source: Input) -> Batch:
    folder, run_id = source.path, source.rel
    """Every live run of the store as ``runs`` rows, and all their metric points."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError("not a folder")
    experiments = [p for p in _subfolders(folder) if (p / "meta.yaml").is_file()]
    if not experiments:
        raise ValueError("not an MLflow file store: no <experiment>/meta.yaml")
    problems: list[Problem] = []
    metrics = MetricColumns()
    runs: list[dict] = []
    for experiment in experiments:
        exp_meta = parse_meta((experiment / "meta.yaml").read_text("utf-8", errors="replace"))
        if exp_meta.get("lifecycle_stage") == "deleted":
            continue
        exp_name = exp_meta.get("name") or experiment.name
        found = []
        for run_dir in _subfolders(experiment):
            if not (run_dir / "meta.yaml").is_file():
                continue  # models/, traces/ and other non-run folders
            meta = parse_meta((run_dir / "meta.yaml").read_text("utf-8", errors="replace"))
            if meta.get("lifecycle_stage") != "deleted":
                found.append((run_dir, meta, _values(run_dir / "tags")))
        names = [_run_name(meta, tags, run_dir.name) for run_dir, meta, tags in found]
        counts = Counter(names)
        for (run_dir, meta, tags), name in zip(found, names, strict=True):
            if counts[name] > 1:
                name = f"{name}-{run_dir.name[:8]}"
            run = f"{run_id}/{exp_name}/{name}"
            rel = f"{experiment.name}/{run_dir.name}"
            _read_run(run_dir, run, metrics, problems, rel)
            start = meta.get("start_time")
            runs.append(
                {
                    "run_id": run,
                    "source_format": "mlflow_files",
                    "path": str(run_dir),
                    "started_at": int(start) / 1000.0 if start and start.isdigit() else None,
                    "config": json.dumps(_values(run_dir / "params"), sort_keys=True, separators=(",", ":")),
                    "tags": json.dumps(tags, sort_keys=True, separators=(",", ":")),
                }
            )
    runs_table = schema.from_rows("runs", sorted(runs, key=lambda r: r["run_id"]))
    return Batch(tables={"metrics": metrics.table(), "runs": runs_table}, problems=problems)


READER = Reader(
    name="mlflow_files",
    description="MLflow file store folder (mlruns/: meta.yaml, metrics/, params/, tags/)",
    example="mlruns/",
    sniff=sniff,
    read=read,
    reads_folders=True,
)
