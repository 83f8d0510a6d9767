"""The scan: bring the store up to date, judge every subject with the detectors, keep the findings.

Subjects are runs (from ``metrics``) and trajectories (from ``steps``). They are
cut into tasks of whole subjects, each a range of ids with about ``TASK_ROWS`` of
work (a training point is one, a trajectory step 64: ``WORK``), fewer when that
would leave workers idle (at least four tasks a worker, down to ``MIN_TASK_ROWS``).
A task loads only its subjects' rows, judges one subject at a time with every
detector of that subject type, then runs the post-stages over that subject's
findings. Memory is bounded by a task, not by the store, and any executor can run
the tasks. This is what ``collapse-scan`` does; the CLI only renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracesift.detectors import Detector, all_detectors, by_name
from tracesift.detectors.base import Run, Trajectory, runs_of_table
from tracesift.detectors.stages import POST_STAGES
from tracesift.errors import UsageError
from tracesift.findings import Finding, ScanResult, Severity, SubjectType
from tracesift.locate.stage import cached_model, check_model, replace_first_failure
from tracesift.pipeline.engines import Engine
from tracesift.pipeline.executors import Executor, given_or_local
from tracesift.pipeline.failures import stops_cleanly
from tracesift.pipeline.ingest import ingest
from tracesift.store import schema
from tracesift.store.layout import StoreLike
from tracesift.store.roles import RoleMap
from tracesift.store.views import connect
from tracesift.store.writer import replace_findings

TASK_ROWS = 1_000_000
"""About this much work (``WORK``) per task at most: a task's subjects are in memory together."""
MIN_TASK_ROWS = 100_000
"""A task of less work costs more in opening the store than it saves in sharing the work."""
PARALLEL_FROM_ROWS = 4_000_000
"""Below this much work in all (in training points), judging in this process beats starting workers."""
WORK = {SubjectType.run: 1, SubjectType.trajectory: 64}
"""What judging a row of each subject type takes, in training points: a trajectory step about 64 of them
(benchmarks/README.md, Scale-out: 12 ms a trajectory of 32 steps, 26 ms a run of 5,000 points). Tasks and
the choice to share the work are sized in these units."""
ALL_STEPS = (-(2**62), 2**62)
Keep = Callable[[Run | Trajectory, list[Finding]], Any]

_SUBJECTS_SQL = {
    SubjectType.run: "SELECT run_id, count(*) FROM metrics WHERE step BETWEEN $first AND $last GROUP BY 1 ORDER BY 1",
    # a trajectory with no steps (a run that died before its first) is judged too
    SubjectType.trajectory: "SELECT trajectory_id, count(s.step) FROM (SELECT trajectory_id FROM trajectories UNION "
                            "SELECT trajectory_id FROM steps) LEFT JOIN steps s USING (trajectory_id) GROUP BY 1 ORDER BY 1",
}
# unordered: ``runs_of_table`` orders the rows on integer codes, several times faster than DuckDB sorts the strings
_RUN_ROWS_SQL = """
SELECT run_id, metric, raw_metric, step, value, source_file, wall_time FROM metrics
WHERE run_id BETWEEN $lo AND $hi AND step BETWEEN $first AND $last
"""
_STEP_ROWS_SQL = "SELECT * FROM steps WHERE trajectory_id BETWEEN $lo AND $hi ORDER BY trajectory_id, step"
_TRAJECTORY_ROWS_SQL = "SELECT * FROM trajectories WHERE trajectory_id BETWEEN $lo AND $hi"


@dataclass(frozen=True)
class ScanTask:
    """Judge the subjects of one type whose ids lie in ``[lo, hi]`` (a pure task: everything it needs is here)."""

    store: StoreLike
    subject: SubjectType
    lo: str
    hi: str
    detectors: tuple[str, ...]
    params: dict[str, Any]
    steps: tuple[int, int] = ALL_STEPS
    locator: str | None = None
    """A locator model file: it places each failed trajectory's first failure instead of the rules."""
    keep: Keep | None = None
    """Made of each subject and its findings once judged, and handed back with them (see :func:`scan`)."""


@dataclass
class Judged:
    findings: list[Finding] = field(default_factory=list)
    notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    kept: list = field(default_factory=list)


