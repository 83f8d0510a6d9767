"""TFRecord framing: where each record's data start, checked against both CRCs.

A record is ``uint64 length``, ``uint32 masked CRC-32C of the length``, ``length``
bytes, ``uint32 masked CRC-32C of the data``. Where the next record is depends
on this one's length, so framing is a walk; but event files repeat a short
pattern of lengths (one record per tag, step after step). ``frame`` walks a few
records one by one, finds the period of their lengths, and then takes whole
runs of records at once with numpy: it predicts where the next records start
from the pattern and keeps the longest prefix whose lengths, read at those
offsets, are the predicted ones and fit in the file. Each kept record is then
exactly the one the walk would have reached (its length was read where the
walk would read it), so the result is the walk's, problems included.

``verified`` then checks both CRCs (``lengths_verified``, then ``data_verified``,
which takes the data CRCs a caller has computed another way).
"""

from __future__ import annotations

import struct

import numpy as np

from tracesift.readers.base import Problem
from tracesift.readers.byte_views import words
from tracesift.readers.crc32c import masked_crc32c, masked_crc32c_many

HEADER = struct.Struct("<QI")
WALK = 64
"""Records read one by one before each guess (enough to see a period of up to WALK // 2 records)."""
MAX_WALK = 4096
"""Where no pattern holds, the walk between guesses doubles up to this many records."""
LEAP = 1 << 16
"""The most records guessed at once."""


def frame(data: bytes, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and lengths of each record, up to the first frame that does not fit."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    starts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    pos, limit, done = 0, WALK, False
    while not done:
        walked_starts, walked_lengths, pos, done = walk(data, pos, limit, problems)
        starts.append(np.array(walked_starts, dtype=np.int64))
        lengths.append(np.array(walked_lengths, dtype=np.int64))
        pattern = None if done else period(walked_lengths[-WALK:])
        if pattern is None:
            limit = min(limit * 2, MAX_WALK)  # no pattern: guess less often
            continue
        leapt_starts, leapt_lengths, pos = leap(buffer, pos, np.array(pattern, dtype=np.int64))
        starts.append(leapt_starts)
        lengths.append(leapt_lengths)
        limit = WALK if len(leapt_starts) >= WALK else min(limit * 2, MAX_WALK)
    return np.concatenate(starts), np.concatenate(lengths)


def walk(data: bytes, pos: int, limit: int | None, problems: list[Problem]) -> tuple[list[int], list[int], int, bool]:
    """Up to ``limit`` records one by one from ``pos``: (starts, lengths, next position, whether the file ended)."""
    size = len(data)
    starts: list[int] = []
    lengths: list[int] = []
    unpack = HEADER.unpack_from
    while pos + 12 <= size:
        if len(starts) == limit:
            return starts, lengths, pos, False
        length, length_crc = unpack(data, pos)
        end = pos + 12 + length + 4
        if end > size:
            if masked_crc32c(data[pos : pos + 8]) != length_crc:
                problems.append(Problem("record length fails its CRC: not an event file past here", pos))
            else:
                problems.append(Problem(f"truncated record: {end - size} bytes missing at the end", pos))
            return starts, lengths, pos, True
        starts.append(pos)
        lengths.append(length)
        pos = end
    if pos != size:
        problems.append(Problem(f"truncated record header: {size - pos} stray bytes at the end", pos))
    return starts, lengths, pos, True


def period(lengths: list[int]) -> list[int] | None:
    """The shortest pattern whose last two repeats end ``lengths``, in the order it continues; None if none."""
    for size in range(1, len(lengths) // 2 + 1):
        if lengths[-size:] == lengths[-2 * size : -size]:
            return lengths[-size:]
    return None


def leap(buffer: np.ndarray, pos: int, pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The records from ``pos`` on that follow ``pattern``: (starts, lengths, next position)."""
    starts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    period = len(pattern)
    count = period * max(1, WALK // period)
    while True:
        guess = np.tile(pattern, count // period)
        ends = np.cumsum(guess + 16)
        ends += pos
        first = ends - guess - 16
        fits = ends <= len(buffer)
        ok = fits & (u64(buffer, np.where(fits, first, 0)) == guess.astype(np.uint64))
        kept = count if ok.all() else int(np.argmin(ok))
        starts.append(first[:kept])
        lengths.append(guess[:kept])
        pos = int(ends[kept - 1]) if kept else pos
        if kept < count:
            return np.concatenate(starts), np.concatenate(lengths), pos
        count = min(count * 4, period * max(1, LEAP // period))  # each guess that holds guesses further


def u64(buffer: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Little-endian uint64 at each position."""
    return words(buffer, "<u8")[positions]


def u32(buffer: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Little-endian uint32 at each position."""
    return words(buffer, "<u4")[positions]


def verified(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
             problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Data offsets and lengths of the records whose CRCs hold: cut at a bad length, skip bad data."""
    starts, lengths = lengths_verified(buffer, starts, lengths, problems)
    good = data_verified(buffer, starts, lengths, problems)
    return starts[good] + 12, lengths[good]


def lengths_verified(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                     problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """The records up to the first whose length fails its CRC (nothing after it can be trusted)."""
    length_ok = _lengths_ok(buffer, starts, lengths)
    if not length_ok.all():
        cut = int(np.argmin(length_ok))
        problems.append(Problem("record length fails its CRC: not an event file past here", int(starts[cut])))
        starts, lengths = starts[:cut], lengths[:cut]
    return starts, lengths


def data_verified(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, problems: list[Problem],
                  known: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Which records' data pass their CRC (a problem for each that does not).

    ``known`` is ``(indices, masked CRCs)`` of records whose CRCs the caller has computed already.
    """
    stored = u32(buffer, starts + 12 + lengths)
    crcs = np.zeros(len(starts), dtype=np.uint32)
    todo = np.ones(len(starts), dtype=bool)
    if known is not None:
        crcs[known[0]] = known[1]
        todo[known[0]] = False
    order = np.flatnonzero(todo)
    order = order[np.argsort(lengths[order], kind="stable")]
    for group in np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1) if len(order) else []:
        crcs[group] = masked_crc32c_many(buffer, starts[group] + 12, int(lengths[group[0]]))
    good = crcs == stored
    for bad in np.flatnonzero(~good).tolist():
        problems.append(Problem("record data fails its CRC: record skipped", int(starts[bad])))
    return good


def _lengths_ok(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Whether each record's length matches its CRC: one CRC per distinct length, compared with numpy."""
    ordered = np.sort(lengths)  # then look each up: np.unique's inverse sorts stably, ten times slower
    first = np.ones(min(len(ordered), 1), dtype=bool)  # the first length is new; no lengths, no first
    distinct = ordered[np.concatenate((first, ordered[1:] != ordered[:-1]))]
    expected = np.array([masked_crc32c(struct.pack("<Q", n)) for n in distinct.tolist()], dtype=np.uint32)
    return expected[np.searchsorted(distinct, lengths)] == u32(buffer, starts + 8)
