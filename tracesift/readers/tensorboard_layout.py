"""The byte layout ``add_scalar`` writes for a one-value ``Event``, found in every record of a file at once.

The layout is ``09 <f64 wall_time> [10 <varint step>] 2a <n> 0a <n> 0a <n> <tag>
15 <f32 value>`` (``Event{wall_time, step, summary{value{tag, simple_value}}}``;
proto3 leaves out step 0). Once a record's length and the width of its step
varint are known, every offset in it is fixed, so each check and each field is
one numpy operation over all the records of a file, whatever their lengths.

Every byte of a record that fits is then either a field (wall time, step, value)
or known: a fixed byte of the layout, or a tag byte equal to those of the first
record with that tag. So each record's CRC is its template's (the first record
of its tag and layout, with zero fields) corrected by one table lookup per field
byte: checking the CRCs reads no record a second time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.readers.byte_views import rows
from tracesift.readers.crc32c import crc32c_python, masked_crc32c_columns

MIN_LENGTH = 21
"""The shortest record the layout fits: wall time, an empty summary header, a 1-byte tag, a value."""
WALL_TIME_AT, STEP_AT = 1, 10


@dataclass
class OneValue:
    """The records that have the layout: which (indices into the record arrays), their fields and CRCs."""

    index: np.ndarray
    step: np.ndarray
    value: np.ndarray
    wall_time: np.ndarray
    tag: np.ndarray
    """per record, an index into ``tags``"""
    tags: list[str]
    crc: np.ndarray
    """masked CRC-32C of each record's data, as its header should hold it"""

    def kept(self, keep: np.ndarray) -> OneValue:
        """These records among the records that ``keep`` (a mask over all of them) keeps, indexed as those."""
        mine = keep[self.index]
        index = np.cumsum(keep)[self.index[mine]] - 1
        return OneValue(index, self.step[mine], self.value[mine], self.wall_time[mine], self.tag[mine], self.tags,
                        self.crc[mine])


