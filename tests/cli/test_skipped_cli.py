"""What `ingest` and `scan` say of the inputs they did not read, and `--reader`."""

from __future__ import annotations

import pytest

from tests.conftest import write_loss_jsonl
from tests.store.test_skipped_inputs import PROSE, console_log
from tracesift.cli import app
from tracesift.readers import all_readers


@pytest.fixture
def folder(tmp_path):
    """A good log, a file no reader takes with a plain name, one named like a log, and docs and an image."""
    write_loss_jsonl(tmp_path / "good.jsonl", 30)
    (tmp_path / "scratch").write_text(PROSE)
    (tmp_path / "train.log").write_text(PROSE)
    (tmp_path / "README.md").write_text(PROSE)
    (tmp_path / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return tmp_path


@pytest.mark.parametrize("command", ["ingest", "scan"])
def test_verbose_names_every_skipped_input_with_its_reason(runner, folder, command):
    result = runner.invoke(app, [command, str(folder), "-v"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert any(line.startswith("skipped: scratch: no reader recognised it") for line in lines)
    assert any("train.log" in line and "no reader recognised it" in line for line in lines)
    assert "README.md" not in result.stderr and "plot.png" not in result.stderr  # never candidates
    assert "scratch" not in result.stdout


@pytest.mark.parametrize("command", ["ingest", "scan"])
def test_without_verbose_a_log_named_skip_warns_and_the_rest_are_counted(runner, folder, command):
    result = runner.invoke(app, [command, str(folder)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("train.log" in line for line in warnings)
    assert "scratch" not in result.stderr
    hint = [line for line in result.stderr.splitlines() if line.startswith("note: 1 more input")]
    assert hint and "-v" in hint[0] and "ingest_errors" in hint[0]


def test_the_hint_query_lists_the_skipped_inputs(runner, folder):
    result = runner.invoke(app, ["ingest", str(folder)])
    sql = result.stderr.split('"')[-2]
    answer = runner.invoke(app, ["query", str(folder), sql, "--csv"])
    assert answer.exit_code == 0, answer.output
    assert {line.split(",")[0] for line in answer.stdout.splitlines()[1:]} == {"scratch", "train.log"}


@pytest.mark.parametrize("command", ["ingest", "scan"])
def test_reader_option_reads_a_file_with_the_reader_named(runner, tmp_path, command):
    log = console_log(tmp_path / "train.jsonl")  # named like JSON lines; a console log inside
    result = runner.invoke(app, [command, str(log), "--reader", "stdout"])
    assert result.exit_code == 0, result.output
    answer = runner.invoke(app, ["query", str(tmp_path), "select count(*) n from metrics where metric = 'loss'",
                                 "--csv"])
    assert answer.stdout.splitlines()[1] == "30"


@pytest.mark.parametrize("command", ["ingest", "scan"])
def test_an_unknown_reader_is_a_usage_error_listing_the_readers(runner, tmp_path, command):
    log = console_log(tmp_path / "train.log")
    result = runner.invoke(app, [command, str(log), "--reader", "nope"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
    assert all(reader.name in result.stderr for reader in all_readers())


def test_a_markdown_file_given_on_the_command_line_is_read_when_it_is_a_log(runner, tmp_path):
    log = console_log(tmp_path / "train.md")
    result = runner.invoke(app, ["ingest", str(log)])
    assert result.exit_code == 0, result.output
    assert "read 1 input" in result.stdout
