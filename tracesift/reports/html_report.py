"""The HTML report: one self-contained file, drawn from a :class:`~tracesift.report_data.ReportData`.

The templates in ``templates/`` (Jinja2, autoescaped: every text from a log is escaped
wherever it lands, in HTML, attributes and SVG alike) write the page; the plots are inline
SVG laid out by :mod:`tracesift.reports.charts` and :mod:`tracesift.reports.timeline`. The
page loads nothing: a Content-Security-Policy forbids every outside load, and the one inline
script (the filter) runs under a nonce made for this report, so no inline handler ever runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tracesift import __version__
from tracesift.errors import UsageError
from tracesift.findings import Finding, Severity, SubjectType
from tracesift.report_data import FolderComparison, ReportData, RunData, StepData, TrajectoryData
from tracesift.reports import charts, timeline

SEVERITIES = [s.value for s in sorted(Severity, key=lambda s: -s.rank)]
NEIGHBOURS = 2
"""Steps shown with their content on each side of a trajectory's first failure."""
FOLD_AT = 800
"""Text longer than this many characters (or of more than ``FOLD_LINES`` lines) is folded, never cut."""
FOLD_LINES = 12
SHOWN_CHARS = 200_000
"""A folded text longer than this shows this much, and says how much more the store holds: one 50 MB tool
output would otherwise be most of the file."""
PREVIEW = 240


@dataclass(frozen=True)
class Row:
    """One subject in the overview: its worst finding and how many it has."""

    type: str
    subject_id: str
    anchor: str
    severity: str
    kind: str
    message: str
    findings: int
    search: str

    @property
    def rank(self) -> int:
        return Severity(self.severity).rank if self.severity in SEVERITIES else -1


def anchor(subject_type: SubjectType | str, subject_id: str) -> str:
    """An id for a subject's section made of safe characters only, whatever its name."""
    kind = SubjectType(subject_type).value
    return f"{kind}-{hashlib.sha1(subject_id.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}"


def render(data: ReportData) -> str:
    """The whole report as one HTML document."""
    template = _environment().get_template("report.html")
    run_rows = {r.run_id: _row(SubjectType.run, r.run_id, r.findings) for r in data.runs}
    trajectories = [_trajectory_view(t) for t in data.trajectories]
    rows = sorted([*run_rows.values(), *(v["row"] for v in trajectories)],
                  key=lambda row: (-row.rank, row.type, row.subject_id))
    findings = data.result.findings
    return template.render(
        title=data.title, version=__version__, nonce=secrets.token_urlsafe(18), result=data.result, rows=rows,
        severities=SEVERITIES, by_kind=_counts(findings, "kind"), by_detector=_counts(findings, "detector"),
        unread=[u for u in data.unread if not u.skipped], skipped=[u for u in data.unread if u.skipped],
        runs=[_run_view(r, run_rows[r.run_id]) for r in data.runs],
        folders=[_folder_view(f, data.runs, run_rows) for f in data.folders], trajectories=trajectories,
    )


@functools.cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("tracesift.reports", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(folds=folds, preview=preview, evidence=evidence_text, anchor=anchor)
    env.globals.update(agent_colours=8, shown_chars=SHOWN_CHARS)
    return env


def _row(subject_type: SubjectType, subject_id: str, findings: list[Finding]) -> Row:
    worst = min(findings, key=Finding.sort_key) if findings else None
    words = [subject_id, *(f.kind for f in findings), *(f.detector for f in findings),
             *(f.metric or f.agent for f in findings if f.metric or f.agent)]
    search = " ".join(dict.fromkeys(words)).lower()  # each word once, in order: a report is reproducible
    if worst is None:
        return Row(subject_type.value, subject_id, anchor(subject_type, subject_id), "none", "", "", 0, search)
    return Row(subject_type.value, subject_id, anchor(subject_type, subject_id), worst.severity.value, worst.kind,
               worst.message, len(findings), search)


def _counts(findings: list[Finding], attribute: str) -> list[tuple[str, dict[str, int], int]]:
    """(name, count by severity, total) for each kind or detector, the most frequent first."""
    by_name: dict[str, Counter] = {}
    for f in findings:
        by_name.setdefault(getattr(f, attribute), Counter())[f.severity.value] += 1
    table = [(name, dict(counts), sum(counts.values())) for name, counts in by_name.items()]
    return sorted(table, key=lambda entry: (-entry[2], entry[0]))


def _run_view(run: RunData, row: Row) -> dict:
    panels = []
    for metric, envelope in run.series.items():
        on_it = [f for f in run.findings if metric in (f.metric, f.related)]
        panels.append(charts.metric_chart(metric, envelope, on_it))
    return {"run": run, "anchor": row.anchor, "panels": panels, "search": row.search, "severity": row.severity}


def _folder_view(folder: FolderComparison, runs: list[RunData], rows: dict[str, Row]) -> dict:
    in_folder = set(folder.runs)
    members = [r for r in runs if r.run_id in in_folder]
    overlays = [charts.overlay_chart(role, {r.run_id: r.series[role] for r in members if role in r.series},
                                     set(folder.collapsed)) for role in folder.roles]
    worst = max((rows[r.run_id] for r in members), key=lambda row: row.rank)
    search = " ".join([folder.folder.lower(), *(rows[r.run_id].search for r in members)])
    return {"folder": folder, "overlays": overlays, "severity": worst.severity, "search": search}


def _trajectory_view(trajectory: TrajectoryData) -> dict:
    step = timeline.first_failure_step(trajectory)
    around = [s for s in trajectory.steps if step is not None and abs(s.step - step) <= NEIGHBOURS]
    row = _row(SubjectType.trajectory, trajectory.trajectory_id, trajectory.findings)
    return {"trajectory": trajectory, "row": row, "anchor": row.anchor, "search": row.search, "severity": row.severity,
            "timeline": timeline.timeline(trajectory), "usage": timeline.usage_charts(trajectory),
            "first_failure": step, "around": around, "tokens": _total(trajectory.steps, "tokens"),
            "cost": _total(trajectory.steps, "cost")}


def _total(steps: list[StepData], what: str) -> float | None:
    """The trajectory's tokens (in and out) or cost, over the steps that record it (None when none does)."""
    _, values = timeline.recorded(steps, what)
    return float(values.sum()) if len(values) else None


def folds(text: str | None) -> bool:
    """Whether ``text`` is long enough to be folded behind a summary."""
    return bool(text) and (len(text) > FOLD_AT or text.count("\n") >= FOLD_LINES)


def preview(text: str) -> str:
    """The start of a folded text (its first lines, at most ``PREVIEW`` characters)."""
    return "\n".join(text[:PREVIEW].splitlines()[:4])


def evidence_text(evidence: dict) -> str:
    """A finding's evidence as indented JSON (NaN and infinity as JSON has them: null)."""
    return json.dumps(Finding("", "", "", Severity.info, "", evidence=evidence).as_dict()["evidence"], indent=2,
                      ensure_ascii=False, default=str)


def write_report(data: ReportData, path: Path) -> int:
    """Write the report to ``path`` (whole or not at all: a temporary file renamed); its size in bytes."""
    page = render(data).encode("utf-8")
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(page)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    return len(page)
