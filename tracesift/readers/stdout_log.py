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
from tracesift.readers.console_blocks import NOT_UTF8, ConsoleParser, ConsoleReading
from tracesift.readers.console_config import RunConfigs
from tracesift.readers.console_lines import bad_steps_problem, clean
from tracesift.readers.console_points import segment_run
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
    Read in blocks (:mod:`tracesift.readers.console_blocks`): the same rows as :func:`read_by_line`.
    """
    run = run_id_of(source.rel)
    reading = ConsoleReading()
    with open(source.path, "rb") as handle:
        reading.read(handle)
    if not len(reading.points):
        raise ValueError("no metric lines found")
    runs = _runs(source, reading.configs, reading.points.run_ids(run))
    problems = reading.problems + bad_steps_problem(reading.parser.counter)
    return Batch({"metrics": reading.points.table(run), "runs": runs}, problems)


def read_by_line(source: Input) -> Batch:
    """:func:`read` one line at a time through the rules: what the block reader must give, row for row."""
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
                problems.append(Problem(NOT_UTF8, number))
            for part in text.split("\r") if "\r" in text else (text,):
                part = clean(part)
                _, parsed = parser.feed(part)
                segment = parser.counter.segment
                configs.feed(part, segment, segment in started)
                if parsed:
                    columns.add_floats(segment_run(run, segment), *parsed)
                    started.add(segment)
    if not len(columns):
        raise ValueError("no metric lines found")
    runs = _runs(source, configs, list(dict.fromkeys(columns.run_id)))
    return Batch({"metrics": columns.table(), "runs": runs}, problems + bad_steps_problem(parser.counter))


def _runs(source: Input, configs: RunConfigs, run_ids: list[str]):
    """One ``runs`` row per run of the file, with the configuration it printed, if any."""
    run = run_id_of(source.rel)
    found = {segment_run(run, segment): config for segment, config in configs.by_segment.items()}
    rows = [{"run_id": run_id, "source_format": "stdout", "path": str(source.path),
             "config": json.dumps(found[run_id], default=str, sort_keys=True) if found.get(run_id) else None}
            for run_id in run_ids]
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
