"""Fidelity: for every training sample, what tracesift stored equals an independent count of the file.

Each sample is counted here with the standard library (``ast.literal_eval`` for printed dicts,
``json``, ``csv``, ``sqlite3``, plain string splitting for console lines and MLflow's files) or
with tbparse for event files, W&B's run logs with the wandb package's own protobuf classes
(the record framing walked here from the published layout), never with tracesift's own parsers:
the number of values per (file or run, logged name).
The samples are ingested once, through the whole pipeline, and counted from the store.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import struct
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tracesift.pipeline.ingest import ingest
from tracesift.store.query import query

TRAINING = SAMPLES / "training"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside tbparse, on recent pandas
STEP_NAMES = {"step", "global_step", "_step", "iteration", "iter", "trainer/global_step"}
TIME_NAMES = {"wall_time", "Wall time", "_timestamp", "timestamp", "time"}


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> dict[str, Counter]:
    """Values per logged name, per sample file (``source_file``, relative to ``sample_traces/``)
    and per run (``run_id``): the samples ingested once, through the whole pipeline."""
    store = tmp_path_factory.mktemp("fidelity") / "store"
    ingest([TRAINING], store=store)
    rows = query(store, "select source_file, run_id, raw_metric, count(*) n from metrics group by all").dicts()
    found: dict[str, Counter] = {}
    for row in rows:
        for key in {row["source_file"], row["run_id"]}:  # a folder format: one and the same
            found.setdefault(key, Counter())[row["raw_metric"]] += row["n"]
    return found


def _number(text: object) -> bool:
    if isinstance(text, bool):
        return False
    try:
        float(str(text).strip())
        return True
    except ValueError:
        return False


# ------------------------------------------------------------------ independent counts, one per format
def count_csv(path: Path) -> Counter:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    step = next((c for c in (*STEP_NAMES, "Step", "epoch", "Epoch") if c in columns), None)
    return Counter(name for row in rows for name, cell in row.items()
                   if name not in (step, *TIME_NAMES) and cell not in ("", None) and _number(cell))


def _flat(record: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}/")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def count_jsonl(path: Path) -> Counter:
    lines = [_flat(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
    return Counter(k for line in lines for k, v in line.items()
                   if k not in STEP_NAMES | TIME_NAMES and isinstance(v, (int, float)) and not isinstance(v, bool))


def count_trainer_state(path: Path) -> Counter:
    entries = json.loads(path.read_text())["log_history"]
    return Counter(k for e in entries if "train_runtime" not in e for k, v in e.items() if k != "step" and _number(v))


def count_mlflow_files(store: Path) -> dict[str, Counter]:
    """MLflow's file store, per active run name: metrics/<name> holds a ``timestamp value step`` line per value."""
    counts = {}
    for meta in store.glob("*/*/meta.yaml"):
        fields = dict(line.split(": ", 1) for line in meta.read_text().splitlines() if ": " in line)
        if fields.get("lifecycle_stage") != "deleted":
            metrics = meta.parent / "metrics"
            counts[fields["run_name"]] = Counter({f.relative_to(metrics).as_posix(): len(f.read_text().splitlines())
                                                  for f in metrics.rglob("*") if f.is_file()})
    return counts


def count_mlflow_sqlite(database: Path) -> dict[str, Counter]:
    """MLflow's SQL store, per active run name."""
    import sqlite3

    with sqlite3.connect(database) as con:
        rows = con.execute("select r.name, m.key, count(*) from metrics m join runs r using (run_uuid) "
                           "where r.lifecycle_stage != 'deleted' group by 1, 2").fetchall()
    counts: dict[str, Counter] = {}
    for run, key, n in rows:
        counts.setdefault(run, Counter())[key] = n
    return counts


WANDB_BLOCK, WANDB_HEADER, WANDB_CHUNK = 32 * 1024, 7, 7
"""A ``.wandb`` log: a 7-byte header, then 32 KiB blocks of chunks (``<IHB``: crc, length, type)."""


def count_wandb(run_folder: Path) -> Counter:
    """Numeric ``wandb.log`` values per key in the folder's run log, parsed by wandb's ``Record`` message."""
    pb = pytest.importorskip("wandb.proto.wandb_internal_pb2", reason="the wandb package counts W&B run logs")
    (run_log,) = run_folder.glob("run-*.wandb")
    counts: Counter = Counter()
    for payload in _wandb_records(run_log.read_bytes()):
        record = pb.Record.FromString(payload)
        if record.WhichOneof("record_type") == "history":
            for item in record.history.item:
                key = item.key or "/".join(item.nested_key)
                if not key.startswith("_") and _number(json.loads(item.value_json)):
                    counts[key] += 1
    return counts


