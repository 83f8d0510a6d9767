"""TFRecord framing and CRC-32C: the vectorised paths against the plain record-by-record loop."""

from __future__ import annotations

import functools
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import event_file
from tracesift.readers import crc32c, tensorboard, tfrecord
from tracesift.readers.base import Input

TAGS = ["train/loss", "train/lr", "eval/accuracy_top1"]
STEPS = [*range(0, 300), *range(16_300, 16_500)]  # the step varint takes 1, 2 and 3 bytes


def reference_frame(data: bytes) -> tuple[list[int], list[int], list[tuple[str, int]]]:
    """The framing loop the reader had before it was vectorised: starts, lengths, problems."""
    starts, lengths, problems, pos, size = [], [], [], 0, len(data)
    while pos + 12 <= size:
        length, length_crc = struct.unpack_from("<QI", data, pos)
        end = pos + 16 + length
        if end > size:
            bad = crc32c.mask(crc32c.crc32c_python(data[pos : pos + 8])) != length_crc
            problems.append(("length fails" if bad else "truncated record", pos))
            return starts, lengths, problems
        starts.append(pos)
        lengths.append(length)
        pos = end
    if pos != size:
        problems.append(("stray bytes", pos))
    return starts, lengths, problems


def assert_frames_like_the_loop(data: bytes) -> None:
    problems = []
    starts, lengths = tfrecord.frame(data, problems)
    want_starts, want_lengths, want_problems = reference_frame(data)
    assert starts.tolist() == want_starts and lengths.tolist() == want_lengths
    assert [p.line_or_offset for p in problems] == [offset for _, offset in want_problems]
    assert all(text in p.error for p, (text, _) in zip(problems, want_problems))


@pytest.fixture(scope="module")
def many_steps(tmp_path_factory) -> bytes:
    """A tensorboardX event file: three tags at every step, across the step varint's widths."""
    from tensorboardX import SummaryWriter

    folder = tmp_path_factory.mktemp("tb")
    writer = SummaryWriter(str(folder))
    for step in STEPS:
        for k, tag in enumerate(TAGS):
            writer.add_scalar(tag, 1.0 / (step + k + 1), step)
    writer.close()
    return event_file(folder).read_bytes()


def test_framing_leaps_over_repeating_records(many_steps, monkeypatch):
    walked = []
    walk = tfrecord.walk

    def counting(*args):
        found = walk(*args)
        walked.append(len(found[0]))
        return found

    monkeypatch.setattr(tfrecord, "walk", counting)
    assert_frames_like_the_loop(many_steps)
    assert sum(walked) < len(STEPS) * len(TAGS) / 5  # most records were framed by the guess, not the walk


