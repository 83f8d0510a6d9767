"""Make the MLflow samples in sample_traces/training/mlflow/ with the real MLflow client.

Needs ``pip install mlflow torch`` (in a venv of its own, not the project's):

    python3 -m venv /tmp/mlflow-venv
    /tmp/mlflow-venv/bin/pip install mlflow torch
    /tmp/mlflow-venv/bin/python scripts/samples/make_mlflow.py

It trains a tiny MLP regression on CPU twice per tracking store: ``healthy``
(peak lr 0.02) and ``lr_too_high`` (warms up to lr 0.6, whose loss spikes and
then goes to inf/NaN). A third short run, ``deleted_run``, is logged and then
deleted, so readers can be checked to skip it. Both stores get the same runs:
``mlflow.db`` (the SQLite backend) and ``mlruns/`` (the legacy file store,
which MLflow 3 only opens with MLFLOW_ALLOW_FILE_STORE=true).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # the file store is in maintenance mode

import mlflow  # noqa: E402
import torch  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "sample_traces" / "training" / "mlflow"
STEPS, WARMUP, EVAL_EVERY = 300, 100, 25


def make_data(seed: int = 0) -> tuple[torch.Tensor, ...]:
    """A fixed synthetic regression problem: y = sin(x·w) + noise, 8 features."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1200, 8, generator=g)
    y = torch.sin(x @ torch.randn(8, 1, generator=g)) + 0.05 * torch.randn(1200, 1, generator=g)
    return x[:1000], y[:1000], x[1000:], y[1000:]


def lr_at(step: int, peak: float) -> float:
    """Linear warmup to ``peak`` over WARMUP steps, then cosine decay to 10% of it."""
    if step < WARMUP:
        return peak * (step + 1) / WARMUP
    t = (step - WARMUP) / (STEPS - WARMUP)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def train(peak_lr: float, steps: int = STEPS) -> None:
    """Train in the active MLflow run, logging loss, grad_norm and lr every step."""
    torch.manual_seed(0)
    x, y, x_val, y_val = make_data()
    model = torch.nn.Sequential(torch.nn.Linear(8, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=peak_lr, momentum=0.9)
    batches = torch.Generator().manual_seed(1)
    for step in range(steps):
        lr = lr_at(step, peak_lr)
        for group in opt.param_groups:
            group["lr"] = lr
        idx = torch.randint(0, len(x), (32,), generator=batches)
        loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        # max_norm=inf: measure the global gradient norm without clipping it
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=float("inf"))
        opt.step()
        mlflow.log_metric("loss", loss.item(), step=step)
        mlflow.log_metric("grad_norm", grad_norm.item(), step=step)
        mlflow.log_metric("lr", lr, step=step)
        if (step + 1) % EVAL_EVERY == 0:
            with torch.no_grad():
                val = torch.nn.functional.mse_loss(model(x_val), y_val).item()
            mlflow.log_metric("eval/loss", val, step=step)  # a nested key: metrics/eval/loss


def log_runs(tracking_uri: str, artifacts: str) -> None:
    """Log the three runs into one experiment of the store at ``tracking_uri``."""
    mlflow.set_tracking_uri(tracking_uri)
    exp_id = mlflow.create_experiment("tiny-mlp-lr-sweep", artifact_location=artifacts)
    for name, peak_lr, steps in [("healthy", 0.02, STEPS), ("lr_too_high", 0.6, STEPS), ("deleted_run", 0.02, 20)]:
        with mlflow.start_run(experiment_id=exp_id, run_name=name) as run:
            mlflow.log_params(
                {
                    "peak_lr": peak_lr,
                    "warmup_steps": WARMUP,
                    "steps": steps,
                    "optimizer": "sgd_momentum0.9",
                    "batch_size": 32,
                    "hidden": 64,
                }
            )
            mlflow.set_tags({"task": "synthetic_regression", "sample": "tracesift"})
            train(peak_lr, steps)
        if name == "deleted_run":
            mlflow.delete_run(run.info.run_id)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    scratch = tempfile.mkdtemp()  # artifact roots: nothing is logged there, keep them out of the repo
    log_runs(f"sqlite:///{OUT / 'mlflow.db'}", f"{scratch}/sqlite-artifacts")
    log_runs(f"file://{OUT / 'mlruns'}", f"{scratch}/file-artifacts")
    print("mlflow", mlflow.__version__, "->", OUT)


if __name__ == "__main__":
    main()
