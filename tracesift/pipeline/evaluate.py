"""First-failure forensics end to end: scan, then score against labels (``eval``) or learn from them
(``train-locator``).

Both ingest and scan ``paths`` as :func:`tracesift.pipeline.scan.scan` does, take the trajectories
read from under ``paths``, and label them: ``trajectories.labels`` first, then a labels file, whose
entry for a trajectory replaces the one it carries. The subset of a trajectory is the top folder
under the path given that holds it (``.`` for a file at the top, or a file given itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tracesift.errors import UsageError
from tracesift.findings import Finding, ScanResult
from tracesift.locate import labels as label_files
from tracesift.locate.features import step_features
from tracesift.locate.model import LocatorModel, fit
from tracesift.locate.scoring import Scores, Subject, score
from tracesift.pipeline.scan import all_trajectories, scan
from tracesift.pipeline.sources import is_under
from tracesift.store.views import connect

TOP = "."
EVAL_SCHEMA_VERSION = 1
_TRAJECTORIES_SQL = """
SELECT t.trajectory_id, t.path, t.labels, t.outcome, coalesce(s.n, 0) AS steps
FROM trajectories t LEFT JOIN (SELECT trajectory_id, count(*) AS n FROM steps GROUP BY 1) s USING (trajectory_id)
ORDER BY 1
"""


@dataclass
class Evaluation:
    """What ``eval`` found: the scan, the scores, and where the labels came from."""

    scan: ScanResult
    scores: Scores
    labels_from: str
    locator: str | None = None
    one_based: bool = False

    def document(self) -> dict:
        """The JSON document ``eval --json`` prints (docs/json.md, "eval --json")."""
        from tracesift import __version__
        from tracesift.locate.scoring import RULES

        return {
            "schema_version": EVAL_SCHEMA_VERSION,
            "tool": f"tracesift {__version__}",
            "store": str(self.scan.ingest.store),
            "labels": self.labels_from,
            "one_based": self.one_based,
            "locator": self.locator,
            "trajectories_scanned": self.scan.trajectories,
            "first_failure_findings": sum(f.kind == "first_failure" for f in self.scan.findings),
            "subsets": [s.as_dict() for s in self.scores.subsets],
            "overall": self.scores.overall.as_dict(),
            "trajectories": [c.as_dict() for c in self.scores.cases],
            "problems": self.scores.problems,
            "rules": RULES,
        }


@dataclass
class Labelled:
    """The trajectories under ``paths`` (id -> subject), their labels (id -> label) and the problems met."""

    subjects: dict[str, Subject] = field(default_factory=dict)
    labels: dict[str, label_files.Label] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    labels_from: str = "trajectory labels"


def evaluate(paths: list[Path], *, labels: Path | None = None, one_based: bool = False,
             locator: Path | None = None, **scan_options) -> Evaluation:
    """Scan ``paths`` and score the ``first_failure`` findings against the labels."""
    result = scan(paths, locator=locator, **scan_options)
    known = labelled(result, paths, labels, one_based)
    scores = score(known.subjects.values(), known.labels, result.findings, known.problems)
    return Evaluation(result, scores, known.labels_from, None if locator is None else str(locator), one_based)


def labelled(result: ScanResult, paths: list[Path], labels: Path | None = None, one_based: bool = False) -> Labelled:
    """The trajectories read from under ``paths`` and their labels, the labels file's replacing their own."""
    known = Labelled()
    entries = label_files.read_file(labels, one_based=one_based) if labels is not None else []
    con = connect(result.ingest.store)
    try:
        rows = con.execute(_TRAJECTORIES_SQL).fetchall()
    finally:
        con.close()
    roots = [p.resolve() for p in paths]
    paths_by_id = {}
    for tid, path, carried, _outcome, steps in rows:
        subset = _subset(path, roots)
        if subset is None:
            continue
        known.subjects[tid] = Subject(tid, subset, int(steps))
        paths_by_id[tid] = path or ""
        label = label_files.from_trajectory(carried)
        if label is not None:
            known.labels[tid] = label
            written = json.loads(carried).get("mistake_step")
            if label.step is None and written not in (None, ""):
                known.problems.append(f"{tid}: its mistake_step {written!r} is not a whole number: only its agent "
                                      "is scored")
    if labels is not None:
        from_file, problems = label_files.match(entries, paths_by_id)
        known.labels.update(from_file)
        known.problems += problems
        known.labels_from = str(labels)
    return known


def _subset(path: str | None, roots: list[Path]) -> str | None:
    """The top folder under the root holding ``path`` (``.`` at the top), None when no root holds it."""
    if not path:
        return None
    where = Path(path)
    for root in roots:
        if where == root:
            return TOP
        if root.is_dir() and is_under(where, root):
            parts = where.relative_to(root).parts
            return parts[0] if len(parts) > 1 else TOP
    return None


@dataclass
class Training:
    """What ``train-locator`` did: the model, how many trajectories and steps it learned from, and problems."""

    model: LocatorModel
    scan: ScanResult
    trajectories: int
    steps: int
    problems: list[str]


def train_locator(paths: list[Path], output: Path, *, labels: Path | None = None, one_based: bool = False,
                  **scan_options) -> Training:
    """Scan ``paths``, learn a locator from its labelled trajectories (their steps and findings), save it."""
    result = scan(paths, **scan_options)
    known = labelled(result, paths, labels, one_based)
    samples, problems = [], list(known.problems)
    by_subject = findings_by_subject(result.findings)
    for trajectory in all_trajectories(result.ingest.store):
        label = known.labels.get(trajectory.trajectory_id)
        if label is None or label.step is None or trajectory.trajectory_id not in known.subjects:
            continue
        if not 0 <= label.step < len(trajectory):
            problems.append(f"{trajectory.trajectory_id}: labelled step {label.step} is not one of its "
                            f"{len(trajectory)} steps: not learned from")
            continue
        samples.append((step_features(trajectory, by_subject.get(trajectory.trajectory_id, [])), label.step))
    if not samples:
        raise UsageError("no labelled trajectory to learn from under " + ", ".join(str(p) for p in paths) +
                         " (labels come from the trajectories' mistake_step, or from --labels FILE)")
    model = fit(samples)
    model.trained_on["subsets"] = _count(known.subjects[s.trajectory_id].subset for s, _ in samples)
    model.save(output)
    return Training(model, result, len(samples), sum(len(s) for s, _ in samples), problems)


def findings_by_subject(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(f.subject_id, []).append(f)
    return grouped


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
