"""Evaluation metrics by name: which way is better, and which ones measure quality at all."""

from __future__ import annotations

import re

LOWER_IS_BETTER = re.compile(r"loss|ppl|perplexity|error|\berr\b|wer|cer|kl|mse|mae|rmse", re.IGNORECASE)
NOT_QUALITY = re.compile(r"runtime|per_second|time|timing|throughput|memory|\bmem\b|epoch|learning_rate|\blr\b"
                         r"|length|\bcount\b|num_|tokens|(^|/)(entropy|kl|clip_frac|grad_norm)$", re.IGNORECASE)
"""What an evaluation logs besides how good the model is: speed, memory, counters, lengths, the policy's own
statistics (HF Trainer's ``eval_runtime``, ``eval_samples_per_second``; TRL's ``eval_completions/mean_length``)."""


def better_sign(metric: str) -> int:
    """+1 when higher values are better (accuracy, reward), -1 when lower are (loss, perplexity)."""
    return -1 if LOWER_IS_BETTER.search(metric) else 1


def is_held_out_quality(metric: str) -> bool:
    """An ``eval/`` or ``test/`` metric that says how good the model is on data it does not train on."""
    split, _, name = metric.partition("/")
    return split in ("eval", "test") and bool(name) and not NOT_QUALITY.search(name)
