"""openhands_eval: OpenHands evaluation output.jsonl (one EvalOutput record per line).

Samples in the structure of ``OpenHands/OpenHands`` @ ``414eb587`` ``evaluation/utils/shared.py``
(``EvalOutput``, V0 events) and ``OpenHands/benchmarks`` @ ``4e5469e0`` ``benchmarks/utils/models.py``
(V1 SDK events, ``attempt``), written by ``scripts/samples/agents/make_openhands_eval.py`` around
the ``openhands/`` and ``openhands_sdk/`` samples; the broken files below are cut from them.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.readers.agent_helpers import AGENTS, claimed_elsewhere, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input
from tracesift.readers.discover import discover

V0, V1 = "openhands_eval/v0/output.jsonl", "openhands_eval/v1/output.jsonl"
LOOP, HELLO, TIMEOUT = "acme__dateparse-42", "acme__hello-7", "acme__dateparse-57"
FIELDS = ("kind", "agent", "tool", "is_error", "exit_code", "tokens_in", "tokens_out", "cost", "latency_s", "content")


def records(rel: str = V0) -> list[dict]:
    return [json.loads(line) for line in (AGENTS / rel).read_text().splitlines()]


def same(rows: list[dict]) -> list[tuple]:
    return [tuple(r[f] for f in FIELDS) for r in rows]


def test_a_trajectory_per_line_with_tool_calls_results_and_errors_counted():
    batch = read_sample(V0, "openhands_eval")
    assert list(trajectories(batch)) == [f"agents/{V0}#{i}" for i in (HELLO, LOOP, TIMEOUT)]
    rows = steps(batch, f"agents/{V0}#{LOOP}")
    kinds = column(rows, "kind")
    assert kinds.count("tool_call") == kinds.count("tool_result") == 5
    assert [r["kind"] for r in rows if r["is_error"]] == ["tool_result"] * 4 + ["error"]
    assert [r["exit_code"] for r in rows if r["exit_code"] is not None] == [2, 2, 2]
    assert batch.problems == []


def test_v0_history_reads_as_the_openhands_reader_reads_the_events():
    batch = read_sample(V0, "openhands_eval")
    for iid, sample in ((HELLO, "openhands/hello_ok.json"), (LOOP, "openhands/delegation_loop.json")):
        assert same(steps(batch, f"agents/{V0}#{iid}")) == same(steps(read_sample(sample, "openhands")))


def test_v1_history_reads_as_the_sdk_reader_reads_the_conversation():
    rows = steps(read_sample(V1, "openhands_eval"))
    folder = steps(read_sample("openhands_sdk/6a1e2f4c9d8b4e0f8a7c3b2d1e0f9a8b", "openhands_sdk"))
    assert same(rows) == same(folder)
    assert sum(r["tokens_in"] or 0 for r in rows) > 0 and column(rows, "kind").count("tool_call") == 3


def test_outcome_only_from_the_report():
    found = trajectories(read_sample(V0, "openhands_eval"))
    assert [t["outcome"] for t in found.values()] == ["success", "failure", "unknown"]
    loop = found[f"agents/{V0}#{LOOP}"]
    assert loop["task"].startswith("Fix the failing test") and loop["labels"]["empty_patch"] is True
    assert loop["labels"]["error"].startswith("AgentStuckInLoopError")
    assert loop["labels"]["agent_class"] == "CodeActAgent" and loop["labels"]["accumulated_cost"] == 0.084


def test_v1_outcome_joins_the_report_beside_the_file_and_finishing_is_not_solving(tmp_path):
    [t] = trajectories(read_sample(V1, "openhands_eval")).values()
    assert t["outcome"] == "failure" and t["labels"]["verdict_file"] == "output.report.json"
    assert t["labels"]["attempt"] == 1 and t["task"].startswith("The slugify tests fail")
    alone = tmp_path / "output.jsonl"
    shutil.copy(AGENTS / V1, alone)
    [t] = trajectories(read_file(alone, "openhands_eval")).values()
    assert t["outcome"] == "unknown" and "verdict_file" not in t["labels"]


def test_a_harness_error_without_history_is_one_error_step():
    rows = steps(read_sample(V0, "openhands_eval"), f"agents/{V0}#{TIMEOUT}")
    assert [(r["kind"], r["is_error"], r["content"]) for r in rows] == [("error", True, "Timeout after 3600 seconds")]


def test_history_pairs_and_a_report_inside_test_result(tmp_path):
    record = records()[0]
    events = record["history"]
    record["history"] = [events[k:k + 2] for k in range(0, len(events), 2)]
    record["test_result"]["report"] = record.pop("report") | {"resolved": False}
    path = tmp_path / "output.swebench_eval.jsonl"
    path.write_text(json.dumps(record) + "\n")
    batch = read_file(path, "openhands_eval")
    assert len(steps(batch)) == len(steps(read_sample("openhands/hello_ok.json", "openhands")))
    assert [t["outcome"] for t in trajectories(batch).values()] == ["failure"]


def test_a_cut_line_a_bad_line_and_a_repeated_instance(tmp_path):
    lines = (AGENTS / V0).read_text().splitlines()
    path = tmp_path / "output.jsonl"
    path.write_text("\n".join([lines[0], "not json at all", json.dumps({"test_result": {}}), lines[1], lines[0],
                               lines[2][:len(lines[2]) // 2]]) + "\n")
    batch = read_file(path, "openhands_eval")
    assert [(p.line_or_offset, p.error) for p in batch.problems] == [
        (2, "not JSON (Expecting value): line skipped"), (6, "line cut off mid-JSON: skipped"),
        (3, "not an evaluation record (no instance_id): skipped")]
    assert list(trajectories(batch)) == [f"output.jsonl#{HELLO}", f"output.jsonl#{LOOP}", f"output.jsonl#{HELLO}-line5"]
    assert len(steps(batch, f"output.jsonl#{HELLO}-line5")) == len(steps(batch, f"output.jsonl#{HELLO}"))


def test_a_file_with_nothing_readable_raises_a_clear_error(tmp_path):
    path = tmp_path / "output.jsonl"
    path.write_text((AGENTS / V0).read_text()[:300])
    with pytest.raises(ValueError, match="cut off"):
        by_name("openhands_eval").read(Input(path))


def test_sniffed_by_content_and_the_event_readers_do_not_take_it(tmp_path):
    for rel in (V0, V1):
        assert choose(Input(AGENTS / rel)).name == "openhands_eval"
        assert by_name("openhands").sniff(Input(AGENTS / rel)) == 0.0
    resorted = tmp_path / "resorted.jsonl"
    resorted.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records()))
    assert choose(Input(resorted)).name == "openhands_eval"
    assert claimed_elsewhere("openhands_eval", "openhands_eval") == []


def test_the_report_beside_the_output_is_passed_over_by_discovery():
    folder = AGENTS / "openhands_eval" / "v1"
    found = {s.path.name: s for s in discover(folder, folder)}
    assert found["output.report.json"].ignored and not found["output.jsonl"].ignored
