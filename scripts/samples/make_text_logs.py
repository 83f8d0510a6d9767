"""Write CSV / JSONL / stdout-style logs from the REAL metric series of train.py runs.

The numbers are the runs' own per-step values; only the text layout is reproduced, each
copied from the public source named next to its writer below (nothing here imports
Keras, nanoGPT, Megatron-LM, verl or Ray).

    /tmp/samples-venv/bin/python scripts/samples/make_text_logs.py
"""

from __future__ import annotations

import collections
import csv
import datetime
import json
import math
import pprint
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "sample_traces" / "training"
T0 = datetime.datetime(2025, 3, 14, 9, 26, 53)  # fixed fake start time for timestamped lines


# --------------------------------------------------------------------------- csv
def write_wide_csv(run, rows, cols):
    p = OUT / "csv" / f"{run}.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step"] + cols)
        for r in rows:
            w.writerow([r["step"]] + [repr(r[c]) if c in r else "" for c in cols])
    return p


def write_keras_csv(run, rows, steps_per_epoch=25):
    """Layout of keras/src/callbacks/csv_logger.py (Keras 3): header 'epoch' + sorted(logs keys),
    csv.excel dialect (so \\r\\n line ends), epoch 0-based, values = str(python float).
    loss = mean of the epoch's batch losses, val_loss = the eval at the end of the epoch."""
    p = OUT / "csv" / f"keras_{run}.csv"
    epochs = []
    for e in range(math.ceil(len(rows) / steps_per_epoch)):
        chunk = rows[e * steps_per_epoch : (e + 1) * steps_per_epoch]
        evals = [r["eval_loss"] for r in rows[(e + 1) * steps_per_epoch : (e + 1) * steps_per_epoch + 1] if "eval_loss" in r]
        if not evals:
            evals = [r["eval_loss"] for r in chunk if "eval_loss" in r][-1:]
        logs = {"loss": float(np.mean([r["loss"] for r in chunk]))}
        if evals:
            logs["val_loss"] = float(evals[0])
        epochs.append(logs)
    keys = sorted(epochs[0].keys())

    class CustomDialect(csv.excel):
        delimiter = ","

    with open(p, "w") as f:  # keras opens in text mode without newline=""
        w = csv.DictWriter(f, fieldnames=["epoch"] + keys, dialect=CustomDialect)
        w.writeheader()
        for e, logs in enumerate(epochs):
            row = collections.OrderedDict({"epoch": e})
            row.update((k, logs.get(k, "NA")) for k in keys)
            w.writerow(row)
    return p


# --------------------------------------------------------------------------- jsonl
def write_jsonl_lm(run, rows):
    p = OUT / "jsonl" / run / "metrics.jsonl"
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "w") as f:
        for r in rows:
            obj = {"step": r["step"], "train": {"loss": r["loss"], "grad_norm": r["grad_norm"]}, "lr": r["lr"]}
            if "eval_loss" in r:
                obj["eval"] = {"loss": r["eval_loss"]}
            obj["perf"] = {"step_time_ms": round(r["time_ms"], 3), "tokens_seen": r["tokens"]}
            f.write(json.dumps(obj) + "\n")  # NaN -> NaN, inf -> Infinity (Python json default)
    return p


def write_jsonl_rl(run, rows):
    p = OUT / "jsonl" / run / "metrics.jsonl"
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "w") as f:
        for r in rows:
            obj = {
                "step": r["step"],
                "reward": {"mean": r["reward_mean"], "max": r["reward_max"], "min": r["reward_min"]},
                "policy": {"entropy": r["entropy"], "kl_to_init": r["kl"], "pg_loss": r["pg_loss"],
                           "grad_norm": r["grad_norm"]},
                "response_length": {"mean": r["response_length_mean"], "max": r["response_length_max"]},
                "lr": r["lr"],
            }
            f.write(json.dumps(obj) + "\n")
    return p


# --------------------------------------------------------------------------- nanoGPT
def nanogpt_mfu(n_params, dt, fwdbwd_per_iter, n_layer=2, n_head=4, d=64, T=32):
    # karpathy/nanoGPT model.py GPT.estimate_mfu (A100 bf16 peak 312 TFLOPS)
    L, H, Q = n_layer, n_head, d // n_head
    flops_per_token = 6 * n_params + 12 * L * H * Q * T
    flops_per_iter = flops_per_token * T * fwdbwd_per_iter
    return (flops_per_iter * (1.0 / dt)) / 312e12


