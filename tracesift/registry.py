"""A small registry of named plugins: the built-in readers and detectors, then those of other packages.

Built-in modules and entry points are imported on first use, not at start-up. A
name given twice is refused (the first keeps it), and a plugin that fails to
load is one :class:`PluginWarning`, never a crash of every command.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


class PluginWarning(UserWarning):
    """A plugin could not be loaded, or its name was taken: it is left out."""


class Registry(Generic[T]):
    """Plugins of one kind: ``modules`` each holding one in ``attribute``, then the entry-point ``group``."""

    def __init__(self, kind: str, group: str, modules: Iterable[str], attribute: str) -> None:
        self.kind = kind
        self.group = group
        self.modules = list(modules)
        self.attribute = attribute
        self._loaded: dict[str, T] | None = None

    def all(self) -> tuple[T, ...]:
        return tuple(self._plugins().values())

    def get(self, name: str) -> T:
        plugins = self._plugins()
        if name not in plugins:
            raise KeyError(f"no {self.kind} {name!r}; known: {', '.join(plugins)}")
        return plugins[name]

    def names(self) -> list[str]:
        return list(self._plugins())

    def _plugins(self) -> dict[str, T]:
        if self._loaded is None:
            found: dict[str, T] = {}
            for module in self.modules:  # built-ins: a failure here is a bug, and raises
                self._add(found, getattr(importlib.import_module(module), self.attribute), module)
            from importlib.metadata import entry_points  # 20 ms: only when plugins are first needed

            for point in entry_points(group=self.group):
                try:
                    plugin = point.load()
                except Exception as exc:  # someone else's package: report it, carry on
                    warnings.warn(f"{self.kind} plugin {point.name!r} ({point.value}) failed to load: "
                                  f"{type(exc).__name__}: {exc}", PluginWarning, stacklevel=2)
                    continue
                self._add(found, plugin, f"entry point {point.name!r} ({point.value})")
            self._loaded = found
        return self._loaded

    def _add(self, found: dict[str, T], plugin: T, origin: str) -> None:
        name = getattr(plugin, "name", None)
        if not isinstance(name, str) or not name:
            warnings.warn(f"{self.kind} from {origin} has no name: left out", PluginWarning, stacklevel=3)
        elif name in found:
            warnings.warn(f"{self.kind} {name!r} from {origin} is already registered: left out", PluginWarning,
                          stacklevel=3)
        else:
            found[name] = plugin
