"""Scalars out of serialized TensorBoard ``Event`` messages.

Two paths give the same rows. The fast path recognises, with numpy, the byte
layout that ``add_scalar`` writes for a one-value summary (``Event{wall_time,
step, summary{value{tag, simple_value}}}``) across all records of one length at
once. Every record it does not recognise goes through a plain protobuf walk.

Field numbers are those of tensorboard's ``event.proto``, ``summary.proto`` and
``tensor.proto``.
"""

from __future__ import annotations

import struct

import numpy as np

from tracesift.readers.base import Problem
from tracesift.readers.byte_views import rows, words
from tracesift.readers.protobuf_wire import (
    FIXED32,
    FIXED64,
    LENGTH,
    VARINT,
    as_double,
    as_float,
    as_signed,
    iter_fields,
    read_varint,
)

MALFORMED = (ValueError, struct.error, OverflowError)
"""What decoding raises on bytes that are not the message they claim to be (WireError is a ValueError)."""
MIN_FIXED_LAYOUT = 21
"""The shortest record the fast path's layout fits: wall time, an empty summary header, a 1-byte tag, a value."""

# Event
WALL_TIME, STEP, SUMMARY = 1, 2, 5
# Summary / Summary.Value / SummaryMetadata / PluginData
VALUE = 1
TAG, SIMPLE_VALUE, METADATA, TENSOR = 1, 2, 9, 8
PLUGIN_DATA, PLUGIN_NAME, DATA_CLASS = 1, 1, 4
DATA_CLASS_SCALAR = 1
# TensorProto
DTYPE, SHAPE, CONTENT, FLOAT_VAL, DOUBLE_VAL, INT_VAL, INT64_VAL, HALF_VAL = 1, 2, 4, 5, 6, 7, 10, 13
DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_HALF, DT_BFLOAT16 = 1, 2, 3, 9, 19, 14
SHAPE_DIM = 2


class Scalars:
    """Scalars found so far, each tagged with the index of the record it came from."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.tags: list[str] = []
        self._tag_ids: dict[str, int] = {}

    def tag_id(self, tag: str) -> int:
        if tag not in self._tag_ids:
            self._tag_ids[tag] = len(self.tags)
            self.tags.append(tag)
        return self._tag_ids[tag]

    def add(self, record, step, tag_id, value, wall_time) -> None:
        self.parts.append(
            (
                np.asarray(record, dtype=np.int64),
                np.asarray(step, dtype=np.int64),
                np.asarray(tag_id, dtype=np.int32),
                np.asarray(value, dtype=np.float64),
                np.asarray(wall_time, dtype=np.float64),
            )
        )

    def in_file_order(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(step, tag_id, value, wall_time), sorted by record as they appear in the file."""
        if not self.parts:
            empty = np.array([], dtype=np.int64)
            return empty, empty.astype(np.int32), empty.astype(np.float64), empty.astype(np.float64)
        record, step, tag_id, value, wall_time = (np.concatenate(column) for column in zip(*self.parts))
        order = np.argsort(record, kind="stable")
        return step[order], tag_id[order], value[order], wall_time[order]


def decode(data: bytes, buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
           problems: list[Problem]) -> Scalars:
    """The scalars of the records whose data start at ``starts``.

    A record whose content is not a well-formed ``Event`` (it passed its CRC, so it was written
    so) is skipped and named in ``problems`` with the offset of its record header.
    """
    found = Scalars()
    rest = fast_path(buffer, starts, lengths, found)
    records, steps, tag_ids, values, wall_times = [], [], [], [], []
    for index in rest.tolist():
        start = int(starts[index])
        try:
            event = decode_event(data[start : start + int(lengths[index])])
        except MALFORMED as exc:
            problems.append(Problem(f"record content is not a valid Event ({exc}): record skipped", start - 12))
            continue
        for step, tag, value, wall_time in event:
            records.append(index)
            steps.append(step)
            tag_ids.append(found.tag_id(tag))
            values.append(value)
            wall_times.append(wall_time)
    found.add(records, steps, tag_ids, values, wall_times)
    return found


def fast_path(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, found: Scalars) -> np.ndarray:
    """Decode the records that have the one-``simple_value`` layout, all at once.

    That layout is ``09 <f64 wall_time> [10 <varint step>] 2a <n> 0a <n> 0a <n>
    <tag> 15 <f32 value>``: once a record's length and the width of its step
    varint are known, every offset in it is fixed, so each check and each field
    is one numpy operation over every record of the file. Returns the indices of
    the records it left alone, in file order.
    """
    last = len(buffer) - 1

    def byte(at: np.ndarray) -> np.ndarray:  # a record too short for the layout reads past itself: ruled out anyway
        return buffer[np.minimum(at, last)]

    has_step = byte(starts + 9) == 0x10
    width = np.where(has_step, _varint_width(buffer, starts + 10), 0)
    offset = 9 + has_step + width  # where the summary starts
    tag_length = lengths - offset - 11
    fits = (lengths >= MIN_FIXED_LAYOUT) & (tag_length >= 1) & (lengths - offset - 2 <= 127) & (byte(starts) == 0x09)
    summary = starts + offset
    for position, expected in ((0, 0x2A), (1, lengths - offset - 2), (2, 0x0A), (3, lengths - offset - 4), (4, 0x0A),
                               (5, tag_length)):
        fits &= byte(summary + position) == expected
    fits &= byte(starts + lengths - 5) == 0x15
    chosen = np.flatnonzero(fits)
    at, width, tag_length = starts[chosen], width[chosen], tag_length[chosen]
    step_bytes = rows(buffer, at + 10, int(width.max(initial=0)))
    step_bytes[np.arange(step_bytes.shape[1]) >= width[:, None]] = 0  # a shorter varint's bytes past its end
    tag_ids = _tag_ids(buffer, at + offset[chosen] + 6, tag_length, found)
    values = words(buffer, "<f4")[at + lengths[chosen] - 4]
    found.add(chosen, _varint_values(step_bytes), tag_ids, values, words(buffer, "<f8")[at + 1])
    return np.flatnonzero(~fits)


