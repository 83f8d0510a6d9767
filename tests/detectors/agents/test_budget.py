"""budget: limits the format recorded, and limits the user sets, with the step that crossed them.

Ground truth: the samples' Known failures table; the user limits are counted by hand below.
"""

from __future__ import annotations

import pytest

from tests.detectors.agents.helpers import find, judge, one


def test_context_overrun_begins_with_the_log_dumped_whole(samples):
    # exit_status "submitted (exit_context)"; `cat logs/server.log` (step 4) dumps 400 lines at step 5
    f = one("budget", samples["swe_agent/context_overrun.traj"])
    assert (f.kind, f.onset_step, f.first_step, f.agent, f.severity.value) == ("context_overrun", 4, 8, "primary",
                                                                               "critical")
    assert f.evidence["source"] == "format" and "exit_context" in f.evidence["recorded"]


@pytest.mark.parametrize(("start", "budget", "step"), [
    ("swe_agent/repeated_failing_command.traj", "cost", 20),  # exit_cost, no error step: the last step
    ("inspect/toy_agent.eval#tests-loop", "messages", 13),  # "Message limit exceeded" at step 13
    ("mini_swe_agent/step_limit.traj.json", "steps", 11),  # LimitsExceeded at step 11
    ("openai_agents/support_desk.jsonl#trace_a1b2", "turns", 10),  # "Max turns exceeded" at step 10
])
def test_recorded_limits(samples, start, budget, step):
    f = one("budget", find(samples, start))
    assert (f.kind, f.evidence["budget"], f.first_step, f.severity.value) == ("budget_exceeded", budget, step,
                                                                              "critical")


def test_user_limits_name_the_step_that_crossed(samples):
    session = find(samples, "claude_code/-home-dev-invoice-api/7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07.jsonl")
    by_budget = {f.evidence["budget"]: f for f in judge("budget", session, max_steps=10, max_tool_calls=3,
                                                        max_tokens=30_000, max_context_tokens=14_000)}
    assert by_budget["steps"].first_step == 10  # the 11th step
    assert by_budget["tool_calls"].first_step == 9  # calls at 3, 5, 7, then 9
    # tokens: 11877+96, then 13169+61 (step 5): 25203; 13570+118 (step 7) passes 30000
    assert by_budget["tokens"].first_step == 7
    assert by_budget["context"].first_step == 11  # the prompt of step 11 is 14116 tokens (step 10: 13806 + text)
    assert all(f.severity.value == "warning" and f.evidence["source"] == "tracesift.toml" for f in by_budget.values())


def test_cost_limit(samples):
    # Cline records a cost per request: 0.028275 + 0.02898 + 0.03018 (step 7) passes 0.08
    f = one("budget", samples["cline/tasks/1760433000000"], max_cost=0.08)
    assert (f.kind, f.first_step) == ("budget_exceeded", 7)


def test_no_limit_no_finding(samples):
    assert judge("budget", samples["chat/sessions.jsonl#ok-1"]) == []
    assert judge("budget", samples["chat/sessions.jsonl#ok-1"], max_steps=100) == []
