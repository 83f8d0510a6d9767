"""The report's plots as geometry: axes, ticks, envelopes, lines and marks in pixels, drawn as SVG by a template.

A report holds hundreds of small panels; drawing a run's with matplotlib takes 0.5-2.4 s
and 130 KB of SVG (benchmarks/README.md, "Report"), so the report lays its panels out
here, with numpy, and the ``chart`` macro of ``templates/_macros.html`` writes them: about
3 KB a panel.
Every text a chart carries (titles, tooltips) is escaped by the template like all the rest.
A series is drawn as a line through its points, or, once it has more points than the
panel has pixel columns, as the band between each column's minimum and maximum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from tracesift.findings import Finding
from tracesift.report_data import PANEL_COLUMNS, Envelope, Marks

LEFT, RIGHT, TOP, BOTTOM = 46, 8, 8, 18
"""Margins around the plot area, in pixels."""
PANEL_WIDTH = 300
"""Width of a panel's plot area, in pixels."""
OVERLAY_COLUMNS = 100
"""Columns of each run's band in an overlay of many runs."""
LOG_FROM_RATIO = 1000.0
"""A positive series whose largest value is this many times its smallest is drawn on a log scale."""


@dataclass(frozen=True)
class Shape:
    """A path (``d``) with its CSS class and a tooltip."""

    d: str
    css: str
    title: str = ""


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    css: str
    title: str


@dataclass(frozen=True)
class Rule:
    """A vertical line (onset, first alarm) or, with ``x2``, a shaded band (an early-warning window)."""

    x: float
    css: str
    title: str
    x2: float | None = None


@dataclass
class Chart:
    title: str
    note: str
    width: int
    height: int
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The plot area: left, top, right, bottom."""
        return LEFT, TOP, self.width - RIGHT, self.height - BOTTOM


class Scale:
    """Data to pixels on one axis, linear or log10."""

    def __init__(self, lo: float, hi: float, start: float, end: float, log: bool = False) -> None:
        self.log = log
        self.lo, self.hi = (math.log10(lo), math.log10(hi)) if log else (lo, hi)
        if self.hi <= self.lo:
            self.lo, self.hi = self.lo - 0.5, self.hi + 0.5
        self.start, self.end = start, end

    def __call__(self, values: np.ndarray | float) -> np.ndarray:
        values = np.log10(np.maximum(values, 1e-300)) if self.log else np.asarray(values, dtype=float)
        return self.start + (values - self.lo) / (self.hi - self.lo) * (self.end - self.start)

    def ticks(self) -> list[float]:
        if self.log and self.hi - self.lo >= 1:
            exponents = range(math.ceil(self.lo), math.floor(self.hi) + 1)
            return [10.0 ** e for e in exponents[:: max(1, len(exponents) // 4)]]
        lo, hi = (10 ** self.lo, 10 ** self.hi) if self.log else (self.lo, self.hi)
        return nice_ticks(lo, hi)


def nice_ticks(lo: float, hi: float, count: int = 3) -> list[float]:
    """About ``count`` round values between ``lo`` and ``hi``."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return [lo]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def label(value: float) -> str:
    """A short tick label: 0.5, 3e-04, 1000, 12k, 2.5M, 1e+15."""
    size = abs(value)
    if value == 0 or 1e-3 <= size < 1e4:
        return f"{value:.4g}"
    for divisor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if 1e4 <= size < 1e15 and size >= divisor:
            return f"{value / divisor:.3g}{suffix}"
    return f"{value:.0e}"


def log_scale_suits(envelopes: Iterable[Envelope]) -> bool:
    """Whether the values are all positive and span ``LOG_FROM_RATIO`` or more."""
    lows = [e.lo.min() for e in envelopes if len(e.lo)]
    highs = [e.hi.max() for e in envelopes if len(e.hi)] if lows else []
    return bool(lows) and min(lows) > 0 and max(highs) / min(lows) >= LOG_FROM_RATIO


def empty_chart(title: str, note: str, x_range: tuple[float, float], envelopes: list[Envelope],
                width: int = PANEL_WIDTH + LEFT + RIGHT, height: int = 150) -> tuple[Chart, Scale, Scale]:
    """A chart with its axes and ticks, for series of ``envelopes`` over steps ``x_range``."""
    chart = Chart(title, note, width, height)
    left, top, right, bottom = chart.box
    log = log_scale_suits(envelopes)
    finite = [e for e in envelopes if len(e.lo)]
    lo = min((e.lo.min() for e in finite), default=0.0)
    hi = max((e.hi.max() for e in finite), default=1.0)
    x, y = Scale(*x_range, left, right), Scale(lo, hi, bottom, top, log=log)
    chart.x_ticks = [(float(x(v)), label(v)) for v in nice_ticks(*x_range) if x_range[0] <= v <= x_range[1]]
    chart.y_ticks = [(float(y(v)), label(v)) for v in y.ticks() if lo <= v <= hi or log]
    chart.y_ticks = [(py, text) for py, text in chart.y_ticks if top - 0.5 <= py <= bottom + 0.5]
    if log:
        chart.note = ", ".join(filter(None, [chart.note, "log scale"]))
    return chart, x, y


