"""The numeric helpers against a reference implementation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

from tracesift.detectors.changepoint import best_split, binseg
from tracesift.detectors.signal import expanding_kendall, first_sustained, kendall_tau


@pytest.mark.parametrize("seed", range(5))
def test_expanding_kendall_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    y = np.cumsum(rng.normal(size=80)) + 0.05 * np.arange(80)
    taus, pvalues = expanding_kendall(y)
    for k in (5, 17, 40, 80):
        reference = kendalltau(np.arange(k), y[:k], method="asymptotic")
        assert taus[k - 1] == pytest.approx(reference.statistic)
        assert pvalues[k - 1] == pytest.approx(reference.pvalue)


@pytest.mark.parametrize("n", [2, 3, 7, 64, 65, 500])
@pytest.mark.parametrize("ties", [False, True])
def test_kendall_tau_is_the_exact_tau_a(n, ties):
    """The O(n log n) count against the pairwise sign matrix, with and without tied values."""
    rng = np.random.default_rng(n)
    y = rng.integers(0, max(2, n // 4), n).astype(float) if ties else rng.normal(size=n) + 0.01 * np.arange(n)
    signs = np.sign(y[None, :] - y[:, None])
    assert kendall_tau(y) == pytest.approx(np.triu(signs, k=1).sum() / (n * (n - 1) / 2), abs=1e-12)
    if not ties:  # without ties, tau-a is scipy's tau-b
        assert kendall_tau(y) == pytest.approx(kendalltau(np.arange(n), y).statistic)


def test_binseg_finds_known_breaks():
    rng = np.random.default_rng(0)
    y = np.r_[rng.normal(0, 0.1, 100), rng.normal(2, 0.1, 60), rng.normal(-1, 0.1, 40)]
    assert best_split(y)[0] == 160  # one cut: the best single split of the three levels
    assert binseg(y, penalty=3 * 0.01 * np.log(len(y))) == [100, 160]


def test_first_sustained_tells_a_burst_from_a_lasting_change():
    alarm = np.zeros(100, dtype=bool)
    alarm[10:13] = True  # a burst
    alarm[60:] = True  # a lasting change
    assert first_sustained(alarm, share=0.8) == 60
