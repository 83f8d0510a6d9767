"""Readers: one module per format, found through a small registry.

Third-party readers register a :class:`~tracesift.readers.base.Reader` under the
``tracesift.readers`` entry-point group.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from tracesift.readers.base import Batch, Problem, Reader, shared_prefix

# Asked in this order; a reader sure of a file (CERTAIN) ends the search, so formats with a
# clear structure come first and the catch-all text formats last.
BUILTIN = [
    "tensorboard",
    "hf_trainer",
    "mlflow_sqlite",
    "mlflow_files",
    "wandb_offline",
    "chat_messages",
    "swe_agent",
    "openhands",
    "inspect_log",
    "otel_genai",
    "multi_agent",
    "generic_jsonl",
    "csv_metrics",
    "jsonl_metrics",
    "stdout_log",
]

MIN_CONFIDENCE = 0.5
CERTAIN = 0.9
"""A reader this sure ends the search: later readers are not asked."""

__all__ = ["Batch", "Problem", "Reader", "all_readers", "choose", "by_name"]


@cache
def all_readers() -> tuple[Reader, ...]:
    """Built-in readers first, then those installed through entry points."""
    found = [importlib.import_module(f"tracesift.readers.{name}").READER for name in BUILTIN]
    found += [point.load() for point in entry_points(group="tracesift.readers")]
    return tuple(found)


def by_name(name: str) -> Reader:
    for reader in all_readers():
        if reader.name == name:
            return reader
    raise KeyError(name)


def choose(path: Path) -> Reader | None:
    """The reader most confident it can read ``path``, or None below ``MIN_CONFIDENCE``.

    The file's first bytes are read once and shared by every reader's ``sniff``.
    """
    folder = path.is_dir()
    with shared_prefix(None if folder else path):
        return _most_confident(path, folder)


def _most_confident(path: Path, folder: bool) -> Reader | None:
    best, best_score = None, MIN_CONFIDENCE
    for reader in all_readers():
        if reader.reads_folders != folder:
            continue
        try:
            score = reader.sniff(path)
        except (OSError, ValueError):
            continue
        if score >= CERTAIN:
            return reader
        if score >= best_score and (best is None or score > best_score):
            best, best_score = reader, score
    return best
