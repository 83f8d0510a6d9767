"""The MLflow readers on real samples made by scripts/samples/make_mlflow.py (MLflow 3.17.2).

Expected facts were read once from the samples with MLflow's own client
(``MlflowClient(uri).search_runs`` and ``get_metric_history`` on both
``sqlite:///mlflow.db`` and ``file://.../mlruns``); both stores hold the same
values, since training is seeded:
- experiment ``tiny-mlp-lr-sweep``: live runs ``healthy`` and ``lr_too_high``;
  ``deleted_run`` (20 steps) was deleted and search_runs does not return it;
- per live run: ``loss``, ``grad_norm``, ``lr`` have 300 points (steps 0-299),
  ``eval/loss`` 12 (steps 24, 49, ..., 299);
- ``lr_too_high``: grad_norm is inf at step 67 (the SQLite client returns
  1.7976931348623157e308 there, the file store ``inf``), loss and grad_norm are
  NaN from step 68 on (232 points each), eval/loss NaN from step 74 (10 points);
  loss at step 67 is 2.010446217104534e+24; ``healthy`` has no NaN or inf;
- params: peak_lr '0.02' (healthy) / '0.6' (lr_too_high), warmup_steps '100'.
"""

from __future__ import annotations

import math
import shutil
import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest

from tracesift.readers import mlflow_files, mlflow_sqlite
from tracesift.readers.base import Input
from tracesift.store import schema

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces" / "training" / "mlflow"
DB = SAMPLES / "mlflow.db"
MLRUNS = SAMPLES / "mlruns"

SOURCES = [
    pytest.param(mlflow_sqlite, DB, "mlflow/mlflow.db", id="sqlite"),
    pytest.param(mlflow_files, MLRUNS, "mlflow/mlruns", id="files"),
]


def series(table: pa.Table, run: str, metric: str) -> dict[int, float]:
    """step -> value of one metric of one run."""
    rows = table.filter(
        pa.compute.and_(pa.compute.equal(table["run_id"], run), pa.compute.equal(table["metric"], metric))
    ).to_pylist()
    return {row["step"]: row["value"] for row in rows}


@pytest.mark.parametrize(("reader", "path", "rid"), SOURCES)
def test_runs_and_metric_keys(reader, path, rid):
    batch = reader.read(Input(path, rid))
    assert batch.problems == []
    assert batch.tables["metrics"].schema == schema.METRICS
    assert batch.tables["runs"].schema == schema.RUNS
    runs = {row["run_id"]: row for row in batch.tables["runs"].to_pylist()}
    # the deleted run is skipped; the Default experiment has no runs
    assert sorted(runs) == [f"{rid}/tiny-mlp-lr-sweep/healthy", f"{rid}/tiny-mlp-lr-sweep/lr_too_high"]
    metrics = batch.tables["metrics"]
    assert set(metrics["run_id"].to_pylist()) == set(runs)
    assert set(metrics["metric"].to_pylist()) == {"loss", "grad_norm", "lr", "eval/loss"}
    assert metrics["raw_metric"].to_pylist() == metrics["metric"].to_pylist()
    assert metrics.num_rows == 2 * (3 * 300 + 12)
    for run in runs:
        for key in ("loss", "grad_norm", "lr"):
            assert sorted(series(metrics, run, key)) == list(range(300))
        assert sorted(series(metrics, run, "eval/loss")) == list(range(24, 300, 25))


@pytest.mark.parametrize(("reader", "path", "rid"), SOURCES)
def test_divergence_nan_and_inf(reader, path, rid):
    metrics = reader.read(Input(path, rid)).tables["metrics"]
    bad = f"{rid}/tiny-mlp-lr-sweep/lr_too_high"
    loss, grad = series(metrics, bad, "loss"), series(metrics, bad, "grad_norm")
    assert loss[67] == pytest.approx(2.010446217104534e24)
    assert grad[67] == math.inf  # MLflow's SQL store keeps inf as float max; read back as inf
    assert [s for s, v in loss.items() if math.isnan(v)] == list(range(68, 300))
    assert [s for s, v in grad.items() if math.isnan(v)] == list(range(68, 300))
    evals = series(metrics, bad, "eval/loss")
    assert [s for s, v in evals.items() if math.isnan(v)] == list(range(74, 300, 25))
    assert evals[49] == pytest.approx(4.91021728515625)
    good = f"{rid}/tiny-mlp-lr-sweep/healthy"
    assert all(math.isfinite(v) for v in series(metrics, good, "loss").values())
    assert series(metrics, good, "loss")[299] == pytest.approx(0.03418806940317154)
    assert series(metrics, good, "lr")[99] == pytest.approx(0.02)
    walls = [w for w in metrics["wall_time"].to_pylist()]
    assert all(1.7e9 < w < 1.9e9 for w in walls)  # seconds, not milliseconds


@pytest.mark.parametrize(("reader", "path", "rid"), SOURCES)
def test_params_in_config_and_tags(reader, path, rid):
    import json

    runs = {row["run_id"].rsplit("/", 1)[1]: row for row in reader.read(Input(path, rid)).tables["runs"].to_pylist()}
    assert json.loads(runs["healthy"]["config"])["peak_lr"] == "0.02"
    config = json.loads(runs["lr_too_high"]["config"])
    assert config["peak_lr"] == "0.6" and config["warmup_steps"] == "100" and config["optimizer"] == "sgd_momentum0.9"
    tags = json.loads(runs["lr_too_high"]["tags"])
    assert tags["task"] == "synthetic_regression" and tags["mlflow.runName"] == "lr_too_high"
    assert 1.7e9 < runs["healthy"]["started_at"] < runs["lr_too_high"]["started_at"]


