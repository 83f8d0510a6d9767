"""Envelopes: a long series drawn per pixel column keeps every column's extremes and says where non-finite values begin."""

from __future__ import annotations

import numpy as np

from tracesift.report_data import Envelope


def test_a_short_series_is_kept_point_for_point():
    steps, values = np.arange(10), np.linspace(1, 2, 10)
    envelope = Envelope.of(steps, values, columns=50)
    assert not envelope.decimated
    assert envelope.steps.tolist() == steps.tolist() and envelope.lo.tolist() == values.tolist()


def test_a_long_series_keeps_each_columns_min_and_max():
    rng = np.random.default_rng(0)
    steps = np.arange(100_000)
    values = rng.normal(size=len(steps))
    values[54_321] = 40.0  # one spike among a hundred thousand points
    envelope = Envelope.of(steps, values, columns=300)
    assert envelope.decimated and len(envelope.steps) <= 300 and envelope.points == 100_000
    assert envelope.hi.max() == 40.0 and envelope.lo.min() == values.min()
    column = np.searchsorted(envelope.steps, 54_321, side="right") - 1
    assert envelope.hi[column] == 40.0


def test_non_finite_stretches_are_marked_where_they_begin():
    values = np.array([1.0, np.nan, np.nan, 2.0, np.inf, 3.0, -np.inf, -np.inf])
    envelope = Envelope.of(np.arange(8) * 10, values)
    assert envelope.non_finite == ((10, "nan"), (40, "+inf"), (60, "-inf"))
    assert envelope.non_finite_stretches == 3 and envelope.finite == 3
    assert envelope.steps.tolist() == [0, 30, 50]


def test_a_short_series_with_non_finite_values_is_not_decimated():
    envelope = Envelope.of(np.arange(5), np.array([1.0, 2.0, np.nan, 3.0, 4.0]))
    assert not envelope.decimated and envelope.points == 5 and envelope.finite == 4


def test_a_coarser_envelope_keeps_the_extremes():
    envelope = Envelope.of(np.arange(10_000), np.sin(np.arange(10_000) / 100.0), columns=300)
    coarse = envelope.coarser(50)
    assert len(coarse.steps) <= 50 and coarse.hi.max() == envelope.hi.max() and coarse.lo.min() == envelope.lo.min()


def test_a_series_that_ends_non_finite_spans_every_step_it_logged():
    from tracesift.reports.charts import metric_chart

    values = np.r_[np.linspace(1, 5, 70), np.full(230, np.nan)]  # finite for 70 steps, then NaN to step 299
    envelope = Envelope.of(np.arange(300), values)
    assert envelope.span == (0, 299) and int(envelope.steps[-1]) == 69
    chart = metric_chart("loss", envelope, [])
    left, _, right, _ = chart.box
    mark = chart.marks[0]  # where the NaN begin: 70 of 299 steps along the axis, not at its end
    assert abs((mark.x - left) / (right - left) - 70 / 299) < 0.01
    assert max(int(label) for _, label in chart.x_ticks if label.isdigit()) >= 200  # the axis runs past step 69
