"""One output option for every command that prints rows, and JSON lines equal to the JSON document."""

from __future__ import annotations

import json
import shutil

from tests.conftest import SAMPLES
from tracesift.cli import app
from tracesift.store.query import query


def test_jsonl_findings_equal_the_documents_value_for_value(runner, tmp_path):
    """A run folder whose name has double spaces and non-ASCII keeps its name in both outputs."""
    odd = tmp_path / "logs" / "my  run ü"
    shutil.copytree(SAMPLES / "training" / "tensorboard" / "lm_diverge", odd)
    document = runner.invoke(app, ["scan", str(tmp_path / "logs"), "--json"])
    lines = runner.invoke(app, ["scan", str(tmp_path / "logs"), "--format", "jsonl"])
    assert document.exit_code == lines.exit_code == 1
    findings = json.loads(document.stdout)["findings"]
    assert findings and {f["subject_id"] for f in findings} == {"my  run ü"}
    assert [json.loads(line) for line in lines.stdout.splitlines()] == findings


def test_every_alias_is_the_format_it_names(runner, tb_run):
    runner.invoke(app, ["ingest", str(tb_run.parent), "-q"])
    sql = "select metric, count(*) n from metrics group by 1 order by 1"
    for alias, fmt in (("--json", "json"), ("--jsonl", "jsonl"), ("--csv", "csv")):
        by_alias = runner.invoke(app, ["query", str(tb_run.parent), sql, alias])
        by_format = runner.invoke(app, ["query", str(tb_run.parent), sql, "--format", fmt])
        assert by_alias.exit_code == by_format.exit_code == 0
        assert by_alias.stdout == by_format.stdout
    assert runner.invoke(app, ["formats", "--fmt", "json"]).stdout == runner.invoke(app, ["formats", "--json"]).stdout


def test_two_formats_at_once_is_a_usage_error(runner, tb_run):
    result = runner.invoke(app, ["scan", str(tb_run.parent), "--json", "--format", "csv"])
    assert result.exit_code == 2 and "choose one output format" in result.stderr


def test_scan_csv_has_one_row_per_finding(runner, tb_run):
    as_json = json.loads(runner.invoke(app, ["scan", str(tb_run.parent), "--json"]).stdout)["findings"]
    rows = runner.invoke(app, ["scan", str(tb_run.parent), "--csv"]).stdout.splitlines()
    assert rows[0].startswith("subject_type,subject_id,detector,kind")
    assert len(rows) - 1 == len(as_json) > 0


def test_help_keeps_square_brackets(runner):
    assert "[detectors.NAME]" in runner.invoke(app, ["scan", "--help"]).stdout
    assert "[detectors.NAME]" in runner.invoke(app, ["detectors", "--help"]).stdout


def test_a_folder_of_trajectories_counts_them(runner, tmp_path):
    shutil.copytree(SAMPLES / "agents", tmp_path / "agents")
    result = runner.invoke(app, ["scan", str(tmp_path / "agents")])
    assert result.exit_code == 1  # several samples failed for good (sample_traces/agents/README.md)
    stored = query(tmp_path / "agents", "select count(*) n from trajectories").dicts()[0]["n"]
    assert stored > 20 and f"findings in {stored} trajectories" in result.stdout
    header = next(line for line in result.stdout.splitlines() if " kind " in line)
    assert "trajectory" in header and " agent " in header and "metric" not in header
