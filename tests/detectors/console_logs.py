"""Seeded runs written as console logs (verl, Hugging Face Trainer / TRL), each with its ground truth stated.

verl's trainer prints one ``step:N - key:value - ...`` line per step
(``concat_dict_to_str``), with validation keys (``val/test_score/<source>``) on
the lines of the steps it evaluated at, after a preamble of config and banners.
The Trainer prints one Python dict per logging step (``{'loss': 0.47, 'grad_norm':
1.29, 'learning_rate': 7e-05, 'epoch': 0.05}``) and one of ``eval_*`` keys per
evaluation. The series are built by hand, so where each failure starts is known
exactly; the files go through the stdout reader like any user's log.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.detectors.signals import noisy

PREAMBLE = """\
(TaskRunner pid=2217) {'actor_rollout_ref': {'actor': {'optim': {'lr': 1e-06}}, 'data': {'max_response_length': 512}}}
(TaskRunner pid=2217) Using LocalLogger is deprecated.
(TaskRunner pid=2217) Training Progress:   0%|          | 0/{n} [00:00<?, ?it/s]
"""


def write_verl_log(path: Path, columns: dict) -> Path:
    """``columns`` (``step`` plus metrics; NaN = not logged at that step) as verl's console lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [name for name in columns if name != "step"]
    lines = [PREAMBLE.replace("{n}", str(len(columns["step"])))]
    for i, step in enumerate(columns["step"]):
        pairs = [f"{name}:{columns[name][i]:.4f}" for name in names if np.isfinite(columns[name][i])]
        lines.append(f"(TaskRunner pid=2217) step:{int(step)} - " + " - ".join(pairs) + "\n")
    path.write_text("".join(lines))
    return path


