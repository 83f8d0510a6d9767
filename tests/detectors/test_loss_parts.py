"""A loss logged only in parts: Ultralytics YOLO's ``results.csv``.

The file is written the way Ultralytics' ``BaseTrainer.save_metrics`` writes it: a header of
``epoch,time`` and the metric keys, then one row per epoch of ``%.6g`` values (8.1 and later);
before 8.1 every cell was right-aligned to 23 characters (``%23s`` / ``%23.5g``) and there was
no ``time`` column. The keys are ``label_loss_items`` (``train/box_loss``, ``train/cls_loss``,
``train/dfl_loss``), the validator's ``metrics/...(B)`` and ``val/..._loss``, and ``lr/pgN``
per parameter group.

Ground truth, by construction: every loss part decays with 2% noise; in the diverging run the
box loss turns at epoch 60 and climbs to six times its best by the end, while the other
parts stay healthy.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.detectors.signals import noisy
from tracesift.pipeline.scan import scan

EPOCHS, TURN = 100, 60


def yolo_columns(diverge: bool) -> dict[str, np.ndarray]:
    t = np.arange(EPOCHS, dtype=float)
    decay = np.exp(-t / 30)
    box = 0.8 + 0.7 * decay
    if diverge:
        box = np.where(t < TURN, box, box[TURN] * (1 + 5 * (t - TURN) / (EPOCHS - TURN)))
    lr = 0.01 * (1 - t / EPOCHS) + 1e-4
    return {
        "train/box_loss": noisy(box, 1, 0.02),
        "train/cls_loss": noisy(0.6 + 1.4 * decay, 2, 0.02),
        "train/dfl_loss": noisy(0.9 + 0.4 * decay, 3, 0.02),
        "metrics/precision(B)": noisy(0.8 - 0.5 * decay, 4, 0.02),
        "metrics/mAP50-95(B)": noisy(0.5 - 0.4 * decay, 5, 0.02),
        "val/box_loss": noisy(0.9 + 0.6 * decay, 6, 0.02),
        "lr/pg0": lr,
        "lr/pg1": lr,
        "lr/pg2": lr + 0.09 * np.maximum(0, 1 - t / 3),  # the bias group's warm-up
    }


def write_results_csv(path, columns: dict[str, np.ndarray], padded: bool) -> None:
    """``results.csv`` as ``save_metrics`` appends it, one epoch at a time."""
    keys = list(columns)
    for epoch in range(EPOCHS):
        values = [columns[key][epoch] for key in keys]
        if padded:  # before 8.1: no time column, cells right-aligned to 23 characters
            names, row, n = ["epoch", *keys], [epoch + 1, *values], len(keys) + 1
            header = ("%23s," * n % tuple(names)).rstrip(",") + "\n"
            line = ("%23.5g," * n % tuple(row)).rstrip(",") + "\n"
        else:
            names, row, n = ["epoch", "time", *keys], [epoch + 1, 12.5 * (epoch + 1), *values], len(keys) + 2
            header = ("%s," * n % tuple(names)).rstrip(",") + "\n"
            line = ("%.6g," * n % tuple(row)).rstrip(",") + "\n"
        with open(path, "a") as f:
            f.write((header if epoch == 0 else "") + line)


@pytest.mark.parametrize("padded", [False, True])
def test_a_diverging_loss_part_is_found(tmp_path, padded):
    run = tmp_path / "detect" / "train"
    run.mkdir(parents=True)
    write_results_csv(run / "results.csv", yolo_columns(diverge=True), padded)
    findings = scan([tmp_path]).findings
    divergences = [f for f in findings if f.kind == "divergence"]
    assert [(f.metric, f.evidence["raw_metric"]) for f in divergences] == [("loss/box", "train/box_loss")]
    assert abs(divergences[0].onset_step - (TURN + 1)) <= 6  # epochs are written 1-based
    assert not [f for f in findings if f.metric in ("loss/cls", "loss/dfl")]


def test_a_healthy_yolo_run_is_silent(tmp_path):
    write_results_csv(tmp_path / "results.csv", yolo_columns(diverge=False), padded=False)
    result = scan([tmp_path])
    assert result.runs == 1 and result.findings == []


def test_parts_are_not_judged_when_the_total_is_logged(tmp_path):
    columns = yolo_columns(diverge=True)
    columns["train/loss"] = noisy(2.0 * np.exp(-np.arange(EPOCHS) / 30) + 1, 7, 0.02)
    write_results_csv(tmp_path / "results.csv", columns, padded=False)
    assert [f for f in scan([tmp_path]).findings if f.metric.startswith("loss")] == []
