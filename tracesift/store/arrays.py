"""Arrow arrays built from numpy buffers and small lists, without pyarrow's pandas shim.

The first ``pa.array`` call of a process (of a list or of a numpy array), like
``pa.scalar`` or ``Array.to_numpy``, asks pyarrow's pandas shim whether the
value is a pandas object, and the shim imports pandas to find out when pandas is
installed: 0.25-0.5 s of CPU, a third of a whole event-file ingest, for arrays
that are never pandas objects. ``Array.from_buffers`` asks nothing, so numpy
arrays go through it (no copy), and so do short lists of plain values while
pandas is not imported; a long list goes through ``pa.array``, which converts it
several times faster than Python can and leaves the import a small share of the work.
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa

SHORT = 1024
"""Lists up to this long are converted here (until pandas is imported anyway); longer ones by ``pa.array``."""
MAX_OFFSET = (1 << 31) - 1
"""The most bytes a ``string`` array holds (its offsets are int32)."""
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
EXACT_FLOAT = 1 << 53
"""Integers up to this size convert to float64 exactly, as ``pa.array`` requires."""

_NUMPY_TYPES = {pa.int64(): np.int64, pa.int32(): np.int32, pa.float64(): np.float64, pa.float32(): np.float32}


def from_numpy(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    """A one-dimensional numpy array as an Arrow array of ``type_`` (int32/64, float32/64, bool), no nulls.

    The values are converted to ``type_``'s numpy dtype first (a copy only when they are of another);
    otherwise the Arrow array shares their memory, so they must not change afterwards.
    """
    if type_ == pa.bool_():
        bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
        return pa.Array.from_buffers(type_, len(values), [None, pa.py_buffer(bits)])
    values = np.ascontiguousarray(values, dtype=_NUMPY_TYPES[type_])
    return pa.Array.from_buffers(type_, len(values), [None, pa.py_buffer(values)])


def from_list(values: list, type_: pa.DataType) -> pa.Array:
    """``values`` (None for a null) as an Arrow array of ``type_``, the same array ``pa.array`` makes.

    Lists longer than ``SHORT``, other types, and values that ``pa.array`` would convert or
    refuse (a number in a text column, a float in an integer one) go to ``pa.array``.
    """
    build = _BUILDERS.get(type_)
    short = len(values) <= SHORT and not _pandas_imported()  # once it is, pa.array costs nothing more
    built = build(values) if build is not None and short else None
    return built if built is not None else pa.array(values, type_)


def _pandas_imported() -> bool:
    return "pandas" in sys.modules


def repeated_string(value: str, n: int) -> pa.Array:
    """A ``string`` array of ``value`` ``n`` times, from two buffers (no per-row work)."""
    encoded = value.encode()
    if len(encoded) * n > MAX_OFFSET:
        raise OverflowError(f"{n} copies of a {len(encoded)}-byte string do not fit in one string array")
    offsets = (np.arange(n + 1, dtype=np.int64) * len(encoded)).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(encoded * n)])


def _validity(values: list) -> pa.Buffer | None:
    if all(value is not None for value in values):
        return None
    return pa.py_buffer(np.packbits(np.array([value is not None for value in values], dtype=bool), bitorder="little"))


def _strings(values: list) -> pa.Array | None:
    if not all(value is None or type(value) is str for value in values):
        return None
    encoded = [b"" if value is None else value.encode() for value in values]  # UnicodeEncodeError as pa.array's
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    buffers = [_validity(values), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(values), buffers)


def _numbers(values: list, type_: pa.DataType, fits) -> pa.Array | None:
    if not all(value is None or fits(value) for value in values):
        return None
    numbers = np.array([0 if value is None else value for value in values], dtype=_NUMPY_TYPES[type_])
    return pa.Array.from_buffers(type_, len(values), [_validity(values), pa.py_buffer(numbers)])


def _is_int64(value) -> bool:
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


def _is_float(value) -> bool:
    return type(value) is float or (type(value) is int and -EXACT_FLOAT <= value <= EXACT_FLOAT)


def _booleans(values: list) -> pa.Array | None:
    if not all(value is None or type(value) is bool for value in values):
        return None
    bits = np.packbits(np.array([value is True for value in values], dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [_validity(values), pa.py_buffer(bits)])


_BUILDERS = {
    pa.string(): _strings,
    pa.int64(): lambda values: _numbers(values, pa.int64(), _is_int64),
    pa.float64(): lambda values: _numbers(values, pa.float64(), _is_float),
    pa.bool_(): _booleans,
}