def series_shape(envelope: Envelope, x: Scale, y: Scale, css: str, title: str = "") -> Shape | None:
    """A line through the points, or the min/max band of a decimated series; None without a finite point."""
    if not len(envelope.steps):
        return None
    px = x(envelope.steps.astype(float))
    if not envelope.decimated:
        return Shape(_path(px, y(envelope.lo)), css + " line", title)
    band = _path(np.r_[px, px[::-1]], np.r_[y(envelope.hi), y(envelope.lo)[::-1]]) + "Z"
    return Shape(band, css + " band", title)


def _path(px: np.ndarray, py: np.ndarray) -> str:
    if len(px) == 1:  # one point: a short stroke, so that it shows
        px, py = np.r_[px - 1, px + 1], np.r_[py, py]
    pairs = [f"{a:.0f} {b:.1f}" for a, b in zip(px.tolist(), py.tolist())]  # whole pixels across
    return "M" + pairs[0] + "L" + " ".join(pairs[1:])


def metric_chart(metric: str, envelope: Envelope, findings: list[Finding], raw_name: str = "") -> Chart:
    """One panel of a run: the series, its non-finite values, and what the findings on it say."""
    steps = [s for f in findings for s in (f.onset_step, f.first_step) if s is not None]
    steps += list(envelope.span or ())  # every step logged, the non-finite ones too: the run's whole length
    lo, hi = min(steps, default=0), max(steps, default=1)
    chart, x, y = empty_chart(metric, _points_note(envelope), (lo, hi), [envelope])
    shape = series_shape(envelope, x, y, "s0", f"{metric}: {envelope.points:,} points")
    chart.shapes = [shape] if shape else []
    top = chart.box[1] + 3
    chart.marks = [Mark(float(x(step)), top, "nonfinite", f"{name} from step {step}")
                   for step, name in envelope.non_finite]
    for finding in findings:
        _overlay(chart, finding, envelope, x, y)
    return chart


def _points_note(envelope: Envelope) -> str:
    parts = [f"{envelope.points:,} points"]
    if envelope.decimated:
        parts.append(f"min/max per {PANEL_WIDTH // PANEL_COLUMNS}-pixel column")
    if envelope.non_finite_stretches:
        parts.append(f"{envelope.points - envelope.finite:,} non-finite")
    return ", ".join(parts)


def _overlay(chart: Chart, finding: Finding, envelope: Envelope, x: Scale, y: Scale) -> None:
    """The onset and first alarm as lines, the early-warning window as a band, spikes as marks."""
    what = f"{finding.kind} ({finding.severity.value})"
    marks = Marks.of(finding)
    if marks.window is not None:
        a, b = marks.window
        chart.rules.append(Rule(float(x(a)), "window", f"early-warning window of {what}: steps {a}-{b}, "
                                f"lead {marks.lead} steps (weak evidence)", float(x(b))))
    if marks.onset is not None:
        chart.rules.append(Rule(float(x(marks.onset)), "onset", f"onset of {what} at step {marks.onset}"))
    if marks.alarm is not None:
        chart.rules.append(Rule(float(x(marks.alarm)), "alarm", f"first alarm of {what} at step {marks.alarm}"))
    for step, value in zip(marks.spikes, envelope.highest_at(marks.spikes).tolist()):
        if math.isfinite(value):
            chart.marks.append(Mark(float(x(step)), float(y(value)), "spike", f"spike at step {step}: {value:.4g}"))


def overlay_chart(role: str, envelopes: dict[str, Envelope], collapsed: set[str]) -> Chart:
    """One role across the runs of a folder: collapsed runs in colour, healthy ones in grey (drawn first)."""
    drawn = {run: e.coarser(OVERLAY_COLUMNS) for run, e in envelopes.items() if len(e.steps)}
    lo = min((int(e.steps[0]) for e in drawn.values()), default=0)
    hi = max((int(e.steps[-1]) for e in drawn.values()), default=1)
    note = f"{len(collapsed & set(drawn))} collapsed of {len(drawn)} runs"
    chart, x, y = empty_chart(role, note, (lo, hi), list(drawn.values()), width=PANEL_WIDTH + 160, height=190)
    order = sorted(drawn, key=lambda run: (run in collapsed, run))
    colour = {run: i % 6 for i, run in enumerate(r for r in order if r in collapsed)}
    for run in order:
        css = f"c{colour[run]}" if run in collapsed else "healthy"
        shape = series_shape(drawn[run], x, y, css, run + (" (collapsed)" if run in collapsed else " (healthy)"))
        if shape:
            chart.shapes.append(shape)
    return chart
