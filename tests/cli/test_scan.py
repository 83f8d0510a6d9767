"""collapse-scan on the sample traces: the failures they really contain, and nothing in the healthy ones."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files

import jsonschema
import pytest

from tests.conftest import SAMPLES
from tests.detectors import signals
from tracesift.cli import app

# What the sample runs really did (sample_traces/training/README.md and the READMEs of
# wandb/ and mlflow/): run id prefix -> finding kinds of which at least one must be found.
FAILED = {
    "training/tensorboard/lm_diverge": {"divergence", "non_finite"},
    "training/csv/lm_diverge": {"divergence", "non_finite"},
    "training/jsonl/lm_diverge": {"divergence", "non_finite"},
    "training/stdout/nanogpt_lm_diverge": {"divergence", "non_finite"},
    "training/stdout/megatron_lm_diverge": {"non_finite"},
    "training/csv/keras_lm_diverge": {"non_finite"},
    "training/lightning/pl_lm_diverge/version_0": {"divergence", "non_finite"},
    "training/mlflow/mlflow.db/tiny-mlp-lr-sweep/lr_too_high": {"divergence", "non_finite"},
    "training/mlflow/mlruns/tiny-mlp-lr-sweep/lr_too_high": {"divergence", "non_finite"},
    "training/tensorboard/lm_spikes_adamw": {"loss_spike", "divergence"},
    "training/csv/lm_spikes_adamw": {"loss_spike", "divergence"},
    "training/stdout/keyvalue_lm_spikes_adamw": {"loss_spike", "divergence"},
    "training/hf_trainer/hf_gpt2_diverge": {"loss_excursion", "loss_spike"},
    "training/stdout/hf_trainer_console": {"loss_excursion", "loss_spike"},
    "training/tensorboard/rl_entropy_collapse": {"entropy_collapse"},
    "training/csv/rl_entropy_collapse": {"entropy_collapse"},
    "training/jsonl/rl_entropy_collapse": {"entropy_collapse"},
    "training/stdout/verl_rl_entropy_collapse_plain": {"entropy_collapse"},
    "training/stdout/verl_rl_entropy_collapse_ray": {"entropy_collapse"},
    "training/tensorboard/vae_kl_collapse": {"posterior_collapse"},
}
HEALTHY = [
    "training/tensorboard/lm_healthy", "training/csv/lm_healthy", "training/jsonl/lm_healthy",
    "training/stdout/nanogpt_lm_healthy", "training/stdout/megatron_lm_healthy", "training/csv/keras_lm_healthy",
    "training/lightning/pl_lm_healthy/version_0", "training/mlflow/mlflow.db/tiny-mlp-lr-sweep/healthy",
    "training/mlflow/mlruns/tiny-mlp-lr-sweep/healthy", "training/hf_trainer/hf_gpt2_healthy",
    "training/tensorboard/rl_healthy", "training/csv/rl_healthy", "training/stdout/verl_rl_healthy_plain",
    "training/stdout/verl_rl_healthy_ray", "training/tensorboard/vae_healthy",
]


@pytest.fixture(scope="module")
def sample_scan(tmp_path_factory):
    from typer.testing import CliRunner

    copy = tmp_path_factory.mktemp("scan") / "sample_traces"
    shutil.copytree(SAMPLES, copy)
    result = CliRunner().invoke(app, ["scan", str(copy), "--json"])
    return result


def test_exit_code_1_on_critical_findings(sample_scan):
    assert sample_scan.exit_code == 1


def test_document_matches_its_schema(sample_scan):
    schema = json.loads(files("tracesift.reports").joinpath("findings.schema.json").read_text())
    document = json.loads(sample_scan.stdout)
    jsonschema.validate(document, schema)
    assert document["summary"]["critical"] == sum(f["severity"] == "critical" for f in document["findings"])


@pytest.mark.parametrize("run", FAILED)
def test_failed_runs_are_found(sample_scan, run):
    kinds = {f["kind"] for f in json.loads(sample_scan.stdout)["findings"] if f["subject_id"] == run}
    assert kinds & FAILED[run], f"{run}: found {kinds or 'nothing'}"


def test_healthy_runs_are_silent(sample_scan):
    findings = json.loads(sample_scan.stdout)["findings"]
    noisy = {f["subject_id"]: f["kind"] for f in findings if f["subject_id"] in HEALTHY}
    assert noisy == {}


def test_wandb_runs(sample_scan):
    by_run: dict[str, set] = {}
    for f in json.loads(sample_scan.stdout)["findings"]:
        by_run.setdefault(f["subject_id"], set()).add(f["kind"])
    wandb = {run: kinds for run, kinds in by_run.items() if run.startswith("training/wandb/")}
    assert len(wandb) == 1  # the diverging run; the healthy one is silent
    assert {"divergence", "non_finite"} <= next(iter(wandb.values()))


def test_exit_codes_and_fail_on(runner, tmp_path):
    signals.write_csv(tmp_path / "spiky.csv", signals.spiky_loss())
    assert runner.invoke(app, ["scan", str(tmp_path)]).exit_code == 0  # a warning is below --fail-on critical
    assert runner.invoke(app, ["scan", str(tmp_path), "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(app, ["scan", str(tmp_path), "--detector", "nope"]).exit_code == 2
    assert runner.invoke(app, ["scan", str(tmp_path), "--set", "loss_spike.zz=3"]).exit_code == 2
    assert runner.invoke(app, ["scan", str(tmp_path), "--set", "loss_spike.z=many"]).exit_code == 2


def test_thresholds_from_options_and_toml(runner, tmp_path):
    signals.write_csv(tmp_path / "spiky.csv", signals.spiky_loss())
    loud = runner.invoke(app, ["scan", str(tmp_path), "--jsonl"])
    assert [json.loads(line)["kind"] for line in loud.stdout.splitlines()] == ["loss_spike"]
    quiet = runner.invoke(app, ["scan", str(tmp_path), "--jsonl", "--set", "loss_spike.z=1000"])
    assert quiet.stdout.strip() == ""
    (tmp_path / "tracesift.toml").write_text("[detectors.loss_spike]\nz = 1000.0\n")
    assert runner.invoke(app, ["scan", str(tmp_path), "--jsonl"]).stdout.strip() == ""


def test_step_range_and_detector_choice(runner, tmp_path):
    signals.write_csv(tmp_path / "run.csv", signals.diverging_loss(onset=300, nan_from=380))
    early = runner.invoke(app, ["scan", str(tmp_path), "--json", "--to-step", "250"])
    assert json.loads(early.stdout)["findings"] == []
    only = runner.invoke(app, ["scan", str(tmp_path), "--json", "-d", "non_finite"])
    assert [f["kind"] for f in json.loads(only.stdout)["findings"]] == ["non_finite"]


def test_findings_land_in_the_store(runner, tmp_path):
    signals.write_csv(tmp_path / "run.csv", signals.diverging_loss())
    runner.invoke(app, ["scan", str(tmp_path)])
    out = runner.invoke(app, ["query", str(tmp_path), "select kind from findings order by kind", "--csv"])
    assert out.stdout.splitlines() == ["kind", "divergence", "grad_explosion", "non_finite"]
    runner.invoke(app, ["scan", str(tmp_path), "-d", "non_finite"])  # a new scan replaces the findings
    out = runner.invoke(app, ["query", str(tmp_path), "select kind from findings", "--csv"])
    assert out.stdout.splitlines() == ["kind", "non_finite"]


def test_collapse_scan_console_script(monkeypatch, capsys, tmp_path):
    from tracesift.cli import collapse_scan_main

    signals.write_csv(tmp_path / "run.csv", signals.diverging_loss())
    monkeypatch.setattr("sys.argv", ["collapse-scan", str(tmp_path), "--jsonl"])
    with pytest.raises(SystemExit) as exit_info:
        collapse_scan_main()
    assert exit_info.value.code == 1
    kinds = {json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()}
    assert kinds == {"divergence", "grad_explosion", "non_finite"}
