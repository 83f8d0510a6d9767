"""CRC-32C (Castagnoli), as TFRecord files use it, masked the TensorFlow way.

Two back ends for one buffer: the ``crc32c`` package (hardware CRC32C; the
``native`` extra) when it imports, else a 256-entry table in pure Python. The
package is loaded for the first record of ``NATIVE_FROM`` bytes or more, because
importing it costs 30-100 ms (it reads its own package metadata) and records
shorter than that (every ``add_scalar`` record) cost microseconds in Python.
Either way, many records of one length are checked at once with numpy: the
CRC is affine in the message, so a record's CRC is that of the group's first
record with, for each byte column that differs, one table lookup of the
difference (``crc(a) ^ crc(b) == crc0(a ^ b)`` for equal lengths, ``crc0``
being the register with no initial value or final xor). Only the columns that
vary within the group (wall time, step, value in an ``add_scalar`` record)
cost anything, and all of them are looked up in one ``take``. Records of other
lengths that differ from templates only in known columns (the TensorBoard
reader's one-value events) are corrected the same way, column by column over
all of them at once (:func:`masked_crc32c_columns`).
"""

from __future__ import annotations

import functools

import numpy as np

from tracesift.readers.byte_views import rows as byte_rows

_POLY = 0x82F63B78
MAX_TABLE_DISTANCE = 4096
"""Records longer than this are checked one by one rather than through per-column tables."""
_MIN_GROUP = 16
"""With the native CRC, groups smaller than this are checked one record at a time."""
NATIVE_FROM = 256
"""Records this long or longer use the native CRC where it is installed; shorter ones never load it."""
_CHUNK_BYTES = 1 << 22
"""Records are gathered into a matrix this many bytes at a time (and their lookups take 4x that at most)."""


def _table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table[byte] = crc
    return table


TABLE = _table()
_TABLE_LIST = TABLE.tolist()
_zero_runs = TABLE[None, :].copy()


def crc32c_python(data: bytes) -> int:
    """CRC-32C of ``data``, one byte per step in pure Python."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE_LIST[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@functools.cache
def native():
    """The ``crc32c`` package's function, or None where it is not installed."""
    try:
        import crc32c as package
    except ImportError:
        return None
    return package.crc32c


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data``: in hardware where the ``crc32c`` package is installed."""
    one = native()
    return one(data) if one is not None else crc32c_python(data)


def mask(crc: int | np.ndarray) -> int | np.ndarray:
    """TensorFlow's masking: rotate right by 15 bits and add a constant."""
    if isinstance(crc, np.ndarray):
        crc = crc.astype(np.uint64)
        return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """Masked CRC-32C; a short buffer (a record's length) never loads the native package."""
    return mask(crc32c_python(data) if len(data) < NATIVE_FROM else crc32c(data))


def zero_runs(count: int) -> np.ndarray:
    """``(count, 256)`` table: row ``d`` is ``crc0`` of one byte followed by ``d`` zero bytes."""
    global _zero_runs
    while len(_zero_runs) < count:
        last = _zero_runs[-1]
        _zero_runs = np.vstack([_zero_runs, TABLE[last & 0xFF] ^ (last >> np.uint32(8))])
    return _zero_runs[:count]


def masked_crc32c_many(buffer: np.ndarray, starts: np.ndarray, length: int, *, use_native: bool = True) -> np.ndarray:
    """Masked CRC-32C of ``buffer[s : s + length]`` for every ``s`` in ``starts``, as uint32.

    ``use_native=False`` uses the pure-Python CRC where a single record needs one (tests compare both).
    """
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint32)
    one = (native() if use_native and length >= NATIVE_FROM else None) or crc32c_python
    if length > MAX_TABLE_DISTANCE or (one is not crc32c_python and len(starts) < _MIN_GROUP):
        raw = [one(buffer[s : s + length].tobytes()) for s in starts.tolist()]
        return mask(np.array(raw, dtype=np.uint64)).astype(np.uint32)
    step = max(1, _CHUNK_BYTES // max(length, 1))
    parts = [_by_columns(buffer, starts[i : i + step], length, one) for i in range(0, len(starts), step)]
    return mask(np.concatenate(parts)).astype(np.uint32)


def _by_columns(buffer: np.ndarray, starts: np.ndarray, length: int, one) -> np.ndarray:
    """Unmasked CRCs of equal-length records: the first record's, corrected by every varying column at once."""
    rows = byte_rows(buffer, starts, length)
    base = rows[0]
    crc = np.full(len(starts), one(base.tobytes()), dtype=np.uint32)
    varying = np.flatnonzero((rows != base).any(axis=0))
    if len(varying) == 0:
        return crc
    tables = zero_runs(length)[length - 1 - varying].ravel()  # the varying columns' tables, end to end
    at = (rows[:, varying] ^ base[varying]).T.astype(np.intp)  # one row of byte differences per varying column
    at += np.arange(0, 256 * len(varying), 256)[:, None]  # each into its column's table
    return crc ^ np.bitwise_xor.reduce(np.take(tables, at), axis=0)


def masked_crc32c_columns(template: np.ndarray, length: np.ndarray, columns: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """Masked CRC-32C of records that differ from their templates in some columns only, as uint32.

    ``template[i]`` is the unmasked CRC of record ``i``'s template, of ``length[i]`` bytes: the record
    with zero bytes in those columns. A column is ``(position, bytes)``: where it is in every record
    (from its start, or from its end when negative) and each record's byte there.
    """
    crc = template.astype(np.uint32)
    tables = zero_runs(int(length.max(initial=1)) + 1)
    row = length * 256  # where each record's length starts in a table laid out by length
    by_length = np.arange(len(tables))
    for position, column in columns:
        if position < 0:  # as far from every record's end
            crc ^= tables[-1 - position][column]
        else:  # the table of the distance from each length's last byte
            crc ^= np.take(tables[np.maximum(by_length - 1 - position, 0)].ravel(), row + column)
    return mask(crc).astype(np.uint32)
