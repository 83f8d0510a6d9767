"""Which way is better for an evaluation metric, judged by its name."""

from __future__ import annotations

import re

LOWER_IS_BETTER = re.compile(r"loss|ppl|perplexity|error|\berr\b|wer|cer|kl|mse|mae|rmse", re.IGNORECASE)


def better_sign(metric: str) -> int:
    """+1 when higher values are better (accuracy, reward), -1 when lower are (loss, perplexity)."""
    return -1 if LOWER_IS_BETTER.search(metric) else 1
