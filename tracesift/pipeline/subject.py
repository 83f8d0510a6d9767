"""One run or trajectory out of a store, with the findings its last scan kept: what ``show`` and ``plot`` draw.

A subject is named by its id (``tracesift query ... "select run_id from runs"`` lists
them) or by its path: ``runs/exp3``, ``./runs/exp3/`` or an absolute path all name the
run ``runs/exp3`` when exactly one id ends that way. The store is the one given, else the
nearest ``.tracesift`` folder in the subject's folder or above it (or the one the user's cache keeps
for such a folder), else the current folder's.
"""

from __future__ import annotations

import json
from pathlib import Path

from tracesift.errors import StoreError, UsageError
from tracesift.findings import Finding, SubjectType
from tracesift.pipeline.report import run_data, trajectory_data, with_info
from tracesift.pipeline.scan import ScanTask, subjects
from tracesift.report_data import PANEL_COLUMNS, RunData, TrajectoryData
from tracesift.store.layout import STORE_NAME, Store, cache_store
from tracesift.store.manifest import looks_like_store
from tracesift.store.query import locate_store
from tracesift.store.views import connect

_IDS_SQL = {
    SubjectType.run: "SELECT DISTINCT run_id FROM metrics UNION SELECT run_id FROM runs",
    SubjectType.trajectory: "SELECT trajectory_id FROM trajectories UNION SELECT DISTINCT trajectory_id FROM steps",
}
_RUN_SQL = "SELECT source_format, path, config FROM runs WHERE run_id = $id"
_FINDINGS_SQL = "SELECT * FROM findings WHERE subject_id = $id AND subject_type = $type"
SHOWN_MATCHES = 5


def load_subject(name: str, *, store: Path | None = None, columns: int = PANEL_COLUMNS,
                 metrics: list[str] | None = None) -> RunData | TrajectoryData:
    """The run or trajectory ``name`` names, its series (only ``metrics``, when given) as envelopes of ``columns``
    columns, and its findings."""
    found = find_store(name) if store is None else locate_store(store)
    kind, subject_id = resolve(found, name)
    task = ScanTask(found, kind, subject_id, subject_id, (), {})
    subject = next(s for s in subjects(task) if getattr(s, "run_id", getattr(s, "trajectory_id", None)) == subject_id)
    con = connect(found)
    try:
        rows = con.execute(_FINDINGS_SQL, {"id": subject_id, "type": kind.value}).fetchall()
        names = [c[0] for c in con.description]
        info = con.execute(_RUN_SQL, {"id": subject_id}).fetchone() if kind is SubjectType.run else None
    finally:
        con.close()
    findings = sorted((_finding(dict(zip(names, row))) for row in rows), key=Finding.sort_key)
    if kind is SubjectType.trajectory:
        return trajectory_data(subject, findings)
    details = dict(zip(("source_format", "path", "config"), info)) if info else {}
    run = with_info(run_data(subject, findings, columns=columns), details)
    if metrics:
        run.series = {metric: envelope for metric, envelope in run.series.items() if metric in metrics}
    return run


def load_run(name: str, *, store: Path | None = None, columns: int = PANEL_COLUMNS) -> RunData:
    """The training run ``name`` names (a trajectory is refused, with what would show it)."""
    found = load_subject(name, store=store, columns=columns)
    if isinstance(found, TrajectoryData):
        raise UsageError(f"{name} is an agent trajectory: `tracesift show` prints it, `tracesift report` draws it")
    return found


def find_store(name: str) -> Store:
    """The nearest store at or above ``name``'s folder (in it, or kept for it in the user's cache), else the
    current folder's."""
    start = Path(name).resolve()
    for folder in [start, *start.parents, Path.cwd()]:
        for candidate in (Store.local(folder / STORE_NAME), Store.local(cache_store(folder))):
            if looks_like_store(candidate):
                return candidate
    raise StoreError(f"no tracesift store found for {name} (in its folder, above it, or here): "
                     "run `tracesift scan` on its folder first, or give --store")


def resolve(store: Store, name: str) -> tuple[SubjectType, str]:
    """The subject ``name`` names: its exact id, else the one id that ends as its path does."""
    con = connect(store)
    try:
        ids = {kind: [row[0] for row in con.execute(sql).fetchall() if row[0] is not None]
               for kind, sql in _IDS_SQL.items()}
    finally:
        con.close()
    for kind, known in ids.items():
        if name in known:
            return kind, name
    wanted = Path(name).resolve().as_posix() if Path(name).exists() else name.strip("/").removeprefix("./")
    matches = [(kind, i) for kind, known in ids.items() for i in known
               if i.endswith("/" + wanted) or wanted.endswith("/" + i) or i == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"no run or trajectory named {name!r} in the store {store}")
    listed = ", ".join(i for _, i in matches[:SHOWN_MATCHES])
    raise UsageError(f"{name!r} names {len(matches)} subjects ({listed}{', ...' if len(matches) > SHOWN_MATCHES else ''}): "
                     "give more of the path")


def _finding(row: dict) -> Finding:
    row["evidence"] = json.loads(row["evidence"]) if row.get("evidence") else {}
    return Finding(**row)
