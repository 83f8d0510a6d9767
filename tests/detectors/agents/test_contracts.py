"""contract: rules written in tracesift.toml, each reporting its first violating step.

Ground truth: the steps of the samples (sample_traces/agents/README.md) counted by hand.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import SAMPLES
from tests.detectors.agents.helpers import find, judge
from tracesift.cli import app
from tracesift.errors import UsageError


def first(rule: str, trajectory) -> int | None:
    found = judge("contract", trajectory, rules=[rule])
    return found[0].first_step if found else None


def test_rules_on_the_samples(samples):
    loop, delegation = samples["chat/sessions.jsonl#loop-1"], samples["openhands/delegation_loop.json"]
    swe = samples["swe_agent/repeated_failing_command.traj"]
    assert first("at most 2 consecutive failures", loop) == 6  # failures at 2, 4, 6: the third in a row
    assert first("at most 3 tool calls", loop) == 7  # calls at 1, 3, 5, 7
    assert first("agent BrowsingAgent never calls browse", delegation) == 4
    assert first("never agent:browsing* tool:browse", delegation) == 4  # patterns, any case
    assert first("no tool_call after handoff", delegation) == 4  # the delegate's own call
    assert first("tests run before submit", samples["swe_agent/missing_colon_ok.traj"]) == 10  # submit, no test run
    assert first("tests run before submit", samples["openhands_sdk/6a1e2f4c9d8b4e0f8a7c3b2d1e0f9a8b"]) is None
    assert first("text~ModuleNotFoundError before final", swe) is None  # no final at all: nothing to break
    assert first("never text~ModuleNotFoundError", swe) == 8
    assert first("no tool call after final answer", samples["chat/sessions.jsonl#ok-1"]) is None


def test_a_violation_is_a_finding_with_the_rule(samples):
    [f] = judge("contract", samples["chat/sessions.jsonl#loop-1"], rules=["at most 2 consecutive failure"],
                severity="critical")
    assert (f.kind, f.first_step, f.agent, f.severity.value) == ("contract_violation", 6, "assistant", "critical")
    assert f.evidence["rule"] == "at most 2 consecutive failure"


@pytest.mark.parametrize("rule", ["sometimes a tool_call", "never blah", "at most x failure", "never text~("])
def test_a_rule_that_cannot_be_read_is_a_usage_error(rule, samples):
    with pytest.raises(UsageError, match="contract rule"):
        judge("contract", find(samples, "chat/sessions.jsonl#ok-1"), rules=[rule])


def test_rules_come_from_tracesift_toml(runner, tmp_path):
    shutil.copytree(SAMPLES / "agents" / "chat", tmp_path / "chat")
    (tmp_path / "chat" / "tracesift.toml").write_text(
        '[detectors.contract]\nrules = ["at most 2 consecutive failures", "no tool_call after final"]\n')
    result = runner.invoke(app, ["scan", str(tmp_path / "chat"), "--json"])
    violations = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "contract_violation"]
    assert [(f["subject_id"], f["first_step"]) for f in violations] == [("sessions.jsonl#loop-1", 6)]
    bad = runner.invoke(app, ["scan", str(tmp_path / "chat"), "--set", "contract.rules=whenever"])
    assert bad.exit_code == 2 and "contract rule" in bad.output
