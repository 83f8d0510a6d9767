"""Turning an alarm on one series into a finding: onset, first alarm, early warning."""

from __future__ import annotations

import numpy as np

from tracesift.detectors.base import Run, Series
from tracesift.detectors.changepoint import onset_index
from tracesift.detectors.early_warning import early_warning
from tracesift.detectors.signal import early_level, first_sustained
from tracesift.findings import Finding
from tracesift.store.roles import components


def collapse_finding(
    series: Series,
    alarm: int,
    *,
    detector: str,
    kind: str,
    severity: str,
    direction: int,
    message: str,
    score: float | None = None,
    evidence: dict | None = None,
) -> Finding:
    """A finding whose ``first_step`` is the alarm and ``onset_step`` the change point before it."""
    onset = onset_index(series.values, alarm, direction=direction)
    evidence = dict(evidence or {})
    evidence["raw_metric"] = series.raw_metric
    evidence["onset_rule"] = "binary segmentation, piecewise-constant mean" if onset != alarm else "first alarm"
    warning = early_warning(series, onset) if onset > 0 else None
    if warning:
        evidence["early_warning"] = warning
    return Finding(
        subject_id=series.run_id,
        detector=detector,
        kind=kind,
        severity=severity,
        message=message,
        metric=series.metric,
        onset_step=int(series.steps[onset]),
        first_step=int(series.steps[alarm]),
        end_step=int(series.steps[-1]),
        score=None if score is None or not np.isfinite(score) else float(score),
        lead_steps=warning["lead_steps"] if warning else None,
        evidence=evidence,
    )


def judge_series(run: Run, role: str, judge, min_length: int = 10) -> list[Finding]:
    """``judge(series)`` on the run's ``role`` series when it is long enough to judge; a note when it is not.

    A run that logs no ``role`` series but its parts (``loss/box``, ``loss/cls``: see
    :func:`tracesift.store.roles.components`) has each part judged.
    """
    if run.series(role) is not None:
        return _judge_one(run, role, judge, min_length)
    return [finding for part in components(role) for finding in _judge_one(run, part, judge, min_length)]


def _judge_one(run: Run, metric: str, judge, min_length: int) -> list[Finding]:
    series = run.series(metric)
    if series is None:
        return []
    detector = judge.__module__.rsplit(".", 1)[-1]
    if len(series) < min_length:
        points = f"{len(series)} point{'s' if len(series) != 1 else ''}"
        run.note(metric, f"{points}, too few for {detector} (needs {min_length})")
    elif not series.finite.any():
        run.note(metric, "no finite value: only the non-finite check applies")
    elif (finding := judge(series)) is not None:
        return [finding]
    return []


def fmt(value: float) -> str:
    """A number for a one-line message."""
    if not np.isfinite(value):
        return "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    return f"{value:.3g}"


def sustained_change(series: Series, alarm: np.ndarray, *, share: float, message, **finding) -> Finding | None:
    """A finding at the first alarm that holds for ``share`` of the rest of the run, else None.

    ``message`` is called with the alarm index to word the finding.
    """
    first = first_sustained(alarm, share=share)
    if first is None:
        return None
    return collapse_finding(series, first, message=message(first), **finding)


def fell_to_fraction(series: Series, *, what: str, fraction: float, share: float, **finding) -> Finding | None:
    """``what`` fell to ``fraction`` of its early level (the highest of its first points) and stayed."""
    x = series.values
    early = early_level(x, statistic=np.max)  # it can fall within the first few points
    if not early > 0:
        return None
    with np.errstate(invalid="ignore"):
        alarm = np.isfinite(x) & (x <= fraction * early)
    return sustained_change(
        series,
        alarm,
        share=share,
        message=lambda i: f"{what} collapsed to {fmt(x[i])} from an early {fmt(early)} ({x[i] / early:.1%})",
        direction=-1,
        evidence={"early_level": early, "fraction": fraction},
        **finding,
    )
