"""A console log read in blocks of lines: lines of a known shape in bulk, every other line by the per-line rules.

The file is read :data:`BLOCK_BYTES` at a time, cut at its last newline. numpy gives every
line of a block its shape (runs of digits as one ``0``, :mod:`tracesift.readers.console_plans`)
and finds the block's runs of digits; the shapes are looked up a slice of lines at a time. A
line whose shape has a plan is only queued. Anything else (a shape seen once, a table, a
config dump, an undecodable line) first lets the queue through, then is read by the rules, in
order, as :func:`tracesift.readers.stdout_log.read_by_line` reads it. A queue is converted at
once: its numbers cut out of the block at the runs the plans name and parsed by one Arrow cast,
its steps and counters moved with numpy (:mod:`tracesift.readers.console_bulk`). A step that
goes back to the first step (a run appended to the file) is read by the rules, and the queue
goes on after it.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from tracesift.readers.base import Problem
from tracesift.readers.console_bulk import Block, advance, first_where, restart_at, upto
from tracesift.readers.console_config import RunConfigs
from tracesift.readers.console_lines import Counter, clean, parse_clean
from tracesift.readers.console_plans import FROM_TOKEN, KEY_VALUE, TRAIN, Plan, learn
from tracesift.readers.console_points import Points
from tracesift.readers.console_tables import TableParser, table_step

BLOCK_BYTES = 4 << 20
LOOKUP_LINES = 1024
SMALL_QUEUE = 16
"""Fewer queued lines than this are read by the rules: numpy's fixed cost per call would outweigh them."""
MAX_SHAPES = 50_000
"""Bound on the shapes kept; past it lines are read all the same, their shapes only learnt again."""
NOT_UTF8 = "not UTF-8 text in places: undecodable bytes replaced"

