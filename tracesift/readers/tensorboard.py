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

import numpy as np
import pyarrow as pa

from tracesift.readers import tensorboard_layout as layout
from tracesift.readers import tensorboard_scalars as scalars
from tracesift.readers import tfrecord
from tracesift.readers.base import Batch, Input, Problem, Reader, metrics_table, run_id_of
from tracesift.readers.crc32c import masked_crc32c
from tracesift.store import schema
from tracesift.store.arrays import from_list, from_numpy


def sniff(source: Input) -> float:
    """Certain when the first record's length checks out against its CRC."""
    head = source.prefix(12)
    if len(head) < 12:
        return 0.0
    length, crc = tfrecord.HEADER.unpack(head)
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
    starts, lengths = tfrecord.frame(data, problems)
    starts, lengths = tfrecord.lengths_verified(buffer, starts, lengths, problems)
    fast = layout.find(buffer, starts + 12, lengths)
    good = tfrecord.data_verified(buffer, starts, lengths, problems, known=(fast.index, fast.crc))
    if not good.any() and problems:
        raise ValueError(problems[0].error)
    found = scalars.decode(data, starts[good] + 12, lengths[good], fast.kept(good), problems)
    run = run_id_of(run_id)
    step, tag_id, value, wall_time = found.in_file_order()
    metrics = _metrics_table(run, found.tags, step, tag_id, value, wall_time)
    started = float(wall_time.min()) if len(wall_time) else None
    row = {"run_id": run, "source_format": "tensorboard", "path": str(path), "started_at": started}
    return Batch({"metrics": metrics, "runs": schema.from_rows("runs", [row])}, problems)


def _metrics_table(run: str, tags: list[str], step: np.ndarray, tag_id: np.ndarray, value: np.ndarray,
                   wall_time: np.ndarray) -> pa.Table:
    names = pa.DictionaryArray.from_arrays(from_numpy(tag_id, pa.int32()), from_list(tags, pa.string()))
    return metrics_table(run, from_numpy(step, pa.int64()), names.cast(pa.string()), from_numpy(value, pa.float64()),
                         from_numpy(wall_time, pa.float64()))


READER = Reader(
    name="tensorboard",
    description="TensorBoard event files (tensorboardX, torch.utils.tensorboard, TF1/TF2 scalars)",
    example="runs/exp1/events.out.tfevents.1700000000.host.1234.0",
    sniff=sniff,
    read=read,
)
