"""Shared fixtures: real-format files written by the real libraries, and a CLI runner."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"


def loss_curve(step: int) -> float:
    """A known series: decays, then NaN at step 150 and +inf at 151 (the ground truth tests check)."""
    if step == 150:
        return math.nan
    if step == 151:
        return math.inf
    return 2.0 * math.exp(-step / 50) + 0.1


@pytest.fixture
def tb_run(tmp_path: Path) -> Path:
    """A tensorboardX run folder: 200 steps of loss and lr, plus step 0."""
    from tensorboardX import SummaryWriter

    folder = tmp_path / "runs" / "exp1"
    writer = SummaryWriter(str(folder))
    for step in range(200):
        writer.add_scalar("train/loss", loss_curve(step), step)
        writer.add_scalar("train/lr", 1e-3, step)
    writer.close()
    return folder


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def event_file(folder: Path) -> Path:
    return next(folder.glob("events.out.tfevents*"))


def write_loss_jsonl(path: Path, steps: int) -> None:
    """A JSON-lines metrics log of ``steps`` steps of loss (its folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f'{{"step": {s}, "loss": {1 / (s + 1)}}}\n' for s in range(steps)))
