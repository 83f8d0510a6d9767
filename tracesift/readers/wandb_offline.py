"""Weights & Biases offline run folders, read from the ``run-<id>.wandb`` log itself.

No ``wandb`` and no ``protobuf``: the transaction log is a LevelDB-style record
log (as written by wandb-core, ``core/pkg/leveldb``) behind a 7-byte header,
``:W&B``, magic ``0xBEE1`` (little-endian) and version ``0``. The rest is 32 KiB
blocks (counted from the start of the file, header included) of chunks: ``uint32
checksum``, ``uint16 length``, ``uint8 type`` (1 full, 2 first, 3 middle, 4 last),
then ``length`` bytes; a block tail shorter than a chunk header is zero padding.
The checksum is the IEEE CRC-32 (``zlib.crc32``) of the type byte and payload.

Each record is a protobuf ``Record`` (``wandb_internal.proto``): ``history = 2``
(``HistoryRecord``: ``item = 1`` of ``HistoryItem{key = 1, nested_key = 2,
value_json = 16}``, ``step = 2``), ``config = 5`` (``ConfigRecord{update = 1,
remove = 2}`` of ``ConfigItem``, same layout as ``HistoryItem``) and ``run = 17``
(``RunRecord{config = 4, tags = 10, start_time = 17}``).

Read: every ``wandb.log`` row as ``metrics`` (numeric values only, nested dicts
flattened with "/", ``_step`` as the step and ``_timestamp`` as the wall time,
"NaN"/"Infinity" kept as float nan/inf), and one ``runs`` row with the config
and tags. Not read: media, tables, histograms and other ``_type`` objects,
summaries, console output, system metrics and files saved with the run.

A chunk failing its checksum is dropped and reported, and reading goes on after
it; a file cut off mid-record keeps every complete record before the cut.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterator

from tracesift.readers.base import Batch, Input, MetricColumns, Problem, Reader, as_number, read_file
from tracesift.readers.protobuf_wire import LENGTH, VARINT, WireError, as_signed, iter_fields
from tracesift.store import schema

MAGIC = b":W&B\xe1\xbe"
VERSION = 0
FILE_HEADER = 7
BLOCK = 32 * 1024
CHUNK = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

HISTORY, CONFIG, RUN = 2, 5, 17


def sniff(source: Input) -> float:
    folder = source.path
    """Certain when the folder holds a ``run-*.wandb`` file starting with the W&B header."""
    return 1.0 if any(Input(log).prefix(6) == MAGIC for log in folder.glob("run-*.wandb")) else 0.0


def read(source: Input) -> Batch:
    folder, run_id = source.path, source.rel
    logs = sorted(folder.glob("run-*.wandb"))
    if not logs:
        raise ValueError(f"no run-*.wandb file in {folder}")
    data = read_file(logs[0])
    _check_header(data, logs[0].name)
    problems = [Problem(f"ignored extra log {extra.name}") for extra in logs[1:]]
    metrics, run = MetricColumns(), _Run()
    for offset, payload in records(data, problems):
        try:
            _decode(payload, run_id, metrics, run)
        except (WireError, ValueError, UnicodeDecodeError) as err:
            problems.append(Problem(f"undecodable record: {err}", offset))
    started = run.started_at if run.started_at is not None else _first(metrics.wall_time)
    row = {
        "run_id": run_id,
        "source_format": "wandb_offline",
        "path": str(folder),
        "started_at": started,
        "config": json.dumps(run.config, separators=(",", ":")),
        "tags": json.dumps(run.tags),
    }
    return Batch({"metrics": metrics.table(), "runs": schema.from_rows("runs", [row])}, problems)


def _check_header(data: bytes, name: str) -> None:
    if len(data) < FILE_HEADER or data[:6] != MAGIC:
        raise ValueError(f"{name} is not a W&B transaction log: it starts with {data[:7]!r}, not ':W&B' + 0xBEE1")
    if data[6] != VERSION:
        raise ValueError(f"{name}: unsupported W&B log version {data[6]} (this reader knows {VERSION})")


def records(data: bytes, problems: list[Problem]) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, payload)`` for each complete, intact record; report the rest."""
    pos, parts, start, failed = FILE_HEADER, [], 0, False
    while pos < len(data):
        block_end = pos - pos % BLOCK + BLOCK
        if block_end - pos < CHUNK.size:
            pos = block_end  # zero trailer of the block
            continue
        if pos + CHUNK.size > len(data):
            problems.append(Problem("file ends inside a chunk header (truncated)", start if parts else pos))
            return
        crc, length, kind = CHUNK.unpack_from(data, pos)
        end = pos + CHUNK.size + length
        if crc == length == kind == 0:
            pos = block_end  # a zeroed (preallocated) block: nothing more in it
            continue
        if end > len(data) and end <= block_end:
            problems.append(Problem("file ends inside a record (truncated)", start if parts else pos))
            return
        if end > block_end or zlib.crc32(data[pos + 6 : end]) != crc or not FULL <= kind <= LAST:
            problems.append(Problem(f"chunk at {pos} fails its checksum or framing; dropped", pos))
            parts = []
            pos = block_end if failed or end > block_end else end  # twice in a row: give up the block
            failed = True
            continue
        failed = False
        chunk = data[pos + CHUNK.size : end]
        if kind in (FULL, FIRST):
            if parts:
                problems.append(Problem("record missing its last chunk; dropped", start))
            parts, start = [chunk], pos
        elif parts:
            parts.append(chunk)
        else:
            problems.append(Problem("continuation chunk without a first chunk; dropped", pos))
        if kind in (FULL, LAST) and parts:
            yield start, b"".join(parts)
            parts = []
        pos = end
    if parts:
        problems.append(Problem("file ends inside a record (truncated)", start))


