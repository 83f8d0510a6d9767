"""Seeded synthetic training curves whose ground truth is known by construction.

Each generator returns the columns of a wide CSV (``step`` plus metrics) and
states, in its docstring, where the failure starts. Detector tests write these
to real CSV files and scan them like any user's logs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def noisy(level: np.ndarray, seed: int, relative: float = 0.03) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return level * (1 + relative * rng.standard_normal(len(level)))


def healthy_loss(n: int = 500, seed: int = 0) -> dict:
    """Loss decaying from 2.3 to 0.3 with 3% noise; grad norm ~1. No failure."""
    t = np.arange(n)
    return {"step": t, "loss": noisy(2.0 * np.exp(-t / 100) + 0.3, seed), "grad_norm": noisy(np.ones(n), seed + 1, 0.1)}


def diverging_loss(n: int = 500, onset: int = 300, nan_from: int | None = 380, seed: int = 0) -> dict:
    """Healthy until ``onset``; from there the loss grows 5% a step (NaN from ``nan_from``).
    The gradient norm explodes 10 steps before the onset."""
    columns = healthy_loss(n, seed)
    t = np.arange(n)
    growth = np.where(t >= onset, 1.05 ** (t - onset + 1), 1.0)
    columns["loss"] = columns["loss"] * growth
    columns["grad_norm"] = columns["grad_norm"] * np.where(t >= onset - 10, 30.0 * growth, 1.0)
    if nan_from is not None:
        columns["loss"][nan_from:] = np.nan
    return columns


def shifted_loss(n: int = 500, onset: int = 250, seed: int = 0) -> dict:
    """Healthy until ``onset``, where the loss level triples and stays (no blow-up, no NaN)."""
    columns = healthy_loss(n, seed)
    columns["loss"][onset:] *= 3.0
    return columns


def spiky_loss(n: int = 500, spikes: tuple[int, ...] = (150, 320), seed: int = 0) -> dict:
    """Healthy, with single-step spikes to 10x at ``spikes`` that recover at once."""
    columns = healthy_loss(n, seed)
    for step in spikes:
        columns["loss"][step] *= 10
    return columns


def entropy_collapse(n: int = 300, onset: int = 100, seed: int = 0) -> dict:
    """Entropy flat at 2.0 until ``onset``, then decaying by 8% a step towards 0.01."""
    t = np.arange(n)
    level = np.where(t < onset, 2.0, 0.01 + 1.99 * 0.92 ** (t - onset))
    return {"step": t, "actor/entropy": noisy(level, seed), "critic/score/mean": noisy(0.2 + 0.001 * t, seed + 1)}


def entropy_healthy(n: int = 300, seed: int = 0) -> dict:
    """Entropy easing from 2.0 to 1.2; reward rising from 0.2 to 0.8. No failure."""
    t = np.arange(n)
    return {"step": t, "actor/entropy": noisy(1.2 + 0.8 * np.exp(-t / 100), seed),
            "critic/score/mean": noisy(0.2 + 0.6 * t / n, seed + 1)}


def kl_blowup(n: int = 300, onset: int = 150, seed: int = 0) -> dict:
    """KL at 0.05 until ``onset``, then growing 5% a step (past 50 by the end)."""
    t = np.arange(n)
    return {"step": t, "actor/kl_loss": noisy(0.05 * np.where(t >= onset, 1.05 ** (t - onset), 1.0) + 0.0, seed)}


def posterior_collapse(n: int = 400, peak: int = 30, onset: int = 60, seed: int = 0) -> dict:
    """VAE KL term rising to 1.5 at ``peak``, held, then decaying 10% a step from ``onset`` to ~0.005."""
    t = np.arange(n)
    kl = np.where(t < peak, 1.5 * t / peak, np.where(t < onset, 1.5, 0.005 + 1.495 * 0.9 ** (t - onset)))
    return {"step": t, "loss/kl": noisy(kl + 1e-4, seed), "loss/recon": noisy(90 - 40 * (t > 0), seed + 1)}


def posterior_healthy(n: int = 400, seed: int = 0) -> dict:
    """VAE KL term rising to 3.0 and staying. No failure."""
    t = np.arange(n)
    return {"step": t, "loss/kl": noisy(3.0 * (1 - np.exp(-t / 40)) + 1e-3, seed),
            "loss/recon": noisy(30 + 60 * np.exp(-t / 50), seed + 1)}


def reward_hacking(n: int = 300, onset: int = 150, seed: int = 0) -> dict:
    """Reward rising throughout; from ``onset`` the mean response length climbs from 200 to ~800."""
    t = np.arange(n)
    length = np.where(t < onset, 200.0, 200.0 + 4.0 * (t - onset))
    return {"step": t, "critic/score/mean": noisy(0.1 + 0.002 * t, seed), "response_length/mean": noisy(length, seed + 1)}


def forgetting(n: int = 400, switch: int = 200, recover: bool = False, seed: int = 0) -> dict:
    """Two tasks evaluated every 10 steps. Task A learns to 0.9, then after ``switch`` (training moves to
    task B) drops to 0.5 while B rises to 0.9; with ``recover`` A comes back to 0.9 by step 300."""
    t = np.arange(0, n, 10)
    a = np.where(t < switch, 0.5 + 0.4 * np.minimum(t / 100, 1), 0.5)
    if recover:
        a = np.where(t >= 300, 0.9, a)
    b = np.where(t < switch, 0.3, 0.3 + 0.6 * np.minimum((t - switch) / 100, 1))
    return {"step": t, "eval/task_a/accuracy": noisy(a, seed, 0.01), "eval/task_b/accuracy": noisy(b, seed + 1, 0.01)}


def plateau(n: int = 300, seed: int = 0) -> dict:
    """A loss that never comes down: 4.0 with 2% noise throughout."""
    return {"step": np.arange(n), "loss": noisy(np.full(n, 4.0), seed, 0.02)}


def write_csv(path: Path, columns: dict) -> Path:
    """Write the columns as a wide CSV (NaN as ``nan``), as a CSV logger would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    rows = zip(*(columns[name] for name in names))
    lines = [",".join(names)] + [",".join(_cell(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _cell(value) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "nan" if math.isnan(value) else repr(float(value))
