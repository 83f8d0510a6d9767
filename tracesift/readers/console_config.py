"""A configuration a training script prints at start-up, kept as its run's ``runs.config``.

Recognised: a Python dict pretty-printed over several lines (verl prints its resolved
config with ``pprint(OmegaConf.to_container(config, resolve=True))``), and an argparse
``Namespace(lr=0.001, batch_size=32, ...)`` on one line. Nothing is evaluated: the dict is
read with ``ast.literal_eval`` (literals only), the Namespace's values likewise one by one.
The first configuration of each run counts; later ones (every Ray worker prints its own)
are left alone.
"""

from __future__ import annotations

import ast
import re

MAX_LINES = 5_000
"""A dump longer than this is given up on (a log of dict lines, not one config)."""
NAMESPACE = re.compile(r"\bNamespace\((.*)\)\s*$")
NAMESPACE_ITEM = re.compile(r"(\w+)=((?:'[^']*'|\"[^\"]*\"|\[[^\]]*\]|\([^)]*\)|[^,])*)(?:,\s*|$)")


class ConfigDump:
    """Fed a file's lines (prefixes removed); ``config`` is the first configuration found."""

    def __init__(self) -> None:
        self.config: dict | None = None
        self._lines: list[str] | None = None
        self._depth = 0

    @property
    def idle(self) -> bool:
        """Whether no dump is being read: a line that starts none passes by without a trace."""
        return self._lines is None

    def feed(self, line: str) -> None:
        if self.config is not None:
            return
        if self._lines is None:
            self._start(line)
        else:
            self._continue(line)

    def _start(self, line: str) -> None:
        text = line.strip()
        if "Namespace(" in text and (namespace := NAMESPACE.search(text)):
            items = NAMESPACE_ITEM.findall(namespace.group(1))
            self.config = {key: _literal(value.strip()) for key, value in items} or None
        elif text.startswith("{'") and not text.endswith("}"):
            self._lines, self._depth = [], 0
            self._continue(line)

    def _continue(self, line: str) -> None:
        self._lines.append(line.strip())
        self._depth += line.count("{") - line.count("}")
        if self._depth > 0 and len(self._lines) < MAX_LINES:
            return
        try:
            value = ast.literal_eval(" ".join(self._lines))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
        self.config = value if isinstance(value, dict) and value else None
        self._lines = None


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


class RunConfigs:
    """The configuration of each run of a file (segment: 0, 1, ... as runs were appended).

    A configuration printed after a run's first metric line is held for the run that may
    follow: a script started again prints its config before its first step.
    """

    def __init__(self) -> None:
        self.by_segment: dict[int, dict] = {}
        self._dump = ConfigDump()
        self._held: dict | None = None

    def settled(self, segment: int, started: bool) -> bool:
        """Whether :meth:`feed` of a line that starts no configuration would change nothing."""
        return self._dump.idle and (self._held is None or started or segment in self.by_segment)

    def feed(self, line: str, segment: int, started: bool) -> None:
        """``started``: whether run ``segment`` has printed metrics yet."""
        if self._held is not None and segment not in self.by_segment and not started:
            self.by_segment[segment], self._held = self._held, None
        self._dump.feed(line)
        if self._dump.config is None:
            return
        config, self._dump = self._dump.config, ConfigDump()
        if started:
            self._held = config
        else:
            self.by_segment.setdefault(segment, config)
