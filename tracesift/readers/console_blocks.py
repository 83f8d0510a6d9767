"""A console log read in blocks of lines: lines of a known shape in bulk, every other line by the per-line rules.

The file is read :data:`BLOCK_BYTES` at a time, cut at its last newline. Each line is looked up
by its exact skeleton (its digits all ``0``, one ``bytes.translate`` per block): a line whose
shape has a :class:`~tracesift.readers.console_plans.Plan` only has its numbers cut out (by
position) and queued; anything else (a new shape, a table, a config dump, a line that starts a
run, an undecodable one) first lets the queue through, then is read by the rules in order, as
the per-line reader reads it. A queue is converted at once: the numbers by one Arrow cast (the
same doubles as ``float``), the steps and counters with numpy. A step that goes back to the
first step (a run appended to the file) stops the bulk reading at that line: it and the lines
queued after it go through the rules.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracesift.readers.base import Problem
from tracesift.readers.console_config import RunConfigs
from tracesift.readers.console_lines import Counter, Progress, clean, parse_clean
from tracesift.readers.console_plans import DIGITS_TO_ZERO, FROM_TOKEN, KEY_VALUE, TRAIN, Plan, learn, shape
from tracesift.readers.console_points import Points
from tracesift.readers.console_tables import TableParser, table_step

BLOCK_BYTES = 4 << 20
FLUSH_LINES = 8192
"""Lines queued before they are converted: a run appended to the file costs at most this many lines read one by one."""
MAX_SKELETONS = 200_000
MAX_SHAPES = 20_000
"""Bounds on the lookups kept (exact skeletons, shapes): past them, lines are still read, only looked up again."""
NOT_UTF8 = "not UTF-8 text in places: undecodable bytes replaced"

SLOW, QUIET, PARTS = "slow", "quiet", "parts"
"""Skeleton lookups: read by the rules; carries nothing; has ``\\r`` parts to read one by one."""
_UNSEEN = object()


class ConsoleParser:
    """One file's lines in order: the rows of printed tables, then every other line shape."""

    def __init__(self) -> None:
        self.counter = Counter()
        self.tables = TableParser()

    def feed(self, line: str) -> tuple[int, tuple[int, dict[str, float]] | None]:
        """How many lines carrying metrics ``line`` (already :func:`clean`) completes (a table
        counts all of its lines at its closing dashes), and the (step, values) it completes."""
        in_table, values = self.tables.feed(line)
        if in_table:
            return (self.tables.lines, (self._step_of(values), values)) if values else (0, None)
        parsed = parse_clean(line, self.counter)
        return int(parsed is not None), parsed

    def _step_of(self, values: dict[str, float]) -> int:
        step = table_step(values)
        if step is not None:
            return self.counter.explicit(step)
        self.counter.key_value += 1
        return self.counter.key_value - 1


