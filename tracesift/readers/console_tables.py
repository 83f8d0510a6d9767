"""Tables that reinforcement-learning libraries print to the console, one table per step.

Stable-Baselines3 (``HumanOutputFormat.write`` in ``stable_baselines3/common/logger.py``)
and OpenAI baselines print every logging step as a table between two lines of dashes::

    -----------------------------------------
    | rollout/                |             |
    |    ep_len_mean          | 200         |
    |    ep_rew_mean          | -1.23e+03   |
    | time/                   |             |
    |    total_timesteps      | 2048        |
    | train/                  |             |
    |    entropy_loss         | -1.42       |
    -----------------------------------------

A row with an empty value and a key ending in ``/`` names the section of the indented
rows below it, so ``ep_rew_mean`` above is ``rollout/ep_rew_mean``. The table's step is
its ``total_timesteps`` (or ``timesteps``) row; without one, the table's order. Keys
the library cut to 23 characters (``...``) are kept as printed.
"""

from __future__ import annotations

import re

from tracesift.readers.base import as_number, as_step

DASHES = re.compile(r"^\s*-{8,}\s*$")
ROW = re.compile(r"^\s*\|\s(.*?)\s*\|\s(.*?)\s*\|\s*$")
STEP_ROWS = ("time/total_timesteps", "total_timesteps", "timesteps", "total timesteps", "TimestepsSoFar")


MIN_VALUES = 2
"""A table with fewer numbers (a markdown table in prose) is no logging step."""


class TableParser:
    """Follows the lines of one file; a table's values come out at the dashes that close it."""

    def __init__(self) -> None:
        self._rows: dict[str, float] | None = None
        self._section = ""
        self._open_lines = 0
        self.lines = 0
        """How many lines the table closed last took, both dash lines included."""

    @property
    def open(self) -> bool:
        """Whether the lines that follow may be rows of a table (dashes were the last line)."""
        return self._rows is not None

    def feed(self, line: str) -> tuple[bool, dict[str, float] | None]:
        """Whether ``line`` belongs to a table, and the table's values when it closed one."""
        if "--------" in line and DASHES.match(line):
            closed, self._rows, self._section = self._rows, {}, ""
            self.lines, self._open_lines = self._open_lines + 1, 1
            return True, closed if closed and len(closed) >= MIN_VALUES else None
        match = ROW.match(line) if self._rows is not None and "|" in line else None
        if match is None:
            self._rows = None  # anything else between the dashes: no table after all
            return False, None
        self._open_lines += 1
        self._add(*match.groups())
        return True, None

    def _add(self, key: str, text: str) -> None:
        if not text and key.endswith("/"):
            self._section = key
            return
        name = self._section + key.strip() if key.startswith(" ") and self._section else key.strip()
        number = as_number(text)
        if number is not None:
            self._rows[name] = number


def table_step(values: dict[str, float]) -> int | None:
    """The step a table names (its timesteps row, taken out of the values), or None."""
    key = next((k for k in STEP_ROWS if k in values), None)
    return as_step(values.pop(key)) if key is not None else None
