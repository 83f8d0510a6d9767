"""A small registry of named plugins: the built-in readers and detectors, then those of other packages.

Built-ins are found, not listed: every module of the given packages that defines
the registry's attribute (``READER``, ``DETECTOR``) is one, so adding a reader or a
detector is adding its module. Built-ins and entry points are imported on first
use, not at start-up. A name given twice is refused (the first keeps it), and a
plugin that fails to load is one :class:`PluginWarning`, never a crash of every command.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


class PluginWarning(UserWarning):
    """A plugin could not be loaded, or its name was taken: it is left out."""


class Registry(Generic[T]):
    """Plugins of one kind: the modules of ``packages`` holding one in ``attribute``, then the entry-point ``group``.

    Built-ins come in the order of ``rank`` (a sort key; modules sort by name within one rank).
    """

    def __init__(self, kind: str, group: str, packages: Iterable[str], attribute: str,
                 rank: Callable[[T], object] | None = None) -> None:
        self.kind = kind
        self.group = group
        self.packages = list(packages)
        self.attribute = attribute
        self.rank = rank
        self._loaded: dict[str, T] | None = None

    def builtins(self) -> list[T]:
        """The plugins defined in this package's modules, in rank order."""
        found = []
        for package in self.packages:
            for info in sorted(pkgutil.iter_modules(importlib.import_module(package).__path__), key=lambda m: m.name):
                module = importlib.import_module(f"{package}.{info.name}")  # a failure here is a bug, and raises
                if hasattr(module, self.attribute):
                    found.append(getattr(module, self.attribute))
        return sorted(found, key=self.rank) if self.rank else found

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
            for plugin in self.builtins():
                self._add(found, plugin, "tracesift")
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
