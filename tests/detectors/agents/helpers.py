"""Agent trajectories for the detector tests: the samples as the scan sees them, and small chat logs.

Small logs are written in the OpenAI chat format the ``chat_messages`` reader reads
(``{"id", "outcome", "messages": [...]}``, assistant ``tool_calls`` with JSON-string
arguments, ``tool`` messages answering them by ``tool_call_id``), then ingested like
any input, so a detector sees exactly what a scan gives it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import SAMPLES
from tracesift.detectors import by_name
from tracesift.detectors.base import Trajectory
from tracesift.findings import Finding, SubjectType
from tracesift.pipeline.ingest import ingest
from tracesift.pipeline.scan import ScanTask, subjects


def load(folder: Path) -> dict[str, Trajectory]:
    """Every trajectory under ``folder`` (ingested into its own store), by id."""
    ingest([folder])
    task = ScanTask(folder / ".tracesift", SubjectType.trajectory, "", "\uffff", (), {})
    return {t.trajectory_id: t for t in subjects(task)}


def sample_trajectories(tmp: Path) -> dict[str, Trajectory]:
    """The agent samples (a copy: the store is written beside them), by trajectory id."""
    shutil.copytree(SAMPLES / "agents", tmp / "agents")
    return load(tmp / "agents")


def find(trajectories: dict[str, Trajectory], start: str, end: str = "") -> Trajectory:
    """The one trajectory whose id starts with ``start`` and ends with ``end`` (long or random ids)."""
    [found] = [t for name, t in trajectories.items() if name.startswith(start) and name.endswith(end)]
    return found


def judge(detector: str, trajectory: Trajectory, **params) -> list[Finding]:
    d = by_name(detector)
    return d.judge(trajectory, d.parse(params))


def one(detector: str, trajectory: Trajectory, **params) -> Finding:
    [finding] = judge(detector, trajectory, **params)
    return finding


def call(call_id: str, tool: str, arguments: dict | str, content: str | None = None) -> dict:
    """An assistant message calling ``tool``."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"role": "assistant", "content": content,
            "tool_calls": [{"id": call_id, "type": "function", "function": {"name": tool, "arguments": text}}]}


def result(call_id: str, content: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def say(content: str | None, role: str = "assistant") -> dict:
    return {"role": role, "content": content}


def chat(folder: Path, name: str, messages: list[dict], *, outcome: str = "failure") -> Trajectory:
    """Write one chat log under ``folder`` and read it back (with everything else already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"id": name, "outcome": outcome, "messages": messages}))
    return load(folder)[f"{name}.json"]
