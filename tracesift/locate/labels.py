"""The known first failure of a trajectory: its decisive step and responsible agent.

Labels come from the trajectory itself (``trajectories.labels``: ``mistake_step`` and
``mistake_agent``, as the multi-agent benchmark logs carry them) or from a labels file:

- JSON: a list of objects, ``{"labels": [...]}``, or an object mapping a trajectory to
  ``{"step": .., "agent": ..}`` (or to a bare step);
- JSON lines: one object per line;
- CSV with a header.

An object names its trajectory in ``trajectory`` (or ``trajectory_id``, ``id``, ``file``,
``path``), its step in ``step`` (or ``mistake_step``), its agent in ``agent`` (or
``mistake_agent``). Steps are 0-based unless the file is read ``one_based``.

Agent names compare case-insensitively, ignoring a trailing parenthesised suffix:
``Orchestrator (thought)``, ``orchestrator`` and ``Orchestrator (-> WebSurfer)`` are one agent.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from tracesift.errors import UsageError

TRAJECTORY_KEYS = ("trajectory", "trajectory_id", "id", "file", "path", "name")
STEP_KEYS = ("step", "mistake_step", "first_step")
AGENT_KEYS = ("agent", "mistake_agent")
_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def normal_agent(name: object) -> str | None:
    """How agent names compare: stripped, without a trailing ``(...)`` suffix, case-folded; None when empty."""
    if name is None:
        return None
    text = str(name).strip()
    while _SUFFIX.search(text) and _SUFFIX.sub("", text):
        text = _SUFFIX.sub("", text)
    return text.casefold() or None


def same_agent(a: object, b: object) -> bool:
    """Whether two agent names name one agent (see :func:`normal_agent`); never for a missing name."""
    return normal_agent(a) is not None and normal_agent(a) == normal_agent(b)


@dataclass(frozen=True)
class Label:
    """A trajectory's known first failure: the 0-based step and the agent (either may be unknown)."""

    step: int | None
    agent: str | None
    source: str
    """Where it came from: ``trajectory labels`` or the labels file's name and line."""


@dataclass(frozen=True)
class FileLabel:
    """One entry of a labels file, before it is matched to a trajectory."""

    key: str
    label: Label


def from_trajectory(labels_json: str | None) -> Label | None:
    """The label a trajectory carries in ``trajectories.labels`` (None when it has none).

    A ``mistake_step`` that is not a whole number is kept as None; the caller reports it.
    """
    if not labels_json:
        return None
    try:
        labels = json.loads(labels_json)
    except ValueError:
        return None
    if not isinstance(labels, dict) or not ({"mistake_step", "mistake_agent"} & labels.keys()):
        return None
    return Label(_step(labels.get("mistake_step")), _agent(labels.get("mistake_agent")), "trajectory labels")


def read_file(path: Path, *, one_based: bool = False) -> list[FileLabel]:
    """Every entry of a labels file (JSON, JSON lines or CSV, told apart by content), steps made 0-based."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"labels file {path}: {exc.strerror if isinstance(exc, OSError) else 'not UTF-8 text'}") \
            from None
    entries = _entries(text, path)
    found = [_entry(item, f"{path.name}:{where}", one_based) for where, item in entries]
    if not found:
        raise UsageError(f"labels file {path}: no labels in it")
    return found


def _entries(text: str, path: Path) -> list[tuple[int, object]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            whole = json.loads(text)
        except ValueError:
            return _json_lines(text, path)
        return _json_entries(whole, path)
    return [(number, row) for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2)]


def _json_entries(whole: object, path: Path) -> list[tuple[int, object]]:
    if isinstance(whole, dict) and isinstance(whole.get("labels"), list):
        whole = whole["labels"]
    if isinstance(whole, list):
        return list(enumerate(whole, start=1))
    if isinstance(whole, dict):
        return [(i, {"trajectory": key, **(value if isinstance(value, dict) else {"step": value})})
                for i, (key, value) in enumerate(whole.items(), start=1)]
    raise UsageError(f"labels file {path}: a JSON document of labels is a list or an object")


def _json_lines(text: str, path: Path) -> list[tuple[int, object]]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((number, json.loads(line)))
        except ValueError:
            raise UsageError(f"labels file {path}: line {number} is not JSON") from None
    return entries


def _entry(item: object, where: str, one_based: bool) -> FileLabel:
    if not isinstance(item, dict):
        raise UsageError(f"labels file {where}: a label is an object with a trajectory, a step and an agent")
    key = _first(item, TRAJECTORY_KEYS)
    if key is None or str(key).strip() == "":
        raise UsageError(f"labels file {where}: no trajectory named (one of {', '.join(TRAJECTORY_KEYS)})")
    raw = _first(item, STEP_KEYS)
    step = _step(raw)
    if raw not in (None, "") and step is None:
        raise UsageError(f"labels file {where}: step {raw!r} is not a whole number")
    if step is not None and one_based:
        if step < 1:
            raise UsageError(f"labels file {where}: step {step} is not a 1-based step (--one-based)")
        step -= 1
    agent = _agent(_first(item, AGENT_KEYS))
    if step is None and agent is None:
        raise UsageError(f"labels file {where}: neither a step nor an agent")
    return FileLabel(str(key).strip(), Label(step, agent, where))


def _first(item: dict, keys: tuple[str, ...]) -> object:
    return next((item[k] for k in keys if item.get(k) not in (None, "")), None)


def _step(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def _agent(value: object) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def match(entries: list[FileLabel], trajectories: dict[str, str]) -> tuple[dict[str, Label], list[str]]:
    """Labels file entries matched to trajectories (id -> path): the labels by trajectory id, and problems.

    An entry names a trajectory by its id, a tail of it (whole path parts: ``Hand-Crafted/3.json``),
    its file name, or its file name without the extension (``3``). An entry that names no
    trajectory, or several, is reported and not used; a later entry for a trajectory replaces
    an earlier one, with a problem.
    """
    index = _name_index(trajectories)
    found: dict[str, Label] = {}
    problems = []
    for entry in entries:
        ids = sorted(index.get(entry.key, ()))
        if not ids:
            problems.append(f"{entry.label.source}: no trajectory {entry.key!r} was read: label not used")
        elif len(ids) > 1:
            shown = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
            problems.append(f"{entry.label.source}: {entry.key!r} names {len(ids)} trajectories ({shown}): label "
                            "not used; name one by its trajectory id")
        else:
            if ids[0] in found:
                problems.append(f"{entry.label.source}: a second label for {ids[0]}: it replaces "
                                f"{found[ids[0]].source}")
            found[ids[0]] = entry.label
    return found, problems


def _name_index(trajectories: dict[str, str]) -> dict[str, set[str]]:
    """Every name a trajectory may be called by in a labels file -> the trajectory ids it names."""
    index: dict[str, set[str]] = {}
    for tid, path in trajectories.items():
        file_part, _, inner = tid.partition("#")
        parts = file_part.split("/")
        names = {tid}
        for i in range(len(parts)):
            tail = "/".join(parts[i:])
            names.add(tail)
            if inner:
                names.add(f"{tail}#{inner}")
        file_name = Path(path).name if path else parts[-1]
        names |= {file_name, Path(file_name).stem, parts[-1], Path(parts[-1]).stem}
        for name in names - {""}:
            index.setdefault(name, set()).add(tid)
    return index