def test_sniff_positive_on_real_samples():
    assert mlflow_sqlite.sniff(Input(DB)) >= 0.9
    assert mlflow_files.sniff(Input(MLRUNS)) >= 0.9


def test_sniff_negative(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE metrics (name TEXT, value REAL)")  # a metrics table, but not MLflow's
    assert mlflow_sqlite.sniff(Input(other)) == 0.0
    text = tmp_path / "log.txt"
    text.write_text("SQLite is not here\n")
    assert mlflow_sqlite.sniff(Input(text)) == 0.0
    with pytest.raises(ValueError, match="not an MLflow database"):
        mlflow_sqlite.read(Input(other, "other.db"))
    folder = tmp_path / "runs"
    (folder / "exp1" / "run1").mkdir(parents=True)
    (folder / "exp1" / "run1" / "metrics.csv").write_text("step,loss\n0,1.0\n")
    assert mlflow_files.sniff(Input(folder)) == 0.0
    assert mlflow_files.sniff(Input(SAMPLES)) == 0.0  # the parent of mlruns/ is not a store
    assert mlflow_files.sniff(Input(MLRUNS / "0")) == 0.0  # nor is one experiment
    with pytest.raises(ValueError, match="not an MLflow file store"):
        mlflow_files.read(Input(folder, "runs"))


@pytest.mark.parametrize("size", [100, 4096, 300_000, 1_000_000, DB.stat().st_size - 4096])
def test_truncated_db_is_a_clear_error(tmp_path, size):
    broken = tmp_path / "mlflow.db"
    broken.write_bytes(DB.read_bytes()[:size])
    assert mlflow_sqlite.sniff(Input(broken)) >= 0.5  # claimed, so the damage gets reported
    try:
        batch = mlflow_sqlite.read(Input(broken, "mlflow.db"))
    except ValueError as exc:
        assert "damaged or truncated SQLite database" in str(exc)
    else:
        assert batch.problems, "a truncated database read without any problem reported"


def test_garbage_metric_line_is_a_problem(tmp_path):
    store = tmp_path / "mlruns"
    shutil.copytree(MLRUNS, store)
    healthy = next(m.parent for m in store.glob("*/*/meta.yaml") if "run_name: healthy" in m.read_text())
    loss = healthy / "metrics" / "loss"
    lines = loss.read_text().splitlines(keepends=True)
    lines[10] = "garbage here\n"
    lines[20] = "1795434287000 not_a_number 20\n"
    loss.write_text("".join(lines))
    batch = mlflow_files.read(Input(store, "mlruns"))
    assert len(batch.problems) == 2
    assert [p.line_or_offset for p in batch.problems] == [11, 21]
    assert "metrics/loss: line 11" in batch.problems[0].error
    assert loss.parent.parent.name in batch.problems[0].error
    run = batch.tables["metrics"].filter(pa.compute.equal(batch.tables["metrics"]["metric"], "loss"))
    assert run.num_rows == 2 * 300 - 2  # every other line still read


def test_meta_parser_and_duplicate_run_names(tmp_path):
    text = "name: 'it''s'\nexperiment_id: '7'\ntags: []\n- x\nrun_name: \"a b\"\nend_time: null\n"
    meta = mlflow_files.parse_meta(text)
    assert meta == {"name": "it's", "experiment_id": "7", "tags": "[]", "run_name": "a b", "end_time": None}
    store = tmp_path / "mlruns"
    shutil.copytree(MLRUNS, store)
    for meta_file in store.glob("*/*/meta.yaml"):
        meta_file.write_text(meta_file.read_text().replace("run_name: lr_too_high", "run_name: healthy"))
    runs = mlflow_files.read(Input(store, "m")).tables["runs"]["run_id"].to_pylist()
    assert len(set(runs)) == 2 and all(r.startswith("m/tiny-mlp-lr-sweep/healthy-") for r in runs)


def test_sqlite_duplicate_run_names_stay_apart(tmp_path):
    copy = tmp_path / "mlflow.db"
    shutil.copyfile(DB, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE runs SET name = 'healthy'")
    batch = mlflow_sqlite.read(Input(copy, "db"))
    runs = batch.tables["runs"]["run_id"].to_pylist()
    assert len(set(runs)) == 2 and all(r.startswith("db/tiny-mlp-lr-sweep/healthy-") for r in runs)
    assert set(batch.tables["metrics"]["run_id"].to_pylist()) == set(runs)


def test_samples_really_hold_a_deleted_run():
    # so that skipping it above is tested, not vacuous
    with sqlite3.connect(f"{DB.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT name FROM runs WHERE lifecycle_stage = 'deleted'").fetchall() == [("deleted_run",)]
    deleted = [m for m in MLRUNS.glob("*/*/meta.yaml") if "lifecycle_stage: deleted" in m.read_text()]
    assert len(deleted) == 1 and (deleted[0].parent / "metrics" / "loss").is_file()
