"""Write the Gemini CLI checkpoint samples under sample_traces/agents/gemini_cli/ (plain Python).

The structure follows the Gemini CLI source (google-gemini/gemini-cli):

* packages/core/src/core/logger.ts @ 3344f684 (``Checkpoint {history, authType}``, ``saveCheckpoint`` writing
  ``checkpoint-<encodeURIComponent(tag)>.json`` with ``JSON.stringify(checkpoint, null, 2)``, ``loadCheckpoint``
  still reading the legacy bare list of Content that versions before 48e3932f (Nov 2025) wrote) and
  packages/cli/src/ui/commands/chatCommand.ts @ 3344f684 (``/chat save``: ``chat.getHistory()``);
* packages/core/src/utils/checkpointUtils.ts @ e5adeaca (``ToolCallData``: ``history``, ``clientHistory``,
  ``toolCall {name, args}``, ``commitHash``, ``messageId``; ``generateCheckpointFileName``
  ``<ISO time, ':'->'-', '.'->'_'>-<file>-<tool>``), packages/cli/src/ui/hooks/useGeminiStream.ts @ 348fc35f
  (written for an edit tool awaiting approval; ``prompt_id`` = ``<session id>########<n>``; the display
  ``history`` items ``{type, text | tools, id}`` of packages/cli/src/ui/types.ts @ 38056405 and
  useHistoryManager.ts @ 89ca7883, whose ids are millisecond times);
* packages/core/src/utils/environmentContext.ts @ 50c2e676 (the first user Content, ``<session_context>``) and,
  for the legacy file, packages/core/src/core/client.ts @ 39e7213f (context, then the model's "Got it. Thanks
  for the context!"; calls without ids, their responses with the CLI's generated ids);
* packages/core/src/core/geminiChat.ts @ eaa30429 (``getHistory``: thought parts kept for models it does not
  strip them for; the synthetic ``thoughtSignature`` on a turn's first call), and the ``functionResponse``
  ``output`` / ``error`` and shell ``Exit Code: N`` texts cited by make_gemini_cli.py.

Content (project, commands and outputs) is invented; it is the conversation of the JSONL session sample::

    python3 scripts/samples/agents/make_gemini_checkpoint.py
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "gemini_cli" / "tmp"
PROJECT = "9f2c41d07be35a86c1e04f7d2ab9e6c35d80f1a4b7e2c9d6f03a85b1e4c7d290"
SESSION = "c3d9a1f0-5b7e-4c2a-9e81-6f4d2b0a7c15"
SIGNATURE = "skip_thought_signature_validator"
CONTEXT = f"""<session_context>
This is the Gemini CLI. We are setting up the context for our chat.
Today's date is Monday, March 2, 2026 (formatted according to the user's locale).
My operating system is: linux
The project's temporary directory is: /home/dev/.gemini/tmp/{PROJECT}
- **Workspace Directories:**
  - /home/dev/caldate
</session_context>"""
PYTEST_FAIL = ("Output: ...F\nFAILED tests/test_dates.py::test_parse_iso_week - ValueError: week 53\n"
               "1 failed, 3 passed in 0.21s\nExit Code: 1\nProcess Group PGID: 48211")
DATES = "/home/dev/caldate/caldate/dates.py"
EDIT = {"file_path": DATES, "old_string": "<= 52", "new_string": "<= weeks_in_year(int(year))"}


def text(role: str, body: str) -> dict:
    return {"role": role, "parts": [{"text": body}]}


def call(name: str, args: dict, call_id: str | None, signed: bool = False) -> dict:
    body = {"name": name, "args": args} if call_id is None else {"id": call_id, "name": name, "args": args}
    return {"functionCall": body, "thoughtSignature": SIGNATURE} if signed else {"functionCall": body}


def answer(call_id: str, name: str, output: str | None = None, error: str | None = None) -> dict:
    body = {"error": error} if error is not None else {"output": output}
    return {"functionResponse": {"id": call_id, "name": name, "response": body}}


def conversation() -> list[dict]:
    """The JSONL session's chat as Content: a failing test run, a read of a missing file, the fix, a passing run."""
    run1, read1, read2 = ("run_shell_command-1772446509412-1", "read_file-1772446514200-2",
                          "read_file-1772446516800-3")
    return [
        text("user", CONTEXT),
        text("user", "test_parse_iso_week fails for 2026-W53, please fix it"),
        {"role": "model", "parts": [
            {"text": "**Reproducing the failure**\n\nI'll run the test suite first to see which test fails.",
             "thought": True},
            call("run_shell_command", {"command": "python -m pytest -q tests/test_dates.py"}, run1, signed=True)]},
        {"role": "user", "parts": [answer(run1, "run_shell_command", output=PYTEST_FAIL)]},
        {"role": "model", "parts": [{"text": "The week check rejects week 53."},
                                    call("read_file", {"absolute_path": "/home/dev/caldate/dates.py"}, read1, True)]},
        {"role": "user", "parts": [answer(read1, "read_file", error="File not found: /home/dev/caldate/dates.py")]},
        {"role": "model", "parts": [call("read_file", {"absolute_path": DATES}, read2, signed=True)]},
        {"role": "user", "parts": [answer(read2, "read_file", output="def parse_iso_week(text):\n"
                                          "    year, week = text.split('-W')\n    if not 1 <= int(week) <= 52:\n"
                                          "        raise ValueError(f'week {week}')\n")]},
    ]