@stops_cleanly
def scan(
    paths: Iterable[Path | str],
    *,
    store: StoreLike | None = None,
    jobs: int | None = None,
    roles: RoleMap | None = None,
    reader_options: Mapping[str, Mapping] | None = None,
    detectors: list[str] | None = None,
    metrics: list[str] | None = None,
    first_step: int | None = None,
    last_step: int | None = None,
    params: dict[str, dict] | None = None,
    fail_on: Severity | None = Severity.critical,
    on_progress: Callable[[int, int, str], None] | None = None,
    executor: Executor | None = None,
    reader: str | None = None,
    locator: Path | None = None,
    engine: Engine | None = None,
    keep: Keep | None = None,
) -> ScanResult:
    """Ingest what is new under ``paths``, judge every subject, keep the findings in the store.

    ``params`` are parameter overrides by detector, as text or TOML values; ``metrics``
    keeps only findings on those metric roles; ``fail_on`` decides ``ScanResult.failed``;
    ``reader`` reads ``paths`` with that reader (see :func:`tracesift.pipeline.ingest.ingest`);
    ``locator`` is a model file from ``train-locator`` that places each failed or unknown
    trajectory's ``first_failure`` in place of the rules (see :mod:`tracesift.locate.stage`).
    ``engine`` runs the reads and the judging (default: a local pool) unless an ``executor`` is given;
    every engine judges the same tasks, so the findings are the same.
    ``keep`` (a module-level function, so that any worker can run it) is called on each subject and its findings
    (before ``metrics`` filters them) in the task that judged it, while the subject is in memory; what it returns
    is in ``ScanResult.kept``, runs first, each type in id order. The report draws its plots this way, without
    reading the store a second time.
    """
    chosen = _choose(detectors)
    locator = check_model(locator) if locator is not None else None
    parsed = {d.name: d.parse(params.get(d.name, {})) for d in chosen if params and d.name in params}
    _refuse_unknown(params or {}, chosen)
    steps = (ALL_STEPS[0] if first_step is None else first_step, ALL_STEPS[1] if last_step is None else last_step)
    with given_or_local(executor, jobs, engine) as executor:
        report = ingest(paths, store=store, roles=roles, reader_options=reader_options, on_progress=on_progress,
                        executor=executor, reader=reader)
        if not report.readable:  # nothing to judge (and, for a folder with no file at all, no store yet)
            return ScanResult([], report, [d.name for d in chosen], fail_on=fail_on)
        counts, tasks = _plan(report.store, chosen, parsed, steps, locator, executor.jobs, keep)
        parallel = sum(WORK[kind] * sum(by_id.values()) for kind, by_id in counts.items()) >= PARALLEL_FROM_ROWS
        judged = []
        for part in executor.map(judge, tasks, parallel=parallel):
            judged.append(part)
            if on_progress:
                on_progress(len(judged), len(tasks), "judging")
    findings = [f for part in judged for f in part.findings if not metrics or f.metric in metrics]
    findings.sort(key=Finding.sort_key)
    replace_findings(report.store, schema.from_rows("findings", [f.row() for f in findings]))
    overrides = {name: {key: getattr(parsed[name], key) for key in params[name]} for name in parsed}
    notes = {key: texts for part in judged for key, texts in part.notes.items()}
    return ScanResult(findings, report, [d.name for d in chosen], len(counts[SubjectType.run]),
                      len(counts[SubjectType.trajectory]), overrides, dict(sorted(notes.items())), fail_on,
                      [kept for part in judged for kept in part.kept])


def _choose(names: list[str] | None) -> list[Detector]:
    if not names:
        return list(all_detectors())
    try:
        return [by_name(name) for name in names]
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None


def _refuse_unknown(params: dict[str, dict], chosen: list[Detector]) -> None:
    names = {d.name for d in chosen}
    for name in params:
        if name not in names:
            raise UsageError(f"parameters for {name!r}, which is not among the detectors run")


def _plan(store: Path, chosen: list[Detector], params: dict, steps: tuple[int, int], locator: str | None = None,
          jobs: int = 1, keep: Keep | None = None):
    """Subjects by type (id -> rows), and the tasks that judge them (on ``jobs`` workers)."""
    counts = _subject_rows(store, list(_SUBJECTS_SQL), steps)
    tasks = []
    for kind, by_id in counts.items():
        names = tuple(d.name for d in chosen if d.subject is kind)
        located = locator if kind is SubjectType.trajectory else None
        if names or located or keep:
            size = task_rows(sum(by_id.values()), jobs, WORK[kind])
            tasks += [ScanTask(store, kind, lo, hi, names, {n: params[n] for n in names if n in params}, steps,
                               located, keep) for lo, hi in _ranges(by_id, size)]
    return counts, tasks


