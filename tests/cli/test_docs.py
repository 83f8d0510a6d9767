"""The docs are made from the commands and their examples really run."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tracesift.cli import app
from tracesift.cli.reference import reference

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current():
    assert (ROOT / "docs" / "cli.md").read_text() == reference(), "run: python -m tracesift.cli.reference > docs/cli.md"


def examples() -> list[list[str]]:
    """The `Example:` line of every command's help, as argument lists (a `| jq` tail dropped)."""
    import typer.main

    group = typer.main.get_command(app)
    found = []
    for name in ("scan", "ingest", "query", "formats", "detectors"):
        line = next(line for line in group.commands[name].help.splitlines() if line.startswith("Example:"))
        words = shlex.split(line.removeprefix("Example:").split("|")[0])
        found.append(words[1:] if words[0] == "tracesift" else ["scan", *words[1:]])
    return found


def test_every_example_runs(runner, tmp_path, monkeypatch):
    shutil.copytree(SAMPLES / "training" / "tensorboard", tmp_path / "runs")
    monkeypatch.chdir(tmp_path)
    for args in examples():
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), f"`{' '.join(args)}` failed: {result.output}"
        assert result.stdout.strip(), f"`{' '.join(args)}` printed nothing"


@pytest.mark.parametrize("page", ["README.md", "docs/json.md"])
def test_docs_name_every_detector_and_reader(page):
    from tracesift.detectors import all_detectors
    from tracesift.readers import all_readers

    text = (ROOT / page).read_text()
    agents = [d.name for d in all_detectors() if d.subject.value == "trajectory"]  # the README's own table
    names = [d.name for d in all_detectors()] if page == "docs/json.md" else [r.name for r in all_readers()] + agents
    missing = [n for n in names if f"`{n}`" not in text]
    assert not missing, f"{page} does not mention {missing}"
