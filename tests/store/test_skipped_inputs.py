"""Inputs that are not read are named with the reason, kept in ``ingest_errors``, and a reader can be forced."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, write_loss_jsonl
from tracesift.errors import UsageError
from tracesift.findings import SKIPPED_SQL
from tracesift.pipeline.ingest import ingest
from tracesift.readers import READERS
from tracesift.store.layout import Store
from tracesift.store.manifest import versions
from tracesift.store.query import query

PROSE = "These are the notes of a run that never started.\nNothing was measured.\n"


def console_log(path: Path, steps: int = 30) -> Path:
    """A console log of ``key=value`` metric lines, as a training script prints them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"step={s} loss={1 / (s + 1):.4f} lr=0.001\n" for s in range(steps)))
    return path


def skipped_rows(folder: Path) -> dict[str, str]:
    """path -> error of every ``ingest_errors`` row of an input not read."""
    return {row["path"]: row["error"] for row in query(folder, SKIPPED_SQL).dicts()}


def by_name(report) -> dict:
    return {o.rel: o for o in report.outcomes}


def test_every_candidate_not_read_is_a_row_with_its_reason(tmp_path):
    write_loss_jsonl(tmp_path / "good.jsonl", 5)
    (tmp_path / "notes").write_text(PROSE)
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01\x02 binary")
    (tmp_path / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "README.md").write_text(PROSE)
    report = ingest([tmp_path], jobs=1)
    rows = skipped_rows(tmp_path)
    assert set(rows) == {"notes", "blob.dat"}  # the image and the README are never candidates
    assert "no reader recognised it" in rows["notes"] and "binary" in rows["blob.dat"]
    errors = query(tmp_path, "select reader from ingest_errors").dicts()
    assert all(row["reader"] is None for row in errors)
    outcomes = by_name(report)
    assert outcomes["notes"].status == "skipped" and outcomes["notes"].reason in rows["notes"]
    assert {outcomes["plot.png"].status, outcomes["README.md"].status} == {"ignored"}
    assert [o.rel for o in report.skipped()] == ["blob.dat", "notes"]


def test_skipped_again_unchanged_keeps_its_one_row_and_commits_nothing(tmp_path):
    write_loss_jsonl(tmp_path / "good.jsonl", 5)
    (tmp_path / "notes").write_text(PROSE)
    ingest([tmp_path], jobs=1)
    before = versions(Store.local(tmp_path / ".tracesift"))
    report = ingest([tmp_path], jobs=1)
    assert by_name(report)["notes"].status == "skipped"
    assert versions(Store.local(tmp_path / ".tracesift")) == before
    assert query(tmp_path, "select count(*) n from ingest_errors").dicts() == [{"n": 1}]


def test_a_skipped_file_that_becomes_a_log_loses_its_row_and_a_deleted_one_too(tmp_path):
    notes, other = tmp_path / "notes", tmp_path / "other"
    notes.write_text(PROSE)
    other.write_text(PROSE)
    ingest([tmp_path], jobs=1)
    assert set(skipped_rows(tmp_path)) == {"notes", "other"}
    console_log(notes)
    other.unlink()
    report = ingest([tmp_path], jobs=1)
    assert by_name(report)["notes"].status == "read"
    assert skipped_rows(tmp_path) == {}
    assert query(tmp_path, "select count(*) n from metrics where source_file = 'notes'").dicts()[0]["n"] > 0


def test_a_skip_is_expected_for_console_log_names_and_files_named_on_the_command_line(tmp_path):
    for name in ("train.log", "job.out", "stdout.txt", "scratch"):
        (tmp_path / "runs" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "runs" / name).write_text(PROSE)
    outcomes = by_name(ingest([tmp_path / "runs"], store=tmp_path / "s1", jobs=1))
    assert {rel: o.expected for rel, o in outcomes.items()} == {
        "runs/train.log": True, "runs/job.out": True, "runs/stdout.txt": True, "runs/scratch": False}
    given = by_name(ingest([tmp_path / "runs" / "scratch"], store=tmp_path / "s2", jobs=1))
    assert [(o.status, o.expected) for o in given.values()] == [("skipped", True)]


@pytest.mark.parametrize("suffix", [".md", ".txt", ".py"])
def test_a_file_named_on_the_command_line_is_read_by_content_whatever_its_suffix(tmp_path, suffix):
    log = console_log(tmp_path / f"train{suffix}")
    report = ingest([log], jobs=1)
    assert [(o.status, o.reader) for o in report.outcomes] == [("read", "stdout")]
    assert report.rows("metrics") > 0


def test_a_forced_reader_reads_what_it_is_given(tmp_path):
    log = console_log(tmp_path / "train.csv")  # named like a CSV; a console log inside
    report = ingest([log], reader="stdout", jobs=1)
    assert [(o.status, o.reader) for o in report.outcomes] == [("read", "stdout")]
    metrics = {row["metric"] for row in query(tmp_path, "select distinct metric from metrics").dicts()}
    assert {"loss", "lr"} <= metrics


