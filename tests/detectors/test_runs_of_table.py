"""Runs out of a ``metrics`` table in any row order: the scan reads rows unordered and ``runs_of_table`` orders them.

Ground truth is by construction: each table is built from known series, then its rows are shuffled.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tracesift.detectors.base import runs_of_table

RUN_IDS = ["b/run", "a/Zeta", "a/alpha", "ä/run", "a/run_10", "a/run_9"]  # case, code points, digits
METRICS = ["loss", "grad_norm", "lr"]


def _table(rows: list[dict]) -> pa.Table:
    columns = ["run_id", "metric", "raw_metric", "step", "value", "source_file", "wall_time"]
    return pa.table({name: [row.get(name) for row in rows] for name in columns},
                    schema=pa.schema([("run_id", pa.string()), ("metric", pa.string()), ("raw_metric", pa.string()),
                                      ("step", pa.int64()), ("value", pa.float64()), ("source_file", pa.string()),
                                      ("wall_time", pa.float64())]))


def _rows() -> list[dict]:
    return [{"run_id": run, "metric": metric, "raw_metric": f"train/{metric}", "step": step,
             "value": 100.0 * r + 10.0 * m + step / 1000, "source_file": f"{run}.csv", "wall_time": 1.7e9 + step}
            for r, run in enumerate(RUN_IDS) for m, metric in enumerate(METRICS) for step in range(0, 500, 5)]


def _shuffled(rows: list[dict], seed: int = 0) -> pa.Table:
    order = np.random.default_rng(seed).permutation(len(rows))
    return _table([rows[i] for i in order])


def test_shuffled_rows_give_each_run_its_series_in_step_order():
    rows = _rows()
    runs = list(runs_of_table(_shuffled(rows)))
    assert [run.run_id for run in runs] == sorted(RUN_IDS)  # code point order, as DuckDB's ORDER BY gives
    for run in runs:
        r = RUN_IDS.index(run.run_id)
        assert sorted(run.metrics()) == sorted(METRICS)
        for m, metric in enumerate(METRICS):
            series = run.series(metric)
            assert list(series.steps) == list(range(0, 500, 5))
            np.testing.assert_array_equal(series.values, 100.0 * r + 10.0 * m + series.steps / 1000)


def test_a_step_written_twice_keeps_the_later_write_by_wall_time_whatever_the_row_order():
    rows = _rows()
    again = [{**row, "value": -1.0, "wall_time": row["wall_time"] + 3600} for row in rows
             if row["run_id"] == "b/run" and row["metric"] == "loss" and row["step"] >= 250]  # resumed at 250
    runs = {run.run_id: run for run in runs_of_table(_shuffled(again + rows, seed=3))}
    loss = runs["b/run"].series("loss")
    assert list(loss.steps) == list(range(0, 500, 5))
    assert np.all(loss.values[loss.steps >= 250] == -1.0)
    assert np.all(loss.values[loss.steps < 250] >= 0)
    assert "repeated steps" in " ".join(runs["b/run"].notes["loss"])


def test_without_wall_times_the_row_written_last_wins():
    rows = [{"run_id": "r", "metric": "loss", "raw_metric": "loss", "step": step, "value": float(step),
             "source_file": "r.csv"} for step in range(10)]
    rows += [{**row, "value": -row["value"]} for row in rows[5:]]  # the same steps logged again, later in the file
    loss = next(runs_of_table(_table(rows))).series("loss")
    assert list(loss.steps) == list(range(10))
    assert list(loss.values) == [0.0, 1.0, 2.0, 3.0, 4.0, -5.0, -6.0, -7.0, -8.0, -9.0]


def test_an_empty_table_has_no_runs():
    assert list(runs_of_table(_table([]))) == []
