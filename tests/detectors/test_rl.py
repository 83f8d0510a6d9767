"""The RL detectors, and the onset and grad-norm rules they share, on console logs and the accuracy corpus.

Console logs come from ``console_logs.py`` (ground truth stated there); corpus runs
are the real, seeded runs in ``benchmarks/data/accuracy/`` (labels and configs in
its README).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.detectors import console_logs
from tests.detectors.test_training import one
from tracesift.detectors.training.evals import is_held_out_quality
from tracesift.pipeline.scan import scan

CORPUS = Path(__file__).parents[2] / "benchmarks" / "data" / "accuracy"


def scanned(folder: Path) -> list:
    return list(scan([folder]).findings)


def verl(tmp_path: Path, columns: dict) -> list:
    console_logs.write_verl_log(tmp_path / "logs" / "run.log", columns)
    return scanned(tmp_path / "logs")


@pytest.mark.parametrize(("held_out_falls", "severity"), [(True, "critical"), (False, "warning")])
def test_reward_hacking_is_critical_when_the_held_out_score_falls(tmp_path, held_out_falls, severity):
    found = verl(tmp_path, console_logs.reward_hacking(onset=120, held_out_falls=held_out_falls))
    hacking = one(found, "reward_hacking")
    assert hacking.severity.value == severity
    assert hacking.metric == "reward" and hacking.related in ("clip_frac", "response_length")
    assert abs(hacking.onset_step - 121) <= 10  # the length starts climbing to the cap at step 121
    fell = [entry["metric"] for entry in hacking.evidence["held_out_fell"]]
    assert fell == (["eval/test_score/openai/gsm8k"] if held_out_falls else [])


def test_eval_timings_are_not_held_out_quality(tmp_path):
    run = console_logs.grpo_healthy()
    console_logs.write_trainer_console(tmp_path / "logs" / "grpo.log", run["train"], run["evals"])
    assert [f.kind for f in scanned(tmp_path / "logs")] == []


@pytest.mark.parametrize(("metric", "quality"), [
    ("eval/loss", True), ("eval/test_score/openai/gsm8k", True), ("test/accuracy", True), ("eval/reward", True),
    ("eval/runtime", False), ("eval/samples_per_second", False), ("eval/response_length", False),
    ("eval/kl", False), ("eval/entropy", False), ("eval/epoch", False), ("loss", False),
])
def test_held_out_quality_by_name(metric, quality):
    assert is_held_out_quality(metric) is quality


@pytest.mark.parametrize(("reward_after", "severity"), [(0.0, "critical"), (0.3, "warning")])
def test_entropy_explosion_is_critical_when_reward_sits_at_zero(tmp_path, reward_after, severity):
    found = verl(tmp_path, console_logs.entropy_explosion(onset=100, reward_after=reward_after))
    explosion = one(found, "entropy_explosion")
    assert explosion.severity.value == severity
    assert abs(explosion.onset_step - 101) <= 5
    assert (explosion.related == "reward") is (severity == "critical")


def test_onset_looks_back_to_where_a_sharp_drop_began(tmp_path):
    collapse = one(verl(tmp_path, console_logs.sharp_entropy_drop(drop=100)), "entropy_collapse")
    assert collapse.first_step - 101 > 200  # the 10% threshold is crossed long after the drop...
    assert abs(collapse.onset_step - 101) <= 5  # ...and the onset is still the drop


def test_an_isolated_grad_spike_without_loss_reaction_is_info(tmp_path):
    console_logs.write_trainer_console(tmp_path / "logs" / "train.log", console_logs.isolated_grad_spike(spike=150))
    found = scanned(tmp_path / "logs")
    assert [f.kind for f in found] == ["grad_explosion"]
    assert found[0].severity.value == "info" and found[0].first_step == 151
    assert found[0].lead_steps is None


@pytest.mark.parametrize("run", ["lm_badbatch_sgd_s6", "lm_badbatch_s5"])
def test_an_isolated_grad_spike_the_loss_reacts_to_is_a_warning(tmp_path, run):
    """Real runs with one batch of random tokens: the gradient norm and the loss jump at the same step."""
    shutil.copy(CORPUS / f"{run}.csv", tmp_path)
    spike = one(scanned(tmp_path), "grad_explosion")
    assert spike.evidence["isolated"] is True
    assert spike.severity.value == "warning" and spike.lead_steps is not None