class ConsoleReading:
    """One file being read: the per-line state (parser, configs, runs started), the plans learnt, the points."""

    def __init__(self) -> None:
        self.parser = ConsoleParser()
        self.configs = RunConfigs()
        self.started: set[int] = set()  # segments that printed metrics
        self.points = Points()
        self.problems: list[Problem] = []
        self.fast = True
        """Whether nothing but the counters can tell a planned line from another: no table or dump open."""
        self._lines = 0  # lines before the current block
        self._plans: list[Plan] = []
        self._columns: dict[str, np.ndarray] | None = None  # per plan id
        self._shapes: dict[tuple[bytes, bool], Plan | None] = {}
        self._seen: set[tuple[bytes, bool]] = set()
        self._exact: dict[bytes, object] = {}  # skeleton of a whole line -> SLOW, QUIET, PARTS or (plan id, getter)
        self._ids: list[int] = []  # the queue: plan id, numbers, the line itself
        self._numbers: list[bytes] = []
        self._held: list[bytes] = []

    def read(self, handle) -> None:
        """Every line of the binary file ``handle``."""
        carry = bytearray()
        while chunk := handle.read(BLOCK_BYTES):
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                carry += chunk
                continue
            self._block(bytes(carry) + chunk[:cut] if carry else chunk[:cut])
            carry = bytearray(chunk[cut:])
        self.flush()
        if carry:  # the last line, without a newline
            self._check_text(bytes(carry))
            self._slow_line(bytes(carry), newline=False)

    def _block(self, block: bytes) -> None:
        """Whole lines, each ending in a newline."""
        self._check_text(block)
        raws = block.split(b"\n")
        skeletons = block.translate(DIGITS_TO_ZERO).split(b"\n")
        raws.pop(), skeletons.pop()
        get, ids, numbers, held = self._exact.get, self._ids, self._numbers, self._held
        fast = self.fast
        for raw, skeleton in zip(raws, skeletons):
            entry = get(skeleton)
            if fast and entry.__class__ is tuple:
                ids.append(entry[0])
                numbers += entry[1](raw)
                held.append(raw)
                if len(ids) >= FLUSH_LINES:
                    self.flush()
                    fast = self.fast
            elif not (fast and entry is QUIET):
                self._other(raw, skeleton, entry)
                fast = self.fast
        self._lines += len(raws)

    def _check_text(self, block: bytes) -> None:
        """The first line holding an undecodable byte (or U+FFFD itself) is reported, once."""
        if self.problems or block.isascii():
            return
        text = block.decode("utf-8", errors="replace")
        at = text.find("\ufffd")
        if at >= 0:
            self.problems.append(Problem(NOT_UTF8, self._lines + text.count("\n", 0, at) + 1))

    def _other(self, raw: bytes, skeleton: bytes, entry) -> None:
        """A line the bulk path cannot take as it is: learn its skeleton, queue it after all, or read it by the rules."""
        if entry is None:
            entry = self._parts(raw, skeleton) if b"\r" in skeleton else self._entry(raw, skeleton, last=True)
            if entry is not None and len(self._exact) < MAX_SKELETONS:
                self._exact[skeleton] = entry
            if self.fast and entry.__class__ is tuple:
                self._ids.append(entry[0])
                self._numbers += entry[1](raw)
                self._held.append(raw)
                return
            if self.fast and entry is QUIET:
                return
        self.flush()
        self._slow_line(raw)

    def _entry(self, raw: bytes, skeleton: bytes, last: bool, offset: int = 0):
        """The lookup for a line (or a ``\\r`` part) of this skeleton; None until its shape is seen twice."""
        key = (shape(skeleton), last)
        plan = self._shapes.get(key, _UNSEEN)
        if plan is _UNSEEN:
            if key not in self._seen:
                if len(self._seen) < MAX_SHAPES:
                    self._seen.add(key)
                return None
            plan = learn(raw, last, len(self._plans), self.points.metric_id)
            if plan is not None and not plan.quiet and not last:
                plan = None  # a part before a \r is read in bulk only when it carries nothing
            if plan is not None and not plan.quiet:
                self._plans.append(plan)
                self._columns = None
            if len(self._shapes) < MAX_SHAPES:
                self._shapes[key] = plan
        if plan is None:
            return SLOW
        if plan.quiet:
            return QUIET
        getter = plan.getter(raw, offset)
        return (plan.id, getter) if getter is not None else SLOW

    def _parts(self, raw: bytes, skeleton: bytes):
        """A line of ``\\r`` parts (progress bars): in bulk when all parts but the last carry nothing."""
        raws, skeletons = raw.split(b"\r"), skeleton.split(b"\r")
        entries = [self._entry(r, s, last=False) for r, s in zip(raws[:-1], skeletons[:-1])]
        if any(entry is None for entry in entries):
            return None
        if any(entry is not QUIET for entry in entries):
            return PARTS
        entry = self._entry(raws[-1], skeletons[-1], last=True, offset=len(raw) - len(raws[-1]))
        return PARTS if entry is SLOW else entry

    def _slow_line(self, raw: bytes, newline: bool = True) -> None:
        """One line read by the rules, part by part, as the per-line reader reads it."""
        text = raw.decode("utf-8", errors="replace") + ("\n" if newline else "")
        for part in text.split("\r") if "\r" in text else (text,):
            part = clean(part)
            _, parsed = self.parser.feed(part)
            segment = self.parser.counter.segment
            self.configs.feed(part, segment, segment in self.started)
            if parsed:
                self.points.add(segment, *parsed)
                self.started.add(segment)
        segment = self.parser.counter.segment
        self.fast = not self.parser.tables.open and self.configs.settled(segment, segment in self.started)

    def flush(self) -> None:
        """The queued lines, converted together."""
        if not self._ids:
            return
        ids, held = np.array(self._ids, np.intp), self._held[:]
        numbers = _floats(self._numbers)
        self._ids.clear(), self._numbers.clear(), self._held.clear()
        self._apply(ids, numbers, held)

    def _apply(self, ids: np.ndarray, numbers: np.ndarray, held: list[bytes]) -> None:
        """Queued lines in order: counters moved and points added, up to a line the bulk path must not take."""
        plans = self._plan_columns()
        width = plans["width"][ids]
        start = np.cumsum(width) - width
        explicit, epochs, token = (np.flatnonzero(plans[name][ids] >= 0) for name in ("explicit", "epoch", "step_token"))
        steps = numbers[start[explicit] + plans["explicit"][ids[explicit]]]
        counted = numbers[start[token] + plans["step_token"][ids[token]]]
        epoch = numbers[start[epochs] + plans["epoch"][ids[epochs]]]
        counter = self.parser.counter
        stop = min(_first(explicit, ~(np.abs(steps) < 2**53)), _first(token, ~(np.abs(counted) < 2**53)), len(ids))
        steps, counted = steps.astype(np.int64, copy=False), counted.astype(np.int64, copy=False)
        stop = min(stop, _restart(counter._steps, steps, explicit), _restart(counter._epochs, epoch, epochs))
        if stop < len(ids):  # a step not in int64 or going back to the first: the rules read from here
            if stop:
                self._apply(ids[:stop], numbers[: start[stop]], held[:stop])
            for raw in held[stop:]:
                self._slow_line(raw)
            return
        line_steps = np.zeros(len(ids), np.int64)
        line_steps[explicit], line_steps[token] = steps, counted
        train = counter.train + np.cumsum(plans["train"][ids])
        key_value = counter.key_value + np.cumsum(plans["key_value"][ids])
        kind = plans["step"][ids]
        line_steps = np.where(kind == TRAIN, train, np.where(kind == KEY_VALUE, key_value - 1, line_steps))
        self._add(ids, numbers, start, line_steps)
        if plans["parsed"][ids].any():
            self.started.add(counter.segment)
        counter.train, counter.key_value = int(train[-1]), int(key_value[-1])
        _advance(counter._steps, steps.tolist())
        _advance(counter._epochs, epoch.tolist())

    def _add(self, ids: np.ndarray, numbers: np.ndarray, start: np.ndarray, line_steps: np.ndarray) -> None:
        """The points of queued lines, in the order of the lines and of each line's values."""
        counts = self._plan_columns()["values"][ids]
        total = int(counts.sum())
        if not total:
            return
        first = np.cumsum(counts) - counts
        values, metrics = np.empty(total), np.empty(total, np.int32)
        for plan_id in np.unique(ids[counts > 0]):
            plan = self._plans[plan_id]
            lines = np.flatnonzero(ids == plan_id)
            into = first[lines, None] + np.arange(len(plan.metrics))
            taken = numbers[start[lines, None] + np.maximum(plan.sources, 0)]
            constant = plan.sources < 0
            taken[:, constant] = plan.constants[constant]
            values[into], metrics[into] = taken, plan.metrics
        self.points.add_arrays(self.parser.counter.segment, np.repeat(line_steps, counts), metrics, values)

    def _plan_columns(self) -> dict[str, np.ndarray]:
        if self._columns is None:
            plans = self._plans
            self._columns = {name: np.array([getattr(p, name) for p in plans], np.intp) for name in
                             ("width", "explicit", "epoch", "step_token", "train", "key_value", "step", "parsed")}
            self._columns["values"] = np.array([len(p.metrics) for p in plans], np.intp)
            self._columns["step_token"] = np.where(self._columns["step"] == FROM_TOKEN, self._columns["step_token"], -1)
        return self._columns