@pytest.mark.parametrize("cut", [1, 5, 12, 13, 17, 40, 1000, 3001, 9999])
def test_truncated_files_frame_like_the_loop(many_steps, cut):
    assert_frames_like_the_loop(many_steps[:-cut])
    assert_frames_like_the_loop(many_steps[: len(many_steps) // 2 + cut])


@pytest.mark.parametrize("seed", range(12))
def test_corrupted_files_frame_and_read_like_the_loop(many_steps, seed, tmp_path, monkeypatch):
    rng = np.random.default_rng(seed)
    data = bytearray(many_steps)
    for at in rng.integers(0, len(data), 1 + seed % 3):
        data[at] ^= int(rng.integers(1, 256))  # anywhere: a length, a CRC, an event's bytes
    assert_frames_like_the_loop(bytes(data))
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(bytes(data))
    assert_native_and_numpy_read_alike(path, monkeypatch)


def test_records_of_no_pattern_frame_like_the_loop(tmp_path):
    from tests.readers.test_tensorboard import write_records

    rng = np.random.default_rng(3)
    path = tmp_path / "events.out.tfevents.1.host"
    write_records(path, [bytes(rng.integers(0, 256, int(n), dtype=np.uint8)) for n in rng.integers(0, 300, 500)])
    assert_frames_like_the_loop(path.read_bytes())
    for junk in (b"", b"\x00" * 11, b"\x00" * 12, b"\x07" * 64, bytes(rng.integers(0, 256, 5000, dtype=np.uint8))):
        assert_frames_like_the_loop(junk)


def test_crc32c_check_value():
    assert crc32c.crc32c_python(b"123456789") == 0xE3069283
    assert crc32c.crc32c(b"123456789") == 0xE3069283
    assert crc32c.masked_crc32c(b"") == crc32c.mask(0)


@pytest.mark.parametrize("length", [0, 1, 8, 37, 300, crc32c.MAX_TABLE_DISTANCE + 1])
@pytest.mark.parametrize("count", [1, 3, 500])
def test_many_crcs_match_one_at_a_time(length, count):
    rng = np.random.default_rng(length * 7 + count)
    buffer = rng.integers(0, 256, 20_000, dtype=np.uint8)
    buffer[:5000] = 0x41  # records that share most of their bytes, as event records do
    starts = rng.integers(0, len(buffer) - length, count)
    want = [crc32c.mask(crc32c.crc32c_python(buffer[s : s + length].tobytes())) for s in starts.tolist()]
    assert crc32c.masked_crc32c_many(buffer, starts, length, use_native=False).tolist() == want
    assert crc32c.masked_crc32c_many(buffer, starts, length).tolist() == want


def test_native_crc_agrees_with_the_table():
    native = pytest.importorskip("crc32c")
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 8, 9, 63, 64, 65, 1000):
        data = bytes(rng.integers(0, 256, n, dtype=np.uint8))
        assert native.crc32c(data) == crc32c.crc32c_python(data)


def read_all(path: Path) -> tuple[list, list]:
    batch = tensorboard.read(Input(path, "runs/exp1/" + path.name))
    rows = batch.tables["metrics"].to_pylist()
    return [(r["step"], r["metric"], str(r["value"])) for r in rows], [(p.error, p.line_or_offset) for p in batch.problems]


def assert_native_and_numpy_read_alike(path: Path, monkeypatch) -> None:
    try:
        default = read_all(path)
    except ValueError as exc:
        default = str(exc)
    with monkeypatch.context() as patch:
        patch.setattr(tfrecord, "masked_crc32c_many", functools.partial(crc32c.masked_crc32c_many, use_native=False))
        patch.setattr(tfrecord, "masked_crc32c", lambda data: crc32c.mask(crc32c.crc32c_python(data)))
        try:
            table = read_all(path)
        except ValueError as exc:
            table = str(exc)
    assert default == table


def test_native_and_numpy_read_real_files_alike(many_steps, tmp_path, monkeypatch):
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(many_steps)
    assert_native_and_numpy_read_alike(path, monkeypatch)
    assert len(read_all(path)[0]) == len(STEPS) * len(TAGS)


def test_reads_without_the_native_package(many_steps, tmp_path):
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(many_steps[:-3])
    script = (
        "import sys; sys.modules['crc32c'] = None\n"
        "from tracesift.readers import crc32c, tensorboard\n"
        "from tracesift.readers.base import Input\n"
        "batch = tensorboard.read(Input(sys.argv[1], 'r'))\n"
        "print(crc32c.native() is not None, batch.tables['metrics'].num_rows, len(batch.problems))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", str(len(STEPS) * len(TAGS) - 1), "1"]


def test_scalar_records_never_load_the_native_package(many_steps, tmp_path):
    pytest.importorskip("crc32c")
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(many_steps)
    script = (
        "import sys\n"
        "from tracesift.readers import tensorboard\n"
        "from tracesift.readers.base import Input\n"
        "batch = tensorboard.read(Input(sys.argv[1], 'r'))\n"
        "print('crc32c' in sys.modules, batch.tables['metrics'].num_rows)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", str(len(STEPS) * len(TAGS))]
