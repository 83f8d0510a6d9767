"""The command line as a user meets it: exit codes, stdout for results, stderr for the rest."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import SAMPLES
from tracesift.cli import app
from tracesift.readers import all_readers


def commands():
    return [c.name or c.callback.__name__ for c in app.registered_commands]


@pytest.mark.parametrize("name", commands())
def test_every_command_teaches_with_an_example(runner, name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output, f"`tracesift {name} --help` has no example"


@pytest.fixture
def samples(tmp_path):
    copy = tmp_path / "sample_traces"
    shutil.copytree(SAMPLES, copy)
    return copy


def test_ingest_then_query(runner, samples):
    result = runner.invoke(app, ["ingest", str(samples), "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["query", str(samples), "select count(distinct run_id) n from metrics", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["n"] >= 10


def test_ingest_summary_goes_to_stdout_and_warnings_to_stderr(runner, tmp_path, tb_run):
    (tb_run.parent / "broken.json").write_bytes(b"\x00\x01binary")
    result = runner.invoke(app, ["ingest", str(tb_run.parent)])
    assert result.exit_code == 0
    assert "read 1 input" in result.stdout and "1 unreadable" in result.stdout
    assert "broken.json" in result.stderr and "binary" in result.stderr
    assert "broken.json" not in result.stdout


def test_nothing_readable_exits_3(runner, tmp_path):
    (tmp_path / "a.json").write_bytes(b"\xff\xfe junk")
    result = runner.invoke(app, ["ingest", str(tmp_path)])
    assert result.exit_code == 3
    assert "a.json" in result.stderr


@pytest.mark.parametrize("command", [["ingest"], ["scan"], ["report", "-o", "r.html"]])
def test_an_empty_folder_is_nothing_readable_not_a_missing_store(runner, tmp_path, command):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, [*command, str(empty), "--store", str(tmp_path / "store")])
    assert result.exit_code == 3, result.output
    assert "nothing readable found in" in result.stderr and "no tracesift store" not in result.stderr


def test_usage_errors_exit_2(runner, tmp_path):
    assert runner.invoke(app, ["ingest", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(app, ["ingest"]).exit_code == 2
    assert runner.invoke(app, ["ingest", str(tmp_path), "--map", "no-equals-sign"]).exit_code == 2


def test_query_errors_are_one_line(runner, tb_run):
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q"])
    result = runner.invoke(app, ["query", str(tb_run.parent), "select nope from metrics"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "nope" in result.stderr


def test_query_is_read_only(runner, tb_run, tmp_path):
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q"])
    target = tmp_path / "stolen.csv"
    result = runner.invoke(app, ["query", str(tb_run.parent), f"copy (select * from metrics) to '{target}'"])
    assert result.exit_code == 2 and not target.exists()


def test_query_csv_and_jsonl(runner, tb_run):
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q"])
    sql = "select metric, count(*) n from metrics group by 1 order by 1"
    csv_out = runner.invoke(app, ["query", str(tb_run.parent), sql, "--csv"]).stdout
    assert csv_out.splitlines() == ["metric,n", "loss,200", "lr,200"]
    lines = runner.invoke(app, ["query", str(tb_run.parent), sql, "--jsonl"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == [{"metric": "loss", "n": 200}, {"metric": "lr", "n": 200}]


def test_nan_is_valid_json(runner, tb_run):
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q"])
    sql = "select step, value from metrics where metric = 'loss' and step in (150, 151) order by step"
    rows = json.loads(runner.invoke(app, ["query", str(tb_run.parent), sql, "--json"]).stdout)
    assert rows == [{"step": 150, "value": "NaN"}, {"step": 151, "value": "Infinity"}]


def test_map_option_sets_roles(runner, tb_run):
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q", "--map", "train/lr=step_size"])
    sql = "select distinct metric from metrics order by 1"
    out = runner.invoke(app, ["query", str(tb_run.parent), sql, "--csv"]).stdout
    assert out.splitlines() == ["metric", "loss", "step_size"]


def test_formats_lists_every_reader(runner):
    result = runner.invoke(app, ["formats", "--fmt", "json"])
    listed = {row["reader"] for row in json.loads(result.stdout)}
    assert listed == {r.name for r in all_readers()}


def test_table_output_prints_markup_like_content_literally(runner, tb_run):
    """Log content is untrusted: rich markup in values or names is shown, never interpreted."""
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q"])
    sql = "select '[/red] x' as \"[bold]name\", '[link=file:///etc]y' as b"
    result = runner.invoke(app, ["query", str(tb_run.parent), sql])
    assert result.exit_code == 0, result.output
    assert "[/red] x" in result.stdout and "[bold]name" in result.stdout and "[link=file:///etc]y" in result.stdout
