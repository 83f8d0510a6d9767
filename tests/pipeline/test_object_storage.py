"""Inputs and the store on an S3-compatible server (moto's, on loopback): the same tables and findings
as on a local disk, with either engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from tests.conftest import SAMPLES
from tests.pipeline.helpers import assert_same_tables, corpus, rows
from tracesift.pipeline.ingest import ingest
from tracesift.pipeline.scan import scan
from tracesift.store.query import query

TRACESIFT = Path(sys.executable).parent
FILE_FORMATS = ("training/tensorboard", "training/csv", "training/jsonl", "training/stdout", "agents/chat",
                "agents/claude_code", "agents/otel_genai")
"""Sample formats that are one file each (folder formats need their folder on a local disk)."""
URL_COLUMNS = {"runs": ("path",), "trajectories": ("path",)}


def upload(folder: Path, url: str) -> None:
    fs, path = pafs.FileSystem.from_uri(url)
    pafs.copy_files(str(folder), path, source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)


def samples_of_file_formats(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "samples"
    for part in FILE_FORMATS:
        shutil.copytree(SAMPLES / part, folder / part)
    return folder


def test_a_store_on_s3_holds_what_a_local_one_does(s3_prefix, tmp_path):
    local = scan([SAMPLES], store=tmp_path / "local", jobs=2)
    remote = scan([SAMPLES], store=f"{s3_prefix}/store", jobs=2)
    assert [f.row() for f in remote.findings] == [f.row() for f in local.findings]
    assert_same_tables(tmp_path / "local", f"{s3_prefix}/store")
    sql = "SELECT metric, count(DISTINCT run_id), max(step) FROM metrics WHERE run_id LIKE '%diverge%' GROUP BY 1"
    answer = query(f"{s3_prefix}/store", sql)
    assert answer.rows and sorted(answer.rows) == sorted(query(tmp_path / "local", sql).rows)


def test_inputs_on_s3_are_read_as_local_ones_and_named_the_same(s3_prefix, tmp_path):
    folder = samples_of_file_formats(tmp_path)
    upload(folder, f"{s3_prefix}/samples")
    ingest([folder], store=tmp_path / "local", jobs=1)
    report = ingest([f"{s3_prefix}/samples"], store=tmp_path / "remote", jobs=1)
    assert report.readable and not [o for o in report.outcomes if o.status == "error"]
    assert_same_tables(tmp_path / "local", tmp_path / "remote", without=URL_COLUMNS)
    paths = {row[0] for row in query(tmp_path / "remote", "SELECT path FROM runs UNION SELECT path FROM trajectories").rows}
    assert paths and all(p.startswith(f"{s3_prefix}/samples/") for p in paths)


def test_inputs_on_s3_are_read_again_only_when_they_change(s3_prefix, tmp_path):
    folder = corpus(tmp_path / "corpus", runs=6, trajectories=4)
    upload(folder, f"{s3_prefix}/corpus")
    store = tmp_path / "store"
    ingest([f"{s3_prefix}/corpus"], store=store, jobs=1)
    again = ingest([f"{s3_prefix}/corpus"], store=store, jobs=1)
    assert {o.status for o in again.outcomes} == {"unchanged"}
    fs, path = pafs.FileSystem.from_uri(f"{s3_prefix}/corpus/runs/group0/run000.jsonl")
    fs.delete_file(path)
    with fs.open_output_stream(path.replace("run000", "run000b")) as out:
        out.write(b'{"step": 0, "loss": 1.5}\n{"step": 1, "loss": 1.25}\n')
    third = ingest([f"{s3_prefix}/corpus"], store=store, jobs=1)
    assert sorted((o.rel, o.status) for o in third.outcomes if o.status != "unchanged") == [
        ("corpus/runs/group0/run000.jsonl", "removed"), ("corpus/runs/group0/run000b.jsonl", "read")]
    assert {r[0] for r in rows(store, "runs")} >= {"corpus/runs/group0/run000b"}
    assert "corpus/runs/group0/run000" not in {r[0] for r in rows(store, "runs")}


def test_the_ray_engine_reads_s3_into_an_s3_store_with_the_local_engines_findings(ray_address, s3_prefix, tmp_path):
    folder = corpus(tmp_path / "corpus")
    upload(folder, f"{s3_prefix}/corpus")
    local = scan([folder], store=tmp_path / "local", jobs=1)
    command = [str(TRACESIFT / "collapse-scan"), f"{s3_prefix}/corpus", "--store", f"{s3_prefix}/store",
               "--engine", "ray", "--address", ray_address, "--json", "--fail-on", "never"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"] == [f.as_dict() for f in local.findings]
    assert_same_tables(tmp_path / "local", f"{s3_prefix}/store", without=URL_COLUMNS)


def test_a_store_url_pyarrow_cannot_open_is_a_usage_error(tmp_path):
    with pytest.raises(Exception, match="nosuchscheme"):
        ingest([SAMPLES / "training" / "jsonl"], store="nosuchscheme://bucket/store", jobs=1)
