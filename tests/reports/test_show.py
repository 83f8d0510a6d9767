"""Sparklines: a series in a few characters, spikes and non-finite values kept."""

from __future__ import annotations

import numpy as np

from tracesift.report_data import Envelope
from tracesift.reports.show import sparkline


def test_a_sparkline_keeps_the_last_value_beside_non_finite_ones_after_it():
    values = np.r_[np.ones(20), 50.0, np.nan, np.nan]
    assert sparkline(Envelope.of(np.arange(23), values), width=21) == "▁" * 20 + "█!"


def test_a_spike_in_a_long_series_shows():
    values = np.ones(10_000)
    values[5_000] = 9.0
    line = sparkline(Envelope.of(np.arange(10_000), values), width=40)
    assert len(line) == 40 and line.count("█") == 1 and set(line) == {"▁", "█"}


def test_non_finite_values_inside_the_series_are_marked_where_they_begin():
    values = np.r_[np.linspace(1, 2, 50), [np.nan] * 5, np.linspace(2, 3, 45)]
    line = sparkline(Envelope.of(np.arange(100), values), width=20)
    assert line.count("!") == 1 and 9 <= line.index("!") <= 11
