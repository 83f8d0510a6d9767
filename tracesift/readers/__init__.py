"""Readers: one module per format, found through a small registry.

Third-party readers register a :class:`~tracesift.readers.base.Reader` under the
``tracesift.readers`` entry-point group.
"""

from __future__ import annotations

from tracesift.readers.base import Batch, Input, Problem, Reader
from tracesift.registry import Registry

MIN_CONFIDENCE = 0.5
CERTAIN = 0.9
"""A reader this sure ends the search: later readers are not asked."""

# Every module here that defines READER is a reader. They are asked in name order, the fallback
# (catch-all text) readers last; one sure of a file (CERTAIN) ends the search.
READERS: Registry[Reader] = Registry("reader", "tracesift.readers", ["tracesift.readers"], "READER",
                                     rank=lambda reader: reader.fallback)

__all__ = ["Batch", "Input", "Problem", "Reader", "READERS", "all_readers", "choose", "by_name"]


def all_readers() -> tuple[Reader, ...]:
    """Built-in readers first, then those installed through entry points."""
    return READERS.all()


def by_name(name: str) -> Reader:
    return READERS.get(name)


def choose(source: Input) -> Reader | None:
    """The reader most confident it can read ``source``, or None below ``MIN_CONFIDENCE``.

    Every reader's ``sniff`` shares the one prefix ``source`` reads.
    """
    folder = source.is_folder
    best, best_score = None, MIN_CONFIDENCE
    for reader in all_readers():
        if reader.reads_folders != folder:
            continue
        try:
            score = reader.sniff(source)
        except (OSError, ValueError):
            continue
        if score >= CERTAIN:
            return reader
        if score >= best_score and (best is None or score > best_score):
            best, best_score = reader, score
    return best
