"""Write the Gemini CLI session samples under sample_traces/agents/gemini_cli/ (plain Python).

The record structure follows the Gemini CLI source (google-gemini/gemini-cli):

* packages/core/src/services/chatRecordingTypes.ts @ 348fc35f: ``ConversationRecord``
  (``sessionId``, ``projectHash``, ``startTime``, ``lastUpdated``, ``messages``, ``summary``, ``kind``),
  ``MessageRecord`` (``id``, ``timestamp``, ``content``, ``type`` user/gemini/info/error/warning),
  ``ToolCallRecord`` (``id``, ``name``, ``args``, ``result``, ``status``, ``timestamp``, display fields),
  ``TokensSummary``;
* packages/core/src/services/chatRecordingService.ts @ 348fc35f: the JSONL session file
  (``chats/session-<time>-<id8>.jsonl``: a metadata line, then each message appended whole again
  when it changes, ``{"$set": ...}`` metadata updates, ``{"$rewindTo": id}``), written compact with
  ``JSON.stringify``; older versions kept the whole ``ConversationRecord`` in one ``session-*.json``;
* packages/core/src/core/geminiChat.ts @ eaa30429 (``recordCompletedToolCalls``: ``result`` is the
  function-response parts), packages/core/src/utils/generateContentResponseUtilities.ts @ 4d1ca92a
  (``functionResponse {id, name, response: {output}}``), packages/core/src/scheduler/scheduler.ts
  @ f47d6c6f (errors: ``response: {error}``), packages/core/src/tools/shell.ts @ c776c665
  (``Output: ...`` / ``Exit Code: N`` lines of a failed command, whose status is still ``success``).

Content (project, commands and outputs) is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "gemini_cli"
PROJECT = "9f2c41d07be35a86c1e04f7d2ab9e6c35d80f1a4b7e2c9d6f03a85b1e4c7d290"
MODEL = "gemini-2.5-pro"


def tokens(n_in: int, n_out: int, thoughts: int) -> dict:
    return {"input": n_in, "output": n_out, "cached": n_in // 4, "thoughts": thoughts, "tool": 0,
            "total": n_in + n_out + thoughts}


def response(call_id: str, name: str, body: dict) -> list[dict]:
    return [{"functionResponse": {"id": call_id, "name": name, "response": body}}]


def tool_call(call_id: str, name: str, args: dict, when: str, output: str | None = None,
              error: str | None = None) -> dict:
    body = {"error": error} if error is not None else {"output": output}
    return {"id": call_id, "name": name, "args": args, "result": response(call_id, name, body),
            "status": "error" if error is not None else "success", "timestamp": when,
            "resultDisplay": error if error is not None else output, "displayName": name,
            "description": "", "renderOutputAsMarkdown": False}


def gemini(msg_id: str, when: str, text: str, calls: list[dict] | None = None,
           thoughts: list[tuple[str, str]] | None = None, usage: dict | None = None) -> dict:
    message = {"id": msg_id, "timestamp": when, "type": "gemini", "content": text}
    if calls is not None:
        message["toolCalls"] = calls
    message["thoughts"] = [{"subject": s, "description": d, "timestamp": when} for s, d in thoughts or []]
    message["tokens"] = usage
    message["model"] = MODEL
    return message


def user(msg_id: str, when: str, text: str) -> dict:
    return {"id": msg_id, "timestamp": when, "type": "user", "content": [{"text": text}]}


def jsonl_session() -> list[dict]:
    """A current session: tests fail (exit code 1), a read of a missing file errors, a fix, tests pass."""
    session = "c3d9a1f0-5b7e-4c2a-9e81-6f4d2b0a7c15"
    pytest_fail = ("Output: ...F\nFAILED tests/test_dates.py::test_parse_iso_week - ValueError: week 53\n"
                   "1 failed, 3 passed in 0.21s\nExit Code: 1\nProcess Group PGID: 48211")
    first = gemini("m2", "2026-03-02T10:15:09.412Z", "", thoughts=[
        ("Reproducing the failure", "I'll run the test suite first to see which test fails.")],
        calls=[tool_call("run_shell_command-1772446509412-1", "run_shell_command",
                         {"command": "python -m pytest -q tests/test_dates.py"}, "2026-03-02T10:15:11.030Z",
                         output=pytest_fail)])
    read_missing = tool_call("read_file-1772446514200-2", "read_file", {"absolute_path": "/home/dev/caldate/dates.py"},
                             "2026-03-02T10:15:14.220Z",
                             error="File not found: /home/dev/caldate/dates.py")
    read_ok = tool_call("read_file-1772446516800-3", "read_file",
                        {"absolute_path": "/home/dev/caldate/caldate/dates.py"}, "2026-03-02T10:15:16.840Z",
                        output="def parse_iso_week(text):\n    year, week = text.split('-W')\n"
                               "    if not 1 <= int(week) <= 52:\n        raise ValueError(f'week {week}')\n")
    second = gemini("m3", "2026-03-02T10:15:14.190Z", "The week check rejects week 53.", calls=[read_missing],
                    usage=tokens(5120, 96, 210))
    edit = tool_call("replace-1772446521050-4", "replace",
                     {"file_path": "/home/dev/caldate/caldate/dates.py", "old_string": "<= 52",
                      "new_string": "<= weeks_in_year(int(year))"}, "2026-03-02T10:15:21.300Z",
                     output="Successfully modified file: /home/dev/caldate/caldate/dates.py (1 replacements).")
    rerun = tool_call("run_shell_command-1772446524400-5", "run_shell_command",
                      {"command": "python -m pytest -q tests/test_dates.py"}, "2026-03-02T10:15:25.910Z",
                      output="Output: ....\n4 passed in 0.19s\nProcess Group PGID: 48302")
    return [
        {"sessionId": session, "projectHash": PROJECT, "startTime": "2026-03-02T10:15:02.118Z",
         "lastUpdated": "2026-03-02T10:15:02.118Z", "kind": "main"},
        user("m1", "2026-03-02T10:15:06.870Z", "test_parse_iso_week fails for 2026-W53, please fix it"),
        {"$set": {"lastUpdated": "2026-03-02T10:15:06.871Z"}},
        first,
        {**first, "tokens": tokens(4310, 41, 128)},  # recordMessageTokens appends the message again
        second,
        {**second, "toolCalls": [read_missing, read_ok]},  # a later call of the same turn joins the message
        gemini("m4", "2026-03-02T10:15:19.560Z", "", calls=[edit, rerun], usage=tokens(6020, 143, 64)),
        gemini("m5", "2026-03-02T10:15:28.004Z",
               "Fixed: `parse_iso_week` now accepts week 53 in long years; all 4 tests pass.",
               usage=tokens(6480, 38, 0)),
        {"$set": {"lastUpdated": "2026-03-02T10:15:28.005Z"}},
        {"$set": {"summary": "Fix ISO week 53 parsing"}},
    ]


def legacy_session() -> dict:
    """An older whole-document session file with a failing tool call (status ``error``)."""
    failed = tool_call("list_directory-1758204151002-1", "list_directory", {"path": "/home/dev/notes/drafts"},
                       "2025-09-18T14:02:31.050Z", error="Error listing directory: ENOENT: no such file or "
                                                         "directory, stat '/home/dev/notes/drafts'")
    listed = tool_call("list_directory-1758204153610-2", "list_directory", {"path": "/home/dev/notes"},
                       "2025-09-18T14:02:33.700Z", output="Directory listing for /home/dev/notes:\n[DIR] draft\n"
                                                          "todo.md")
    return {"sessionId": "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "projectHash": PROJECT[::-1],
            "startTime": "2025-09-18T14:02:20.400Z", "lastUpdated": "2025-09-18T14:02:36.900Z",
            "messages": [
                user("a1", "2025-09-18T14:02:28.300Z", "what is in my drafts folder?"),
                gemini("a2", "2025-09-18T14:02:30.990Z", "", calls=[failed], usage=tokens(2900, 22, 0)),
                gemini("a3", "2025-09-18T14:02:33.600Z", "", calls=[listed], usage=tokens(3010, 20, 0)),
                gemini("a4", "2025-09-18T14:02:36.880Z", "There is no `drafts` folder; `draft/` exists.",
                       usage=tokens(3120, 17, 0)),
            ]}


def main() -> None:
    chats = OUT / "tmp" / PROJECT / "chats"
    chats.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in jsonl_session()]
    (chats / "session-2026-03-02T10-15-c3d9a1f0.jsonl").write_text("\n".join(lines) + "\n")
    old = OUT / "tmp" / PROJECT[::-1] / "chats"
    old.mkdir(parents=True, exist_ok=True)
    (old / "session-2025-09-18T14-02-5e6f7a8b.json").write_text(json.dumps(legacy_session(), indent=2) + "\n")


if __name__ == "__main__":
    main()
