"""Read the written sample files back and print the onset steps quoted in
sample_traces/training/README.md (rules in train.py: first_nonfinite, first_spike,
first_below, first_sustained_below).

    /tmp/samples-venv/bin/python scripts/samples/onsets.py
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train import first_below, first_nonfinite, first_spike, first_sustained_below  # noqa: E402

T = Path(__file__).resolve().parents[2] / "sample_traces" / "training"


def f(x):
    return float(x) if x not in ("", None) else None


def wide_csv(name):
    with open(T / "csv" / f"{name}.csv") as handle:
        return [{k: (int(v) if k == "step" else f(v)) for k, v in r.items() if v != ""} for r in csv.DictReader(handle)]


def report(name, rows, keys=("loss", "grad_norm")):
    out = [name]
    for k in keys:
        if any(k in r for r in rows):
            sub = [r for r in rows if k in r]
            out.append(f"{k}: nonfinite@{first_nonfinite(sub, k)} spike3x@{first_spike(sub, k)}")
    print("  ".join(out))


for n in ("lm_diverge", "lm_spikes_adamw", "lm_healthy"):
    report(n, wide_csv(n))
for n in ("rl_entropy_collapse", "rl_healthy"):
    rows = wide_csv(n)
    b, ref = first_below(rows, "entropy", 0.1, ref_steps=1)
    sustained = first_sustained_below(rows, "entropy", 0.1 * ref)
    print(n, f"entropy ref(step1)={ref:.3f} <10%@{b} sustained<0.1x20@{sustained}",
          f"final entropy={rows[-1]['entropy']:.3f} reward(last20)={sum(r['reward_mean'] for r in rows[-20:]) / 20:.3f}",
          f"kl(last)={rows[-1]['kl']:.3f}")

# HF Trainer
for n in ("hf_gpt2_diverge", "hf_gpt2_healthy"):
    lh = json.loads((T / "hf_trainer" / n / "trainer_state.json").read_text())["log_history"]
    rows = [{"step": e["step"], "loss": e["loss"], "grad_norm": e["grad_norm"]} for e in lh if "loss" in e]
    ev = [(e["step"], round(e["eval_loss"], 3)) for e in lh if "eval_loss" in e]
    report(n, rows)
    print("   eval:", ev, " max loss:", max((r["loss"], r["step"]) for r in rows))

# Lightning
for n in ("pl_lm_diverge", "pl_lm_healthy"):
    with open(T / "lightning" / n / "version_0" / "metrics.csv") as handle:
        rows = [{"step": int(r["step"]), "loss": float(r["train_loss"]), "grad_norm": float(r["grad_norm"])}
                for r in csv.DictReader(handle) if r["train_loss"]]
    report(n, rows)

# VAE (from the train.py run directly; TB files hold the same series)
import train  # noqa: E402

for n in ("vae_kl_collapse", "vae_healthy"):
    rows = train.run_preset(n)
    peak = max(rows, key=lambda r: r["kl"])
    after = [r for r in rows if r["step"] >= peak["step"]]
    quiet = first_sustained_below(after, "kl", 0.05)
    print(n, f"kl peak {peak['kl']:.3f}@{peak['step']}  kl<0.05 for 20 steps after peak @{quiet}",
          f"active_units=0 first@{next((r['step'] for r in rows if r['active_units'] == 0), None)}",
          f"final kl={rows[-1]['kl']:.3f} recon={rows[-1]['recon_loss']:.2f} active={rows[-1]['active_units']}")
