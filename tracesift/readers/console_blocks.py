"""A console log read in blocks of lines: lines of a known shape in bulk, every other line by the per-line rules.

The file is read :data:`BLOCK_BYTES` at a time, cut at its last newline. Each line is looked up
by its exact skeleton (its digits all ``0``, one ``bytes.translate`` per block): a line whose
shape has a :class:`~tracesift.readers.console_plans.Plan` is only queued, as its number in the
block and the skeleton's entry, which says where the plan's numbers are. Anything else (a new
shape, a table, a config dump, an undecodable line) first lets the queue through, then is read
by the rules, in order, as :func:`tracesift.readers.stdout_log.read_by_line` reads it. A queue
is converted at once (:mod:`tracesift.readers.console_bulk`): its numbers cut out of the block
by numpy and parsed by one Arrow cast, its steps and counters moved with numpy. A step that goes
back to the first step (a run appended to the file) is read by the rules, and the queue goes on
after it.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from tracesift.readers.base import Problem
from tracesift.readers.console_bulk import Entries, advance, first_where, restart_at, upto
from tracesift.readers.console_config import RunConfigs
from tracesift.readers.console_lines import Counter, clean, parse_clean
from tracesift.readers.console_plans import DIGITS_TO_ZERO, FROM_TOKEN, KEY_VALUE, TRAIN, Plan, learn, shape
from tracesift.readers.console_points import Points
from tracesift.readers.console_tables import TableParser, table_step

BLOCK_BYTES = 4 << 20
LOOKUP_LINES = 1024
MAX_SKELETONS = 100_000
MAX_SHAPES = 20_000
"""Bounds on the lookups kept (exact skeletons, shapes); past them lines are read all the same, only learnt again."""
NOT_UTF8 = "not UTF-8 text in places: undecodable bytes replaced"

QUIET, SLOW, PARTS, UNSEEN = -1, -2, -3, -4
"""Skeleton lookups besides an entry (>= 0): carries nothing; read by the rules; ``\\r`` parts to read one by one;
not looked up yet (or a shape seen once, to be learnt when seen again)."""
_UNSEEN = object()
_PLAN_COLUMNS = ("width", "explicit", "epoch", "step_token", "train", "key_value", "step", "parsed")


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
        """Whether nothing but the counters tells a planned line from the next: no table or config dump open."""
        self._lines = 0  # lines before the current block
        self._plans: list[Plan] = []
        self._columns: dict[str, np.ndarray] | None = None  # the plans' fields, by plan id
        self._shapes: dict[tuple[bytes, bool], Plan | None] = {}
        self._seen: set[tuple[bytes, bool]] = set()
        self._exact: dict[bytes, int] = {}  # a whole line's exact skeleton -> an entry or QUIET, SLOW, PARTS
        self._entries = Entries()
        self._queue: list[tuple[np.ndarray, np.ndarray]] = []  # (lines of the block, their entries), in order
        self._singles: tuple[list[int], list[int]] = ([], [])  # lines queued one by one, before they join the queue
        self._starts_list: list[int] = [0]
        self._block = b""
        self._starts = np.zeros(1, np.int64)

    def read(self, handle) -> None:
        """Every line of the binary file ``handle``."""
        carry = bytearray()
        while chunk := handle.read(BLOCK_BYTES):
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                carry += chunk
                continue
            self._read_block(bytes(carry) + chunk[:cut] if carry else chunk[:cut])
            carry = bytearray(chunk[cut:])
        if carry:  # the last line, without a newline
            self._check_text(bytes(carry))
            self._slow_line(bytes(carry), newline=False)

    def _read_block(self, block: bytes) -> None:
        """Whole lines, each ending in a newline: looked up at once, the planned ones queued in bulk."""
        self._check_text(block)
        if len(self._exact) >= MAX_SKELETONS:
            self._exact.clear(), self._entries.clear()
        self._block = block
        self._starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(block, np.uint8) == 10) + 1])
        self._starts_list = self._starts.tolist()
        skeletons = block.translate(DIGITS_TO_ZERO).split(b"\n")
        skeletons.pop()
        for first in range(0, len(skeletons), LOOKUP_LINES):  # looked up a slice at a time: a skeleton learnt
            part = skeletons[first : first + LOOKUP_LINES]   # in one slice is found in the next
            codes = np.fromiter(map(self._exact.get, part, repeat(UNSEEN)), np.int64, len(part))
            at = 0
            for line in np.flatnonzero(codes < QUIET).tolist():
                self._run(codes, at, line, first)
                self._other(first + line, part[line], int(codes[line]))
                at = line + 1
            self._run(codes, at, len(part), first)
        self.flush()
        self._lines += len(skeletons)

    def _run(self, codes: np.ndarray, start: int, stop: int, first: int) -> None:
        """Lines ``first + start:stop`` of the block, all planned or quiet: queued, or read by the rules while they must."""
        while start < stop and not self.fast:
            self.flush()
            self._slow_line(self._raw(first + start))
            start += 1
        if start < stop:
            planned = np.flatnonzero(codes[start:stop] >= 0)
            if len(planned):
                self._seal_singles()
                self._queue.append((planned + (first + start), codes[start:stop][planned]))

    def _seal_singles(self) -> None:
        if self._singles[0]:
            self._queue.append(tuple(np.array(column, np.int64) for column in self._singles))
            self._singles[0].clear(), self._singles[1].clear()

    def _raw(self, line: int) -> bytes:
        return self._block[self._starts_list[line] : self._starts_list[line + 1] - 1]

    def _check_text(self, block: bytes) -> None:
        """The first line holding an undecodable byte (or U+FFFD itself) is reported, once."""
        if self.problems or block.isascii():
            return
        text = block.decode("utf-8", errors="replace")
        at = text.find("\ufffd")
        if at >= 0:
            self.problems.append(Problem(NOT_UTF8, self._lines + text.count("\n", 0, at) + 1))

    def _other(self, line: int, skeleton: bytes, entry: int) -> None:
        """A line the bulk path cannot take as it is: learn its skeleton and queue it after all, or read it by the rules."""
        raw = self._raw(line)
        if entry == UNSEEN:
            entry = self._exact.get(skeleton, UNSEEN)  # learnt since the block was looked up?
        if entry == UNSEEN:
            entry = self._parts(raw, skeleton) if b"\r" in skeleton else self._entry(raw, skeleton, last=True)
            if entry != UNSEEN:
                self._exact[skeleton] = entry
        if self.fast and entry >= 0:
            self._singles[0].append(line)
            self._singles[1].append(entry)
        elif not (self.fast and entry == QUIET):
            self.flush()
            self._slow_line(raw)

    def _entry(self, raw: bytes, skeleton: bytes, last: bool, offset: int = 0):
        """The lookup for a line (or a ``\\r`` part) of this skeleton; UNSEEN until its shape is seen twice."""
        key = (shape(skeleton), last)
        plan = self._shapes.get(key, _UNSEEN)
        if plan is _UNSEEN:
            if key not in self._seen:
                if len(self._seen) < MAX_SHAPES:
                    self._seen.add(key)
                return UNSEEN
            plan = learn(raw, last, len(self._plans), self.points.metric_id)
            if plan is not None and not plan.quiet:
                self._plans.append(plan)
                self._columns = None
            if len(self._shapes) < MAX_SHAPES:
                self._shapes[key] = plan
        if plan is None or plan.quiet:
            return QUIET if plan else SLOW
        spans = plan.spans(raw, offset)
        return SLOW if spans is None else self._entries.add(plan.id, spans)

    def _parts(self, raw: bytes, skeleton: bytes) -> int:
        """A line of ``\r`` parts (progress bars, CRLF endings): in bulk when one part at most carries something."""
        raws, skeletons, at, entries = raw.split(b"\r"), skeleton.split(b"\r"), 0, []
        for i, (part, part_skeleton) in enumerate(zip(raws, skeletons)):
            entries.append(self._entry(part, part_skeleton, last=i == len(raws) - 1, offset=at))
            at += len(part) + 1
        if UNSEEN in entries:
            return UNSEEN
        carrying = [entry for entry in entries if entry != QUIET]
        return QUIET if not carrying else carrying[0] if len(carrying) == 1 and carrying[0] >= 0 else PARTS

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
        self._seal_singles()
        if not self._queue:
            return
        lines, entries = (np.concatenate(column) for column in zip(*self._queue))
        self._queue.clear()
        if not len(lines):
            return
        numbers = self._entries.numbers(self._block, self._starts, lines, entries)
        ids = np.frombuffer(self._entries.plan, np.int32)[entries].astype(np.intp)
        width = self._plan_columns()["width"][ids]
        self._apply(lines, ids, numbers, np.cumsum(width) - width)

    def _apply(self, lines: np.ndarray, ids: np.ndarray, numbers: np.ndarray, start: np.ndarray) -> None:
        """Queued lines in order (plan ids, their numbers from ``start``): in bulk up to a line the rules must read."""
        while len(ids):
            moves = self._moves(ids, numbers, start)
            stop = self._stop(moves, len(ids))
            if stop:
                self._commit(ids[:stop], numbers, start[:stop], [upto(*move, stop) for move in moves])
            if stop == len(ids):
                return
            self._slow_line(self._raw(lines[stop]))
            stop += 1
            while stop < len(ids) and not self.fast:
                self._slow_line(self._raw(lines[stop]))
                stop += 1
            lines, ids, start = lines[stop:], ids[stop:], start[stop:]

    def _moves(self, ids: np.ndarray, numbers: np.ndarray, start: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(lines, values) for the steps given to ``Counter.explicit``, the epochs, the steps that are numbers."""
        plans, moves = self._plan_columns(), []
        for name in ("explicit", "epoch", "step_token"):
            lines = np.flatnonzero(plans[name][ids] >= 0)
            moves.append((lines, numbers[start[lines] + plans[name][ids[lines]]]))
        return moves

    def _stop(self, moves, count: int) -> int:
        """The first line the bulk path must leave to the rules: a step outside int64 or one that restarts a counter."""
        (explicit, steps), (epochs, epoch), (counted, numbers) = moves
        whole = first_where(explicit, ~(np.abs(steps) < 2**53))
        explicit, steps = upto(explicit, steps, whole)
        counter = self.parser.counter
        return min(whole, first_where(counted, ~(np.abs(numbers) < 2**53)), count,
                   restart_at(counter.steps, steps.astype(np.int64), explicit), restart_at(counter.epochs, epoch, epochs))

    def _commit(self, ids: np.ndarray, numbers: np.ndarray, start: np.ndarray, moves) -> None:
        """Lines that restart nothing: their points added, the counters moved past them."""
        (explicit, steps), (epochs, epoch), (counted, steps_counted) = moves
        plans, counter = self._plan_columns(), self.parser.counter
        steps = steps.astype(np.int64)
        line_steps = np.zeros(len(ids), np.int64)
        line_steps[explicit], line_steps[counted] = steps, steps_counted.astype(np.int64)
        train = counter.train + np.cumsum(plans["train"][ids])
        key_value = counter.key_value + np.cumsum(plans["key_value"][ids])
        kind = plans["step"][ids]
        line_steps = np.where(kind == TRAIN, train, np.where(kind == KEY_VALUE, key_value - 1, line_steps))
        self._add(ids, numbers, start, line_steps)
        if plans["parsed"][ids].any():
            self.started.add(counter.segment)
        counter.train, counter.key_value = int(train[-1]), int(key_value[-1])
        advance(counter.steps, steps.tolist())
        advance(counter.epochs, epoch.tolist())

    def _add(self, ids: np.ndarray, numbers: np.ndarray, start: np.ndarray, line_steps: np.ndarray) -> None:
        """The points of queued lines, in the order of the lines and of each line's values."""
        counts = self._plan_columns()["values"][ids]
        total = int(counts.sum())
        if not total:
            return
        first = np.cumsum(counts) - counts
        values, metrics = np.empty(total), np.empty(total, np.int32)
        for plan_id in np.flatnonzero(np.bincount(ids, weights=counts)):
            plan = self._plans[plan_id]
            lines = np.flatnonzero(ids == plan_id)
            into = first[lines, None] + np.arange(len(plan.metrics))
            taken = numbers[start[lines, None] + np.maximum(plan.sources, 0)] if plan.width else \
                np.zeros((len(lines), len(plan.metrics)))
            constant = plan.sources < 0
            taken[:, constant] = plan.constants[constant]
            values[into], metrics[into] = taken, plan.metrics
        self.points.add_arrays(self.parser.counter.segment, np.repeat(line_steps, counts), metrics, values)

    def _plan_columns(self) -> dict[str, np.ndarray]:
        if self._columns is None:
            columns = {name: np.array([getattr(p, name) for p in self._plans], np.intp) for name in _PLAN_COLUMNS}
            columns["values"] = np.array([len(p.metrics) for p in self._plans], np.intp)
            columns["step_token"] = np.where(columns["step"] == FROM_TOKEN, columns["step_token"], -1)
            self._columns = columns
        return self._columns