def find(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> OneValue:
    """The records (data at ``starts``, ``lengths`` long) that have the layout, decoded, with their CRCs."""
    last = len(buffer) - 1

    def byte(at: np.ndarray) -> np.ndarray:  # a record too short for the layout reads past itself: ruled out anyway
        return buffer[np.minimum(at, last)]

    has_step = byte(starts + STEP_AT - 1) == 0x10
    width = np.where(has_step, varint_width(buffer, starts + STEP_AT), 0)
    offset = 9 + has_step + width  # where the summary starts
    tag_length = lengths - offset - 11
    fits = (lengths >= MIN_LENGTH) & (tag_length >= 1) & (lengths - offset - 2 <= 127) & (byte(starts) == 0x09)
    summary = starts + offset
    for position, expected in ((0, 0x2A), (1, lengths - offset - 2), (2, 0x0A), (3, lengths - offset - 4), (4, 0x0A),
                               (5, tag_length)):
        fits &= byte(summary + position) == expected
    fits &= byte(starts + lengths - 5) == 0x15
    index = np.flatnonzero(fits)
    at, length, width, offset = starts[index], lengths[index], width[index], offset[index]
    step_bytes = rows(buffer, at + STEP_AT, int(width.max(initial=0)))
    step_bytes[np.arange(step_bytes.shape[1]) >= width[:, None]] = 0  # a shorter varint's bytes past its end
    tag, tags = _tag_codes(buffer, at + offset + 6, tag_length[index])
    wall_bytes = rows(buffer, at + WALL_TIME_AT, 8)
    value_bytes = rows(buffer, at + length - 4, 4)
    crc = _crcs(buffer, at, length, tag * 32 + offset, wall_bytes, step_bytes, width, value_bytes)
    return OneValue(index, varint_values(step_bytes), value_bytes.view("<f4")[:, 0].astype(np.float64),
                    wall_bytes.view("<f8")[:, 0], tag, tags, crc)


def _crcs(buffer: np.ndarray, at: np.ndarray, length: np.ndarray, code: np.ndarray, wall_bytes: np.ndarray,
          step_bytes: np.ndarray, width: np.ndarray, value_bytes: np.ndarray) -> np.ndarray:
    """The masked CRC of each record: its template's (the first record of its ``code``, with the field bytes
    that vary in the file zero) corrected by a lookup per such byte. Field bytes that are the same in every
    record stay in the templates (the high bytes of wall times, mostly) and cost nothing."""
    if len(code) == 0:
        return np.zeros(0, dtype=np.uint32)
    columns = [(WALL_TIME_AT + k, wall_bytes[:, k]) for k in _varying_bytes(wall_bytes.view("<u8")[:, 0])]
    columns += [(STEP_AT + k, step_bytes[:, k]) for k in np.flatnonzero((step_bytes != step_bytes[:1]).any(axis=0))]
    columns += [(k - 4, value_bytes[:, k]) for k in _varying_bytes(value_bytes.view("<u4")[:, 0])]
    inverse, first = first_of_each(code)
    templates = np.zeros(len(first), dtype=np.uint32)
    for k, i in enumerate(first.tolist()):
        record = bytearray(buffer[at[i] : at[i] + length[i]].tobytes())
        for position, _ in columns:  # past its varint, a record's bytes are its summary's
            if not STEP_AT + width[i] <= position < STEP_AT + step_bytes.shape[1]:
                record[position] = 0
        templates[k] = crc32c_python(bytes(record))
    return masked_crc32c_columns(templates[inverse], length, columns)


def first_of_each(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For codes (small non-negative ints): each one's rank among the distinct codes, and the first index of each.

    Counting rather than sorting: ``np.unique`` with indices sorts stably, ten times slower here.
    """
    present = np.flatnonzero(np.bincount(code))
    rank = np.zeros(len(present) and int(present[-1]) + 1, dtype=np.int64)
    rank[present] = np.arange(len(present))
    inverse = rank[code]
    first = np.full(len(present), len(code), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(code)))
    return inverse, first


def _varying_bytes(words: np.ndarray) -> list[int]:
    """Which bytes of these little-endian words are not the same in all of them."""
    differ = int(np.bitwise_or.reduce(words ^ words[0]))
    return [k for k in range(words.dtype.itemsize) if differ >> (8 * k) & 0xFF]


def varint_width(buffer: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many bytes the varint at each position takes (capped at 10)."""
    width = np.ones(len(at), dtype=np.int64)
    going = np.ones(len(at), dtype=bool)
    limit = len(buffer) - 1
    for byte in range(10):
        going &= buffer[np.minimum(at + byte, limit)] >= 0x80
        if not going.any():
            break
        width += going
    return width


def varint_values(matrix: np.ndarray) -> np.ndarray:
    """The varint in each row of ``matrix`` (its bytes, zero past its end), as int64."""
    value = np.zeros(len(matrix), dtype=np.uint64)
    for byte in range(matrix.shape[1]):
        value |= (matrix[:, byte] & 0x7F).astype(np.uint64) << np.uint64(7 * byte)
    return value.view(np.int64)


def _tag_codes(buffer: np.ndarray, at: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """A code for each tag of ``length[i]`` bytes at ``at[i]``, and the tag of each code (tags of one length
    are told apart by content)."""
    codes = np.zeros(len(at), dtype=np.int64)
    tags: list[str] = []
    order = np.argsort(length.astype(np.uint8), kind="stable")  # under 128 bytes (the layout's limit): a radix sort
    for members in np.split(order, np.flatnonzero(np.diff(length[order])) + 1) if len(order) else []:
        matrix = rows(buffer, at[members], int(length[members[0]]))
        which, firsts = distinct_rows(matrix)
        codes[members] = len(tags) + which
        tags += [bytes(matrix[i]).decode("utf-8", errors="replace") for i in firsts]
    return codes, tags


def distinct_rows(matrix: np.ndarray, few: int = 8) -> tuple[np.ndarray, list[int]]:
    """A code for each row of ``matrix`` by its content, and the first row of each code.

    The rows hold few distinct tags: each takes one comparison of the rows left
    (none at all when every row is the first); past ``few`` of them, the rest are
    sorted instead.
    """
    if (matrix == matrix[:1]).all():
        return np.zeros(len(matrix), dtype=np.int64), [0] if len(matrix) else []
    codes = np.zeros(len(matrix), dtype=np.int64)
    firsts: list[int] = []
    left = np.arange(len(matrix))
    while len(left) and len(firsts) < few:
        same = (matrix[left] == matrix[left[0]]).all(axis=1)
        codes[left[same]] = len(firsts)
        firsts.append(int(left[0]))
        left = left[~same]
    if len(left):
        rest = np.ascontiguousarray(matrix[left]).view(f"V{matrix.shape[1]}")[:, 0]
        _, first, inverse = np.unique(rest, return_index=True, return_inverse=True)
        codes[left] = len(firsts) + inverse.reshape(-1)
        firsts += left[first].tolist()
    return codes, firsts
