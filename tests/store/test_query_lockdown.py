"""User SQL reads the store and nothing else: every write is refused and leaves every file as it was;
a query can be stopped after a time limit, and a limit bounds the rows fetched."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import pytest

from tracesift.errors import QueryError
from tracesift.pipeline.ingest import ingest
from tracesift.store.query import query

ENDLESS = "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r"


@pytest.fixture
def logs(tb_run, tmp_path, monkeypatch) -> Path:
    """An ingested logs folder; the working folder is the user's tree too."""
    monkeypatch.chdir(tmp_path)
    ingest([tb_run.parent])
    return tb_run.parent


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``, with a hash of each file's bytes."""
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            for path in sorted(root.rglob("*"))}


# Each attack named in the issue, and the other ways out: {store}, {manifest} and {parquet} are filled in
ATTACKS = {
    "copy over the manifest": "copy (select 'garbage') to '{manifest}'",
    "copy over a listed file": "copy (select * from metrics limit 1) to '{parquet}' (format parquet)",
    "copy a new file into the store": "copy (select 1) to '{store}/metrics/extra.parquet'",
    "copy into the working folder": "copy (select * from metrics) to 'stolen.csv'",
    "attach a file in the store": "attach '{store}/x.duckdb' as x",
    "attach in memory": "attach ':memory:' as scratch",
    "export the database": "export database '{store}/exported'",
    "copy from database": "copy from database memory to memory",
    "install an extension": "install httpfs",
    "load an extension": "load httpfs",
    "unlock the configuration": "set lock_configuration = false",
    "reset the configuration": "reset lock_configuration",
    "widen the allowed folders": "set allowed_directories = ['/']",
    "move the temp folder": "set temp_directory = '{store}'",
    "profile into the store": "pragma profiling_output = '{store}/profile.json'",
    "create a table": "create table t as select 1",
    "create a view": "create view v as select 1",
    "explain analyze a copy": "explain analyze copy (select 1) to '{store}/explained.csv'",
    "a write after a query": "select 1; copy (select 1) to '{store}/second.csv'",
    "prepare a copy": "prepare p as copy (select 1) to '{store}/prepared.csv'",
    "checkpoint": "checkpoint",
}


def attack(name: str, store: Path) -> str:
    manifest = next((store / "manifest").glob("*.json"))
    parquet = next((store / "metrics").glob("*.parquet"))
    return ATTACKS[name].format(store=store, manifest=manifest, parquet=parquet)


@pytest.mark.parametrize("name", ATTACKS)
def test_every_write_is_refused_and_changes_nothing(logs, tmp_path, name):
    sql = attack(name, logs / ".tracesift")
    before = snapshot(tmp_path)
    with pytest.raises(QueryError, match="read-only"):
        query(logs, sql)
    assert snapshot(tmp_path) == before
    assert query(logs, "select count(*) n from metrics").dicts() == [{"n": 400}]


@pytest.mark.parametrize("path", ["manifest", "/etc/hostname", "outside.txt"])
def test_only_the_listed_parquet_files_can_be_read(logs, tmp_path, path):
    (tmp_path / "outside.txt").write_text("private\n")
    if path == "manifest":
        path = str(next((logs / ".tracesift" / "manifest").glob("*.json")))
    with pytest.raises(QueryError, match="disabled by configuration"):
        query(logs, f"select * from read_text('{path}')")


def test_temp_folder_is_private_and_removed(logs, tmp_path):
    answer = query(logs, "select current_setting('temp_directory') folder")
    folder = Path(answer.dicts()[0]["folder"]).resolve()
    assert folder.is_absolute() and not folder.is_relative_to(tmp_path)
    assert not folder.exists()


def test_a_query_past_its_timeout_is_stopped(logs):
    with pytest.raises(QueryError, match="stopped after 0.5 s"):
        query(logs, ENDLESS, timeout=0.5)


def test_a_query_within_its_timeout_answers(logs):
    assert query(logs, "select count(*) n from metrics", timeout=30).dicts() == [{"n": 400}]


def test_limit_fetches_only_what_it_returns(logs):
    tracemalloc.start()
    try:
        answer = query(logs, "select range as n, repeat('x', 100) as pad from range(2000000)", limit=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [row[0] for row in answer.rows] == [0, 1, 2, 3, 4] and answer.truncated
    assert peak < 20_000_000  # two million rows in Python would take hundreds of megabytes


@pytest.mark.parametrize(("limit", "truncated"), [(3, False), (4, False), (None, False), (0, False), (2, True)])
def test_truncated_says_whether_rows_were_left_out(logs, limit, truncated):
    answer = query(logs, "select * from range(3)", limit=limit)
    assert answer.truncated is truncated
    assert len(answer.rows) == (3 if not truncated else limit)


def test_sql_run_by_a_table_function_is_still_only_a_query(logs, tmp_path):
    before = snapshot(tmp_path)
    with pytest.raises(QueryError):
        query(logs, f"select * from query('copy (select 1) to ''{logs}/.tracesift/q.csv''')")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("sql", ["from metrics limit 1", "describe metrics", "show tables", "values (1)",
                                 "summarize select step from metrics", "with a as (select 1 n) select n from a"])
def test_every_kind_of_query_still_runs(logs, sql):
    assert query(logs, sql).rows


def test_no_progress_bar_reaches_stdout(logs):
    """DuckDB draws a progress bar on stdout for a query that runs past two seconds: amid `--json`, a broken document."""
    assert query(logs, "select current_setting('enable_progress_bar') as bar").rows[0][0] is False
