"""TensorBoard event files written by tensorboardX (and its bundled protobuf schema)."""

from __future__ import annotations

import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SAMPLES, event_file, loss_curve
from tracesift.readers import tensorboard, tensorboard_scalars
from tracesift.readers.base import Input


def read(path: Path):
    return tensorboard.read(Input(path, f"runs/exp1/{path.name}"))


def series(batch, metric: str) -> dict[int, float]:
    rows = batch.tables["metrics"].to_pylist()
    return {r["step"]: r["value"] for r in rows if r["metric"] == metric}


def test_scalars_match_what_was_written(tb_run):
    batch = read(event_file(tb_run))
    loss = series(batch, "train/loss")
    assert sorted(loss) == list(range(200))
    for step in (0, 1, 49, 199):  # step 0 is the one proto3 leaves out of the record
        assert loss[step] == pytest.approx(loss_curve(step), rel=1e-6)  # float32 on disk
    assert math.isnan(loss[150]) and loss[151] == math.inf
    assert batch.problems == []
    assert batch.tables["runs"].column("run_id").to_pylist() == ["runs/exp1"]
    wall = batch.tables["metrics"].column("wall_time").to_pylist()
    assert all(1e9 < t < 1e10 for t in wall)


def test_sniff_by_content_not_name(tb_run, tmp_path):
    renamed = tmp_path / "whatever.bin"
    shutil.copy(event_file(tb_run), renamed)
    assert tensorboard.sniff(Input(renamed)) == 1.0
    junk = tmp_path / "events.out.tfevents.junk"
    junk.write_bytes(b"\x07" * 64)
    assert tensorboard.sniff(Input(junk)) == 0.0


def test_truncated_last_record_keeps_the_rest(tb_run, tmp_path):
    data = event_file(tb_run).read_bytes()
    cut = tmp_path / "events.out.tfevents.cut"
    cut.write_bytes(data[:-7])  # a writer killed mid-record
    batch = read(cut)
    assert len(series(batch, "train/loss")) == 200
    assert len(series(batch, "train/lr")) == 199
    assert len(batch.problems) == 1 and "truncated" in batch.problems[0].error


def test_bad_data_crc_skips_only_that_record(tb_run, tmp_path):
    data = bytearray(event_file(tb_run).read_bytes())
    # the third record: skip file_version and the first scalar record
    pos = 0
    for _ in range(2):
        (length,) = struct.unpack_from("<Q", data, pos)
        pos += 16 + length
    data[pos + 12 + 3] ^= 0xFF  # flip a byte of its wall_time
    broken = tmp_path / "events.out.tfevents.crc"
    broken.write_bytes(bytes(data))
    batch = read(broken)
    assert batch.tables["metrics"].num_rows == 399
    assert [p.line_or_offset for p in batch.problems] == [pos]
    assert "CRC" in batch.problems[0].error


def test_any_flipped_byte_of_a_scalar_record_fails_its_crc(tb_run, tmp_path):
    """Fields, tag, fixed bytes and the wall time's high bytes alike: every byte counts in the CRC."""
    data = event_file(tb_run).read_bytes()
    pos = 0
    for _ in range(60):  # a record well into the file, with a 1-byte step
        (length,) = struct.unpack_from("<Q", data, pos)
        pos += 16 + length
    (length,) = struct.unpack_from("<Q", data, pos)
    broken = tmp_path / "events.out.tfevents.crc"
    for byte in range(length):
        flipped = bytearray(data)
        flipped[pos + 12 + byte] ^= 0x40
        broken.write_bytes(bytes(flipped))
        batch = read(broken)
        assert batch.tables["metrics"].num_rows == 399, byte
        assert [(p.line_or_offset, "data fails its CRC" in p.error) for p in batch.problems] == [(pos, True)], byte


def test_bad_length_crc_ends_the_file(tb_run, tmp_path):
    data = bytearray(event_file(tb_run).read_bytes())
    (first,) = struct.unpack_from("<Q", data, 0)
    second = 16 + first
    data[second + 8] ^= 0xFF  # the length CRC of the second record
    broken = tmp_path / "events.out.tfevents.len"
    broken.write_bytes(bytes(data))
    batch = read(broken)
    assert batch.tables["metrics"].num_rows == 0
    assert "length fails its CRC" in batch.problems[0].error


def test_tf2_tensor_scalars(tmp_path):
    """Scalars as TF2 writes them: a rank-0 tensor with the `scalars` plugin, float and double."""
    from tensorboardX.event_file_writer import EventFileWriter
    from tensorboardX.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2

    writer = EventFileWriter(str(tmp_path))
    for step in range(3):
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
        as_float = tensor_pb2.TensorProto(dtype=1, tensor_shape=tensor_shape_pb2.TensorShapeProto(), float_val=[step / 4])
        as_double = tensor_pb2.TensorProto(
            dtype=2, tensor_shape=tensor_shape_pb2.TensorShapeProto(), tensor_content=np.float64(step * 1.1).tobytes()
        )
        values = [
            summary_pb2.Summary.Value(tag="f", metadata=metadata, tensor=as_float),
            summary_pb2.Summary.Value(tag="d", metadata=metadata, tensor=as_double),
        ]
        writer.add_event(event_pb2.Event(wall_time=1.7e9 + step, step=step, summary=summary_pb2.Summary(value=values)))
    writer.close()
    batch = read(event_file(tmp_path))
    assert series(batch, "f") == {0: 0.0, 1: 0.25, 2: 0.5}
    assert series(batch, "d") == {0: 0.0, 1: 1.1, 2: 2.2}


