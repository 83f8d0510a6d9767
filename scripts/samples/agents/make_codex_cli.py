"""Write the Codex CLI rollout samples under sample_traces/agents/codex_cli/ (plain Python).

The record structure follows the Codex source (openai/codex):

* codex-rs/protocol/src/protocol.rs @ edb4efee: ``RolloutLine`` (``timestamp`` + the ``RolloutItem``
  flattened as ``type``/``payload``), ``SessionMetaLine``, ``TurnContextItem``, ``TokenUsageInfo``;
* codex-rs/protocol/src/models.rs @ 152e7cae: ``ResponseItem`` (``message``, ``reasoning``,
  ``function_call``, ``function_call_output``, ``custom_tool_call``, ...) and
  ``FunctionCallOutputPayload`` (written as a plain string);
* codex-rs/core/src/tools/mod.rs @ 7f589e4a: the exec output given to the model, structured
  (``{"output", "metadata": {"exit_code", "duration_seconds"}}``) or freeform (``Exit code: N``);
* codex-rs/core/src/rollout.rs @ 89a151f5: the first layout (a ``{"id", "timestamp",
  "instructions"}`` line, then bare response items and ``{"record_type": "state"}`` lines).

Content (the session, commands and outputs) is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "codex_cli"
SESSION = "0199e1a2-7c3d-7b10-9f4e-3a5c2d8e6b71"
CWD = "/home/dev/slugkit"


def line(when: str, kind: str, payload: dict) -> dict:
    return {"timestamp": when, "type": kind, "payload": payload}


def text(role: str, body: str) -> dict:
    part = "output_text" if role == "assistant" else "input_text"
    return {"type": "message", "role": role, "content": [{"type": part, "text": body}]}


def shell(call_id: str, script: str) -> dict:
    arguments = json.dumps({"command": ["bash", "-lc", script], "workdir": CWD})
    return {"type": "function_call", "name": "shell", "arguments": arguments, "call_id": call_id}


def exec_output(call_id: str, output: str, exit_code: int, seconds: float) -> dict:
    body = json.dumps({"output": output, "metadata": {"exit_code": exit_code, "duration_seconds": seconds}})
    return {"type": "function_call_output", "call_id": call_id, "output": body}


def reasoning(summary: str) -> dict:
    return {"type": "reasoning", "summary": [{"type": "summary_text", "text": summary}], "content": None,
            "encrypted_content": "gAAAAABo7hVx-invented-ciphertext=="}


def usage(total_in: int, total_out: int, last_in: int, last_out: int) -> dict:
    def tokens(n_in: int, n_out: int) -> dict:
        return {"input_tokens": n_in, "cached_input_tokens": n_in // 2, "output_tokens": n_out,
                "reasoning_output_tokens": n_out // 3, "total_tokens": n_in + n_out}
    return {"type": "token_count", "info": {"total_token_usage": tokens(total_in, total_out),
                                            "last_token_usage": tokens(last_in, last_out),
                                            "model_context_window": 272000},
            "rate_limits": {"primary": {"used_percent": 4.0, "window_minutes": 300, "resets_in_seconds": 9000}}}


FAILING = ("F..\n=================================== FAILURES ===================================\n"
           "______________________________ test_unicode_slug _______________________________\n"
           "    def test_unicode_slug():\n>       assert slugify('Crème brûlée') == 'creme-brulee'\n"
           "E       AssertionError: assert 'crme-brle' == 'creme-brulee'\n"
           "tests/test_slug.py:9: AssertionError\n1 failed, 2 passed in 0.08s\n")
SOURCE = ("import re\n\n\ndef slugify(text):\n    text = text.lower()\n"
          "    text = re.sub(r'[^a-z0-9]+', '-', text)\n    return text.strip('-')\n")
PATCH = ("*** Begin Patch\n*** Update File: src/slugkit/slug.py\n@@\n-import re\n+import re\n"
         "+import unicodedata\n@@\n def slugify(text):\n+    text = unicodedata.normalize('NFKD', text)\n"
         "+    text = text.encode('ascii', 'ignore').decode('ascii')\n     text = text.lower()\n*** End Patch\n")


def modern() -> list[dict]:
    meta = {"id": SESSION, "timestamp": "2025-10-14T09:12:03.118Z", "cwd": CWD, "originator": "codex_cli_rs",
            "cli_version": "0.46.0", "instructions": None, "source": "cli", "model_provider": "openai",
            "git": {"commit_hash": "4f1c2b9e0d7a6c5b4a3f2e1d0c9b8a7f6e5d4c3b", "branch": "main",
                    "repository_url": "git@github.com:example/slugkit.git"}}
    context = {"cwd": CWD, "approval_policy": "on-request", "sandbox_policy": {"type": "workspace-write",
               "network_access": False, "exclude_tmpdir_env_var": False, "exclude_slash_tmp": False},
               "model": "gpt-5-codex", "effort": "medium", "summary": "auto"}
    env = (f"<environment_context>\n  <cwd>{CWD}</cwd>\n  <approval_policy>on-request</approval_policy>\n"
           "  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n"
           "  <shell>bash</shell>\n</environment_context>")
    task = "test_unicode_slug fails in tests/test_slug.py; make slugify handle accented letters."
    patch = {"type": "custom_tool_call", "status": "completed", "call_id": "call_3", "name": "apply_patch",
             "input": PATCH}
    patched = json.dumps({"output": "Success. Updated the following files:\nM src/slugkit/slug.py\n",
                          "metadata": {"exit_code": 0, "duration_seconds": 0.0}})
    passed = "Exit code: 0\nWall time: 0.6 seconds\nOutput:\n...\n3 passed in 0.05s\n"
    answer = ("slugify now strips accents (NFKD normalisation, then ASCII) before slugging; "
              "`pytest -q tests/test_slug.py` passes (3 tests).")
    return [
        line("2025-10-14T09:12:03.121Z", "session_meta", meta),
        line("2025-10-14T09:12:03.125Z", "response_item", text("user", env)),
        line("2025-10-14T09:12:09.402Z", "turn_context", context),
        line("2025-10-14T09:12:09.403Z", "response_item", text("user", task)),
        line("2025-10-14T09:12:09.403Z", "event_msg", {"type": "user_message", "message": task, "images": []}),
        line("2025-10-14T09:12:11.870Z", "event_msg", {"type": "token_count", "info": None,
                                                       "rate_limits": {"primary": {"used_percent": 3.0}}}),
        line("2025-10-14T09:12:13.511Z", "response_item", reasoning("**Running the failing test first**")),
        line("2025-10-14T09:12:13.512Z", "event_msg", {"type": "agent_reasoning",
                                                       "text": "**Running the failing test first**"}),
        line("2025-10-14T09:12:13.760Z", "response_item", shell("call_1", "pytest -q tests/test_slug.py")),
        line("2025-10-14T09:12:13.790Z", "event_msg", usage(4210, 96, 4210, 96)),
        line("2025-10-14T09:12:14.402Z", "response_item", exec_output("call_1", FAILING, 1, 0.6)),
        line("2025-10-14T09:12:16.020Z", "response_item", reasoning("**Reading slugify**")),
        line("2025-10-14T09:12:16.311Z", "response_item", shell("call_2", "sed -n '1,40p' src/slugkit/slug.py")),
        line("2025-10-14T09:12:16.330Z", "event_msg", usage(8836, 171, 4626, 75)),
        line("2025-10-14T09:12:16.402Z", "response_item", exec_output("call_2", SOURCE, 0, 0.0)),
        line("2025-10-14T09:12:19.950Z", "response_item", patch),
        line("2025-10-14T09:12:19.970Z", "event_msg", usage(13718, 420, 4882, 249)),
        line("2025-10-14T09:12:20.015Z", "response_item",
             {"type": "custom_tool_call_output", "call_id": "call_3", "output": patched}),
        line("2025-10-14T09:12:21.600Z", "response_item", shell("call_4", "pytest -q tests/test_slug.py")),
        line("2025-10-14T09:12:21.620Z", "event_msg", usage(18862, 468, 5144, 48)),
        line("2025-10-14T09:12:22.230Z", "response_item",
             {"type": "function_call_output", "call_id": "call_4", "output": passed}),
        line("2025-10-14T09:12:25.118Z", "response_item", text("assistant", answer)),
        line("2025-10-14T09:12:25.119Z", "event_msg", {"type": "agent_message", "message": answer}),
        line("2025-10-14T09:12:25.140Z", "event_msg", usage(24290, 517, 5428, 49)),
        line("2025-10-14T09:12:25.141Z", "event_msg", {"type": "task_complete", "last_agent_message": answer}),
    ]


def legacy() -> list[dict]:
    missing = {"output": "cat: config/settings.toml: No such file or directory\n",
               "metadata": {"exit_code": 1, "duration_seconds": 0.0}}
    found = {"output": "config/settings.example.toml\n", "metadata": {"exit_code": 0, "duration_seconds": 0.1}}
    return [
        {"id": "5973b6c0-94b8-487b-a530-2aeb6098ae0e", "timestamp": "2025-05-07T17:24:21.123Z"},
        text("user", "What port does the dev server use?"),
        shell("call_a", "cat config/settings.toml"),
        {"record_type": "state"},
        {"type": "function_call_output", "call_id": "call_a", "output": json.dumps(missing)},
        shell("call_b", "ls config"),
        {"type": "function_call_output", "call_id": "call_b", "output": json.dumps(found)},
        {"record_type": "state"},
        text("assistant", "There is no config/settings.toml; config/settings.example.toml is the template."),
    ]


def write(name: str, records: list[dict]) -> None:
    body = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    (OUT / name).write_text(body, encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write(f"rollout-2025-10-14T09-12-03-{SESSION}.jsonl", modern())
    write("rollout-2025-05-07T17-24-21-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl", legacy())


if __name__ == "__main__":
    main()
