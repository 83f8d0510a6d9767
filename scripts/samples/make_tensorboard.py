"""Write real TensorBoard event files from the tiny training runs in train.py.

  tensorboardX.SummaryWriter.add_scalar:
      lm_diverge, lm_spikes_adamw, lm_healthy, rl_entropy_collapse, rl_healthy
  torch.utils.tensorboard.SummaryWriter.add_scalar:
      vae_kl_collapse, vae_healthy

-> sample_traces/training/tensorboard/<run>/events.out.tfevents.*

    /tmp/samples-venv/bin/python scripts/samples/make_tensorboard.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TB = ROOT / "sample_traces" / "training" / "tensorboard"

# run -> {tag: metric key}
LM_TAGS = {"train/loss": "loss", "train/grad_norm": "grad_norm", "train/lr": "lr", "eval/loss": "eval_loss"}
RL_TAGS = {
    "critic/score/mean": "reward_mean",
    "actor/entropy": "entropy",
    "actor/kl_to_init": "kl",
    "actor/pg_loss": "pg_loss",
    "actor/grad_norm": "grad_norm",
    "response_length/mean": "response_length_mean",
}
VAE_TAGS = {
    "loss/total": "loss",
    "loss/recon": "recon_loss",
    "loss/kl": "kl",
    "kl_weight": "beta",
    "latent/active_units": "active_units",
    "eval/recon": "eval_recon_loss",
    "eval/kl": "eval_kl",
}

RUNS = {
    "lm_diverge": ("tensorboardX", LM_TAGS),
    "lm_spikes_adamw": ("tensorboardX", LM_TAGS),
    "lm_healthy": ("tensorboardX", LM_TAGS),
    "rl_entropy_collapse": ("tensorboardX", RL_TAGS),
    "rl_healthy": ("tensorboardX", RL_TAGS),
    "vae_kl_collapse": ("torch", VAE_TAGS),
    "vae_healthy": ("torch", VAE_TAGS),
}


def main() -> None:
    import tensorboardX
    import torch
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    for run, (lib, tags) in RUNS.items():
        rows = train.run_preset(run)
        d = TB / run
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        w = tensorboardX.SummaryWriter(logdir=str(d)) if lib == "tensorboardX" else TorchWriter(log_dir=str(d))
        for r in rows:
            for tag, key in tags.items():
                if key in r:
                    w.add_scalar(tag, r[key], r["step"], walltime=r["wall_time"])  # NaN/inf as-is; real step time
        w.close()
        files = sorted(p.name for p in d.iterdir())
        ver = tensorboardX.__version__ if lib == "tensorboardX" else f"torch {torch.__version__}"
        print(f"{run}: {len(rows)} steps via {lib} ({ver}) -> {files}")


if __name__ == "__main__":
    main()
