"""Each detector on series whose ground truth is known by construction (see signals.py)."""

from __future__ import annotations

import pytest

from tests.detectors import signals
from tracesift.pipeline.scan import scan


def findings_for(tmp_path, **runs):
    for name, columns in runs.items():
        signals.write_csv(tmp_path / f"{name}.csv", columns)
    result = scan([tmp_path])
    by_run: dict[str, list] = {}
    for finding in result.findings:
        by_run.setdefault(finding.subject_id, []).append(finding)
    return by_run


def one(findings, kind):
    matches = [f for f in findings if f.kind == kind]
    assert len(matches) == 1, f"expected one {kind}, got {[f.kind for f in findings]}"
    return matches[0]


def test_healthy_runs_are_silent(tmp_path):
    found = findings_for(tmp_path, loss=signals.healthy_loss(), rl=signals.entropy_healthy(),
                         vae=signals.posterior_healthy())
    assert found == {}


def test_divergence_onset_grad_lead_and_nan(tmp_path):
    found = findings_for(tmp_path, run=signals.diverging_loss(onset=300, nan_from=380))["run"]
    divergence = one(found, "divergence")
    assert divergence.severity == "critical"
    assert abs(divergence.onset_step - 300) <= 5
    assert divergence.first_step >= divergence.onset_step
    assert one(found, "non_finite").first_step == 380
    grad = one(found, "grad_explosion")
    assert abs(grad.first_step - 290) <= 2
    assert grad.lead_steps == divergence.first_step - grad.first_step > 0


def test_level_shift_without_nan_is_a_divergence(tmp_path):
    found = findings_for(tmp_path, run=signals.shifted_loss(onset=250))["run"]
    divergence = one(found, "divergence")
    assert abs(divergence.onset_step - 250) <= 5
    assert not [f for f in found if f.kind == "non_finite"]


def test_spikes_that_recover_are_not_divergence(tmp_path):
    found = findings_for(tmp_path, run=signals.spiky_loss(spikes=(150, 320)))["run"]
    spike = one(found, "loss_spike")
    assert spike.evidence["spike_steps"] == [150, 320]
    assert spike.severity == "warning"
    assert 0 < spike.score <= 2 / 500
    assert [f.kind for f in found] == ["loss_spike"]


def test_entropy_collapse_onset(tmp_path):
    found = findings_for(tmp_path, run=signals.entropy_collapse(onset=100))["run"]
    collapse = one(found, "entropy_collapse")
    assert collapse.severity == "critical"
    assert abs(collapse.onset_step - 100) <= 5
    assert collapse.first_step > collapse.onset_step  # 10% of the early level is reached ~28 steps later


def test_kl_blowup(tmp_path):
    found = findings_for(tmp_path, run=signals.kl_blowup(onset=150))["run"]
    blowup = one(found, "kl_blowup")
    assert abs(blowup.onset_step - 150) <= 10


def test_posterior_collapse(tmp_path):
    found = findings_for(tmp_path, run=signals.posterior_collapse(peak=30, onset=60))["run"]
    collapse = one(found, "posterior_collapse")
    assert abs(collapse.onset_step - 60) <= 5
    assert collapse.evidence["peak"] == pytest.approx(1.5, rel=0.1)


def test_reward_hacking(tmp_path):
    found = findings_for(tmp_path, run=signals.reward_hacking(onset=150))["run"]
    hacking = one(found, "reward_hacking")
    assert (hacking.metric, hacking.related) == ("reward", "response_length")
    assert abs(hacking.onset_step - 150) <= 15


def test_forgetting_and_stability_gap(tmp_path):
    found = findings_for(tmp_path, lost=signals.forgetting(recover=False), back=signals.forgetting(recover=True))
    lost = one(found["lost"], "forgetting")
    assert lost.metric == "eval/task_a/accuracy" and lost.first_step == 200
    gap = one(found["back"], "stability_gap")
    assert gap.severity == "info" and gap.end_step == 300


def test_plateau(tmp_path):
    assert [f.kind for f in findings_for(tmp_path, run=signals.plateau())["run"]] == ["plateau"]


def test_early_warning_is_weak_and_never_raises_severity(tmp_path):
    """Critical slowing down: noise variance grows before a level shift."""
    import numpy as np

    columns = signals.shifted_loss(onset=300)
    rng = np.random.default_rng(3)
    ramp = np.r_[np.zeros(200), np.linspace(0, 0.12, 100), np.zeros(200)]
    columns["loss"] = columns["loss"] + ramp * rng.standard_normal(500)
    divergence = one(findings_for(tmp_path, run=columns)["run"], "divergence")
    warning = divergence.evidence.get("early_warning")
    assert warning is not None and warning["weak"] is True
    assert warning["indicators"]["variance"]["kendall_tau"] > 0.3
    assert divergence.lead_steps == warning["lead_steps"] > 0
