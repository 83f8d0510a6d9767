"""``tracesift.toml``: settings a team keeps beside its logs, loaded once per command.

Looked up in the current folder, then in the first input folder::

    [roles]                      # extra "raw name" = "role" entries for the metric-role table
    "lm loss" = "loss"

    [detectors.loss_spike]       # detector parameters (see `tracesift detectors`)
    z = 8.0

    [scan]                       # defaults for `tracesift scan`
    fail_on = "warning"
    detectors = ["non_finite", "divergence"]

    [readers.generic_jsonl]      # reader options, by reader name (also spelled [generic_jsonl])
    "step.agent" = "speaker"

Command-line options win over the file: ``--map`` over ``[roles]``, ``--set`` over
``[detectors.NAME]``, ``--fail-on`` and ``--detector`` over ``[scan]``. Reader options
may also sit in a ``tracesift.toml`` beside the files they are for: for the files of
that folder they replace the command's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tracesift.errors import UsageError
from tracesift.findings import Severity
from tracesift.store.roles import RoleMap, parse_mappings

CONFIG_NAME = "tracesift.toml"
FAIL_NEVER = "never"


def find_config(paths: list[Path | str]) -> Path | None:
    """``tracesift.toml`` in the working folder, else beside the first path (a local one: none is read from a URL)."""
    candidates = [Path.cwd() / CONFIG_NAME]
    paths = [Path(p) for p in paths if "://" not in str(p)]
    if paths:
        first = paths[0] if paths[0].is_dir() else paths[0].parent
        candidates.append(first / CONFIG_NAME)
    return next((c for c in candidates if c.is_file()), None)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    document: dict = field(default_factory=dict)

    @classmethod
    def load(cls, paths: list[Path | str]) -> Config:
        path = find_config(paths)
        return cls() if path is None else cls.load_file(path)

    @classmethod
    def load_file(cls, path: Path) -> Config:
        try:
            return cls(path, tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not valid TOML ({exc})") from exc

    def roles(self, cli_mappings: list[str] | None = None) -> RoleMap:
        """The role map: ``[roles]`` from the file, then ``--map`` entries on top."""
        table = self.document.get("roles", {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise UsageError(f"{CONFIG_NAME}: [roles] must map names to role strings")
        try:
            extra = parse_mappings(cli_mappings or [])
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        return RoleMap({**table, **extra})

    def detector_params(self, settings: list[str] | None = None) -> dict[str, dict]:
        """``[detectors.NAME]`` tables, then ``--set DETECTOR.NAME=VALUE`` entries on top (values left as given)."""
        tables = self.document.get("detectors", {})
        merged = {name: dict(values) for name, values in tables.items() if isinstance(values, dict)}
        for entry in settings or []:
            key, sep, value = entry.partition("=")
            detector, dot, name = key.strip().partition(".")
            if not (sep and dot and detector and name):
                raise UsageError(f"--set expects DETECTOR.NAME=VALUE, got {entry!r}")
            merged.setdefault(detector, {})[name] = value.strip()
        return merged

    def detectors(self, chosen: list[str] | None = None) -> list[str] | None:
        """The detectors to run: those chosen on the command line, else ``[scan] detectors``, else all (None)."""
        return chosen or self.document.get("scan", {}).get("detectors")

    def reader_options(self) -> dict[str, dict]:
        """``[readers.NAME]`` tables by reader name; ``[generic_jsonl]`` at the top level counts too."""
        tables = {"generic_jsonl": self.document.get("generic_jsonl"), **self.document.get("readers", {})}
        return {name: table for name, table in tables.items() if isinstance(table, dict)}

    def fail_on(self, chosen: str | None = None) -> Severity | None:
        """The severity that fails a scan: the option, else ``[scan] fail_on``, else critical; None for never."""
        value = chosen or self.document.get("scan", {}).get("fail_on", Severity.critical.value)
        if value == FAIL_NEVER:
            return None
        try:
            return Severity(value)
        except ValueError:
            raise UsageError(f"fail_on must be info, warning, critical or never, got {value!r}") from None


def reader_options_in(folder: Path) -> dict[str, dict] | None:
    """The reader options of the ``tracesift.toml`` in ``folder``; None when it has none."""
    path = folder / CONFIG_NAME
    return Config.load_file(path).reader_options() if path.is_file() else None