def test_fast_path_agrees_with_protobuf_walk(tb_run):
    """The numpy fast path and the plain field walk give the same rows, in file order."""
    data = event_file(tb_run).read_bytes()
    expected, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        expected += tensorboard_scalars.decode_event(data[pos + 12 : pos + 12 + length])
        pos += 16 + length
    rows = read(event_file(tb_run)).tables["metrics"].to_pylist()
    got = [(r["step"], r["metric"], r["value"], r["wall_time"]) for r in rows]
    assert len(got) == len(expected) == 400
    for (s1, t1, v1, w1), (s2, t2, v2, w2) in zip(got, expected):
        assert (s1, t1, w1) == (s2, t2, w2)
        assert v1 == v2 or (math.isnan(v1) and math.isnan(v2))


def test_fast_path_agrees_with_protobuf_walk_across_layouts(tmp_path):
    """Records of one length with other tags and step widths, step 0 left out, 10-byte negative steps, long tags."""
    from tensorboardX.proto import event_pb2, summary_pb2

    steps = [0, 1, 127, 128, 16_383, 16_384, 2**35, -1, -(2**40)]
    tags = ["a", "ab", "abc", "train/x", "train/xy", "eval/é", "t" * 100, "t" * 120, "u" * 119]
    records = []
    for i, step in enumerate(steps):
        for k, tag in enumerate(tags):
            value = summary_pb2.Summary.Value(tag=tag, simple_value=i - k / 3)
            event = event_pb2.Event(wall_time=1.7e9 + i, step=step, summary=summary_pb2.Summary(value=[value]))
            records.append(event.SerializeToString())
    path = tmp_path / "events.out.tfevents.1.host"
    write_records(path, records)
    expected = [row for record in records for row in tensorboard_scalars.decode_event(record)]
    rows = read(path).tables["metrics"].to_pylist()
    assert [(r["step"], r["metric"], r["value"], r["wall_time"]) for r in rows] == expected
    assert len(expected) == len(steps) * len(tags)


@pytest.mark.parametrize("folder", sorted((SAMPLES / "training" / "tensorboard").glob("*")), ids=lambda p: p.name)
def test_sample_runs_read_cleanly(folder):
    for path in folder.glob("events.out.tfevents*"):
        batch = read(path)
        assert batch.problems == []
        assert batch.tables["metrics"].num_rows > 0


def _scalar_event(step: int, value: float) -> bytes:
    from tensorboardX.proto import event_pb2, summary_pb2

    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="train/loss", simple_value=value)])
    return event_pb2.Event(wall_time=1.7e9 + step, step=step, summary=summary).SerializeToString()


def _three_byte_double_tensor() -> bytes:
    from tensorboardX.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2

    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    tensor = tensor_pb2.TensorProto(dtype=2, tensor_shape=tensor_shape_pb2.TensorShapeProto(), tensor_content=b"abc")
    value = summary_pb2.Summary.Value(tag="eval/acc", metadata=metadata, tensor=tensor)
    return event_pb2.Event(wall_time=1.7e9, step=7, summary=summary_pb2.Summary(value=[value])).SerializeToString()


MALFORMED_CONTENT = {
    "a 3-byte double tensor": _three_byte_double_tensor,
    "a field claiming 2**62 bytes": lambda: b"\x09" + struct.pack("<d", 1.7e9) + b"\x2a\x80\x80\x80\x80\x80\x80\x80\x80\x40",
    "an 11-byte varint": lambda: b"\x10" + b"\xff" * 10 + b"\x01",
}


def write_records(path: Path, records: list[bytes]) -> list[int]:
    """Frame ``records`` with tensorboardX's own record writer; the offset of each record."""
    from tensorboardX.record_writer import RecordWriter

    writer, offsets = RecordWriter(str(path)), [0]
    for record in records:
        writer.write(record)
        offsets.append(offsets[-1] + 16 + len(record))
    writer.close()
    return offsets[:-1]


@pytest.mark.parametrize("content", MALFORMED_CONTENT.values(), ids=MALFORMED_CONTENT.keys())
def test_record_with_valid_crc_but_malformed_content_costs_that_record(tmp_path, content):
    path = tmp_path / "events.out.tfevents.1.host"
    good = [_scalar_event(step, step / 10) for step in range(6)]
    offsets = write_records(path, good[:3] + [content()] + good[3:])
    batch = read(path)
    assert series(batch, "train/loss") == pytest.approx({step: step / 10 for step in range(6)})
    assert [p.line_or_offset for p in batch.problems] == [offsets[3]]
    assert "not a valid Event" in batch.problems[0].error


def test_short_last_record_costs_nothing(tmp_path):
    path = tmp_path / "events.out.tfevents.1.host"
    write_records(path, [_scalar_event(step, step / 10) for step in range(3)] + [b"\x10\x05"])  # step 5, no summary
    batch = read(path)
    assert series(batch, "train/loss") == pytest.approx({step: step / 10 for step in range(3)})
    assert batch.problems == []
