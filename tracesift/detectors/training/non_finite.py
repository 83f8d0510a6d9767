"""Non-finite values: the first NaN or infinity in any metric of a run.

Needs no role: every metric is checked. Critical when a core training signal
(loss, gradient norm, reward, entropy, KL, evaluation loss) goes non-finite,
a warning for any other metric. One finding per run, naming the metric that
went first; the others are in the evidence.
"""

from __future__ import annotations

from tracesift.detectors.base import Detector, Finding, SeriesSource

CORE = {"loss", "grad_norm", "reward", "entropy", "kl", "vae_kl", "eval/loss", "response_length"}

SQL = """
SELECT run_id, metric, min(step) AS first_step, max(step) AS last_step, count(*) AS points,
       count(*) FILTER (WHERE isnan(value)) AS nans
FROM metrics
WHERE NOT isfinite(value) AND step BETWEEN $first AND $last
GROUP BY ALL
ORDER BY run_id, first_step, metric
"""


def run(source: SeriesSource) -> list[Finding]:
    rows = source.con.execute(SQL, {"first": source.first_step, "last": source.last_step}).fetchall()
    by_run: dict[str, list[tuple]] = {}
    for row in rows:
        by_run.setdefault(row[0], []).append(row)
    return [_finding(run_id, metrics) for run_id, metrics in by_run.items()]


def _finding(run_id: str, metrics: list[tuple]) -> Finding:
    _, metric, first, last, points, nans = metrics[0]
    core = any(m[1] in CORE for m in metrics)
    others = len(metrics) - 1
    message = f"{metric} is {'NaN' if nans else 'infinite'} from step {first}" + (
        f" ({others} more metric{'s' if others > 1 else ''} follow)" if others else ""
    )
    evidence = {m[1]: {"first_step": m[2], "last_step": m[3], "points": m[4], "nan": m[5]} for m in metrics}
    return Finding(
        subject_id=run_id,
        detector="non_finite",
        kind="non_finite",
        severity="critical" if core else "warning",
        message=message,
        metric_or_agent=metric,
        onset_step=first,
        first_step=first,
        end_step=max(m[3] for m in metrics),
        score=float(points),
        evidence={"metrics": evidence},
    )


DETECTOR = Detector(
    name="non_finite",
    roles=(),
    description="first NaN or infinity in any metric",
    run=run,
)