def write_nanogpt(run, rows, eval_interval=25, n_params=None):
    """Print formats of karpathy/nanoGPT train.py:
        print(f"step {iter_num}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
        print(f"saving checkpoint to {out_dir}")
        print(f"iter {iter_num}: loss {lossf:.4f}, time {dt*1000:.2f}ms, mfu {running_mfu*100:.2f}%")
    'train loss' on the eval line = mean of the last 5 logged train losses (this run did not
    evaluate on the train split); running_mfu starts at -1.0 like nanoGPT (first 5 iters print -100.00%)."""
    p = OUT / "stdout" / f"nanogpt_{run}.log"
    out = [
        "Overriding config with config/train_tiny_char.py:",
        "tokens per iteration will be: 1,024",
        "found vocab_size = 32 (inside data/tiny_char/meta.pkl)",
        "Initializing a new model from scratch",
        f"number of parameters: {n_params / 1e6:.2f}M",
    ]
    best_val, running_mfu = 1e9, -1.0
    for i, r in enumerate(rows):
        it = r["step"]
        if it % eval_interval == 0 and "eval_loss" in r:
            hist = [x["loss"] for x in rows[max(0, i - 4) : i + 1]]
            tr = sum(hist) / len(hist)
            out.append(f"step {it}: train loss {tr:.4f}, val loss {r['eval_loss']:.4f}")
            if r["eval_loss"] < best_val:
                best_val = r["eval_loss"]
                if it > 0:
                    out.append("saving checkpoint to out-tiny-char")
        dt = r["time_ms"] / 1000.0
        if i >= 5:
            mfu = nanogpt_mfu(n_params, dt, 32)
            running_mfu = mfu if running_mfu == -1.0 else 0.9 * running_mfu + 0.1 * mfu
        out.append(f"iter {it}: loss {r['loss']:.4f}, time {dt*1000:.2f}ms, mfu {running_mfu*100:.2f}%")
    p.write_text("\n".join(out) + "\n")
    return p


# --------------------------------------------------------------------------- Megatron-LM
def write_megatron(run, rows, log_interval=10, eval_interval=100, gbs=32):
    """training_log() in NVIDIA/Megatron-LM megatron/training/training.py (main, 2026):
    timestamp prefix, ' iteration {:8d}/{:8d} |', consumed samples {:12d}, elapsed time per
    iteration (ms) {:.1f}, learning rate {:.6E}, global batch size {:5d}, ' {key}: {:.6E} |' only
    if avg >= 0.0 (so a NaN 'lm loss' is silently dropped), loss scale {:.1f}, grad norm {:.3f}
    (of the logged iteration), number of skipped / nan iterations {:3d}. Logged on iteration 1
    and every log_interval. Validation block from evaluate_and_print_results()."""
    p = OUT / "stdout" / f"megatron_{run}.log"
    train_iters = 400
    out = []
    acc, nacc, tacc = 0.0, 0, 0.0
    for i, r in enumerate(rows):
        it = r["step"] + 1  # Megatron iterations are 1-based
        acc += r["loss"]
        nacc += 1
        tacc += r["time_ms"]
        if it % log_interval == 0 or it == 1:
            elapsed = datetime.timedelta(seconds=r["wall_time"] - rows[0]["wall_time"] + 41.377)
            ts = (T0 + elapsed).strftime("%Y-%m-%d %H:%M:%S.%f")
            s = f" [{ts}]"
            s += f" iteration {it:8d}/{train_iters:8d} |"
            s += f" consumed samples: {it * gbs:12d} |"
            s += f" elapsed time per iteration (ms): {tacc / nacc:.1f} |"
            s += f" learning rate: {r['lr']:.6E} |"
            s += f" global batch size: {gbs:5d} |"
            avg = acc / max(1, nacc)
            if avg >= 0.0:
                s += " {}: {:.6E} |".format("lm loss", avg)
            s += f" loss scale: {1.0:.1f} |"
            s += f" grad norm: {r['grad_norm']:.3f} |"
            s += f" number of skipped iterations: {0:3d} |"
            s += f" number of nan iterations: {0:3d} |"
            out.append(s)
            if it != 1:
                acc, nacc, tacc = 0.0, 0, 0.0
        if it % eval_interval == 0:
            ev = [x["eval_loss"] for x in rows[i : i + 2] if "eval_loss" in x]
            if ev:
                v = ev[0]
                string = f" validation loss at iteration {it} | "
                string += "{} value: {:.6E} | ".format("lm loss", v)
                string += "{} PPL: {:.6E} | ".format("lm loss", math.exp(min(20, v)) if v == v else v)
                length = len(string) + 1
                out += ["-" * length, string, "-" * length]
    p.write_text("\n".join(out) + "\n")
    return p


