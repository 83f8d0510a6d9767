"""`tracesift query` as a user meets it: refused writes, --timeout, --limit, and untrusted text in a table."""

from __future__ import annotations

import json
import shutil

import pytest

from tracesift.cli import app

ENDLESS = "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r"
TEN_ROWS = "select 'row-' || range as r from range(10)"


@pytest.fixture
def logs(runner, tb_run):
    assert runner.invoke(app, ["ingest", str(tb_run.parent), "-q"]).exit_code == 0
    return tb_run.parent


def run(runner, logs, *args):
    return runner.invoke(app, ["query", str(logs), *args])


def test_a_write_is_refused_in_one_line(runner, logs):
    result = run(runner, logs, f"attach '{logs}/.tracesift/x.duckdb' as x")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "read-only" in result.stderr
    assert not (logs / ".tracesift" / "x.duckdb").exists()


def test_timeout_stops_the_query_with_its_own_exit_code(runner, logs):
    result = run(runner, logs, ENDLESS, "--timeout", "0.5")
    assert result.exit_code == 124
    assert result.stderr.count("\n") == 1 and "--timeout" in result.stderr
    assert result.stdout == ""


def test_limit_cuts_a_table_with_a_note(runner, logs):
    result = run(runner, logs, TEN_ROWS, "--limit", "3")
    assert result.exit_code == 0
    assert all(f"row-{i}" in result.stdout for i in range(3)) and "row-3" not in result.stdout
    assert "showing the first 3 rows; --limit 0 for all" in result.stderr


def test_limit_zero_prints_every_row_without_a_note(runner, logs):
    result = run(runner, logs, TEN_ROWS, "--limit", "0")
    assert all(f"row-{i}" in result.stdout for i in range(10)) and result.stderr == ""


def test_a_table_is_cut_by_default_and_csv_is_not(runner, logs):
    from tracesift.cli.query import TABLE_LIMIT

    sql = f"select range as n from range({TABLE_LIMIT + 1})"
    table = run(runner, logs, sql)
    assert f"first {TABLE_LIMIT} rows" in table.stderr
    csv_out = run(runner, logs, sql, "--csv")
    assert len(csv_out.stdout.splitlines()) == TABLE_LIMIT + 2 and csv_out.stderr == ""


def test_limit_applies_to_csv_too(runner, logs):
    result = run(runner, logs, TEN_ROWS, "--csv", "--limit", "2")
    assert result.stdout.splitlines() == ["r", "row-0", "row-1"]
    assert "first 2 rows" in result.stderr


@pytest.fixture
def escaped_name(runner, tb_run):
    """A run folder whose name holds a terminal escape (clear screen) and a bidi override."""
    hostile = tb_run.parent / "evil\x1b[2J\u202erun"
    shutil.move(tb_run, hostile)
    assert runner.invoke(app, ["ingest", str(tb_run.parent), "-q"]).exit_code == 0
    return tb_run.parent


def test_control_characters_in_a_table_are_shown_escaped(runner, escaped_name):
    result = run(runner, escaped_name, "select distinct run_id, run_id as \"x\x1b[31m\" from metrics")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "evil\\x1b[2J\\u202erun" in result.stdout and "x\\x1b[31m" in result.stdout


def test_json_keeps_control_characters_exactly(runner, escaped_name):
    result = run(runner, escaped_name, "select distinct run_id from metrics", "--json")
    assert json.loads(result.stdout) == [{"run_id": "evil\x1b[2J\u202erun"}]