def chat_checkpoint() -> dict:
    """``/chat save iso-week fix`` after the fix: the whole chat, ending with the model's answer."""
    edit, run2 = "replace-1772446521050-4", "run_shell_command-1772446524400-5"
    rest = [
        {"role": "model", "parts": [call("replace", EDIT, edit, signed=True),
                                    call("run_shell_command", {"command": "python -m pytest -q tests/test_dates.py"},
                                         run2)]},
        {"role": "user", "parts": [
            answer(edit, "replace", output=f"Successfully modified file: {DATES} (1 replacements)."),
            answer(run2, "run_shell_command", output="Output: ....\n4 passed in 0.19s\nProcess Group PGID: 48302")]},
        text("model", "Fixed: `parse_iso_week` now accepts week 53 in long years; all 4 tests pass."),
    ]
    return {"history": conversation() + rest, "authType": "oauth-personal"}


def tool_checkpoint() -> dict:
    """Checkpointing on: the ``replace`` edit waits for approval; the chat ends with its turn, unanswered."""
    shell = {"callId": "run_shell_command-1772446509412-1", "name": "Shell",
             "description": "python -m pytest -q tests/test_dates.py", "resultDisplay": PYTEST_FAIL,
             "status": "success", "renderOutputAsMarkdown": False}
    missing = {"callId": "read_file-1772446514200-2", "name": "ReadFile", "description": "dates.py",
               "resultDisplay": "File not found: /home/dev/caldate/dates.py", "status": "error",
               "renderOutputAsMarkdown": True}
    display = [
        {"type": "user", "text": "test_parse_iso_week fails for 2026-W53, please fix it", "id": 1772446506870},
        {"type": "tool_group", "tools": [shell], "id": 1772446511031},
        {"type": "gemini", "text": "The week check rejects week 53.", "id": 1772446514191},
        {"type": "tool_group", "tools": [missing], "id": 1772446514221},
    ]
    rerun = call("run_shell_command", {"command": "python -m pytest -q tests/test_dates.py"},
                 "run_shell_command-1772446524400-5")
    chat = conversation() + [{"role": "model", "parts": [call("replace", EDIT, "replace-1772446521050-4", True), rerun]}]
    return {"history": display, "clientHistory": chat, "toolCall": {"name": "replace", "args": EDIT},
            "commitHash": "4b8e1f0c2d7a9e3b6c5f1a0d8e2b7c4f9a6d3e1b", "messageId": f"{SESSION}########1"}


def legacy_checkpoint() -> list[dict]:
    """A bare Content list, as ``/chat save drafts`` wrote it before authType: context, the model's thanks, a
    failed and a good call (no ids from the model; the CLI's ids on the responses)."""
    failed, listed = "list_directory-1758204151002-1", "list_directory-1758204153610-2"
    return [
        text("user", "This is the Gemini CLI. We are setting up the context for our chat.\nToday's date is "
                     "Thursday, September 18, 2025.\nMy operating system is: linux\nI'm currently working in the "
                     "directory: /home/dev/notes"),
        text("model", "Got it. Thanks for the context!"),
        text("user", "what is in my drafts folder?"),
        {"role": "model", "parts": [call("list_directory", {"path": "/home/dev/notes/drafts"}, None)]},
        {"role": "user", "parts": [answer(failed, "list_directory", error="Error listing directory: ENOENT: no "
                                          "such file or directory, stat '/home/dev/notes/drafts'")]},
        {"role": "model", "parts": [call("list_directory", {"path": "/home/dev/notes"}, None)]},
        {"role": "user", "parts": [answer(listed, "list_directory",
                                          output="Directory listing for /home/dev/notes:\n[DIR] draft\ntodo.md")]},
        text("model", "There is no `drafts` folder; `draft/` exists."),
    ]


def write(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))  # JSON.stringify(.., null, 2): no newline


def main() -> None:
    write(OUT / PROJECT / "checkpoint-iso-week%20fix.json", chat_checkpoint())
    write(OUT / PROJECT / "checkpoints" / "2026-03-02T10-15-21_050Z-dates.py-replace.json", tool_checkpoint())
    write(OUT / PROJECT[::-1] / "checkpoint-drafts.json", legacy_checkpoint())


if __name__ == "__main__":
    main()
