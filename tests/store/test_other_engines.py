"""The store is plain Parquet: the DuckDB and Polars examples of the docs read it, from its manifest's
list of current files, and find what tracesift finds."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tracesift.pipeline.ingest import ingest
from tracesift.store.query import query

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("docs/store.md", "README.md")


def example(page: str, engine: str) -> str:
    """The Python block that follows the heading 'Reading it with <engine>' on ``page``."""
    text = (ROOT / page).read_text()
    found = re.search(rf"#+ Reading it with {engine}\n+```python\n(.*?)```", text, re.S)
    assert found, f"{page}: no {engine} example"
    return found[1]


@pytest.fixture(scope="module")
def store_folder(tmp_path_factory) -> Path:
    """A folder holding a store of the training samples, changed once (so that it has several versions)."""
    folder = tmp_path_factory.mktemp("other-engines")
    ingest([SAMPLES / "training" / "csv"], store=folder / ".tracesift", jobs=1)
    ingest([SAMPLES / "training" / "csv", SAMPLES / "training" / "jsonl"], store=folder / ".tracesift", jobs=1)
    return folder


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("engine", ["DuckDB", "Polars"])
def test_the_documented_example_reads_the_store(store_folder, page, engine):
    code = example(page, engine)
    assert len(code.strip().splitlines()) == 3
    done = subprocess.run([sys.executable, "-c", code], cwd=store_folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    expected = query(store_folder / ".tracesift", "SELECT run_id, max(step) FROM metrics GROUP BY 1").rows
    assert sorted(ast.literal_eval(done.stdout.strip())) == sorted(expected)
    assert any("jsonl" in run for run, _ in expected)  # the second version's inputs are there
