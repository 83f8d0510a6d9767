"""malformed_call, void_turn, give_up, unsupported_answer, run_error, handoff on the samples and small chat logs.

Ground truth: the samples' Known failures table, and the logs written here.
"""

from __future__ import annotations

import json

from tests.conftest import SAMPLES
from tests.detectors.agents.helpers import call, chat, find, judge, load, one, result, say


def test_arguments_rejected_by_the_framework(samples):
    # Inspect: add(x="port") at step 5; "'port' is not of type 'integer'" at step 6
    f = one("malformed_call", samples["inspect/toy_agent.eval#config-port"])
    assert (f.first_step, f.agent) == (5, "mockllm/model") and "not of type" in f.message


def test_a_tool_that_does_not_exist(samples):
    # OpenHands SDK: AgentErrorEvent "Tool 'browser' not found" at step 7
    f = one("malformed_call", samples["openhands_sdk/6a1e2f4c9d8b4e0f8a7c3b2d1e0f9a8b"])
    assert (f.first_step, f.agent) == (7, "agent") and "browser" in f.message


def test_invalid_json_unknown_tools_missing_fields(tmp_path):
    log = chat(tmp_path, "bad", [
        say("Book a table.", "user"),
        call("a", "search", {"city": "Oslo"}), result("a", "3 places"),
        call("b", "search", '{"city": "Oslo"'), result("b", "ok"),  # cut-off JSON, step 3
        call("c", "book", {"place": "Maaemo"}), result("c", "booked"),  # no "time", step 5
        call("d", "pay", {"amount": 10}), result("d", "paid"),  # not a tool it has, step 7
        say("Booked."),
    ])
    assert one("malformed_call", log).first_step == 3
    problems = one("malformed_call", log, known_tools=["search", "book"], required_fields=["book.time"]).evidence
    assert [(p["step"], p["what"].split(" ")[1]) for p in problems["problems"]] == [(3, "arguments"), (5, "lacks"),
                                                                                   (7, "is")]


def test_void_turns(samples, tmp_path):
    # mini-swe-agent: step 8 has no bash block, the format error follows at step 9
    f = one("void_turn", samples["mini_swe_agent/empty_mean.traj.json"])
    assert (f.first_step, f.severity.value) == (8, "info")
    # Cline: step 9 "I will write the file whole." and no tool: "[ERROR] You did not use a tool" at step 10
    assert one("void_turn", samples["cline/tasks/1760433000000"]).first_step == 9
    # the OpenAI Agents SDK records a response with no output at step 3
    f = one("void_turn", find(samples, "openai_agents/guardrail_batch.json#trace_7c6b"))
    assert (f.first_step, f.evidence["turns"][0]["why"], f.severity.value) == (3, "empty", "info")
    # blank answers, the user prodding between them: void again and again (the reader drops "" and null)
    log = chat(tmp_path, "blank", [say("Summarise x.py", "user"), say(" "), say("Go on.", "user"), say(" "),
                                   say("Hello?", "user"), say(" ")])
    f = one("void_turn", log)
    assert (f.first_step, f.score, f.evidence["in_a_row"], f.severity.value) == (1, 3.0, 3, "warning")


def test_give_up(samples, tmp_path):
    for start, step in [("chat/sessions.jsonl#loop-1", 9), ("otel_genai/openinference_agent.json", 6),
                        ("tau_bench/", 6)]:
        trajectory = find(samples, start, "#1-trial0" if start == "tau_bench/" else "")
        assert one("give_up", trajectory).first_step == step
    searching = chat(tmp_path, "searching", [say("Find notes.md", "user"), say("I cannot find it here; let me search."),
                                             call("a", "find", {"name": "notes.md"}), result("a", "docs/notes.md"),
                                             say("It is docs/notes.md.")], outcome="success")
    assert judge("give_up", searching) == []


def test_answers_that_stand_on_a_failure(samples):
    f = one("unsupported_answer", samples["chat/tool_error_cascade.json"])
    assert (f.first_step, f.onset_step, f.severity.value) == (7, 6, "warning")  # "0 ms" after percentile failed
    assert one("unsupported_answer", samples["generic/team_log.jsonl#s2"]).first_step == 3  # "Tag pushed."
    assert judge("unsupported_answer", samples["chat/sessions.jsonl#ok-1"]) == []
    assert judge("unsupported_answer", samples["chat/sessions.jsonl#loop-1"]) == []  # it says it could not


def test_an_answer_with_no_work_behind_it(tmp_path):
    log = chat(tmp_path, "bare", [say("What is in config.yaml?", "user"), say("It sets port 8080.")])
    f = one("unsupported_answer", log)
    assert (f.first_step, f.severity.value, f.evidence["basis"]) == (1, "info", "nothing")
    assert judge("unsupported_answer", log, judge_tool_free=False) == []


def test_run_errors(samples):
    f = one("run_error", find(samples, "openai_agents/guardrail_batch.json#trace_0e9d"))
    assert (f.kind, f.first_step, f.severity.value) == ("guardrail", 1, "critical")
    f = one("run_error", find(samples, "tau_bench/", "#1-trial1"))
    assert (f.kind, f.first_step) == ("run_error", 0) and "RateLimitError" in f.message
    # a limit is budget's, a stuck loop is loop's: not reported twice
    assert judge("run_error", samples["inspect/toy_agent.eval#tests-loop"]) == []
    assert judge("run_error", samples["openhands/delegation_loop.json"]) == []


def test_handoffs(samples):
    f = one("handoff", samples["openhands/delegation_loop.json"])
    assert (f.first_step, f.agent, f.evidence["receiver"], f.evidence["failed_step"], f.severity.value) == (
        2, "agent", "BrowsingAgent", 5, "warning")
    f = one("handoff", samples["multi_agent/hand_crafted.jsonl#hc-17"])
    assert (f.first_step, f.agent, f.evidence["receiver"]) == (2, "Orchestrator", "Coder")
    f = one("handoff", find(samples, "openai_agents/support_desk.jsonl#trace_5f0c"))  # lookup_invoice made good
    assert (f.first_step, f.agent, f.severity.value) == (3, "Triage agent", "info")
    session = find(samples, "claude_code/-home-dev-invoice-api/7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07.jsonl")
    assert judge("handoff", session) == []  # a Task subagent works in its own trajectory


def test_calls_checked_against_the_tool_schemas_an_inspect_log_records(tmp_path):
    """Inspect's model events record the tools offered (``run_command`` requires ``cmd``); a call without ``cmd``
    and a call of a tool never offered are malformed, the sample's own calls are not."""
    log = json.loads((SAMPLES / "agents" / "inspect" / "toy_agent.json").read_text())
    [loop] = [s for s in log["samples"] if s["id"] == "tests-loop"]
    assert not judge("malformed_call", _inspect_sample(tmp_path / "ok", log, loop))
    calls = [c for m in loop["messages"] for c in m.get("tool_calls") or ()]
    calls[1]["arguments"] = {"command": "pytest"}  # the schema requires cmd
    calls[2]["function"] = "browse"  # never offered
    f = one("malformed_call", _inspect_sample(tmp_path / "bad", log, loop))
    problems = " ".join(map(str, f.evidence.values()))
    assert "cmd" in problems and "browse" in problems


def _inspect_sample(folder, log, sample):
    folder.mkdir()
    (folder / "toy_agent.json").write_text(json.dumps({**log, "samples": [sample]}))
    [trajectory] = load(folder).values()
    return trajectory
