"""error_cascade on the samples; task_drift and diversity_collapse on logs written to hold them.

Ground truth: the samples' Known failures table, and the logs below.
"""

from __future__ import annotations

import json

from tests.detectors.agents.helpers import call, chat, find, judge, load, one, result, say


def test_a_cascade_never_recovered(samples):
    f = one("error_cascade", samples["chat/sessions.jsonl#loop-1"])  # bash fails at 2, 4, 6, 8
    assert (f.first_step, f.evidence["errors_after"], f.evidence["recovered"], f.severity.value) == (2, 3, False,
                                                                                                    "critical")
    f = one("error_cascade", samples["chat/tool_error_cascade.json"])  # read_csv at 3, then percentile at 6
    assert (f.first_step, f.evidence["error_steps"], f.severity.value) == (3, [3, 6], "warning")


def test_a_cascade_made_good(samples):
    # Claude Code: pytest fails (4), Edit fails (8); the edit at 9 works, the tests pass at 15
    f = one("error_cascade", find(samples, "claude_code/-home-dev-invoice-api/7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07.jsonl"))
    assert (f.first_step, f.evidence["recovered"], f.evidence["recovery_step"], f.severity.value) == (4, True, 10,
                                                                                                      "info")


def test_one_failure_is_no_cascade(samples):
    assert judge("error_cascade", samples["chat/anthropic_blocks.json"]) == []
    assert judge("error_cascade", samples["chat/anthropic_blocks.json"], min_errors=1)[0].first_step == 4


def _drifting(n_on: int, n_off: int) -> list[dict]:
    messages = [say("Fix the failing date parser test in tests/test_dates.py: parse_date rejects ISO week dates.",
                    "user")]
    for i in range(n_on):
        messages += [call(f"on{i}", "bash", {"cmd": f"pytest tests/test_dates.py -k parse_date_{i}"}),
                     result(f"on{i}", f"FAILED test_dates.py::test_parse_date iso week date {i} rejected by parse_date")]
    for i in range(n_off):
        messages += [say(f"Meanwhile the weather in Lisbon is sunny; tram {i} to Belem leaves from Praca do Comercio."),
                     say("Lisbon travel tips: pastel de nata bakeries, viewpoints and sunset cruises.", "user")]
    return messages


def test_drift_away_from_the_task(tmp_path):
    f = one("task_drift", chat(tmp_path, "drift", _drifting(4, 5)))
    assert f.first_step == 9 and f.severity.value == "info"  # the first Lisbon message
    assert f.evidence["at_drift"] < 0.25 * f.evidence["early_level"]
    assert judge("task_drift", chat(tmp_path, "focused", _drifting(9, 0))) == []


def _group_chat(path, history):
    path.write_text(json.dumps({"question": "What was the 2020 population of Colville, Washington?",
                                "ground_truth": "4,673", "is_correct": False, "history": history}))


def test_agents_echoing_each_other(tmp_path):
    answer = "According to the 2020 census the population of Colville, Washington was 4,965 residents in total."
    _group_chat(tmp_path / "echo.json", [
        {"name": "Census_Expert", "role": "assistant", "content": "Plan: look up the 2020 census figure for Colville."},
        {"name": "Census_Expert", "role": "assistant", "content": answer},
        {"name": "Verification_Expert", "role": "user", "content": answer + " Verified."},
        {"name": "Review_Expert", "role": "user", "content": "I agree: " + answer},
        {"name": "Census_Expert", "role": "assistant", "content": "TERMINATE"},
    ])
    f = one("diversity_collapse", load(tmp_path)["echo.json"])
    assert (f.first_step, f.onset_step, f.agent, f.severity.value) == (2, 1, "Verification_Expert", "warning")
    assert f.evidence["agents"] == ["Census_Expert", "Review_Expert", "Verification_Expert"]
    assert judge("diversity_collapse", find(load(tmp_path), "echo.json")) and judge(
        "diversity_collapse", load(tmp_path)["echo.json"], similarity=0.999) == []
