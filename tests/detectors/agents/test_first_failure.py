"""`tracesift scan sample_traces/agents/` names the first failing step and the agent of every known failure.

KNOWN is copied from the "Known failures" table of sample_traces/agents/README.md: the first
failure step it states (for a loop of one failing command, the first failed result, as the
table says of chat/sessions.jsonl#loop-1) and the agent it names (or the only agent there is).
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import SAMPLES
from tests.detectors.agents.helpers import call, chat, find, result, say
from tracesift.cli import app
from tracesift.detectors.first_failure import locate

KNOWN = [
    # trajectory (id prefix, id suffix), first failure step, responsible agent
    ("chat/tool_error_cascade.json", "", 3, "assistant"),
    ("chat/sessions.jsonl#loop-1", "", 2, "assistant"),
    ("swe_agent/repeated_failing_command.traj", "", 8, "primary"),
    ("swe_agent/context_overrun.traj", "", 4, "primary"),
    ("openhands/delegation_loop.json", "", 2, "agent"),
    ("inspect/toy_agent.eval#tests-loop", "", 3, "mockllm/model"),
    ("inspect/toy_agent.json#tests-loop", "", 3, "mockllm/model"),
    ("inspect/toy_agent.eval#config-port", "", 3, "mockllm/model"),
    ("inspect/toy_agent.json#config-port", "", 3, "mockllm/model"),
    ("otel_genai/trip_planner.json#", "39ad30609be34547f8a97d433ca4df17", 2, "planner"),
    ("otel_genai/openinference_agent.json", "", 5, "support"),
    ("multi_agent/algorithm_generated_8e867cd7.json", "", 2, "DiscographyAnalysis_Expert"),
    ("multi_agent/hand_crafted.jsonl#hc-17", "", 2, "Orchestrator"),
    ("generic/team_log.jsonl#s2", "", 2, "git-bot"),
    ("mini_swe_agent/step_limit.traj.json", "", 4, "mini-swe-agent"),
    ("openhands_eval/v0/output.jsonl#acme__dateparse-42", "", 2, "agent"),
    ("openhands_eval/v0/output.jsonl#acme__dateparse-57", "", 0, None),
    ("tau_bench/", "#1-trial0", 4, "assistant"),
    ("tau_bench/", "#1-trial1", 0, None),
    ("openai_agents/support_desk.jsonl#trace_a1b2", "", 3, "Test fixer"),
    ("openai_agents/guardrail_batch.json#trace_0e9d", "", 1, "Payments agent"),
    # a tool-call checkpoint: the chat as it stood when the fix waited for approval, its failure not yet made good
    ("gemini_cli/tmp/9f2c", "/checkpoints/2026-03-02T10-15-21_050Z-dates.py-replace.json", 4, "gemini"),
]
GEMINI_9F2C = "gemini_cli/tmp/9f2c41d07be35a86c1e04f7d2ab9e6c35d80f1a4b7e2c9d6f03a85b1e4c7d290/"
SUCCESSFUL = ["chat/sessions.jsonl#ok-1", "chat/messages_per_line.jsonl", "swe_agent/run_1x/", "openhands/hello_ok.json",
              "openhands_eval/v0/output.jsonl#acme__hello-7", "inspect/toy_agent.eval#add", "inspect/toy_agent.json#add",
              "multi_agent/hand_crafted.jsonl#ok-1", "generic/team_log.jsonl#s1", "otel_genai/trip_planner.json#2ec8",
              # failures that were made good, outcome unknown or success
              "chat/anthropic_blocks.json", "claude_code/", "codex_cli/", "gemini_cli/tmp/092d", GEMINI_9F2C + "chats/",
              GEMINI_9F2C + "checkpoint-", "openhands_sdk/",
              "openai_agents/support_desk.jsonl#trace_5f0c", "langfuse/", "cline/tasks/1760433000000"]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, runner_module):
    root = tmp_path_factory.mktemp("scan") / "agents"
    shutil.copytree(SAMPLES / "agents", root)
    result = runner_module.invoke(app, ["scan", str(root), "--json"])
    assert result.exit_code == 1, result.output  # the known failures are critical
    findings = json.loads(result.stdout)["findings"]
    by_subject: dict[str, list[dict]] = {}
    for f in findings:
        by_subject.setdefault(f["subject_id"], []).append(f)
    return by_subject


@pytest.fixture(scope="module")
def runner_module():
    from typer.testing import CliRunner

    return CliRunner()


def _first_failures(scanned, start, end=""):
    [subject] = [s for s in scanned if s.startswith(start) and s.endswith(end)] or [None]
    assert subject is not None, f"no findings at all for {start}…{end}"
    return [f for f in scanned[subject] if f["kind"] == "first_failure"]


@pytest.mark.parametrize(("start", "end", "step", "agent"), KNOWN, ids=[k[0] + k[1] for k in KNOWN])
def test_scan_names_the_known_first_failure(scanned, start, end, step, agent):
    [found] = _first_failures(scanned, start, end)
    assert (found["first_step"], found["agent"]) == (step, agent), found["message"]
    assert 0 < found["evidence"]["confidence"] <= 1 and found["evidence"]["detectors"] is not None
    assert found["severity"] in ("critical", "warning")


@pytest.mark.parametrize("start", SUCCESSFUL)
def test_no_first_failure_where_nothing_failed_for_good(scanned, start):
    subjects = [s for s in scanned if s.startswith(start)]
    assert all(f["kind"] != "first_failure" for s in subjects for f in scanned[s])


def test_a_failed_trajectory_with_only_recovered_errors_still_gets_one(scanned):
    # openhands_eval v1: tests fixed and `finish`ed, but the SWE-bench report says unresolved
    [found] = _first_failures(scanned, "openhands_eval/v1/output.jsonl#textkit__textkit-311")
    assert found["severity"] == "critical" and found["first_step"] == 4  # the first failing pytest


def test_locate_is_a_plain_function(samples):
    from tracesift.detectors import all_detectors
    from tracesift.findings import SubjectType

    trajectory = samples["openhands/delegation_loop.json"]
    findings = [f for d in all_detectors() if d.subject is SubjectType.trajectory
                for f in d.judge(trajectory, d.params())]
    located = locate(trajectory, findings)
    step, agent, confidence, evidence = located
    assert (step, agent) == (2, "agent") and 0 < confidence <= 1 and evidence["text"]
    assert located.evidence["rule"].startswith("wrong hand-off") and "handoff" in located.evidence["detectors"]
    assert located.confidence > locate(trajectory, []).confidence  # with no findings: the first action, unsure


def test_with_no_evidence_the_first_action_is_named(tmp_path):
    # no tool, no error: the first step that acts (not the task restated, not a plan)
    log = chat(tmp_path, "guess", [say("What is the capital of Australia?", "user"),
                                  say("Sydney."), say("It is Sydney, I am sure.")])
    located = locate(log, [])
    assert (located.step, located.agent, located.confidence) == (1, "assistant", 0.15)


def test_a_trajectory_with_no_steps_is_located_nowhere(samples):
    from tracesift.detectors.base import Trajectory

    empty = Trajectory("empty", {"outcome": "failure"}, {})
    assert locate(empty, []).step is None


def test_first_failure_confidence_grows_when_detectors_agree(tmp_path, samples):
    single = chat(tmp_path, "single", [say("Read a.txt", "user"), call("a", "read", {"p": "a.txt"}),
                                       result("a", "Error: no such file"), say("Sorry, I cannot read it.")])
    loop = find(samples, "chat/sessions.jsonl#loop-1")
    from tracesift.detectors import all_detectors

    def confidence(t):
        return locate(t, [f for d in all_detectors() if d.subject.value == "trajectory"
                          for f in d.judge(t, d.params())]).confidence
    assert confidence(loop) > confidence(single)


def test_a_worker_that_stops_answering_is_responsible_for_the_orchestrators_loop(tmp_path):
    """Magentic-One roles, as the Hand-Crafted logs write them: after WebSurfer's one turn (step 4) the orchestrator
    hands it the turn three times more and WebSurfer never answers. The orchestrator's repeated "Next speaker"
    is a loop, but the agent that failed is the silent one, at its last turn."""
    turn = [("Orchestrator (thought)", "Updated Ledger: the request is not satisfied yet."),
            ("Orchestrator (-> WebSurfer)", "Please open the fund list and read the fees."),
            ("Orchestrator (thought)", "Next speaker WebSurfer")]
    history = [("human", "Which fund has the lowest fee?"), ("Orchestrator (thought)", "Plan: ask WebSurfer."),
               ("Orchestrator (-> WebSurfer)", "Search for the fund list."),
               ("Orchestrator (thought)", "Next speaker WebSurfer"),
               ("WebSurfer", "I typed 'fund list' into the search box. Here is a screenshot."), *turn * 3,
               ("Orchestrator (termination condition)", "Max rounds (30) reached.")]
    record = {"question": "Which fund has the lowest fee?", "mistake_agent": "WebSurfer", "mistake_step": "4",
              "history": [{"role": role, "content": content} for role, content in history]}
    (tmp_path / "m1").mkdir()
    (tmp_path / "m1" / "stalled.json").write_text(json.dumps(record))
    from tests.detectors.agents.helpers import load
    from tracesift.detectors import all_detectors

    [trajectory] = load(tmp_path / "m1").values()
    findings = [f for d in all_detectors() if d.subject.value == "trajectory" for f in d.judge(trajectory, d.params())]
    assert any(f.kind == "monologue" and f.agent == "Orchestrator" for f in findings)
    located = locate(trajectory, findings)
    assert (located.step, located.agent) == (4, "WebSurfer")
    assert "never answered" in located.evidence["rule"]