def test_forcing_another_reader_on_a_stored_file_reads_it_again(tmp_path):
    log = tmp_path / "metrics.jsonl"
    write_loss_jsonl(log, 5)
    assert [o.reader for o in ingest([log], jobs=1).outcomes] == ["jsonl"]
    report = ingest([log], reader="stdout", jobs=1)
    assert [(o.status, o.reader) for o in report.outcomes] == [("read", "stdout")]


def test_a_forced_reader_that_fails_gives_an_error_row(tmp_path):
    log = console_log(tmp_path / "train.log")
    report = ingest([log], reader="hf_trainer", jobs=1)
    assert [(o.status, o.reader) for o in report.outcomes] == [("error", "hf_trainer")]
    rows = query(tmp_path, "select path, reader from ingest_errors").dicts()
    assert rows == [{"path": "train.log", "reader": "hf_trainer"}]


def test_an_unknown_reader_is_a_usage_error_naming_the_readers(tmp_path):
    log = console_log(tmp_path / "train.log")
    with pytest.raises(UsageError) as raised:
        ingest([log], reader="no_such_reader")
    assert "no_such_reader" in str(raised.value)
    assert all(name in str(raised.value) for name in READERS.names())


def test_a_file_reader_forced_on_a_folder_is_a_usage_error(tmp_path):
    console_log(tmp_path / "runs" / "train.log")
    with pytest.raises(UsageError, match="folder"):
        ingest([tmp_path / "runs"], reader="stdout")


def test_a_hugging_face_output_folder_reads_its_trainer_state_and_nothing_else(tmp_path):
    """What `Trainer.save_model` / `save_metrics` / `save_state` leave in an output folder and its checkpoints, written
    as they write them (configs `json.dumps(indent=2, sort_keys=True)`, summaries `indent=4, sort_keys=True`): only
    trainer_state.json is a log; the model's configuration, tokenizer files and end-of-run summaries are passed over
    without a warning, and none of them becomes a run."""
    state = SAMPLES / "training" / "hf_trainer" / "hf_gpt2_diverge" / "trainer_state.json"
    for folder in (tmp_path, tmp_path / "checkpoint-500"):
        folder.mkdir(exist_ok=True)
        shutil.copy(state, folder / "trainer_state.json")
        for name, content in {"config.json": {"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "vocab_size": 50257},
                              "generation_config.json": {"bos_token_id": 50256, "eos_token_id": 50256},
                              "tokenizer_config.json": {"model_max_length": 1024},
                              "special_tokens_map.json": {"bos_token": "<|endoftext|>"}}.items():
            (folder / name).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
        (folder / "vocab.json").write_text(json.dumps({"!": 0, '"': 1, "#": 2}))
        (folder / "merges.txt").write_text("#version: 0.2\n\u0120 t\n")
        (folder / "training_args.bin").write_bytes(b"PK\x03\x04" + bytes(64))
    for name in ("all_results.json", "train_results.json"):
        (tmp_path / name).write_text(json.dumps({"epoch": 3.0, "train_loss": 2.5, "train_runtime": 100.2},
                                                indent=4, sort_keys=True) + "\n")
    report = ingest([tmp_path], jobs=1)
    assert [o.rel for o in report.outcomes if o.status == "read"] == ["trainer_state.json"]
    assert not skipped_rows(tmp_path) and not report.skipped()
    assert query(tmp_path, "select count(*) from ingest_errors").rows[0][0] == 0


def test_of_a_run_with_checkpoints_only_the_latest_trainer_state_is_read(tmp_path):
    """A run stopped before its end leaves only checkpoint folders, each trainer_state.json the curve up to its
    step: the last checkpoint's is the run; the earlier ones (and, once the run ends, all of them) are snapshots."""
    state = SAMPLES / "training" / "hf_trainer" / "hf_gpt2_diverge" / "trainer_state.json"
    for step in (500, 1000, 1500):
        (tmp_path / "out" / f"checkpoint-{step}").mkdir(parents=True)
        shutil.copy(state, tmp_path / "out" / f"checkpoint-{step}" / "trainer_state.json")
        report = ingest([tmp_path / "out"], jobs=1)  # the store follows the run as it saves checkpoints
        assert [o.rel for o in report.outcomes if o.status == "read"] == [f"checkpoint-{step}/trainer_state.json"]
        assert query(tmp_path / "out", "select list(distinct run_id) from runs").rows[0][0] == [f"checkpoint-{step}"]
    assert sorted(o.rel for o in report.outcomes if o.status == "ignored") == [
        "checkpoint-1000/trainer_state.json", "checkpoint-500/trainer_state.json"]


def test_one_record_of_numbers_with_no_step_and_no_metric_name_is_no_log(tmp_path):
    (tmp_path / "sizes.json").write_text(json.dumps({"hidden_size": 768, "num_layers": 12}))
    (tmp_path / "final.json").write_text(json.dumps({"loss": 0.31, "accuracy": 0.9}))
    report = ingest([tmp_path], jobs=1)
    assert {o.rel: o.status for o in report.outcomes} == {"sizes.json": "error", "final.json": "read"}
