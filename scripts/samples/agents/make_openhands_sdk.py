"""Write the OpenHands agent-SDK (V1) conversation sample under ``sample_traces/agents/openhands_sdk/``.

Layout and fields copied from ``OpenHands/software-agent-sdk`` @ ``611629e6``:
``openhands-sdk/openhands/sdk/conversation/persistence_const.py`` (``base_state.json``,
``events/event-{idx:05d}-{event_id}.json``), ``conversation/event_store.py`` (one
``model_dump_json(exclude_none=True)`` per file), ``event/base.py``, ``event/llm_convertible/``
(``ActionEvent``, ``ObservationEvent``, ``AgentErrorEvent``, ``MessageEvent``, ``SystemPromptEvent``),
``utils/models.py`` (``kind`` = class name, a computed field, dumped last),
``openhands-tools/openhands/tools/terminal/definition.py`` + ``metadata.py`` (``TerminalObservation``,
``CmdOutputMetadata.exit_code``) and ``llm/utils/metrics.py`` (``TokenUsage``, ``ResponseLatency``).
Content invented. Plain Python: ``python scripts/samples/agents/make_openhands_sdk.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "openhands_sdk"
CONVERSATION = "6a1e2f4c9d8b4e0f8a7c3b2d1e0f9a8b"
TASK = "The slugify tests fail on unicode titles. Fix slugify() in textkit/slug.py."


def text(value: str) -> list[dict]:
    return [{"cache_prompt": False, "type": "text", "text": value}]


def base(index: int, source: str, parent: str | None) -> dict:
    event = {"id": f"0c5e{index:04d}-7b1a-4f3e-9d2c-5a6b7c8d9e{index:02d}",
             "timestamp": f"2025-11-03T10:15:{index * 4:02d}.{index * 1117 % 1000000:06d}", "source": source}
    if parent is not None:
        event["parent_id"] = parent
    return event


def action(index: int, parent: str, tool: str, act: dict, thought: str, response: str) -> dict:
    call = f"toolu_{index:02d}"
    arguments = {k: v for k, v in act.items() if k != "kind"}
    return {**base(index, "agent", parent), "thought": text(thought) if thought else [], "action": act,
            "tool_name": tool, "tool_call_id": call,
            "tool_call": {"id": call, "name": tool, "arguments": json.dumps(arguments), "origin": "completion"},
            "llm_response_id": response, "security_risk": "LOW", "kind": "ActionEvent"}


def terminal_result(index: int, act: dict, output: str, code: int) -> dict:
    observation = {"content": text(output), "is_error": False, "command": act["action"]["command"],
                   "exit_code": code, "timeout": False,
                   "metadata": {"exit_code": code, "pid": -1, "username": "openhands", "hostname": "sandbox",
                                "working_dir": "/workspace/textkit", "py_interpreter_path": "/usr/bin/python",
                                "prefix": "", "suffix": f"\n[The command completed with exit code {code}.]"},
                   "kind": "TerminalObservation"}
    return observe(index, act, observation)


def observe(index: int, act: dict, observation: dict) -> dict:
    return {**base(index, "environment", act["id"]), "tool_name": act["tool_name"],
            "tool_call_id": act["tool_call_id"], "observation": observation, "action_id": act["id"],
            "kind": "ObservationEvent"}


def events() -> list[dict]:
    system = {**base(0, "agent", None), "system_prompt": text("You are OpenHands agent, a helpful AI assistant.")[0],
              "tools": [{"name": "terminal", "description": "Execute a bash command in the terminal."},
                        {"name": "file_editor", "description": "Edit files."},
                        {"name": "finish", "description": "Signals the completion of the current task."}],
              "kind": "SystemPromptEvent"}
    user = {**base(1, "user", system["id"]), "llm_message": {"role": "user", "content": text(TASK)},
            "activated_skills": [], "extended_content": [], "kind": "MessageEvent"}
    run1 = action(2, user["id"], "terminal", {"command": "python -m pytest -q tests/test_slug.py", "is_input": False,
                                              "reset": False, "kind": "TerminalAction"},
                  "Let me run the failing tests first.", "chatcmpl-r1")
    out1 = terminal_result(3, run1, "F.\n    assert slugify('Crème brûlée') == 'creme-brulee'\nAssertionError\n"
                           "1 failed, 1 passed in 0.05s", 1)
    edit = action(4, out1["id"], "file_editor", {"command": "str_replace", "path": "/workspace/textkit/textkit/slug.py",
                                                 "old_str": "value.lower()",
                                                 "new_str": "unidecode(value).lower()", "kind": "FileEditorAction"},
                  "", "chatcmpl-r2")
    out2 = observe(5, edit, {"content": text("The file /workspace/textkit/textkit/slug.py has been edited."),
                             "is_error": False, "command": "str_replace", "path": "/workspace/textkit/textkit/slug.py",
                             "prev_exist": True, "kind": "FileEditorObservation"})
    wrong = {**base(6, "agent", out2["id"]), "tool_name": "browser", "tool_call_id": "toolu_06",
             "error": "Tool 'browser' not found. Available: ['terminal', 'file_editor', 'finish']",
             "kind": "AgentErrorEvent"}
    run2 = action(7, wrong["id"], "terminal", {"command": "python -m pytest -q tests/test_slug.py", "is_input": False,
                                               "reset": False, "kind": "TerminalAction"},
                  "Run the tests again after the edit.", "chatcmpl-r4")
    out3 = terminal_result(8, run2, "..\n2 passed in 0.04s", 0)
    done = action(9, out3["id"], "finish", {"message": "slugify() now transliterates unicode; both tests pass.",
                                            "kind": "FinishAction"}, "", "chatcmpl-r5")
    out4 = observe(10, done, {"content": text("slugify() now transliterates unicode; both tests pass."),
                              "is_error": False, "kind": "FinishObservation"})
    state = {**base(11, "environment", out4["id"]), "key": "execution_status", "value": "finished",
             "kind": "ConversationStateUpdateEvent"}
    return [system, user, run1, out1, edit, out2, wrong, run2, out3, done, out4, state]


def usage(response: str, prompt: int, completion: int) -> dict:
    return {"model": "litellm_proxy/claude-sonnet-4", "prompt_tokens": prompt, "completion_tokens": completion,
            "cache_read_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0, "context_window": 200000,
            "per_turn_token": prompt + completion, "response_id": response}


def base_state() -> dict:
    responses = [("chatcmpl-r1", 2100, 60), ("chatcmpl-r2", 2400, 90), ("chatcmpl-r3", 2500, 40),
                 ("chatcmpl-r4", 2600, 55), ("chatcmpl-r5", 2700, 30)]
    metrics = {"model_name": "litellm_proxy/claude-sonnet-4", "accumulated_cost": 0.0421,
               "accumulated_token_usage": usage("", sum(r[1] for r in responses), sum(r[2] for r in responses)),
               "costs": [], "response_latencies": [{"model": "claude-sonnet-4", "latency": 1.5 + k, "response_id": r[0]}
                                                   for k, r in enumerate(responses)],
               "token_usages": [usage(*r) for r in responses]}
    return {"id": "6a1e2f4c-9d8b-4e0f-8a7c-3b2d1e0f9a8b", "workspace": {"working_dir": "/workspace/textkit"},
            "persistence_dir": f"workspace/conversations/{CONVERSATION}", "max_iterations": 500,
            "stuck_detection": True, "execution_status": "finished", "confirmation_policy": {"kind": "NeverConfirm"},
            "activated_knowledge_skills": [], "stats": {"usage_to_metrics": {"agent": metrics}}}


def main() -> None:
    folder = ROOT / CONVERSATION
    (folder / "events").mkdir(parents=True, exist_ok=True)
    for old in (folder / "events").glob("event-*.json"):
        old.unlink()
    (folder / "base_state.json").write_text(json.dumps(base_state(), ensure_ascii=False))
    for index, event in enumerate(events()):
        name = f"event-{index:05d}-{event['id']}.json"
        (folder / "events" / name).write_text(json.dumps(event, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main()
