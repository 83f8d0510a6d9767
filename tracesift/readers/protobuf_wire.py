"""A minimal protocol-buffer wire decoder: enough to read TensorBoard and W&B records.

No generated classes and no ``protobuf`` dependency: a message is walked field by
field and the caller picks the field numbers it knows. Unknown fields are skipped,
which is what protobuf itself does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")


class WireError(ValueError):
    """The bytes are not a well-formed protocol-buffer message."""


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode a varint at ``pos``; return (value, position after it)."""
    result = shift = 0
    while True:
        try:
            byte = buf[pos]
        except IndexError:
            raise WireError("varint runs past the end of the message") from None
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")


def iter_fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field_number, wire_type, value)`` for each field of a message.

    ``value`` is an int for varints, and the raw bytes for the other wire types
    (8 bytes for fixed64, 4 for fixed32, the payload for length-delimited).
    """
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire == LENGTH:
            size, pos = read_varint(buf, pos)
            if pos + size > end:
                raise WireError(f"field {number} claims {size} bytes, only {end - pos} left")
            value, pos = buf[pos : pos + size], pos + size
        elif wire == FIXED64:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == FIXED32:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise WireError(f"unsupported wire type {wire} in field {number}")
        if pos > end:
            raise WireError(f"field {number} runs past the end of the message")
        yield number, wire, value


def as_double(raw: bytes) -> float:
    return _DOUBLE.unpack(raw)[0]


def as_float(raw: bytes) -> float:
    return _FLOAT.unpack(raw)[0]


def as_signed(value: int) -> int:
    """Reinterpret a varint as a two's-complement int64 (protobuf ``int64``)."""
    return value - (1 << 64) if value >= 1 << 63 else value