def _floats(numbers: list[bytes]) -> np.ndarray:
    """The numbers as doubles: Arrow's parse gives the double ``float`` gives for every decimal text."""
    try:
        return pc.cast(pa.array(numbers, pa.binary()).cast(pa.string()), pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.array([float(number) for number in numbers], np.float64)


def _first(lines: np.ndarray, bad: np.ndarray) -> int:
    """The first of ``lines`` where ``bad``; a large number when none."""
    return int(lines[np.argmax(bad)]) if bad.any() else 1 << 62


def _restart(progress: Progress, values: np.ndarray, lines: np.ndarray) -> int:
    """The first of ``lines`` whose value restarts ``progress`` (see :meth:`Progress.restarted_by`)."""
    if not len(values):
        return 1 << 62
    first, last, skip = progress.first, progress.last, 0
    if first is None:
        first, last, skip = values[0], values[0], 1
    try:
        before = np.concatenate([np.array([last], values.dtype), values[skip:-1]]) if len(values) > skip else values[:0]
    except OverflowError:  # a counter outside int64, from a line read by the rules: let them go on
        return int(lines[0])
    restarted = (before > first) & (values[skip:] <= first)
    return int(lines[skip + np.argmax(restarted)]) if restarted.any() else 1 << 62


def _advance(progress: Progress, values: list) -> None:
    """``progress`` after ``values`` that restarted nothing."""
    if values:
        if progress.first is None:
            progress.first = values[0]
        progress.last = values[-1]
