"""TensorBoard event files, read from the record format itself (no TensorFlow).

A file is a sequence of TFRecords: ``uint64 length``, ``uint32 masked CRC-32C of
the length``, ``length`` bytes of a serialized ``Event``, ``uint32 masked CRC-32C
of the data``. Scalars come from ``Summary.Value.simple_value`` (tensorboardX,
``torch.utils.tensorboard``, TF1) and from scalar tensor summaries with the
``scalars`` plugin (TF2 ``tf.summary.scalar``). Histograms, images, audio, text
and graphs are skipped.

A truncated last record (a run still writing, or killed) keeps every complete
record before it and is reported as a problem; a record whose data fails its
CRC, or whose data pass it but are no well-formed ``Event`` (a field running past
its end, an over-long varint, a tensor of the wrong size), is skipped and reported
with its offset; a length whose CRC fails ends the file there, as
TensorBoard itself does, because nothing after it can be trusted.
"""

from __future__ import annotations

import struct

import numpy as np
import pyarrow as pa

from tracesift.readers import tensorboard_scalars as scalars
from tracesift.readers.base import Batch, Input, Problem, Reader, metrics_table, run_id_of
from tracesift.readers.crc32c import masked_crc32c, masked_crc32c_many
from tracesift.store import schema

_HEADER = struct.Struct("<QI")


def sniff(source: Input) -> float:
    """Certain when the first record's length checks out against its CRC."""
    head = source.prefix(12)
    if len(head) < 12:
        return 0.0
    length, crc = _HEADER.unpack(head)
    if masked_crc32c(head[:8]) == crc and length < 1 << 32:
        return 1.0
    return 0.0


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    problems: list[Problem] = []
    data = source.read_bytes()
    if not data:
        raise ValueError("empty file")
    buffer = np.frombuffer(data, dtype=np.uint8)
    starts, lengths = _frame(data, problems)
    starts, lengths = _verified(buffer, starts, lengths, problems)
    if len(starts) == 0 and problems:
        raise ValueError(problems[0].error)
    found = scalars.decode(data, buffer, starts, lengths, problems)
    run = run_id_of(run_id)
    metrics = _metrics_table(run, found)
    wall_times = metrics["wall_time"].to_numpy()
    started = float(wall_times.min()) if len(wall_times) else None
    row = {"run_id": run, "source_format": "tensorboard", "path": str(path), "started_at": started}
    return Batch({"metrics": metrics, "runs": schema.from_rows("runs", [row])}, problems)


def _metrics_table(run: str, found: scalars.Scalars) -> pa.Table:
    step, tag_id, value, wall_time = found.in_file_order()
    names = pa.DictionaryArray.from_arrays(pa.array(tag_id, pa.int32()), pa.array(found.tags, pa.string()))
    return metrics_table(run, pa.array(step, pa.int64()), names.cast(pa.string()), pa.array(value, pa.float64()),
                         pa.array(wall_time, pa.float64()))


def _frame(data: bytes, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and lengths of each record's data, up to the first bad frame."""
    size = len(data)
    starts: list[int] = []
    lengths: list[int] = []
    pos = 0
    unpack = _HEADER.unpack_from
    while pos + 12 <= size:
        length, length_crc = unpack(data, pos)
        end = pos + 12 + length + 4
        if end > size:
            if masked_crc32c(data[pos : pos + 8]) != length_crc:
                problems.append(Problem("record length fails its CRC: not an event file past here", pos))
            else:
                problems.append(Problem(f"truncated record: {end - size} bytes missing at the end", pos))
            return _arrays(starts, lengths)
        starts.append(pos)
        lengths.append(length)
        pos = end
    if pos != size:
        problems.append(Problem(f"truncated record header: {size - pos} stray bytes at the end", pos))
    return _arrays(starts, lengths)


def _arrays(starts: list[int], lengths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(starts, dtype=np.int64), np.array(lengths, dtype=np.int64)


def _verified(
    buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, problems: list[Problem]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the records whose CRCs hold: cut at a bad length, skip bad data."""
    stored = buffer.view(np.uint8)
    length_ok = masked_crc32c_many(stored, starts, 8) == _u32(stored, starts + 8)
    if not length_ok.all():
        cut = int(np.argmin(length_ok))
        problems.append(Problem("record length fails its CRC: not an event file past here", int(starts[cut])))
        starts, lengths = starts[:cut], lengths[:cut]
    data_ok = np.ones(len(starts), dtype=bool)
    for length in np.unique(lengths):
        group = np.flatnonzero(lengths == length)
        first = starts[group] + 12
        data_ok[group] = masked_crc32c_many(stored, first, int(length)) == _u32(stored, first + length)
    for bad in np.flatnonzero(~data_ok):
        problems.append(Problem("record data fails its CRC: record skipped", int(starts[bad])))
    return starts[data_ok] + 12, lengths[data_ok]


def _u32(buffer: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Little-endian uint32 at each position."""
    out = np.zeros(len(positions), dtype=np.uint32)
    for byte in range(4):
        out |= buffer[positions + byte].astype(np.uint32) << np.uint32(8 * byte)
    return out


READER = Reader(
    name="tensorboard",
    description="TensorBoard event files (tensorboardX, torch.utils.tensorboard, TF1/TF2 scalars)",
    example="runs/exp1/events.out.tfevents.1700000000.host.1234.0",
    sniff=sniff,
    read=read,
)
