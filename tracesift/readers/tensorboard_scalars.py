"""Scalars out of serialized TensorBoard ``Event`` messages.

Two paths give the same rows. Records with the byte layout that ``add_scalar``
writes for a one-value summary come decoded by :mod:`tensorboard_layout`
(numpy, all records of a file at once); every other record goes through a plain
protobuf walk here.

Field numbers are those of tensorboard's ``event.proto``, ``summary.proto`` and
``tensor.proto``.
"""

from __future__ import annotations

import struct

import numpy as np

from tracesift.readers.base import Problem
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
from tracesift.readers.tensorboard_layout import OneValue

MALFORMED = (ValueError, struct.error, OverflowError)
"""What decoding raises on bytes that are not the message they claim to be (WireError is a ValueError)."""

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


def decode(data: bytes, starts: np.ndarray, lengths: np.ndarray, fast: OneValue,
           problems: list[Problem]) -> Scalars:
    """The scalars of the records whose data start at ``starts``; ``fast`` holds those already decoded.

    A record whose content is not a well-formed ``Event`` (it passed its CRC, so it was written
    so) is skipped and named in ``problems`` with the offset of its record header.
    """
    found = Scalars()
    tag_ids = np.array([found.tag_id(tag) for tag in fast.tags], dtype=np.int32)
    found.add(fast.index, fast.step, tag_ids[fast.tag], fast.value, fast.wall_time)
    rest = np.ones(len(starts), dtype=bool)
    rest[fast.index] = False
    records, steps, tags, values, wall_times = [], [], [], [], []
    for index in np.flatnonzero(rest).tolist():
        start = int(starts[index])
        try:
            event = decode_event(data[start : start + int(lengths[index])])
        except MALFORMED as exc:
            problems.append(Problem(f"record content is not a valid Event ({exc}): record skipped", start - 12))
            continue
        for step, tag, value, wall_time in event:
            records.append(index)
            steps.append(step)
            tags.append(found.tag_id(tag))
            values.append(value)
            wall_times.append(wall_time)
    found.add(records, steps, tags, values, wall_times)
    return found


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