def _ranges(rows_by_id: dict[str, int], size: int = TASK_ROWS) -> Iterator[tuple[str, str]]:
    """Contiguous ranges of (sorted) ids holding about ``size`` rows each."""
    lo, total = None, 0
    ids = list(rows_by_id)
    for i, subject in enumerate(ids):
        lo = subject if lo is None else lo
        total += rows_by_id[subject]
        if total >= size or i == len(ids) - 1:
            yield lo, subject
            lo, total = None, 0


def judge(task: ScanTask) -> Judged:
    """Judge one task's subjects, one at a time: every detector, then the post-stages."""
    detectors = [by_name(name) for name in task.detectors]
    params = {d.name: task.params.get(d.name) or d.params() for d in detectors}
    judged = Judged()
    model = cached_model(task.locator) if task.locator else None
    for subject in subjects(task):
        findings = [f for d in detectors for f in d.judge(subject, params[d.name])]
        for stage in POST_STAGES[task.subject]:
            findings = stage(subject, findings)
        if model is not None:
            findings = replace_first_failure(model, subject, findings)
        judged.findings += findings
        if task.keep is not None:
            judged.kept.append(task.keep(subject, findings))
        subject_id = subject.run_id if isinstance(subject, Run) else subject.trajectory_id
        judged.notes.update({(subject_id, metric): texts for metric, texts in subject.notes.items()})
    return judged


def all_trajectories(store: Path) -> Iterator[Trajectory]:
    """Every trajectory in the store, with its steps, one task of about ``TASK_ROWS`` steps at a time."""
    return all_subjects(store, SubjectType.trajectory)


def all_subjects(store: Path, kind: SubjectType) -> Iterator[Run | Trajectory]:
    """Every run (with its series) or trajectory (with its steps), one task of about ``TASK_ROWS`` rows at a time."""
    for task in subject_tasks(store, kind):
        yield from subjects(task)


def subject_tasks(store: Path, kind: SubjectType, jobs: int = 1) -> list[ScanTask]:
    """Tasks (judging nothing) that read every subject of ``kind`` once, sized for ``jobs`` workers."""
    by_id = _subject_rows(store, [kind], ALL_STEPS)[kind]
    size = task_rows(sum(by_id.values()), jobs, WORK[kind])
    return [ScanTask(store, kind, lo, hi, (), {}) for lo, hi in _ranges(by_id, size)]


def _subject_rows(store: StoreLike, kinds: list[SubjectType], steps: tuple[int, int]) -> dict[SubjectType, dict]:
    """Per subject type, its subjects' ids (sorted) and rows (a run's rows within ``steps``)."""
    con = connect(store)
    try:
        return {kind: dict(con.execute(_SUBJECTS_SQL[kind], {"first": steps[0], "last": steps[1]}
                                       if kind is SubjectType.run else {}).fetchall()) for kind in kinds}
    finally:
        con.close()


def task_rows(total: int, jobs: int, weight: int = 1) -> int:
    """Rows per task for ``total`` rows of ``weight`` work each: at least four tasks a worker, each of
    ``MIN_TASK_ROWS``-``TASK_ROWS`` work."""
    return max(1, min(TASK_ROWS, max(MIN_TASK_ROWS, weight * total // (4 * jobs))) // weight)


def subjects(task: ScanTask) -> Iterator[Run | Trajectory]:
    import pyarrow.compute as pc

    con = connect(task.store)
    try:
        bounds = {"lo": task.lo, "hi": task.hi}
        rows = lambda sql, **more: con.sql(sql, params={**bounds, **more}).to_arrow_table()  # noqa: E731
        if task.subject is SubjectType.run:
            yield from runs_of_table(rows(_RUN_ROWS_SQL, first=task.steps[0], last=task.steps[1]))
        else:
            info = {row["trajectory_id"]: row for row in rows(_TRAJECTORY_ROWS_SQL).to_pylist()}
            steps = rows(_STEP_ROWS_SQL)
            yield from _trajectories(steps, info)
            stepless = sorted(set(info) - set(pc.unique(steps["trajectory_id"]).to_pylist()))
            empty = {name: steps[name].to_numpy(zero_copy_only=False)[:0] for name in steps.column_names}
            yield from (Trajectory(subject, info[subject], dict(empty)) for subject in stepless)
    finally:
        con.close()


def _trajectories(steps, info: dict[str, dict]) -> Iterator[Trajectory]:
    columns = {name: steps[name].to_numpy(zero_copy_only=False) for name in steps.column_names}
    ids = columns["trajectory_id"]
    start = 0
    for end in range(1, len(ids) + 1):
        if end == len(ids) or ids[end] != ids[start]:
            subject = str(ids[start])
            yield Trajectory(subject, info.get(subject, {}), {k: v[start:end] for k, v in columns.items()})
            start = end
