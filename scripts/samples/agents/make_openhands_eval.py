"""Write the OpenHands evaluation output samples under ``sample_traces/agents/openhands_eval/``.

One ``EvalOutput.model_dump_json()`` per line, keys in the model's order:

- ``v0/output.jsonl``: ``OpenHands/OpenHands`` @ ``414eb587`` ``evaluation/utils/shared.py``
  (``EvalOutput``: instance_id, test_result, instruction, metadata, history, metrics, error, instance;
  ``EvalMetadata``; ``get_metrics``; the timeout record of ``_process_instance_wrapper``) and
  ``evaluation/benchmarks/swe_bench/run_infer.py`` @ ``5b64be36`` (``test_result = {"git_patch"}``,
  ``history = [event_to_dict(e) for e in state.history]``, ``error = state.last_error``), then the
  top-level ``report`` that ``evaluation/benchmarks/swe_bench/scripts/eval/update_output_with_eval.py``
  @ ``0e38823d`` adds (``json.dumps`` of the record). The histories are the ``openhands/`` samples;
  ``llm_config`` is trimmed to a few of its fields.
- ``v1/output.jsonl``: ``OpenHands/benchmarks`` @ ``4e5469e0`` ``benchmarks/utils/models.py``
  (``EvalOutput`` with ``attempt``, SDK events in ``history``, SDK ``Metrics``, ``runtime_runs``) and
  ``benchmarks/swebench/run_infer.py`` (no ``metadata``); the history and metrics are the
  ``openhands_sdk/`` sample's. Beside it ``output.report.json``, the SWE-bench run summary that
  ``benchmarks/swebench/eval_infer.py`` moves next to the input (``input_file.with_suffix(".report.json")``).

Content invented. Plain Python, after make_structure_samples.py and make_openhands_sdk.py:
``python scripts/samples/agents/make_openhands_eval.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

AGENTS = Path(__file__).resolve().parents[3] / "sample_traces" / "agents"
ROOT = AGENTS / "openhands_eval"
SDK = AGENTS / "openhands_sdk" / "6a1e2f4c9d8b4e0f8a7c3b2d1e0f9a8b"
PATCH = ("diff --git a/hello.py b/hello.py\nnew file mode 100644\n--- /dev/null\n+++ b/hello.py\n"
         "@@ -0,0 +1 @@\n+print('hello')\n")


def metadata() -> dict:
    return {"agent_class": "CodeActAgent",
            "llm_config": {"model": "litellm_proxy/claude-sonnet-4-20250514", "api_key": "**********",
                           "base_url": "https://llm-proxy.example.invalid", "temperature": 0.0, "max_output_tokens": 64000,
                           "log_completions": True, "modify_params": False},
            "agent_config": None, "max_iterations": 100,
            "eval_output_dir": "evaluation/evaluation_outputs/outputs/princeton-nlp__SWE-bench_Lite-test/CodeActAgent/"
                               "claude-sonnet-4-20250514_maxiter_100",
            "start_time": "2026-01-01 11:58:40", "git_commit": "04e2840a5d1c7e9b3f6a8d2c4e1b7a9f0c3d5e61",
            "dataset": "princeton-nlp__SWE-bench_Lite-test", "data_split": None,
            "details": {"mode": "swe", "runtime_failure_count": 0, "remote_runtime_resource_factor": 1},
            "condenser_config": {"type": "noop"}, "instruction_template_name": None}


def metrics(cost: float, responses: list[tuple[str, int, int, float]]) -> dict:
    return {"accumulated_cost": cost, "max_budget_per_task": None,
            "accumulated_token_usage": {"model": "default", "prompt_tokens": sum(r[1] for r in responses),
                                        "completion_tokens": sum(r[2] for r in responses), "cache_read_tokens": 0,
                                        "cache_write_tokens": 0, "context_window": 200000, "per_turn_token": 0,
                                        "response_id": ""},
            "costs": [], "response_latencies": [{"model": "claude-sonnet-4-20250514", "latency": r[3], "response_id": r[0]}
                                                for r in responses],
            "token_usages": [{"model": "claude-sonnet-4-20250514", "prompt_tokens": r[1], "completion_tokens": r[2],
                              "cache_read_tokens": 0, "cache_write_tokens": 0, "context_window": 200000,
                              "per_turn_token": r[1] + r[2], "response_id": r[0]} for r in responses],
            "condenser": []}


def report(resolved: bool, empty: bool = False) -> dict:
    return {"empty_generation": empty, "resolved": resolved, "failed_apply_patch": False, "error_eval": False,
            "test_timeout": False}


def v0() -> list[dict]:
    hello = json.loads((AGENTS / "openhands" / "hello_ok.json").read_text())
    loop = json.loads((AGENTS / "openhands" / "delegation_loop.json").read_text())
    instance = {"repo": "acme/dateparse", "instance_id": "acme__dateparse-42", "base_commit": "9f3c2a1",
                "problem_statement": loop[0]["args"]["content"], "version": "1.4", "FAIL_TO_PASS": "[\"test_dates\"]"}
    return [
        {"instance_id": "acme__hello-7", "test_result": {"git_patch": PATCH}, "instruction": hello[0]["args"]["content"],
         "metadata": metadata(), "history": hello,
         "metrics": metrics(0.029, [("chatcmpl-h1", 3400, 120, 2.1), ("chatcmpl-h2", 3600, 80, 1.7)]),
         "error": None, "instance": {"repo": "acme/hello", "instance_id": "acme__hello-7", "base_commit": "1a2b3c4"},
         "report": report(True)},
        {"instance_id": "acme__dateparse-42", "test_result": {"git_patch": ""}, "instruction": instance["problem_statement"],
         "metadata": metadata(), "history": loop,
         "metrics": metrics(0.084, [("chatcmpl-d1", 5200, 150, 3.3), ("chatcmpl-d2", 6100, 90, 2.8)]),
         "error": "AgentStuckInLoopError: Agent got stuck in a loop", "instance": instance,
         "report": report(False, empty=True)},
        {"instance_id": "acme__dateparse-57", "test_result": {}, "instruction": None, "metadata": None, "history": None,
         "metrics": None, "error": "Timeout after 3600 seconds", "instance": None},
    ]


def v1() -> list[dict]:
    events = [json.loads(p.read_text()) for p in sorted((SDK / "events").glob("event-*.json"))]
    state = json.loads((SDK / "base_state.json").read_text())
    user = next(e for e in events if e["kind"] == "MessageEvent" and e["source"] == "user")
    return [{"instance_id": "textkit__textkit-311", "attempt": 1,
             "test_result": {"git_patch": "diff --git a/textkit/slug.py b/textkit/slug.py\n--- a/textkit/slug.py\n"
                                          "+++ b/textkit/slug.py\n@@ -1,3 +1,4 @@\n+import unicodedata\n"},
             "instruction": user["llm_message"]["content"][0]["text"], "metadata": None, "history": events,
             "metrics": state["stats"]["usage_to_metrics"]["agent"], "error": None,
             "instance": {"repo": "textkit/textkit", "instance_id": "textkit__textkit-311", "base_commit": "77ab01c"},
             "runtime_runs": None}]


def main() -> None:
    for folder, records in (("v0", v0()), ("v1", v1())):
        (ROOT / folder).mkdir(parents=True, exist_ok=True)
        separators = (", ", ": ") if folder == "v0" else (",", ":")  # json.dumps after the report; model_dump_json
        text = "".join(json.dumps(r, separators=separators, ensure_ascii=False) + "\n" for r in records)
        (ROOT / folder / "output.jsonl").write_text(text)
    summary = {"total_instances": 1, "submitted_instances": 1, "completed_instances": 1, "resolved_instances": 0,
               "unresolved_instances": 1, "empty_patch_instances": 0, "error_instances": 0,
               "completed_ids": ["textkit__textkit-311"], "incomplete_ids": [], "empty_patch_ids": [],
               "submitted_ids": ["textkit__textkit-311"], "resolved_ids": [], "unresolved_ids": ["textkit__textkit-311"],
               "error_ids": [], "schema_version": 2}
    (ROOT / "v1" / "output.report.json").write_text(json.dumps(summary, indent=4) + "\n")


if __name__ == "__main__":
    main()
