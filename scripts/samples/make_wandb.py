"""Make the W&B offline sample runs in sample_traces/training/wandb/.

Needs ``pip install wandb torch`` (CPU torch is enough); no network, no account:
runs are written with ``mode="offline"``. Usage::

    python scripts/samples/make_wandb.py [OUT_DIR]   # default: sample_traces/training

Two runs of the same small MLP regression, 300 steps each, logging ``loss``,
``grad_norm`` and ``lr`` every step:

* ``healthy``: plain SGD at a sensible learning rate; the loss goes down.
* ``diverging``: the learning rate warms up linearly to far too high a value
  with no gradient clipping, so the loss spikes and blows up to inf, then NaN.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import torch
import wandb

STEPS = 300


def train(name: str, peak_lr: float, warmup: int) -> None:
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    y = (x @ torch.randn(8, 1)).sin() + 0.1 * torch.randn(256, 1)  # a smooth target with noise
    model = torch.nn.Sequential(torch.nn.Linear(8, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=peak_lr, momentum=0.9)
    run = wandb.init(
        project="tracesift-samples",
        name=name,
        tags=[name, "mlp"],
        config={"peak_lr": peak_lr, "warmup_steps": warmup, "momentum": 0.9, "hidden": 64, "steps": STEPS},
        settings=wandb.Settings(x_disable_stats=True),  # no system-metrics records: keeps the log small
    )
    for step in range(STEPS):
        lr = peak_lr * min(1.0, (step + 1) / warmup)
        for group in opt.param_groups:
            group["lr"] = lr
        batch = torch.randint(0, 256, (32,))
        loss = torch.nn.functional.mse_loss(model(x[batch]), y[batch])
        opt.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))  # measure only
        opt.step()
        # float("nan") / float("inf") go into the log as "NaN" / "Infinity"
        run.log({"loss": loss.item(), "grad_norm": grad_norm.item(), "lr": lr}, step=step)
        if step % 10 == 0:
            print(f"step {step} loss {loss.item():.6g} grad_norm {grad_norm.item():.6g} lr {lr:.4g}")
    run.finish()


def tidy(root: Path) -> None:
    """Drop what is large and says nothing of the training: debug logs, symlinks."""
    for link in [root / "latest-run", root / "debug.log", root / "debug-internal.log", root / "debug-cli.root.log"]:
        if link.is_symlink() or link.is_file():
            link.unlink()
    for logs in root.glob("offline-run-*/logs"):
        shutil.rmtree(logs)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "sample_traces/training").resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update(WANDB_MODE="offline", WANDB_DIR=str(out), WANDB_SILENT="true")
    train("healthy", peak_lr=0.05, warmup=1)
    train("diverging", peak_lr=0.6, warmup=STEPS)
    tidy(out / "wandb")
