"""loop: the stuck patterns of OpenHands' StuckDetector, found after the fact, where they begin.

Ground truth: the samples' Known failures table, and small chat logs built to hold one pattern each.
"""

from __future__ import annotations

import pytest

from tests.detectors.agents.helpers import call, chat, find, judge, one, result, say


@pytest.mark.parametrize(("start", "onset", "count"), [
    ("chat/sessions.jsonl#loop-1", 2, 4),  # pip install -e . fails at 2, 4, 6, 8
    ("swe_agent/repeated_failing_command.traj", 8, 5),  # the same ModuleNotFoundError at 8, 11, 14, 17, 20
    ("openhands/delegation_loop.json", 9, 3),  # pytest exits 2 at 9, 12, 15
    ("inspect/toy_agent.eval#tests-loop", 3, 4),  # tool errors at 3, 6, 9, 12
    ("mini_swe_agent/step_limit.traj.json", 4, 3),  # exit code 4 at 4, 7, 10
    ("openai_agents/support_desk.jsonl#trace_a1b2", 3, 3),  # the same failing test at 3, 6, 9
])
def test_the_same_failing_call_is_a_loop(samples, start, onset, count):
    f = one("loop", find(samples, start))
    assert (f.kind, f.onset_step, f.evidence["repetitions"], f.severity.value) == ("repeated_error", onset, count,
                                                                                   "critical")
    assert f.first_step == f.evidence["steps"][2]  # the third failure makes it a loop


def test_the_recorded_stuck_error_is_kept_as_evidence(samples):
    f = one("loop", samples["openhands/delegation_loop.json"])
    assert "AgentStuckInLoopError" in f.evidence["recorded"]


def _ls(n: int, same_result: bool = True) -> list[dict]:
    messages = [say("List the files until something changes.", "user")]
    for i in range(n):
        files = "a.txt" if same_result else ["apple.txt", "pear.txt", "plum.txt", "fig.txt", "kiwi.txt"][i]
        messages += [call(f"c{i}", "ls", {"path": "."}), result(f"c{i}", files)]
    return messages


def test_same_call_same_result_four_times(tmp_path):
    f = one("loop", chat(tmp_path, "four", _ls(4) + [say("Still a.txt.")]))
    assert (f.kind, f.onset_step, f.first_step, f.end_step, f.severity.value) == ("repeated_action", 1, 8, 8, "critical")


def test_three_times_is_not_yet_a_loop_nor_are_changing_results(tmp_path):
    assert judge("loop", chat(tmp_path, "three", _ls(3))) == []
    assert judge("loop", chat(tmp_path, "changing", _ls(5, same_result=False))) == []


def test_results_compare_with_numbers_blanked(tmp_path):
    # timings and ids differ from run to run: "took 0.81s" and "took 0.79s" are the same result
    messages = [say("Run it.", "user")]
    for i, t in enumerate(["0.81", "0.79", "0.80", "0.83"]):
        messages += [call(f"c{i}", "run", {"cmd": "make"}), result(f"c{i}", f"nothing to do, took {t}s")]
    assert one("loop", chat(tmp_path, "timings", messages)).kind == "repeated_action"


def test_a_user_turn_breaks_the_run(tmp_path):
    messages = _ls(2) + [say("Try again.", "user")] + _ls(2)[1:]
    assert judge("loop", chat(tmp_path, "interrupted", messages)) == []


def test_a_loop_the_agent_leaves_is_a_warning(tmp_path):
    messages = _ls(4) + [call("x", "cat", {"path": "a.txt"}), result("x", "hello"), say("It says hello.")]
    assert one("loop", chat(tmp_path, "left", messages)).severity.value == "warning"


def test_monologue(tmp_path):
    messages = [say("Fix the bug.", "user"), say("I will look at the code now."), say("I will look at the code now."),
                say("I will look at the code now.")]
    f = one("loop", chat(tmp_path, "mono", messages))
    assert (f.kind, f.onset_step, f.first_step, f.agent) == ("monologue", 1, 3, "assistant")


def test_alternation(tmp_path):
    messages = [say("Toggle until it sticks.", "user")]
    for i in range(3):
        messages += [call(f"a{i}", "open", {"f": "x"}), result(f"a{i}", "opened"),
                     call(f"b{i}", "close", {"f": "x"}), result(f"b{i}", "closed")]
    f = one("loop", chat(tmp_path, "abab", messages))
    assert (f.kind, f.onset_step, f.first_step) == ("alternation", 1, 12)


def test_condensation_loop(tmp_path):
    # the framework condenses the context again and again, and nothing gets done between
    condensed = [say("Context condensed: 40 earlier events summarised to fit the window.", "system")] * 3
    messages = [say("Refactor the parser.", "user"), call("a", "read", {"f": "p.py"}), result("a", "def parse(): ..."),
                *condensed, call("b", "read", {"f": "p.py"}), result("b", "def parse(): ...")]
    f = one("loop", chat(tmp_path, "condense", messages))
    assert (f.kind, f.onset_step, f.first_step, f.severity.value) == ("condensation_loop", 3, 5, "warning")
    asked = [say("Please condense this paragraph.", "user"), say("Condensed: ...")] * 3
    assert judge("loop", chat(tmp_path, "asked", [say("Edit my essay.", "user"), *asked])) == []