# --------------------------------------------------------------------------- verl
def verl_metrics(r, epoch=0):
    """Metric dict in the key order verl's RayPPOTrainer.fit() builds it (actor update metrics,
    training/*, then compute_data_metrics, timing). actor/* values go through reduce_metrics
    (np.mean -> np.float64); data metrics are torch .item() floats."""
    n = np.float64
    adv_max = r["reward_max"] - r["reward_mean"]
    adv_min = r["reward_min"] - r["reward_mean"]
    return {
        "actor/entropy": n(r["entropy"]),
        "actor/kl_loss": n(r["kl"]),
        "actor/kl_coef": n(0.0),
        "actor/pg_loss": n(r["pg_loss"]),
        "actor/grad_norm": n(r["grad_norm"]),
        "actor/lr": n(r["lr"]),
        "training/global_step": r["step"],
        "training/epoch": epoch,
        "critic/score/mean": r["reward_mean"],
        "critic/score/max": r["reward_max"],
        "critic/score/min": r["reward_min"],
        "critic/rewards/mean": r["reward_mean"],
        "critic/rewards/max": r["reward_max"],
        "critic/rewards/min": r["reward_min"],
        "critic/advantages/mean": 0.0,
        "critic/advantages/max": adv_max,
        "critic/advantages/min": adv_min,
        "response_length/mean": r["response_length_mean"],
        "response_length/max": r["response_length_max"],
        "response_length/min": r["response_length_min"],
        "response_length/clip_ratio": r["response_length_clip_ratio"],
        "timing_s/gen": r["time_gen_s"],
        "timing_s/update_actor": r["time_step_s"] - r["time_gen_s"],
        "timing_s/step": r["time_step_s"],
        "perf/time_per_step": r["time_step_s"],
    }


def concat_dict_to_str_old(d, step):
    # verl <= 0.3 verl/utils/logger/aggregate_logger.py
    output = [f"step:{step}"]
    for k, v in d.items():
        if isinstance(v, (int, float, np.floating, np.integer)):
            output.append(f"{k}:{v:.3f}")
    return " - ".join(output)


def concat_dict_to_str_new(d, step):
    # verl main (2025-26) verl/utils/logger/aggregate_logger.py: f"{k}:{pprint.pformat(v)}"
    output = [f"step:{step}"]
    for k, v in d.items():
        if isinstance(v, (int, float, np.floating, np.integer)):
            output.append(f"{k}:{pprint.pformat(v)}")
    return " - ".join(output)


def write_verl(run, rows):
    # Ray print_worker_logs(): "{}{}({}{}){} {}".format(Style.DIM, Fore.CYAN, "TaskRunner pid=", pid, Style.RESET_ALL, line)
    DIM, CYAN, RESET = "\x1b[2m", "\x1b[36m", "\x1b[0m"
    prefix = f"{DIM}{CYAN}(TaskRunner pid=12345){RESET} "
    p1 = OUT / "stdout" / f"verl_{run}_ray.log"
    p2 = OUT / "stdout" / f"verl_{run}_plain.log"
    with open(p1, "w") as f1, open(p2, "w") as f2:
        for r in rows:
            m = verl_metrics(r)
            f1.write(prefix + concat_dict_to_str_new(m, r["step"]) + "\n")
            f2.write(concat_dict_to_str_old(m, r["step"]) + "\n")
    return p1, p2


# --------------------------------------------------------------------------- key=value
def write_keyvalue(run, rows):
    p = OUT / "stdout" / f"keyvalue_{run}.log"
    with open(p, "w") as f:
        for r in rows:
            parts = [f"step={r['step']}", f"loss={r['loss']:.6f}", f"grad_norm={r['grad_norm']:.4f}", f"lr={r['lr']:.3e}"]
            if "eval_loss" in r:
                parts.append(f"eval_loss={r['eval_loss']:.6f}")
            parts.append(f"step_time_ms={r['time_ms']:.2f}")
            f.write(" ".join(parts) + "\n")
    return p


def main() -> None:
    (OUT / "stdout").mkdir(parents=True, exist_ok=True)
    lm_cols = ["loss", "grad_norm", "lr", "eval_loss", "tokens", "time_ms"]
    rl_cols = ["reward_mean", "reward_max", "reward_min", "entropy", "kl", "pg_loss", "grad_norm", "lr",
               "response_length_mean", "response_length_max", "response_length_min"]
    written = []
    n_params = sum(p.numel() for p in train.TinyGPT(train.lm_data(0)[2]).parameters())
    for run in ("lm_diverge", "lm_healthy"):
        rows = train.run_preset(run)
        written += [write_wide_csv(run, rows, lm_cols), write_keras_csv(run, rows), write_jsonl_lm(run, rows),
                    write_nanogpt(run, rows, n_params=n_params), write_megatron(run, rows)]
    rows = train.run_preset("lm_spikes_adamw")
    written += [write_keyvalue("lm_spikes_adamw", rows), write_wide_csv("lm_spikes_adamw", rows, lm_cols)]
    for run in ("rl_entropy_collapse", "rl_healthy"):
        rows = train.run_preset(run)
        written += [write_wide_csv(run, rows, rl_cols), *write_verl(run, rows)]
        if run == "rl_entropy_collapse":
            written.append(write_jsonl_rl(run, rows))
    for p in written:
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
