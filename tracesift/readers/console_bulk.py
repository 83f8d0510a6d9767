"""The numpy side of the block reader: numbers cut out of a block by position and parsed at once, counters moved in bulk."""

from __future__ import annotations

from array import array

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracesift.readers.console_lines import Progress

NONE = 1 << 62
""""No such line" for :func:`first_where` and :func:`restart_at`."""


class Entries:
    """The exact skeletons met, each a plan and where that plan's numbers are in a line of that skeleton."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.plan, self.first, self.width = array("i"), array("i"), array("i")
        self.starts, self.ends = array("i"), array("i")

    def add(self, plan: int, spans: list[tuple[int, int]]) -> int:
        self.plan.append(plan)
        self.first.append(len(self.starts))
        self.width.append(len(spans))
        self.starts.extend(start for start, _ in spans)
        self.ends.extend(end for _, end in spans)
        return len(self.plan) - 1

    def __len__(self) -> int:
        return len(self.plan)

    def numbers(self, block: bytes, line_starts: np.ndarray, lines: np.ndarray, entries: np.ndarray) -> np.ndarray:
        """The numbers of ``lines`` (of the block, looked up as ``entries``), in order, as doubles."""
        width = np.frombuffer(self.width, np.int32)[entries]
        taken = _ranges(np.frombuffer(self.first, np.int32)[entries], width)
        at = np.repeat(line_starts[lines], width) + np.frombuffer(self.starts, np.int32)[taken]
        lengths = np.frombuffer(self.ends, np.int32)[taken] - np.frombuffer(self.starts, np.int32)[taken]
        offsets = np.zeros(len(at) + 1, np.int32)
        np.cumsum(lengths, out=offsets[1:])
        text = np.frombuffer(block, np.uint8)[_ranges(at, lengths)]
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
