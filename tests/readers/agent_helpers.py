"""Helpers for the agent-reader tests: read a sample, get its rows as dicts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLES
from tracesift.readers import by_name, choose
from tracesift.readers.base import Batch, Input

AGENTS = SAMPLES / "agents"


def read_sample(rel: str, reader: str) -> Batch:
    path = AGENTS / rel
    chosen = choose(Input(path))
    assert chosen is not None and chosen.name == reader, f"{rel} chosen by {chosen and chosen.name}"
    return by_name(reader).read(Input(path, f"agents/{rel}"))


def read_file(path: Path, reader: str) -> Batch:
    return by_name(reader).read(Input(path, path.name))


def steps(batch: Batch, trajectory: str | None = None) -> list[dict]:
    rows = batch.arrow()["steps"].to_pylist()
    return [r for r in rows if trajectory is None or r["trajectory_id"] == trajectory]


def trajectories(batch: Batch) -> dict[str, dict]:
    rows = batch.arrow()["trajectories"].to_pylist()
    return {r["trajectory_id"]: {**r, "labels": json.loads(r["labels"]) if r["labels"] else {}} for r in rows}


def column(rows: list[dict], name: str) -> list:
    return [r[name] for r in rows]


def claimed_elsewhere(reader: str, folder: str) -> list[Path]:
    """The sample files outside ``folder`` (training ones too) that ``reader``'s sniff gives any confidence."""
    sniff = by_name(reader).sniff
    return [p for p in SAMPLES.rglob("*") if p.is_file() and folder not in p.parts and sniff(Input(p)) > 0.0]
