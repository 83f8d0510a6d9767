"""The W&B offline reader on real runs made by scripts/samples/make_wandb.py (wandb 0.31.0).

Expected facts were read once from the samples with wandb's own decoder (the
``DataStore.scan_data`` of ``wandb/sdk/internal/datastore.py`` plus wandb's
generated ``wandb_internal_pb2.Record``); the reader's rows matched it exactly,
value for value (repr) and wall time for wall time, on both runs:
- each run: 300 history rows, ``_step`` 0..299, keys ``loss``, ``grad_norm``, ``lr``;
- ``diverging``: grad_norm is inf at step 133 (loss there 7.165588195836574e+22,
  finite), loss and grad_norm are NaN at every step from 134 to 299; lr finite;
- ``healthy``: no NaN or inf; config peak_lr 0.05 (healthy) / 0.6 (diverging).
Values printed every 10 steps in ``files/output.log`` are checked independently.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from tracesift.readers import choose, wandb_offline
from tracesift.readers.base import Input
from tracesift.readers.protobuf_wire import iter_fields

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces" / "training" / "wandb"
RUNS = {  # wandb run name -> its folder (see sample_traces/training/wandb/README.md)
    "healthy": SAMPLES / "offline-run-20261123_114645-ir71ahjc",
    "diverging": SAMPLES / "offline-run-20261123_114652-vuykf63c",
}
DIVERGING, HEALTHY = RUNS["diverging"], RUNS["healthy"]


def rows(folder: Path) -> list[dict]:
    return wandb_offline.read(Input(folder, "run")).tables["metrics"].to_pylist()


def keyed(found: list[dict]) -> list[tuple]:
    """Rows as comparable tuples (NaN != NaN, but its repr is equal)."""
    return [(r["run_id"], r["step"], r["metric"], repr(r["value"]), r["wall_time"]) for r in found]


def log_of(folder: Path) -> Path:
    return next(folder.glob("run-*.wandb"))


def chunks(data: bytes) -> list[tuple[int, int, bytes]]:
    """(offset, type, payload) of every chunk, walked independently of the reader."""
    found, pos = [], 7
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:
            pos += 32768 - pos % 32768
            continue
        crc, length, kind = struct.unpack_from("<IHB", data, pos)
        assert zlib.crc32(data[pos + 6 : pos + 7 + length]) == crc  # IEEE CRC-32 of type byte + payload
        found.append((pos, kind, data[pos + 7 : pos + 7 + length]))
        pos += 7 + length
    assert pos == len(data)
    return found


def is_history(payload: bytes) -> bool:
    return any(number == 2 for number, _, _ in iter_fields(payload))


def copy_run(tmp_path: Path, folder: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def test_sample_format_facts():
    data = log_of(DIVERGING).read_bytes()
    assert data[:7] == b":W&B\xe1\xbe\x00"
    kinds = [kind for _, kind, _ in chunks(data)]
    assert {2, 4} <= set(kinds)  # some records span a block boundary: the FIRST/LAST path is exercised


@pytest.mark.parametrize("name", ["diverging", "healthy"])
def test_every_step_and_key(name):
    folder = RUNS[name]
    got = rows(folder)
    assert {r["metric"] for r in got} == {"loss", "grad_norm", "lr"}
    assert sorted({r["step"] for r in got}) == list(range(300))
    assert len(got) == 300 * 3
    assert all(r["wall_time"] is not None and r["wall_time"] > 1.6e9 for r in got)
    times = [r["wall_time"] for r in got if r["metric"] == "loss"]
    assert times == sorted(times)


@pytest.mark.parametrize("name", ["diverging", "healthy"])
def test_values_match_output_log(name):
    folder = RUNS[name]
    got = {(r["step"], r["metric"]): r["value"] for r in rows(folder)}
    printed = re.findall(r"step (\d+) loss (\S+) grad_norm (\S+) lr (\S+)", (folder / "files/output.log").read_text())
    assert len(printed) == 30
    for step, *values in printed:
        for metric, text in zip(["loss", "grad_norm", "lr"], values, strict=True):
            expected, value = float(text), got[(int(step), metric)]
            if math.isnan(expected):
                assert math.isnan(value)
            else:
                assert value == pytest.approx(expected, rel=1e-5)


def test_nan_and_inf_where_the_run_blew_up():
    got = {(r["step"], r["metric"]): r["value"] for r in rows(DIVERGING)}
    assert got[(133, "grad_norm")] == math.inf
    assert got[(133, "loss")] == 7.165588195836574e22
    nonfinite = {key for key, value in got.items() if not math.isfinite(value)}
    assert nonfinite == {(133, "grad_norm")} | {(s, m) for s in range(134, 300) for m in ("loss", "grad_norm")}
    assert all(math.isfinite(v) for v in (r["value"] for r in rows(HEALTHY)))


def test_runs_row():
    batch = wandb_offline.read(Input(DIVERGING, "wandb/div"))
    assert batch.problems == []
    (run,) = batch.tables["runs"].to_pylist()
    assert run["run_id"] == "wandb/div" and run["source_format"] == "wandb_offline"
    config = {"peak_lr": 0.6, "warmup_steps": 300, "momentum": 0.9, "hidden": 64, "steps": 300}
    assert json.loads(run["config"]) == config
    assert json.loads(run["tags"]) == ["diverging", "mlp"]
    assert json.loads(wandb_offline.read(Input(HEALTHY, "h")).tables["runs"]["config"][0].as_py())["peak_lr"] == 0.05
    first = min(r["wall_time"] for r in rows(DIVERGING))
    assert first - 60 < run["started_at"] <= first
    assert set(batch.tables["metrics"]["run_id"].to_pylist()) == {"wandb/div"}


def test_sniff(tmp_path):
    assert wandb_offline.sniff(Input(DIVERGING)) == 1.0
    assert choose(Input(DIVERGING)) is wandb_offline.READER
    assert wandb_offline.sniff(Input(SAMPLES.parent / "mlflow")) == 0.0
    (tmp_path / "run-abc.wandb").write_bytes(b"not a wandb log at all")
    assert wandb_offline.sniff(Input(tmp_path)) == 0.0
    with pytest.raises(ValueError, match="not a W&B transaction log"):
        wandb_offline.read(Input(tmp_path, "x"))
    with pytest.raises(ValueError, match="no run-"):
        wandb_offline.read(Input(tmp_path / "..", "x"))


def test_truncated_mid_record_keeps_records_before_the_cut(tmp_path):
    folder = copy_run(tmp_path, DIVERGING)
    log = log_of(folder)
    data = log.read_bytes()
    history = [offset for offset, kind, payload in chunks(data) if kind == 1 and is_history(payload)]
    cut = history[len(history) // 2]  # the start of a history record half way through
    log.write_bytes(data[:cut])
    clean = wandb_offline.read(Input(folder, "run"))
    assert clean.problems == []
    kept = clean.tables["metrics"].to_pylist()
    assert 0 < len(kept) < 900
    assert keyed(kept) == keyed(rows(DIVERGING)[: len(kept)])
    log.write_bytes(data[: cut + 12])  # now cut inside that record
    cut_batch = wandb_offline.read(Input(folder, "run"))
    assert keyed(cut_batch.tables["metrics"].to_pylist()) == keyed(kept)
    assert [p.line_or_offset for p in cut_batch.problems] == [cut]
    assert "truncated" in cut_batch.problems[0].error


def test_cut_inside_a_record_that_spans_blocks(tmp_path):
    folder = copy_run(tmp_path, DIVERGING)
    log = log_of(folder)
    data = log.read_bytes()
    first = next(offset for offset, kind, _ in chunks(data) if kind == 2)
    log.write_bytes(data[: first - first % 32768 + 32768 + 3])  # past the FIRST chunk, inside the next header
    batch = wandb_offline.read(Input(folder, "run"))
    assert [p.line_or_offset for p in batch.problems] == [first]
    assert len(batch.tables["metrics"]) > 0


def test_bad_checksum_drops_one_record_and_keeps_the_rest(tmp_path):
    folder = copy_run(tmp_path, DIVERGING)
    log = log_of(folder)
    data = bytearray(log.read_bytes())
    history = [(offset, payload) for offset, kind, payload in chunks(bytes(data)) if kind == 1 and is_history(payload)]
    offset, _ = history[100]
    data[offset + 7 + 5] ^= 0xFF  # flip a payload byte: the chunk's CRC no longer matches
    log.write_bytes(bytes(data))
    batch = wandb_offline.read(Input(folder, "run"))
    assert [p.line_or_offset for p in batch.problems] == [offset]
    assert "checksum" in batch.problems[0].error
    full, got = rows(DIVERGING), batch.tables["metrics"].to_pylist()
    lost = {r["step"] for r in full} - {r["step"] for r in got}
    assert len(lost) == 1 and len(got) == len(full) - 3
    assert keyed([r for r in full if r["step"] not in lost]) == keyed(got)
