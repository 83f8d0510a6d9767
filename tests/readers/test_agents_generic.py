"""generic_jsonl: a JSONL log read through a [generic_jsonl] mapping in tracesift.toml."""

from __future__ import annotations

import json

from tests.readers.agent_helpers import column, read_file, read_sample, steps, trajectories
from tracesift.readers.base import Input
from tracesift.readers.generic_jsonl import sniff


def test_mapping_beside_the_file():
    batch = read_sample("generic/team_log.jsonl", "generic_jsonl")
    found = trajectories(batch)
    assert set(found) == {"agents/generic/team_log.jsonl#s1", "agents/generic/team_log.jsonl#s2"}
    assert found["agents/generic/team_log.jsonl#s2"]["task"] == "Push the tag v1.2"
    rows = steps(batch, "agents/generic/team_log.jsonl#s2")
    assert column(rows, "kind") == ["message", "tool_call", "tool_result", "final"]
    assert column(rows, "agent") == ["planner", "git-bot", "git-bot", "planner"]
    assert rows[1]["tool"] == "git" and rows[2]["is_error"] is True


def test_claims_only_with_a_mapping_naming_present_fields(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"who": "a", "said": "hi", "kind": "chat"}) + "\n")
    assert sniff(Input(log)) == 0.0
    (tmp_path / "tracesift.toml").write_text('[generic_jsonl]\nstep.agent = "speaker"\n')
    assert sniff(Input(log)) == 0.0
    (tmp_path / "tracesift.toml").write_text('[generic_jsonl]\n"step.agent" = "who"\n"step.content" = "said"\n'
                                             '"step.kind" = "kind"\n')
    assert sniff(Input(log)) > 0.9
    batch = read_file(log, "generic_jsonl")
    assert steps(batch)[0]["agent"] == "a" and "unknown kind 'chat'" in batch.problems[0].error
