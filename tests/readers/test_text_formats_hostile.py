"""JSON lines and CSV that are hostile by accident or on purpose: bounded cost, one bad line costs one line.

Files are written here the way the logging code that makes them writes them (``json.dumps`` per line,
``csv.writer``); expectations follow the step rule of :func:`tracesift.readers.base.as_step`.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from tracesift.readers import csv_metrics, jsonl_metrics
from tracesift.readers import head_lines as head_lines_module
from tracesift.readers.base import SNIFF_BYTES, Input
from tracesift.readers.discover import identify

REPO = Path(__file__).resolve().parents[2]


def rows(batch, metric: str) -> dict[int, float]:
    return {r["step"]: r["value"] for r in batch.tables["metrics"].to_pylist() if r["metric"] == metric}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def write_csv(path: Path, header: list[str], table: list[list]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(table)
    return path


# -- bounded cost: long while reading (point 9) ---------------------------------------------------

PEAK_OF_READ = """
import resource, sys
from pathlib import Path
import importlib
import polars, pyarrow  # imported before the baseline: only the read itself is measured
from tracesift.readers.base import SNIFF_BYTES, Input
reader = importlib.import_module("tracesift.readers." + (sys.argv[2] if len(sys.argv) > 2 else "jsonl_metrics"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
batch = reader.read(Input(Path(sys.argv[1])))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(batch.rows("metrics"), (after - before) // 1024)
"""


def peak_of_read(path: Path, reader: str = "jsonl_metrics") -> tuple[int, int]:
    """(metric rows, MiB the read added to the peak memory of a fresh process)."""
    done = subprocess.run([sys.executable, "-c", PEAK_OF_READ, str(path), reader], capture_output=True, text=True,
                          cwd=REPO, check=True)
    found, mib = done.stdout.split()
    return int(found), int(mib)


def test_jsonl_lines_each_with_a_new_key_cost_linear_memory(tmp_path):
    # a table over the union of keys would hold 4,000 x 4,000 cells; the values are 4,000
    path = write_jsonl(tmp_path / "metrics.jsonl", [{"step": i, f"probe_{i}": 0.5} for i in range(4000)])
    found, mib = peak_of_read(path)
    assert found == 4000
    assert mib < 64


def test_jsonl_line_with_many_keys_costs_linear_memory(tmp_path):
    values = {f"layer_{i}/grad_norm": i / 7 for i in range(100_000)}
    path = write_jsonl(tmp_path / "metrics.jsonl", [{"step": 0, **values}, {"step": 1, "loss": 1.0}])
    found, mib = peak_of_read(path)
    assert found == 100_001
    assert mib < 128


def test_jsonl_sparse_keys_are_read_long(tmp_path):
    path = write_jsonl(tmp_path / "metrics.jsonl", [{"step": 10 * i, f"k{i % 50}": i} for i in range(500)])
    batch = jsonl_metrics.read(Input(path))
    table = batch.tables["metrics"].to_pylist()
    assert len(table) == 500 and batch.problems == []
    assert {(r["step"], r["metric"], r["value"]) for r in table} == {(10 * i, f"k{i % 50}", i) for i in range(500)}


# -- one rule for steps, JSONL and CSV alike (points 12 and 13) -------------------------------------

# (the step as logged in JSON, the same step as a CSV cell); the loss logged with it is its index
STEPS = [(0, "0"), ("abc", "abc"), (None, ""), (True, "true"), (2.5, "2.5"), (3.0, "3.0"), (2**63, str(2**63)),
         (1e30, "1e30"), ("7", "7"), (-(2**63), str(-(2**63))), (9, " 9 ")]
KEPT = {0: 0, 3: 5, 7: 8, -(2**63): 9, 9: 10}  # step -> index of the row that logged it
SKIPPED = 6


def test_jsonl_steps_follow_the_rule_with_one_warning(tmp_path):
    path = write_jsonl(tmp_path / "metrics.jsonl", [{"step": step, "loss": i} for i, (step, _) in enumerate(STEPS)])
    batch = jsonl_metrics.read(Input(path))
    assert rows(batch, "loss") == KEPT
    [problem] = batch.problems
    assert problem.error.startswith(f"{SKIPPED} lines whose 'step'") and problem.line_or_offset == 2


def test_csv_steps_follow_the_rule_with_one_warning(tmp_path):
    path = write_csv(tmp_path / "metrics.csv", ["step", "loss"], [[cell, i] for i, (_, cell) in enumerate(STEPS)])
    batch = csv_metrics.read(Input(path))
    assert rows(batch, "loss") == KEPT
    [problem] = batch.problems
    assert problem.error.startswith(f"{SKIPPED} rows whose 'step'") and problem.line_or_offset == 3


def test_csv_step_too_large_costs_its_row_only(tmp_path):
    path = write_csv(tmp_path / "metrics.csv", ["step", "loss"], [[0, 1.0], ["1e30", 0.9], [2, 0.8]])
    batch = csv_metrics.read(Input(path))
    assert rows(batch, "loss") == {0: 1.0, 2: 0.8}
    assert "int64" in batch.problems[0].error and "polars" not in batch.problems[0].error.lower()


def test_jsonl_step_too_large_costs_its_line_only(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 0, "loss": 1.0}\n{"step": 9223372036854775808, "loss": 0.9}\n{"step": 2, "loss": 0.8}\n')
    batch = jsonl_metrics.read(Input(path))
    assert rows(batch, "loss") == {0: 1.0, 2: 0.8}
    assert [p.line_or_offset for p in batch.problems] == [2]


def test_jsonl_line_nested_too_deep_costs_that_line_only(tmp_path):
    deep = '{"step": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join([json.dumps({"step": 0, "loss": 2.0}), deep, json.dumps({"step": 2, "loss": 1.0})]))
    batch = jsonl_metrics.read(Input(path))
    assert rows(batch, "loss") == {0: 2.0, 2: 1.0}
    assert [(p.line_or_offset, "deep" in p.error) for p in batch.problems] == [(2, True)]


# -- a first line longer than the sniffed prefix (point 11) -----------------------------------------

def test_jsonl_first_line_past_the_prefix_is_recognised(tmp_path):
    wide = {"step": 0, **{f"probe_{i:05d}/mean": i / 3 for i in range(10_000)}}
    path = write_jsonl(tmp_path / "metrics.jsonl", [wide, {"step": 1, "loss": 0.5}])
    assert len(json.dumps(wide)) > SNIFF_BYTES
    assert identify(Input(path)) == ("jsonl", None)
    batch = jsonl_metrics.read(Input(path))
    assert rows(batch, "probe_09999/mean") == {0: 9999 / 3} and rows(batch, "loss") == {1: 0.5}


def test_jsonl_first_line_past_the_line_scan_is_recognised_from_its_start(tmp_path, monkeypatch):
    monkeypatch.setattr(head_lines_module, "LINE_SCAN_BYTES", 1 << 20)  # the scan stops inside the first line
    values = {f"layer_{i:07d}/grad_norm": 0.25 for i in range(50_000)}
    path = write_jsonl(tmp_path / "metrics.jsonl", [{"step": 3, **values}, {"step": 4, "loss": 1.0}])
    assert path.stat().st_size > head_lines_module.LINE_SCAN_BYTES
    assert identify(Input(path)) == ("jsonl", None)
    batch = jsonl_metrics.read(Input(path))
    assert batch.rows("metrics") == 50_001 and rows(batch, "layer_0049999/grad_norm") == {3: 0.25}


def test_csv_with_100k_columns_is_recognised(tmp_path):
    header = ["step", *(f"activation_{i:06d}" for i in range(100_000))]
    path = write_csv(tmp_path / "wide.csv", header, [[step, *[step + i / 8 for i in range(100_000)]] for step in range(3)])
    assert identify(Input(path)) == ("csv", None)


def test_csv_with_a_header_past_the_prefix_is_read(tmp_path):
    header = ["step", *(f"model/layers/{i:04d}/attention/output/mean" for i in range(2_000))]
    assert len(",".join(header)) > SNIFF_BYTES
    path = write_csv(tmp_path / "wide.csv", header, [[step, *[step + i / 8 for i in range(2_000)]] for step in range(3)])
    batch = csv_metrics.read(Input(path))
    assert rows(batch, header[-1]) == {step: step + 1_999 / 8 for step in range(3)}
    assert csv_metrics.sniff(Input(path)) >= 0.8


def test_prose_with_a_long_first_line_is_still_not_a_table(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("word, " * 20_000 + "\nAnd then, more words follow.\n")
    assert csv_metrics.sniff(Input(path)) < 0.5 and jsonl_metrics.sniff(Input(path)) < 0.5


def test_trainer_state_whose_entries_each_bring_a_new_key_is_read_long(tmp_path):
    """The n x n case for log_history: 6,000 entries, each its own key, cost 6,000 values, not 36 M cells."""
    history = [{"step": i, f"custom/metric_{i}": float(i)} for i in range(1, 6001)]
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": history, "global_step": 6000, "best_metric": None}))
    found, mib = peak_of_read(path, "hf_trainer")
    assert found == 6000
    assert mib < 64  # a dense 6,000 x 6,000 frame of floats alone is 288 MB
