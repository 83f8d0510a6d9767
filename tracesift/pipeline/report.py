"""Everything a report shows, gathered from one scan and the store it wrote.

:func:`report` scans (ingesting what is new); the scan's own tasks hand back, through
:func:`drawn`, each run's series reduced to plot envelopes and each trajectory's steps,
with their findings; :func:`gather` adds each run's ``runs`` row (reader, path, config)
and what could not be read (the store's ``ingest_errors``). The reports draw the
:class:`~tracesift.report_data.ReportData` that comes back and know nothing of the store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from tracesift.detectors.base import Run, Trajectory
from tracesift.findings import SKIPPED, Finding, ScanResult
from tracesift.pipeline.compare import compare_folders
from tracesift.pipeline.engines import Engine
from tracesift.pipeline.executors import given_or_local
from tracesift.pipeline.scan import scan
from tracesift.report_data import PANEL_COLUMNS, Envelope, ReportData, RunData, StepData, TrajectoryData, Unread
from tracesift.store.roles import RoleMap
from tracesift.store.views import connect

KEY_ROLES = ("loss", "grad_norm", "lr", "entropy", "reward", "kl", "response_length", "clip_frac", "ratio_clip_frac",
             "vae_kl", "recon_loss", "elbo")
"""The roles drawn first, in this order; then evaluation metrics, loss parts, the rest by name."""
NOT_DRAWN = frozenset({"epoch"})
MAX_PANELS = 12
"""Panels per run; the metrics past them are named under the plots."""

_RUNS_SQL = "SELECT run_id, source_format, path, config FROM runs"
_UNREAD_SQL = "SELECT path, reader, error, line_or_offset FROM ingest_errors ORDER BY path, line_or_offset"


def report(
    paths: Iterable[Path],
    *,
    store: Path | None = None,
    jobs: int | None = None,
    roles: RoleMap | None = None,
    reader_options: Mapping[str, Mapping] | None = None,
    detectors: list[str] | None = None,
    params: dict[str, dict] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    reader: str | None = None,
    locator: Path | None = None,
    engine: Engine | None = None,
) -> ReportData:
    """Scan ``paths`` as :func:`tracesift.pipeline.scan.scan` does (on ``engine``) and gather what the report shows.

    The scan's own tasks reduce each run to its envelopes and each trajectory to its steps (:func:`drawn`), while
    the subject is in memory to be judged: the store's series are read once.
    """
    with given_or_local(None, jobs, engine) as executor:
        result = scan(paths, store=store, roles=roles, reader_options=reader_options, detectors=detectors,
                      params=params, fail_on=None, on_progress=on_progress, reader=reader, locator=locator,
                      executor=executor, keep=drawn)
    if not result.ingest.readable:  # nothing to show, and perhaps no store to ask
        return ReportData(result, [], [], [], [])
    return gather(result)


def drawn(subject: Run | Trajectory, findings: list[Finding]) -> RunData | TrajectoryData:
    """What the report keeps of one judged subject: a run's envelopes or a trajectory's steps, with its findings."""
    findings = sorted(findings, key=Finding.sort_key)
    if isinstance(subject, Run):
        return run_data(subject, findings)
    return trajectory_data(subject, findings)


def gather(result: ScanResult) -> ReportData:
    """The runs and trajectories a scan with ``keep=drawn`` kept, and the unread inputs of the store it wrote."""
    info, unread = _store_rows(result.ingest.store)
    runs = [with_info(run, info.get(run.run_id, {})) for run in result.kept if isinstance(run, RunData)]
    trajectories = [kept for kept in result.kept if isinstance(kept, TrajectoryData)]
    return ReportData(result, runs, trajectories, unread, compare_folders(runs, overlaid))


def with_info(run: RunData, info: dict) -> RunData:
    """``run`` with its ``runs`` row: its reader, its path, its logged config."""
    return replace(run, source_format=info.get("source_format"), path=info.get("path"),
                   config=parse_config(info.get("config")))


def overlaid(metric: str) -> bool:
    """Whether the runs of a folder are overlaid on ``metric``: a key role or an evaluation metric."""
    return metric in KEY_ROLES or metric.startswith("eval/")


def _store_rows(store) -> tuple[dict[str, dict], list[Unread]]:
    con = connect(store)
    try:
        runs = {row[0]: {"source_format": row[1], "path": row[2], "config": row[3]}
                for row in con.execute(_RUNS_SQL).fetchall()}
        unread = [Unread(path, reader or None, error.removeprefix(SKIPPED) if error.startswith(SKIPPED) else error,
                         where, error.startswith(SKIPPED))
                  for path, reader, error, where in con.execute(_UNREAD_SQL).fetchall()]
    finally:
        con.close()
    return runs, unread


def run_data(run: Run, findings: list[Finding], *, columns: int = PANEL_COLUMNS) -> RunData:
    """A run's series as envelopes of ``columns`` columns, key roles first, at most ``MAX_PANELS`` of them (the
    rest named); its ``runs`` row is added by :func:`with_info`."""
    ordered = drawing_order(run.metrics(), {f.metric for f in findings if f.metric})
    drawn, hidden = ordered[:MAX_PANELS], ordered[MAX_PANELS:]
    series = {}
    for metric in drawn:
        found = run.series(metric)
        if found is not None:
            series[metric] = Envelope.of(found.steps, found.values, columns)
    return RunData(run.run_id, None, None, {}, series, findings, run.notes, hidden)


def drawing_order(metrics: Iterable[str], with_findings: set[str]) -> list[str]:
    """Key roles in their order, then metrics with findings, evaluation metrics, loss parts, and the rest."""
    def rank(metric: str) -> tuple:
        if metric in KEY_ROLES:
            return 0, KEY_ROLES.index(metric), metric
        group = 1 if metric in with_findings else 2 if metric.startswith("eval/") else \
            3 if metric.startswith("loss/") else 4
        return group, 0, metric

    return sorted((m for m in metrics if m not in NOT_DRAWN), key=rank)


def parse_config(text: str | None) -> dict[str, object]:
    """A run's logged config as a flat dict (nested keys joined with dots); bad JSON gives an empty one."""
    try:
        document = json.loads(text) if text else {}
    except ValueError:
        return {}
    flat: dict[str, object] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif prefix:
            flat[prefix] = value

    walk("", document)
    return flat


def trajectory_data(trajectory: Trajectory, findings: list[Finding]) -> TrajectoryData:
    columns = trajectory.steps
    steps = [
        StepData(
            step=int(columns["step"][i]), agent=_text(columns["agent"][i]), role=_text(columns["role"][i]),
            kind=_text(columns["kind"][i]), tool=_text(columns["tool"][i]), arguments=_text(columns["arguments"][i]),
            content=_text(columns["content"][i]), is_error=bool(_number(columns["is_error"][i])),
            exit_code=_integer(columns["exit_code"][i]), tokens_in=_integer(columns["tokens_in"][i]),
            tokens_out=_integer(columns["tokens_out"][i]), cost=_number(columns["cost"][i]),
        )
        for i in range(len(trajectory))
    ]
    info = trajectory.info
    return TrajectoryData(trajectory.trajectory_id, info.get("source_format"), info.get("path"), info.get("task"),
                          info.get("outcome"), steps, findings)


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _integer(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)