class _Run:
    """What the log says of the run itself."""

    def __init__(self) -> None:
        self.config: dict = {}
        self.tags: list[str] = []
        self.started_at: float | None = None


def _decode(payload: bytes, run_id: str, metrics: MetricColumns, run: _Run) -> None:
    for number, wire, value in iter_fields(payload):
        if wire != LENGTH:
            continue
        if number == HISTORY:
            _history(value, run_id, metrics)
        elif number == CONFIG:
            _config(value, run.config)
        elif number == RUN:
            _run(value, run)


def _item(buf: bytes) -> tuple[str, object]:
    """A ``HistoryItem`` or ``ConfigItem``: its name ("/"-joined nested keys) and decoded value."""
    key, nested, value_json = "", [], ""
    for number, wire, value in iter_fields(buf):
        if wire != LENGTH:
            continue
        if number == 1:
            key = value.decode()
        elif number == 2:
            nested.append(value.decode())
        elif number == 16:
            value_json = value.decode()
    return ("/".join(nested) if nested else key), (json.loads(value_json) if value_json else None)


def _history(buf: bytes, run_id: str, metrics: MetricColumns) -> None:
    values: dict[str, object] = {}
    step_num = None
    for number, wire, value in iter_fields(buf):
        if number == 1 and wire == LENGTH:
            name, item = _item(value)
            values[name] = item
        elif number == 2 and wire == LENGTH:
            step_num = next((as_signed(v) for n, w, v in iter_fields(value) if n == 1 and w == VARINT), 0)
    step = values.get("_step", step_num)
    if not isinstance(step, int | float) or isinstance(step, bool) or not math.isfinite(step):
        raise ValueError(f"history row without a usable step ({step!r})")
    wall_time = as_number(values.get("_timestamp"))
    for name, item in _numbers(values):
        metrics.add(run_id, int(step), name, item, wall_time)


def _numbers(values: dict, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Numeric leaves, nested dicts flattened with "/"; "_"-keys and ``_type`` objects (media) skipped."""
    for key, value in values.items():
        if key.startswith("_"):
            continue
        name = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            if "_type" not in value:
                yield from _numbers(value, name)
        elif (number := as_number(value)) is not None:
            yield name, number


def _config(buf: bytes, config: dict) -> None:
    for number, wire, value in iter_fields(buf):
        if wire != LENGTH or number not in (1, 2):
            continue
        name, item = _item(value)
        if name.startswith("_wandb"):
            continue
        if number == 1:
            config[name] = item
        else:
            config.pop(name, None)


def _run(buf: bytes, run: _Run) -> None:
    for number, wire, value in iter_fields(buf):
        if wire != LENGTH:
            continue
        if number == 4:
            _config(value, run.config)
        elif number == 10:
            run.tags.append(value.decode())
        elif number == 17:
            parts = {n: v for n, w, v in iter_fields(value) if w == VARINT}
            run.started_at = as_signed(parts.get(1, 0)) + parts.get(2, 0) / 1e9


def _first(values: list[float | None]) -> float | None:
    return next((value for value in values if value is not None), None)


READER = Reader(
    name="wandb_offline",
    description="Weights & Biases offline run folder (offline-run-*/run-<id>.wandb): history, config, tags",
    example="wandb/offline-run-20240101_120000-abc123/",
    sniff=sniff,
    read=read,
    reads_folders=True,
)
