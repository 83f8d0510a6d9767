"""The scan: bring the store up to date, run the detectors, keep their findings.

This is what ``collapse-scan`` does; the CLI only renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tracesift.detectors import all_detectors, by_name
from tracesift.detectors.base import Detector, Finding, SeriesSource, severity_rank
from tracesift.errors import UsageError
from tracesift.pipeline.ingest import IngestReport, ingest
from tracesift.store import schema
from tracesift.store.roles import RoleMap
from tracesift.store.views import connect
from tracesift.store.writer import replace_findings

LOSS_TROUBLE = {"divergence", "loss_spike", "non_finite"}


@dataclass
class ScanResult:
    findings: list[Finding]
    ingest: IngestReport
    detectors: list[str]
    runs: int = 0
    thresholds: dict[str, dict] = field(default_factory=dict)
    notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def scan(
    paths: Iterable[Path],
    *,
    store: Path | None = None,
    jobs: int | None = None,
    roles: RoleMap | None = None,
    detectors: list[str] | None = None,
    metrics: list[str] | None = None,
    first_step: int | None = None,
    last_step: int | None = None,
    thresholds: dict[str, dict] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    chosen = _choose(detectors)
    settings = _check_thresholds(chosen, thresholds or {})
    report = ingest(paths, store=store, jobs=jobs, roles=roles, on_progress=on_progress)
    con = connect(report.store)
    try:
        source = SeriesSource(con, first_step=first_step, last_step=last_step)
        findings = [f for d in chosen for f in d.run(source, **settings.get(d.name, {}))]
        runs = con.execute("SELECT count(DISTINCT run_id) FROM metrics").fetchone()[0]
        notes = source.notes
    finally:
        con.close()
    if metrics:
        findings = [f for f in findings if (f.metric_or_agent or "").split("~")[0] in metrics]
    link_leads(findings)
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.subject_id, f.onset_step or 0, f.kind))
    replace_findings(report.store, schema.from_rows("findings", [f.row() for f in findings]))
    return ScanResult(findings, report, [d.name for d in chosen], runs, settings, notes)


def _choose(names: list[str] | None) -> list[Detector]:
    if not names:
        return list(all_detectors())
    try:
        return [by_name(name) for name in names]
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None


def _check_thresholds(chosen: list[Detector], thresholds: dict[str, dict]) -> dict[str, dict]:
    """Thresholds by detector, checked against what each detector accepts and cast to its types."""
    known = {d.name: d.thresholds() for d in chosen}
    checked: dict[str, dict] = {}
    for name, values in thresholds.items():
        if name not in known:
            raise UsageError(f"thresholds for {name!r}, which is not among the detectors run")
        for key, value in values.items():
            if key not in known[name]:
                options = ", ".join(known[name]) or "none"
                raise UsageError(f"{name} has no threshold {key!r} (it has: {options})")
            default = known[name][key]
            try:
                checked.setdefault(name, {})[key] = type(default)(value)
            except (TypeError, ValueError):
                raise UsageError(f"{name}.{key} must be a {type(default).__name__}, got {value!r}") from None
    return checked


def link_leads(findings: list[Finding]) -> None:
    """Give each gradient-norm explosion its lead over the first loss trouble that followed it."""
    trouble: dict[str, list[int]] = {}
    for f in findings:
        step = _loss_trouble_step(f)
        if step is not None:
            trouble.setdefault(f.subject_id, []).append(step)
    for f in findings:
        if f.kind == "grad_explosion" and f.first_step is not None:
            later = [s for s in trouble.get(f.subject_id, []) if s >= f.first_step]
            f.lead_steps = min(later) - f.first_step if later else None
            f.evidence["lead_over_loss"] = f.lead_steps


def _loss_trouble_step(f: Finding) -> int | None:
    if f.kind == "non_finite":
        loss = f.evidence.get("metrics", {}).get("loss")
        return loss["first_step"] if loss else None
    if f.kind in LOSS_TROUBLE and f.metric_or_agent == "loss":
        return f.first_step
    return None