QUIET, SLOW, PARTS, UNSEEN = -1, -2, -3, -4
"""Skeleton lookups besides an entry (>= 0): carries nothing; read by the rules; ``\\r`` parts to read one by one;
not looked up yet (or a shape seen once, to be learnt when seen again)."""
_UNSEEN = object()
_PLAN_COLUMNS = ("explicit", "epoch", "step_token", "train", "key_value", "step", "parsed")


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
        self._fields: dict[str, list] = {name: [] for name in (*_PLAN_COLUMNS, "values", "width", "table")}
        self._columns: dict[str, np.ndarray] | None = None  # the plans' fields as arrays, by plan id
        self._parts_learnt: dict[tuple[bytes, bool], Plan | None] = {}  # (a part's shape, last part?) -> its plan
        self._seen: dict[tuple[bytes, bool], int] = {}  # shapes not learnt yet: how often seen
        self._by_shape: dict[bytes, int] = {}  # a whole line's shape -> a line plan, or QUIET, SLOW, PARTS
        self._line_plans: dict[tuple[int, int], int] = {}  # (plan id, runs of the parts before it) -> line plan
        self._queue: list[tuple[np.ndarray, np.ndarray]] = []  # (lines of the block, their line plans), in order
        self._singles: tuple[list[int], list[int]] = ([], [])  # lines queued one by one, before they join the queue
        self._block = Block(b"")
        self._slow = 0  # lines the rules read so far
        self._learning, self._backoff, self._idle_slices = True, 0, 0

    def read(self, handle) -> None:
        """Every line of the binary file ``handle``."""
        carry = bytearray()
        while chunk := handle.read(BLOCK_BYTES):
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                carry += chunk
                continue
            self._read_block(Block(bytes(carry) + chunk[:cut] if carry else chunk[:cut]))
            carry = bytearray(chunk[cut:])
        if carry:  # the last line, without a newline
            self._check_text(bytes(carry))
            self._slow_line(bytes(carry), newline=False)

    def _read_block(self, block: Block) -> None:
        """Whole lines: looked up by shape a slice at a time, the planned ones queued in bulk."""
        self._check_text(block.data)
        if len(self._by_shape) >= MAX_SHAPES:
            self._by_shape.clear(), self._line_plans.clear()
        self._block = block
        for first in range(0, len(block), LOOKUP_LINES):  # a shape learnt in one slice is found in the next
            self._learning = self._idle_slices == 0
            slow = self._slow
            self._read_slice(block.shapes[first : first + LOOKUP_LINES], first)
            self._pace_learning(min(LOOKUP_LINES, len(block) - first), self._slow - slow)
        self.flush()
        self._lines += len(block)

    def _pace_learning(self, lines: int, slow: int) -> None:
        """Learning a shape pays when its lines then read in bulk: after a slice of lines nine tenths of which the
        rules read, none is learnt for the next 1, 2, 4, ... (up to 64) slices; shapes learnt still read in bulk."""
        if self._idle_slices:
            self._idle_slices -= 1
        elif lines >= LOOKUP_LINES // 4 and slow > 0.9 * lines:
            self._backoff = min(2 * self._backoff, 64) if self._backoff else 1
            self._idle_slices = self._backoff
        else:
            self._backoff = 0

    def _read_slice(self, shapes: list[bytes], first: int) -> None:
        """Lines ``first:`` of the block: planned ones queued at once, the others one by one."""
        codes = np.fromiter(map(self._by_shape.get, shapes, repeat(UNSEEN)), np.int64, len(shapes))
        planned = _Planned(np.flatnonzero(codes >= 0))
        done = 0  # lines before it are queued or read; those after it, up to the next other line, are planned or quiet
        for line in np.flatnonzero(codes < QUIET).tolist():
            if not self.fast:
                done = self._run(codes, done, line, first)
                planned.skip(done)
            code = int(codes[line])
            if (code != UNSEEN or self._learning) and self._other(first + line, shapes[line], code):
                continue  # queued, or carries nothing
            self._queue_lines(codes, planned.upto(line), first)
            if self._queue or self._singles[0]:
                self.flush()
            self._slow_line(self._block.line(first + line))
            done = line + 1
        if self.fast:
            self._queue_lines(codes, planned.upto(len(shapes)), first)
        else:
            self._run(codes, done, len(shapes), first)

    def _queue_lines(self, codes: np.ndarray, lines: np.ndarray, first: int) -> None:
        """Planned ``lines`` of the slice at ``first``, queued."""
        if len(lines):
            self._queue.append((lines + first, codes[lines]))

    def _run(self, codes: np.ndarray, start: int, stop: int, first: int) -> int:
        """Lines ``start:stop`` of the slice, all planned or quiet: read by the rules while they must, then queued."""
        while start < stop and not self.fast:
            self.flush()
            self._slow_line(self._block.line(first + start))
            start += 1
        if start < stop:
            planned = np.flatnonzero(codes[start:stop] >= 0)
            self._queue.append((planned + (first + start), codes[start:stop][planned]))
        return stop

    def _check_text(self, data: bytes) -> None:
        """The first line holding an undecodable byte (or U+FFFD itself) is reported, once."""
        if self.problems or data.isascii():
            return
        text = data.decode("utf-8", errors="replace")
        at = text.find("\ufffd")
        if at >= 0:
            self.problems.append(Problem(NOT_UTF8, self._lines + text.count("\n", 0, at) + 1))

    def _other(self, line: int, shape: bytes, code: int) -> bool:
        """A line not looked up as planned or quiet: its shape learnt, and the line queued or passed if it may be.

        False when it must be read by the rules, after the lines before it.
        """
        if code == UNSEEN:
            code = self._by_shape.get(shape, UNSEEN)  # learnt since the slice was looked up?
        if code == UNSEEN:
            raw = self._block.line(line)
            code = self._parts(raw, shape) if b"\r" in shape else self._line_plan(self._part(raw, shape, True), 0)
            if code != UNSEEN:
                self._by_shape[shape] = code
        if not self.fast:
            return False
        if code >= 0:
            self._singles[0].append(line)
            self._singles[1].append(code)
            return True
        return code == QUIET

    def _part(self, raw: bytes, shape: bytes, last: bool) -> Plan | int:
        """The plan of a line (or a ``\\r`` part) of this shape, or QUIET, SLOW; UNSEEN until the shape has recurred."""
        key = (shape, last)
        plan = self._parts_learnt.get(key, _UNSEEN)
        if plan is _UNSEEN:
            seen = self._seen.get(key)
            if seen is None:  # seen for the first time (or past the bound on shapes kept: never learnt)
                if len(self._seen) < MAX_SHAPES:
                    self._seen[key] = 1
                return UNSEEN
            if seen + 1 < 2 + shape.count(b"0") // 2:  # learning reads the line once per number: only for shapes that recur
                self._seen[key] = seen + 1
                return UNSEEN
            plan = learn(raw, last, len(self._plans), self.points.metric_id)
            if plan is not None and not plan.quiet:
                self._add_plan(plan)
            if len(self._parts_learnt) < MAX_SHAPES:
                self._parts_learnt[key] = plan
        if plan is None or plan.quiet:
            return QUIET if plan else SLOW
        return plan

    def _line_plan(self, plan: Plan | int, runs_before: int) -> int:
        """The code of a line read by ``plan`` (or QUIET, SLOW, UNSEEN as they are)."""
        if not isinstance(plan, Plan):
            return plan
        return self._line_plans.setdefault((plan.id, runs_before), len(self._line_plans))

    def _parts(self, raw: bytes, shape: bytes) -> int:
        """A line of ``\\r`` parts (progress bars, CRLF endings): in bulk when one part at most carries something."""
        parts, shapes, runs, found = raw.split(b"\r"), shape.split(b"\r"), 0, []
        for i, (part, part_shape) in enumerate(zip(parts, shapes)):
            plan = self._part(part, part_shape, last=i == len(parts) - 1)
            found.append(plan if isinstance(plan, int) else (plan, runs))
            runs += part_shape.count(b"0")  # every 0 of a shape is a run of digits
        if UNSEEN in found:
            return UNSEEN
        carrying = [plan for plan in found if plan != QUIET]
        if not carrying:
            return QUIET
        return self._line_plan(*carrying[0]) if len(carrying) == 1 and carrying[0] != SLOW else PARTS

    def _slow_line(self, raw: bytes, newline: bool = True) -> None:
        """One line read by the rules, part by part, as the per-line reader reads it."""
        self._slow += 1
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
        if self._singles[0]:
            self._queue.append(tuple(np.array(column, np.int64) for column in self._singles))
            self._singles[0].clear(), self._singles[1].clear()
        if not self._queue:
            return
        lines, codes = (np.concatenate(column) for column in zip(*self._queue))
        self._queue.clear()
        order = np.argsort(lines, kind="stable")  # lines queued one by one came before the slices around them
        lines, codes = lines[order], codes[order]
        if len(lines) < SMALL_QUEUE:  # cheaper by the rules than through numpy, with the same rows
            for line in lines.tolist():
                self._slow_line(self._block.line(line))
            return
        line_plans = np.array(list(self._line_plans), np.intp).reshape(-1, 2)
        columns = self._plan_columns()
        ids = line_plans[codes, 0]
        width = columns["width"][ids]
        numbers = self._block.numbers(lines, line_plans[codes, 1], columns["table"], columns["rows"][ids], width)
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
            self._slow_line(self._block.line(lines[stop]))
            stop += 1
            while stop < len(ids) and not self.fast:
                self._slow_line(self._block.line(lines[stop]))
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
            taken = numbers[start[lines, None] + np.maximum(plan.sources, 0)] if len(plan.runs) else \
                np.zeros((len(lines), len(plan.metrics)))
            constant = plan.sources < 0
            taken[:, constant] = plan.constants[constant]
            values[into], metrics[into] = taken, plan.metrics
        self.points.add_arrays(self.parser.counter.segment, np.repeat(line_steps, counts), metrics, values)

    def _add_plan(self, plan: Plan) -> None:
        self._plans.append(plan)
        for name in _PLAN_COLUMNS:
            self._fields[name].append(getattr(plan, name) if name != "step_token" or plan.step == FROM_TOKEN else -1)
        self._fields["values"].append(len(plan.metrics))
        self._fields["width"].append(len(plan.runs))
        self._fields["table"].append(plan.runs)
        self._columns = None

    def _plan_columns(self) -> dict[str, np.ndarray]:
        """The plans' fields as arrays by plan id, with ``table``: every plan's runs, one after the other."""
        if self._columns is None:
            fields = self._fields
            columns = {name: np.array(fields[name], np.intp) for name in (*_PLAN_COLUMNS, "values", "width")}
            columns["rows"] = np.cumsum(columns["width"]) - columns["width"]
            if len(fields["table"]) > 1:
                fields["table"][:] = [np.concatenate(fields["table"])]
            columns["table"] = fields["table"][0] if fields["table"] else np.zeros((0, 4), np.int32)
            self._columns = columns
        return self._columns


class _Planned:
    """The planned lines of a slice (sorted), handed out in order."""

    def __init__(self, lines: np.ndarray) -> None:
        self.lines, self._at = lines, 0

    def upto(self, stop: int) -> np.ndarray:
        """Those before ``stop`` not handed out yet."""
        start = self._at
        self.skip(stop)
        return self.lines[start : self._at]

    def skip(self, stop: int) -> None:
        """Pass over those before ``stop``."""
        if self._at < len(self.lines) and self.lines[self._at] < stop:
            self._at = int(np.searchsorted(self.lines, stop))
