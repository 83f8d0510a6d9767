"""tool_error on the samples: where the first tool failure is, who called, whether it was made good.

Ground truth: sample_traces/agents/README.md, "Known failures".
"""

from __future__ import annotations

from tests.detectors.agents.helpers import call, chat, find, judge, one, result, say


def test_first_failure_of_a_cascade_is_the_failed_result(samples):
    # read_csv fails at step 3 (called at step 2); nothing ever reads the file
    f = one("tool_error", samples["chat/tool_error_cascade.json"])
    assert (f.first_step, f.onset_step, f.agent, f.severity.value) == (3, 2, "assistant", "warning")
    assert f.evidence["tool"] == "read_csv" and not f.evidence["recovered"]
    assert "FileNotFoundError" in f.evidence["text"]
    assert f.evidence["failing_steps"] == [3, 6]


def test_a_retry_that_works_is_a_recovery(samples):
    # get_weather returns is_error (503) at step 4; the retry at step 5 works (step 6)
    f = one("tool_error", samples["chat/anthropic_blocks.json"])
    assert (f.first_step, f.severity.value, f.evidence["recovery_step"]) == (4, "info", 6)


def test_a_failing_test_is_made_good_only_by_passing_tests(samples):
    # pytest exits 1 at step 4; sed works at step 7, but only the rerun of pytest (step 11) passes
    f = one("tool_error", find(samples, "codex_cli/rollout-2025-10-14"))
    assert (f.first_step, f.evidence["why"], f.evidence["recovery_step"]) == (4, "exit code 1", 11)


def test_error_text_counts_when_nothing_flags_it(samples):
    # the Agents SDK sees no error in run_tests' "FAILED ..." output (step 3)
    f = one("tool_error", find(samples, "openai_agents/support_desk.jsonl#trace_a1b2"))
    assert f.first_step == 3 and f.evidence["why"].startswith("error text: FAILED")


def test_a_tool_span_holds_its_own_result_and_agent_spans_do_not_count(samples):
    # the root agent span (step 0) is flagged ERROR because its children failed: search_hotels at step 2 is first
    f = judge("tool_error", find(samples, "otel_genai/trip_planner.json#39ad"))[0]
    assert (f.first_step, f.agent, f.evidence["call_step"]) == (2, "planner", 2)


def test_an_executor_failure_belongs_to_the_agent_who_wrote_the_code(samples):
    # ComputerTerminal's exitcode 1 at step 3 ran what the Orchestrator's hand-off (step 2) asked for
    f = one("tool_error", samples["multi_agent/hand_crafted.jsonl#hc-17"])
    assert (f.first_step, f.agent, f.evidence["decided_at"], f.evidence["embedded_call"]) == (3, "Orchestrator", 2, True)


def test_a_call_outside_the_expected_actions_is_marked(samples):
    # tau-bench: modify_pending_order_items (step 4) fails at step 5; the task expected exchange_delivered_order_items
    f = one("tool_error", find(samples, "tau_bench/", "#1-trial0"))
    assert (f.first_step, f.evidence["call_step"], f.evidence["unexpected_action"]) == (5, 4, True)


def test_a_later_unrecovered_failure_is_a_second_finding(tmp_path):
    log = chat(tmp_path, "two", [
        say("Fetch the report and upload it.", "user"),
        call("a", "fetch", {"url": "r1"}), result("a", "Error: timeout"),
        call("b", "fetch", {"url": "r1"}), result("b", "report body"),
        call("c", "upload", {"file": "r1"}), result("c", "Error: 403 Forbidden"),
        say("Done."),
    ])
    first, unrecovered = judge("tool_error", log)
    assert (first.first_step, first.severity.value) == (2, "info")
    assert (unrecovered.first_step, unrecovered.severity.value, unrecovered.evidence["tool"]) == (6, "warning", "upload")


def test_no_failure_no_finding(samples):
    assert judge("tool_error", samples["chat/sessions.jsonl#ok-1"]) == []
    assert judge("tool_error", samples["openhands/hello_ok.json"]) == []
