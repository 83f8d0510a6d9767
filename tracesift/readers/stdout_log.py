"""Metrics printed to a console: the lines training scripts write to stdout.

The line shapes are in :mod:`tracesift.readers.console_lines`, the tables RL libraries
print (Stable-Baselines3, OpenAI baselines) in :mod:`tracesift.readers.console_tables`. A console log is
recognised by its metric lines wherever they are: real logs open with config dumps,
printed source code, banners and warnings, so the sniff looks at windows at the
head, the middle and the tail of the file, not only at its opening.
"""

from __future__ import annotations

import json
import os
import re

from tracesift.readers.base import Batch, Input, MetricColumns, Problem, Reader, run_id_of
from tracesift.readers.console_config import RunConfigs
from tracesift.readers.console_lines import Counter, clean, parse_clean
from tracesift.readers.console_tables import TableParser, table_step
from tracesift.store import schema

# JSON documents and JSON lines open like this; console dict lines use single quotes.
JSON_DOCUMENT = re.compile(r'\s*(\{\s*"|\[\s*[\{\["\]])')

MIN_LINES = 3
MIN_SHARE = 0.1
WINDOW = 32 * 1024
"""Bytes per sniffed window: the head, and for larger files the middle and the tail."""


def sniff(source: Input) -> float:
    """Likely when, in one window of the file, at least 3 lines and a tenth of them carry metrics.

    Prose and source code that mention a metric now and then (a README, a training
    script) fall short of the share in every window.
    """
    head = source.text_prefix(WINDOW)
    if head is None or JSON_DOCUMENT.match(head):
        return 0.0
    return 0.7 if any(_mostly_metrics(window) for window in [head, *_later_windows(source)]) else 0.0


class ConsoleParser:
    """One file's lines in order: the rows of printed tables, then every other line shape."""

    def __init__(self) -> None:
        self.counter = Counter()
        self._tables = TableParser()

    def feed(self, line: str) -> tuple[int, tuple[int, dict[str, float]] | None]:
        """How many lines carrying metrics ``line`` (already :func:`clean`) completes (a table
        counts all of its lines at its closing dashes), and the (step, values) it completes."""
        in_table, values = self._tables.feed(line)
        if in_table:
            return (self._tables.lines, (self._step_of(values), values)) if values else (0, None)
        parsed = parse_clean(line, self.counter)
        return int(parsed is not None), parsed

    def _step_of(self, values: dict[str, float]) -> int:
        step = table_step(values)
        if step is not None:
            return self.counter.explicit(step)
        self.counter.key_value += 1
        return self.counter.key_value - 1


def _mostly_metrics(text: str) -> bool:
    parser = ConsoleParser()
    lines = [line for line in re.split(r"[\r\n]", text) if line.strip()]
    hits = sum(parser.feed(clean(line))[0] for line in lines)
    return hits >= MIN_LINES and hits >= MIN_SHARE * len(lines)


def _later_windows(source: Input) -> list[str]:
    """The middle and the tail of a file larger than three windows, each cut to whole lines."""
    try:
        size = os.path.getsize(source.path)
        if size <= 3 * WINDOW:
            return []
        with open(source.path, "rb") as handle:
            chunks = []
            for offset in (size // 2 - WINDOW // 2, size - WINDOW):
                handle.seek(offset)
                chunks.append(handle.read(WINDOW).decode("utf-8", errors="replace"))
    except OSError:
        return []
    return [chunk.partition("\n")[2] for chunk in chunks]


def read(source: Input) -> Batch:
    """Every metric line of the file; a second run appended to it is run ``<run>#2``, and so on.

    A configuration the run printed (:mod:`tracesift.readers.console_config`) is its ``runs.config``.
    """
    run = run_id_of(source.rel)
    columns = MetricColumns()
    parser = ConsoleParser()
    configs = RunConfigs()
    started: set[int] = set()  # segments that printed metrics
    problems: list[Problem] = []
    with open(source.path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8", errors="replace")
            if "\ufffd" in text and not problems:
                problems.append(Problem("not UTF-8 text in places: undecodable bytes replaced", number))
            for part in text.split("\r") if "\r" in text else (text,):
                part = clean(part)
                _, parsed = parser.feed(part)
                segment = parser.counter.segment
                configs.feed(part, segment, segment in started)
                if parsed:
                    columns.add_floats(_segment_run(run, segment), *parsed)
                    started.add(segment)
    if not len(columns):
        raise ValueError("no metric lines found")
    return Batch({"metrics": columns.table(), "runs": _runs(source, run, configs, columns)}, problems)


def _segment_run(run: str, segment: int) -> str:
    return f"{run}#{segment + 1}" if segment else run


def _runs(source: Input, run: str, configs: RunConfigs, columns: MetricColumns):
    """One ``runs`` row per run of the file, with the configuration it printed, if any."""
    found = {_segment_run(run, segment): config for segment, config in configs.by_segment.items()}
    rows = [{"run_id": run_id, "source_format": "stdout", "path": str(source.path),
             "config": json.dumps(found[run_id], default=str, sort_keys=True) if found.get(run_id) else None}
            for run_id in dict.fromkeys(columns.run_id)]
    return schema.from_rows("runs", rows)


READER = Reader(
    name="stdout",
    description="console logs, metric lines anywhere: verl step:N - k:v, Megatron, nanoGPT, HF/TRL {'loss': ...} "
    "dicts, step N | loss X, key=value, Stable-Baselines3 tables; appended runs split",
    example="logs/train.out",
    sniff=sniff,
    read=read,
    fallback=True,
)
