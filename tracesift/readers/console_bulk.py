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
        other = ~digit
        edge = np.empty_like(digit)  # the first digit of each run, then the last
        edge[:1] = digit[:1]
        np.logical_and(digit[1:], other[:-1], out=edge[1:])
        self.run_starts = np.flatnonzero(edge)
        np.logical_or(other, edge, out=other)  # a run's first digit stands for the run in the shape
        self.shapes = codes[other].tobytes().translate(DIGITS_TO_ZERO).split(b"\n")
        np.logical_and(digit[:-1], ~digit[1:], out=edge[:-1])
        edge[-1:] = digit[-1:]
        self.run_ends = np.flatnonzero(edge) + 1
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
        bounds = np.empty(2 * len(taken), np.int64)  # number i at bounds[2i]:bounds[2i + 1], in the order of the block
        bounds[0::2] = self.run_starts[base + taken[:, 0]] - taken[:, 1]
        bounds[1::2] = self.run_ends[base + taken[:, 2]] + taken[:, 3]
        return parse_floats(self.data, bounds)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``starts[0], starts[0] + 1, ... (lengths[0] of them), starts[1], ...``, as one index array."""
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)


def parse_floats(data: bytes, bounds: np.ndarray) -> np.ndarray:
    """The numbers at ``data[bounds[2i]:bounds[2i + 1]]`` (in order, not overlapping) as doubles.

    Parsed in place by one Arrow cast: a string array over ``data`` whose entries are the numbers
    and, as nulls (never parsed), the text between them. Arrow's parse gives the double ``float()``
    gives for every decimal text (both round correctly).
    """
    if not len(bounds):
        return np.zeros(0)
    large = len(data) >= 1 << 31
    offsets = bounds.astype(np.int64 if large else np.int32)
    count = len(offsets) - 1
    valid = np.full((count + 7) // 8, 0x55, np.uint8)  # entries 0, 2, 4, ... are numbers
    strings = pa.Array.from_buffers(pa.large_string() if large else pa.string(), count,
                                    [pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(data)])
    try:
        return pc.cast(strings, pa.float64()).to_numpy(zero_copy_only=False)[0::2]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.array([float(data[a:b]) for a, b in zip(bounds[0::2].tolist(), bounds[1::2].tolist())])


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
