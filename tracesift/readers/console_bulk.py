"""The numpy side of the block reader: a block's line shapes and digit runs, numbers cut out and parsed at once."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracesift.readers.console_lines import Progress
from tracesift.readers.console_plans import DIGITS_TO_ZERO

NONE = 1 << 62
""""No such line" for :func:`first_where` and :func:`restart_at`."""


class Block:
    """Whole lines of a file (each ending in a newline), with each line's shape and where its runs of digits are."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        codes = np.frombuffer(data, np.uint8)
        digit = (codes - np.uint8(48)) < 10
        first = digit.copy()
        first[1:] &= ~digit[:-1]
        last = digit.copy()
        last[:-1] &= ~digit[1:]
        self.run_starts, self.run_ends = np.flatnonzero(first), np.flatnonzero(last) + 1
        self.shapes = codes[~digit | first].tobytes().translate(DIGITS_TO_ZERO).split(b"\n")
        self.shapes.pop()
        ends = np.flatnonzero(codes == 10)
        self.starts = np.concatenate([[0], ends[:-1] + 1])
        self.first_run = np.searchsorted(self.run_starts, self.starts)
        self._bounds = np.concatenate([self.starts, ends[-1:] + 1]).tolist()

    def __len__(self) -> int:
        return len(self.shapes)

    def line(self, number: int) -> bytes:
        """Line ``number`` of the block, without its newline."""
        return self.data[self._bounds[number] : self._bounds[number + 1] - 1]

    def numbers(self, lines: np.ndarray, run_offsets: np.ndarray, table: np.ndarray, rows: np.ndarray,
                widths: np.ndarray) -> np.ndarray:
        """The numbers of ``lines`` as doubles, line after line: line ``i``'s are ``widths[i]`` rows of ``table``
        (:attr:`~tracesift.readers.console_plans.Plan.runs` of every plan) from ``rows[i]``, its runs counted
        from the line's own first run plus ``run_offsets[i]`` (the runs of the ``\\r`` parts before)."""
        taken = table[_ranges(rows, widths)]
        base = np.repeat(self.first_run[lines] + run_offsets, widths)
        start = self.run_starts[base + taken[:, 0]] - taken[:, 1]
        lengths = self.run_ends[base + taken[:, 2]] + taken[:, 3] - start
        offsets = np.zeros(len(start) + 1, np.int32)
        np.cumsum(lengths, out=offsets[1:])
        text = np.frombuffer(self.data, np.uint8)[_ranges(start, lengths)]
        return parse_floats(pa.py_buffer(text), offsets)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``starts[0], starts[0] + 1, ... (lengths[0] of them), starts[1], ...``, as one index array."""
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)


def parse_floats(text: pa.Buffer, offsets: np.ndarray) -> np.ndarray:
    """The numbers written one after the other in ``text`` (number ``i`` at ``offsets[i]:offsets[i + 1]``).

    Arrow's parse gives the double ``float()`` gives for every decimal text (both round correctly).
    """
    strings = pa.Array.from_buffers(pa.string(), len(offsets) - 1, [None, pa.py_buffer(offsets), text])
    try:
        return pc.cast(strings, pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.array([float(s) for s in strings.to_pylist()], np.float64)


def first_where(lines: np.ndarray, bad: np.ndarray) -> int:
    """The first of ``lines`` where ``bad``, or :data:`NONE`."""
    return int(lines[np.argmax(bad)]) if bad.any() else NONE


def restart_at(progress: Progress, values: np.ndarray, lines: np.ndarray) -> int:
    """The first of ``lines`` whose value restarts ``progress`` (:meth:`Progress.restarted_by`), or :data:`NONE`."""
    if not len(values):
        return NONE
    first, last, skip = progress.first, progress.last, 0
    if first is None:
        first, last, skip = values[0], values[0], 1
    try:
        before = np.concatenate([np.array([last], values.dtype), values[skip:-1]])
        restarted = (before > first) & (values[skip:] <= first)
    except OverflowError:  # a counter outside int64, from a line the rules read: let them read on
        return int(lines[0])
    return int(lines[skip + np.argmax(restarted)]) if restarted.any() else NONE


def advance(progress: Progress, values: list) -> None:
    """``progress`` after ``values`` that restart nothing."""
    if values:
        if progress.first is None:
            progress.first = values[0]
        progress.last = values[-1]


def upto(lines: np.ndarray, values: np.ndarray, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``lines`` (sorted) before ``stop``, with their values."""
    n = int(np.searchsorted(lines, stop))
    return lines[:n], values[:n]
