"""``tracesift.toml``: settings a team keeps beside its logs.

Looked up in the current folder, then in the first input folder. Today it holds
``[roles]``, extra ``raw name = role`` entries for the metric-role table::

    [roles]
    "lm loss" = "loss"
    "ppo/policy/entropy" = "entropy"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from tracesift.errors import UsageError

if TYPE_CHECKING:
    from tracesift.store.roles import RoleMap

CONFIG_NAME = "tracesift.toml"


def find_config(paths: list[Path]) -> Path | None:
    candidates = [Path.cwd() / CONFIG_NAME]
    if paths:
        first = paths[0] if paths[0].is_dir() else paths[0].parent
        candidates.append(first / CONFIG_NAME)
    return next((c for c in candidates if c.is_file()), None)


def load_config(paths: list[Path]) -> dict:
    path = find_config(paths)
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc


def role_map(paths: list[Path], cli_mappings: list[str] | None) -> RoleMap:
    """The role map: ``[roles]`` from the config, then ``--map`` entries on top."""
    from tracesift.store.roles import RoleMap, parse_mappings

    config = load_config(paths).get("roles", {})
    if not isinstance(config, dict) or not all(isinstance(v, str) for v in config.values()):
        raise UsageError(f"{CONFIG_NAME}: [roles] must map names to role strings")
    try:
        extra = parse_mappings(cli_mappings or [])
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return RoleMap({**config, **extra})
