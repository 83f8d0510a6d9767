"""Whether a SWE-bench evaluation resolved an instance: the result files beside a trajectory.

Not a reader itself (it has no ``READER``). The SWE-bench harness writes two kinds of result
(``SWE-bench/SWE-bench``, ``swebench/harness/grading.py`` ``get_eval_report`` and
``swebench/harness/reporting.py`` ``make_run_report``):

- a per-instance ``report.json``: ``{instance_id: {"resolved": bool, "patch_exists": ..., ...}}``;
- a run summary (saved as ``results.json`` beside trajectories): ``{"resolved_ids": [...],
  "unresolved_ids": [...], "error_ids": [...], "empty_patch_ids": [...], ...}``; older summaries
  list ``"resolved": [...]`` next to ``"no_generation"``, ``"applied"``...

:func:`verdict` looks for these files in the trajectory's folder and the one above it (SWE-agent
keeps one folder per instance inside the run folder), reads each at most ``MAX_RESULT_BYTES``
and joins by instance id. A file that is too big, not JSON or not shaped like either kind is a
:class:`Problem`, and the outcome stays what the trajectory alone says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracesift.readers.base import Problem, read_file

RESULT_FILES = ("report.json", "results.json")
MAX_RESULT_BYTES = 32 << 20
"""A result file larger than this is not read (a run summary of 100 k instances is a few MB)."""
RESOLVED_LISTS = ("resolved_ids", "resolved")
NOT_RESOLVED_LISTS = ("unresolved_ids", "error_ids", "empty_patch_ids", "incomplete_ids", "completed_ids",
                      "submitted_ids", "no_generation", "no_logs", "generated", "applied")
"""Lists of a run summary naming instances that were evaluated, or meant to be, without being resolved."""


@dataclass(frozen=True)
class Verdict:
    """What a result file says of one instance."""

    resolved: bool
    instance_id: str
    file: str


def verdict(trajectory: Path, instance_ids: list[str], problems: list[Problem],
            names: tuple[str, ...] = RESULT_FILES) -> Verdict | None:
    """The first result file (of ``names``) beside ``trajectory`` that names one of ``instance_ids``, or None."""
    for folder in (trajectory.parent, trajectory.parent.parent):
        for name in names:
            path = folder / name
            if not path.is_file():
                continue
            data, error = _load(str(path))
            if error:
                problems.append(Problem(f"{path.name} beside the trajectory ({path}): {error}; outcome not joined"))
                continue
            found = _lookup(data, instance_ids, path.name, problems)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=16)
def _cached(path: str, size: int, mtime_ns: int) -> tuple[Any, str | None]:
    """One parse per result file and version: every trajectory of a run shares the run's summary."""
    if size > MAX_RESULT_BYTES:
        return None, f"{size} bytes, more than the {MAX_RESULT_BYTES} read"
    try:
        data = json.loads(read_file(Path(path), MAX_RESULT_BYTES + 1))
    except OSError as exc:
        return None, f"not readable ({exc})"
    except ValueError as exc:
        return None, f"not JSON ({exc})"
    return (data, None) if isinstance(data, dict) else (None, "not a JSON object")


def _load(path: str) -> tuple[Any, str | None]:
    try:
        info = Path(path).stat()
    except OSError as exc:
        return None, f"not readable ({exc})"
    return _cached(path, info.st_size, info.st_mtime_ns)


def _lookup(data: dict, instance_ids: list[str], file: str, problems: list[Problem]) -> Verdict | None:
    """The verdict of a per-instance report or a run summary for the first id it names."""
    for iid in instance_ids:
        entry = data.get(iid)
        if isinstance(entry, dict):
            if isinstance(entry.get("resolved"), bool):
                return Verdict(entry["resolved"], iid, file)
            problems.append(Problem(f"{file}: {iid!r} has no true/false 'resolved': outcome not joined"))
            return None
    lists = {key: data[key] for key in RESOLVED_LISTS + NOT_RESOLVED_LISTS if isinstance(data.get(key), list)}
    for iid in instance_ids:
        if any(iid in lists.get(key, ()) for key in RESOLVED_LISTS):
            return Verdict(True, iid, file)
        if any(iid in lists.get(key, ()) for key in NOT_RESOLVED_LISTS):
            return Verdict(False, iid, file)
    return None