def _wandb_records(data: bytes):
    assert data[:4] == b":W&B"
    position, pending = WANDB_HEADER, b""
    while position + WANDB_CHUNK <= len(data):
        if (left := WANDB_BLOCK - position % WANDB_BLOCK) < WANDB_CHUNK:
            position += left  # zero padding at a block's end
            continue
        _, length, kind = struct.unpack_from("<IHB", data, position)
        payload = data[position + WANDB_CHUNK:position + WANDB_CHUNK + length]
        position += WANDB_CHUNK + length
        pending = payload if kind in (1, 2) else pending + payload
        if kind in (1, 4):  # full, last
            yield pending


PREAMBLE = "_preamble"
"""A sample made of a real log with a start-up preamble before it: it must hold what the log alone holds."""


def count_console(path: Path) -> Counter:
    if path.stem.endswith(PREAMBLE):
        path = path.with_name(path.name.replace(PREAMBLE, "_ray"))
    counts: Counter = Counter()
    for line in re.sub(r"\x1b\[[0-9;]*m", "", path.read_text()).replace("\r", "\n").splitlines():
        counts.update(_console_names(line))
    return counts


def _console_names(line: str) -> list[str]:
    """The names of the values one console line holds, by the layout its tool prints."""
    if "{'" in line:  # Hugging Face Trainer: a printed dict
        record = ast.literal_eval(line[line.index("{'"):])
        return [] if "train_runtime" in record else [k for k, v in record.items() if _number(v)]
    if " step:" in f" {line}" and " - " in line:  # verl: step:N - key:value - ...
        fields = line.split("step:", 1)[1].split(" - ")[1:]
        return [f.partition(":")[0] for f in fields]
    if "| " in line and ("iteration" in line):  # Megatron-LM
        prefix = "validation/" if "validation loss at" in line else ""
        fields = [f.strip() for f in line.split("|")[1:] if ":" in f]
        return [prefix + f.rsplit(":", 1)[0].strip().removesuffix(" value") for f in fields if _number(f.rsplit(":", 1)[1])]
    if line.startswith("iter "):  # nanoGPT training line
        return ["loss", "time_ms", "mfu_percent"]
    if line.startswith("step ") and "train loss" in line:  # nanoGPT evaluation line
        return ["train_loss_at_eval", "val_loss"]
    pairs = [token.split("=", 1) for token in line.split() if "=" in token]
    return [k for k, v in pairs if k != "step" and _number(v)] if len(pairs) >= 2 else []


# ------------------------------------------------------------------ the samples and their counters
def samples() -> list[tuple[str, Path]]:
    found = [("csv", p) for p in sorted(TRAINING.glob("csv/*.csv"))]
    found += [("csv", p) for p in sorted(TRAINING.glob("lightning/*/version_0/metrics.csv"))]
    found += [("jsonl", p) for p in sorted(TRAINING.glob("jsonl/*/metrics.jsonl"))]
    found += [("trainer_state", p) for p in sorted(TRAINING.glob("hf_trainer/*/trainer_state.json"))]
    found += [("console", p) for p in sorted(TRAINING.glob("stdout/*.log"))]
    found += [("mlflow_files", TRAINING / "mlflow" / "mlruns"), ("mlflow_sqlite", TRAINING / "mlflow" / "mlflow.db")]
    found += [("tensorboard", p) for p in sorted(TRAINING.glob("tensorboard/*"))]
    found += [("wandb", p) for p in sorted(TRAINING.glob("wandb/offline-run-*"))]
    return found


COUNTERS = {"csv": count_csv, "jsonl": count_jsonl, "trainer_state": count_trainer_state, "console": count_console,
            "wandb": count_wandb}


def _name(value: str | Path) -> str:
    if isinstance(value, str):
        return value
    return value.parent.name if value.name in ("metrics.csv", "metrics.jsonl", "trainer_state.json") else value.name


@pytest.mark.parametrize(("kind", "path"), samples(), ids=_name)
def test_every_sample_reads_exactly_what_an_independent_count_finds(stored, kind, path):
    if kind.startswith("mlflow"):
        expected = (count_mlflow_files if kind == "mlflow_files" else count_mlflow_sqlite)(path)
        prefix = path.relative_to(SAMPLES).as_posix()
        got = {run.rsplit("/", 1)[1]: c for run, c in stored.items() if run.startswith(prefix + "/")}
        assert got == expected and expected
        return
    if kind == "tensorboard":
        from tbparse import SummaryReader

        expected = Counter(SummaryReader(str(path), pivot=False).scalars["tag"])
        got = sum((c for name, c in stored.items() if name.startswith(f"training/tensorboard/{path.name}/")), Counter())
        assert got == expected
        return
    expected = COUNTERS[kind](path)
    assert stored[path.relative_to(SAMPLES).as_posix()] == expected
