"""generic_jsonl: a JSONL log read through a mapping in its reader options (a tracesift.toml table)."""

from __future__ import annotations

import json

from tests.conftest import SAMPLES
from tests.readers.agent_helpers import column, steps, trajectories
from tracesift.config import reader_options_in
from tracesift.pipeline.ingest import ingest
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input
from tracesift.readers.generic_jsonl import sniff
from tracesift.store.query import query

SAMPLE = SAMPLES / "agents" / "generic" / "team_log.jsonl"


def test_sample_read_through_the_mapping_beside_it():
    given = Input(SAMPLE, "agents/generic/team_log.jsonl", options=reader_options_in(SAMPLE.parent))
    assert choose(given).name == "generic_jsonl"
    batch = by_name("generic_jsonl").read(given)
    found = trajectories(batch)
    assert set(found) == {"agents/generic/team_log.jsonl#s1", "agents/generic/team_log.jsonl#s2"}
    assert found["agents/generic/team_log.jsonl#s2"]["task"] == "Push the tag v1.2"
    rows = steps(batch, "agents/generic/team_log.jsonl#s2")
    assert column(rows, "kind") == ["message", "tool_call", "tool_result", "final"]
    assert column(rows, "agent") == ["planner", "git-bot", "git-bot", "planner"]
    assert rows[1]["tool"] == "git" and rows[2]["is_error"] is True


def test_claims_only_with_a_mapping_naming_present_fields(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"who": "a", "said": "hi", "kind": "chat"}) + "\n")
    assert sniff(Input(log)) == 0.0
    assert sniff(Input(log, options={"generic_jsonl": {"step": {"agent": "speaker"}}})) == 0.0
    options = {"generic_jsonl": {"step.agent": "who", "step.content": "said", "step.kind": "kind"}}
    assert sniff(Input(log, options=options)) > 0.9
    batch = by_name("generic_jsonl").read(Input(log, options=options))
    assert steps(batch)[0]["agent"] == "a" and "unknown kind 'chat'" in batch.problems[0].error


def _two_logs(root):
    for folder in ("mapped", "plain"):
        (root / folder).mkdir()
        (root / folder / "log.jsonl").write_text(json.dumps({"who": "a", "said": "hi"}) + "\n")
    (root / "mapped" / "tracesift.toml").write_text('[readers.generic_jsonl]\n"step.agent" = "who"\n')


def test_ingest_uses_the_toml_beside_each_file_before_the_commands_options(tmp_path):
    _two_logs(tmp_path)
    ingest([tmp_path], store=tmp_path / "s")
    formats = query(tmp_path / "s", "select path, source_format from trajectories").dicts()
    assert [row["source_format"] for row in formats] == ["generic_jsonl"]
    assert formats[0]["path"].endswith("mapped/log.jsonl")


def test_ingest_passes_the_commands_reader_options(tmp_path):
    _two_logs(tmp_path)
    given = {"generic_jsonl": {"step.content": "said"}}
    ingest([tmp_path], store=tmp_path / "s", reader_options=given)
    agents = query(tmp_path / "s", "select path, any_value(agent) a from steps join trajectories using "
                                   "(trajectory_id) group by 1 order by 1").dicts()
    assert [row["a"] for row in agents] == ["a", None]  # mapped/ by its own file; plain/ by the command's
