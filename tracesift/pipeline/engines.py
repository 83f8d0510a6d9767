"""Which engine runs the pipeline's tasks (kept apart from the executors, so the CLI names one without importing them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Engine:
    """``local`` (a process pool on this machine) or ``ray`` (a Ray cluster at ``address``; None starts a
    Ray instance on this machine, or joins the one ``RAY_ADDRESS`` names)."""

    name: str = "local"
    address: str | None = None


LOCAL = Engine()