def write_trainer_console(path: Path, columns: dict, evals: dict | None = None) -> Path:
    """``columns`` as the Trainer's per-step dict lines; ``evals`` (``step`` plus ``eval_*`` keys) as the
    evaluation dicts printed after the training line of their step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [name for name in columns if name != "step"]
    at = {int(s): i for i, s in enumerate(evals["step"])} if evals else {}
    lines = ["***** Running training *****\n  Num examples = 4,096\n"]
    for i, step in enumerate(columns["step"]):
        lines.append(str({name: round(float(columns[name][i]), 6) for name in names}) + "\n")
        if int(step) in at:
            j = at[int(step)]
            lines.append(str({k: round(float(v[j]), 6) for k, v in evals.items() if k != "step"}) + "\n")
    path.write_text("".join(lines))
    return path


def every(values: np.ndarray, stride: int) -> np.ndarray:
    """``values`` at every ``stride``-th step (the steps verl validates at), NaN elsewhere."""
    out = np.full(len(values), np.nan)
    out[::stride] = values[::stride]
    return out


def reward_hacking(n: int = 300, onset: int = 120, held_out_falls: bool = True, seed: int = 0) -> dict:
    """Reward rising 0.2 -> 0.8 throughout. Until ``onset`` the mean response length is ~300 of a
    512-token cap and 2% of responses are clipped; from ``onset`` the length climbs to the cap within
    60 steps and pins there, the clip ratio goes to 1. The held-out score (validated every 10 steps)
    rises 0.30 -> 0.45 until ``onset``; then falls to 0.15 by the end (``held_out_falls``) or keeps
    rising to 0.60. Ground truth: the hack begins at step ``onset + 1`` (steps count from 1)."""
    t = np.arange(n)
    after = np.clip((t - onset) / 60, 0, 1)
    length = np.minimum(300 + 212 * after, 512)
    score = 0.30 + 0.15 * np.minimum(t, onset) / onset
    tail = np.maximum(t - onset, 0) / (n - onset)
    score = score - 0.30 * tail if held_out_falls else score + 0.15 * tail
    return {"step": t + 1, "critic/score/mean": noisy(0.2 + 0.6 * t / n, seed),
            "response_length/mean": np.minimum(noisy(length, seed + 1, 0.02), 512),
            "response_length/clip_ratio": np.minimum(0.02 + 0.98 * after, 1.0),
            "val/test_score/openai/gsm8k": every(noisy(score, seed + 2, 0.02), 10)}


def entropy_explosion(n: int = 300, onset: int = 100, reward_after: float = 0.0, seed: int = 0) -> dict:
    """Entropy at 1.0 until ``onset``, then rising 5% a step to the uniform level 10.8 (log of a 50k
    vocabulary) and staying. Reward is 0.3 before ``onset``; from ``onset + 10`` it is
    ``reward_after`` (0.0: no sample scores any more, the outputs are noise). Ground truth: the
    explosion starts at step ``onset + 1`` (steps count from 1)."""
    t = np.arange(n)
    entropy = np.minimum(1.0 * 1.05 ** np.maximum(t - onset, 0), 10.8)
    reward = np.where(t < onset + 10, noisy(np.full(n, 0.3), seed + 1), reward_after)
    return {"step": t + 1, "actor/entropy": noisy(entropy, seed), "critic/score/mean": reward}


def sharp_entropy_drop(n: int = 500, drop: int = 100, seed: int = 0) -> dict:
    """Entropy flat at 2.0 until ``drop``, down to 0.6 within 3 steps, then decaying 0.46% a step:
    it reaches 10% of its early level (0.2) about 240 steps after the drop and stays below.
    Ground truth: the change begins at step ``drop + 1`` (steps count from 1, as in verl)."""
    t = np.arange(n)
    fall = np.clip((t - drop) / 3, 0, 1)
    level = np.where(t < drop + 3, 2.0 - 1.4 * fall, 0.6 * 0.9954 ** (t - drop - 3))
    return {"step": t + 1, "actor/entropy": noisy(level, seed), "critic/score/mean": noisy(0.2 + 0.001 * t, seed + 1)}


def isolated_grad_spike(n: int = 300, spike: int = 150, seed: int = 0) -> dict:
    """A healthy run (loss 2.3 -> 0.3, grad norm ~1) whose gradient norm jumps to 20x for the one
    step ``spike`` (index) and is back at once; the loss does not react. Ground truth: no loss trouble."""
    t = np.arange(n)
    grad = noisy(np.ones(n), seed + 1, 0.1)
    grad[spike] *= 20
    return {"step": t + 1, "loss": noisy(2.0 * np.exp(-t / 100) + 0.3, seed), "grad_norm": grad,
            "learning_rate": np.full(n, 5e-5), "epoch": (t + 1) / n}


def grpo_healthy(n: int = 200, seed: int = 0) -> dict:
    """A healthy TRL GRPO run: reward 0.2 -> 0.7, completions ~150 tokens of a 512 cap (1% clipped).
    Evaluated every 10 steps: the eval reward rises with the train reward while ``eval_runtime`` falls
    from 30 s to 20 s (a warm cache) and throughput rises. Ground truth: healthy, no finding."""
    t = np.arange(n)
    train = {"step": t + 1, "loss": noisy(np.full(n, 0.02), seed, 0.5), "grad_norm": noisy(np.full(n, 0.4), seed + 1, 0.1),
             "learning_rate": np.full(n, 1e-6), "completions/mean_length": noisy(np.full(n, 150.0), seed + 2, 0.03),
             "completions/clipped_ratio": np.full(n, 0.01), "reward": noisy(0.2 + 0.5 * t / n, seed + 3),
             "entropy": noisy(np.full(n, 0.6), seed + 4, 0.02), "epoch": (t + 1) / n}
    e = np.arange(10, n + 1, 10)
    evals = {"step": e, "eval_reward": noisy(0.2 + 0.5 * e / n, seed + 5, 0.02), "eval_runtime": 30 - 10 * e / n,
             "eval_samples_per_second": 100 / (30 - 10 * e / n), "eval_steps_per_second": 12 / (30 - 10 * e / n),
             "epoch": e / n}
    return {"train": train, "evals": evals}
