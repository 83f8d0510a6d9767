"""Where a store lives: the folder name, and the default place for it."""

from __future__ import annotations

from pathlib import Path

STORE_NAME = ".tracesift"


def default_store(paths: list[Path]) -> Path:
    """``.tracesift`` inside the first folder given, or beside the first file."""
    first = paths[0].resolve()
    return (first if first.is_dir() else first.parent) / STORE_NAME
