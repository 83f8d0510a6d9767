"""One metric of one run as a matplotlib figure (PNG or SVG): what ``tracesift plot`` writes.

The series is drawn as a line, or as its min/max band where it has more points than the
figure has pixel columns; the findings on it add their onset (solid) and first alarm
(dashed) lines, early-warning window (shaded), spikes (circles) and the steps where
non-finite values begin (triangles along the top). matplotlib is imported here only.
"""

from __future__ import annotations

from pathlib import Path

from tracesift.errors import UsageError
from tracesift.report_data import Marks, RunData
from tracesift.reports.charts import log_scale_suits

FORMATS = ("png", "svg")
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.0, 110
COLUMNS = int(WIDTH_IN * DPI)
"""Pixel columns of the figure: the envelope ``plot`` asks for."""


def plot_metric(run: RunData, metric: str, path: Path) -> None:
    """Write ``metric`` of ``run`` with its findings to ``path`` (its suffix, .png or .svg, picks the format)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"{path}: write a .png or .svg file")
    if metric not in run.series:
        known = ", ".join(run.series) or "none"
        raise UsageError(f"{run.run_id} has no metric {metric!r} (it has: {known})")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    envelope = run.series[metric]
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    if envelope.decimated:
        axes.fill_between(envelope.steps, envelope.lo, envelope.hi, step="post", color="#1f77b4", alpha=0.6,
                          linewidth=0.6, label=f"{metric}: min/max of {envelope.points:,} points per pixel column",
                          gid=f"series-{metric}")
    else:
        axes.plot(envelope.steps, envelope.lo, color="#1f77b4", linewidth=1.2, label=metric, gid=f"series-{metric}")
    if log_scale_suits([envelope]):
        axes.set_yscale("log")
    _findings(axes, run, metric, envelope)
    axes.set_xlabel("step")
    axes.set_ylabel(metric)
    axes.set_title(f"{run.run_id}: {metric}", fontsize=10, loc="left")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    figure.savefig(path, format=fmt, metadata={"Date": None} if fmt == "svg" else None)


def _findings(axes, run: RunData, metric: str, envelope) -> None:
    for step, name in envelope.non_finite:
        axes.axvline(step, color="#c62828", linewidth=0.8, linestyle=":", gid="non-finite")
        axes.annotate(name, (step, 1), xycoords=("data", "axes fraction"), fontsize=7, color="#c62828",
                      ha="center", va="bottom")
    for finding in (f for f in run.findings if metric in (f.metric, f.related)):
        what = f"{finding.kind} ({finding.severity.value})"
        marks = Marks.of(finding)
        if marks.window is not None:
            axes.axvspan(*marks.window, color="#ffd54f", alpha=0.35, label=f"early warning of {what}")
        if marks.onset is not None:
            axes.axvline(marks.onset, color="#c62828", linewidth=1.3, label=f"onset of {what}", gid="onset")
        if marks.alarm is not None:
            axes.axvline(marks.alarm, color="#ef6c00", linewidth=1.3, linestyle="--", label=f"first alarm of {what}",
                         gid="first-alarm")
        if marks.spikes:
            axes.scatter(marks.spikes, envelope.highest_at(marks.spikes), s=40, facecolors="none", edgecolors="#6a1b9a",
                         label="spikes", gid="spikes", zorder=3)