def _varint_width(buffer: np.ndarray, at: np.ndarray) -> np.ndarray:
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


def _varint_values(matrix: np.ndarray) -> np.ndarray:
    value = np.zeros(len(matrix), dtype=np.uint64)
    for byte in range(matrix.shape[1]):
        value |= (matrix[:, byte] & 0x7F).astype(np.uint64) << np.uint64(7 * byte)
    return value.view(np.int64)


def _tag_ids(buffer: np.ndarray, at: np.ndarray, length: np.ndarray, found: Scalars) -> np.ndarray:
    """The tag id of each tag of ``length[i]`` bytes at ``at[i]``: tags of one length are told apart by content."""
    ids = np.zeros(len(at), dtype=np.int32)
    order = np.argsort(length, kind="stable")
    bounds = np.flatnonzero(np.diff(length[order])) + 1
    for members in np.split(order, bounds) if len(order) else []:
        size = int(length[members[0]])
        tags = rows(buffer, at[members], size)
        codes, firsts = distinct_rows(tags)
        names = [bytes(tags[i]).decode("utf-8", errors="replace") for i in firsts]
        ids[members] = np.array([found.tag_id(name) for name in names], dtype=np.int32)[codes]
    return ids


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


def decode_event(event: bytes) -> list[tuple[int, str, float, float | None]]:
    """(step, tag, value, wall_time) for each scalar in one serialized ``Event``."""
    wall_time, step, summaries = None, 0, []
    for number, wire, value in iter_fields(event):
        if number == WALL_TIME and wire == FIXED64:
            wall_time = as_double(value)
        elif number == STEP and wire == VARINT:
            step = as_signed(value)
        elif number == SUMMARY and wire == LENGTH:
            summaries.append(value)
    found = []
    for summary in summaries:
        for number, wire, value in iter_fields(summary):
            if number == VALUE and wire == LENGTH:
                tag_value = _scalar(value)
                if tag_value is not None:
                    found.append((step, tag_value[0], tag_value[1], wall_time))
    return found


def _scalar(value: bytes) -> tuple[str, float] | None:
    """(tag, number) of a ``Summary.Value`` holding a scalar, else None."""
    tag, simple, tensor, is_scalar_plugin = "", None, None, False
    for number, wire, field in iter_fields(value):
        if number == TAG and wire == LENGTH:
            tag = field.decode("utf-8", errors="replace")
        elif number == SIMPLE_VALUE and wire == FIXED32:
            simple = as_float(field)
        elif number == TENSOR and wire == LENGTH:
            tensor = field
        elif number == METADATA and wire == LENGTH:
            is_scalar_plugin = _is_scalar_metadata(field)
    if simple is not None:
        return tag, simple
    if tensor is not None and is_scalar_plugin:
        number = _tensor_scalar(tensor)
        if number is not None:
            return tag, number
    return None


def _is_scalar_metadata(metadata: bytes) -> bool:
    for number, wire, field in iter_fields(metadata):
        if number == DATA_CLASS and field == DATA_CLASS_SCALAR:
            return True
        if number == PLUGIN_DATA and wire == LENGTH:
            for inner, _, name in iter_fields(field):
                if inner == PLUGIN_NAME and name == b"scalars":
                    return True
    return False


_CONTENT_DTYPES = {DT_FLOAT: "<f4", DT_DOUBLE: "<f8", DT_INT32: "<i4", DT_INT64: "<i8", DT_HALF: "<f2"}


def _tensor_scalar(tensor: bytes) -> float | None:
    """The single number a scalar ``TensorProto`` holds, from whichever field holds it."""
    dtype, fields = DT_FLOAT, {}
    for number, wire, field in iter_fields(tensor):
        if number == DTYPE:
            dtype = field
        elif number == SHAPE and wire == LENGTH:
            if any(inner == SHAPE_DIM for inner, _, _ in iter_fields(field)):
                return None  # not a rank-0 tensor
        else:
            fields[number] = field
    if isinstance(fields.get(CONTENT), bytes) and dtype in _CONTENT_DTYPES:
        values = np.frombuffer(fields[CONTENT], dtype=_CONTENT_DTYPES[dtype])
        return float(values[0]) if len(values) == 1 else None
    if FLOAT_VAL in fields:
        return as_float(fields[FLOAT_VAL][:4]) if isinstance(fields[FLOAT_VAL], bytes) else None
    if DOUBLE_VAL in fields:
        return as_double(fields[DOUBLE_VAL][:8]) if isinstance(fields[DOUBLE_VAL], bytes) else None
    for number in (INT_VAL, INT64_VAL):
        if number in fields:
            field = fields[number]
            return float(read_varint(field, 0)[0] if isinstance(field, bytes) else as_signed(field))
    if HALF_VAL in fields:
        bits = read_varint(fields[HALF_VAL], 0)[0] if isinstance(fields[HALF_VAL], bytes) else fields[HALF_VAL]
        view = np.array([bits], dtype=np.uint16).view(np.float16 if dtype == DT_HALF else np.uint16)
        return float(view[0]) if dtype == DT_HALF else _bfloat16(bits)
    return None


def _bfloat16(bits: int) -> float:
    return float(np.array([bits << 16], dtype=np.uint32).view(np.float32)[0])
