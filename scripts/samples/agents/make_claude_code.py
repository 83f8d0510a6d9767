# ruff: noqa: E501  (sample data: long literal lines are clearer whole)
"""Write the Claude Code session sample under sample_traces/agents/claude_code/.

Claude Code needs an account and a model, so the lines are written here in the structure it
writes to ``~/.claude/projects/<project>/<session>.jsonl``: one compact JSON object per line,
keys in Claude Code's order; an assistant message streamed as one line per content block (the
same ``message.id``, ``requestId`` and ``usage`` on each); tool results on ``user`` lines with
``toolUseResult`` beside them; a subagent's transcript in ``<session>/subagents/agent-<id>.jsonl``
with ``isSidechain: true`` and ``agentId``; bookkeeping lines (``summary``,
``file-history-snapshot``, ``system``) between turns. Sources are named in
sample_traces/agents/README.md. Run with any Python 3.11:
``python scripts/samples/agents/make_claude_code.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "claude_code" / "-home-dev-invoice-api"
SESSION = "7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07"
AGENT_ID = "a3f9c21"
CWD = "/home/dev/invoice-api"
MODEL = "claude-sonnet-4-5-20250929"


class Session:
    """Lines of one transcript, each linked to the one before by ``parentUuid``."""

    def __init__(self, prefix: str, sidechain: bool, start_second: int) -> None:
        self.prefix, self.sidechain, self.second = prefix, sidechain, start_second
        self.lines: list[dict] = []
        self.last: str | None = None
        self.count = 0

    def _base(self, kind: str) -> dict:
        self.count += 1
        self.second += 2
        base = {"parentUuid": self.last, "isSidechain": self.sidechain, "userType": "external", "cwd": CWD,
                "sessionId": SESSION, "version": "2.0.14", "gitBranch": "main"}
        if self.sidechain:
            base["agentId"] = AGENT_ID
        base["type"] = kind
        return base

    def _close(self, line: dict, extra: dict | None = None) -> str:
        uuid = f"{self.prefix}-{self.count:04d}-4000-8000-000000000000"
        line.update(extra or {})
        line["uuid"] = uuid
        line["timestamp"] = f"2025-10-14T09:{self.second // 60:02d}:{self.second % 60:02d}.000Z"
        self.lines.append(line)
        self.last = uuid
        return uuid

    def user(self, content, tool_use_result=None) -> str:
        line = self._base("user")
        line["message"] = {"role": "user", "content": content}
        return self._close(line, {"toolUseResult": tool_use_result} if tool_use_result is not None else None)

    def assistant(self, message_id: str, blocks: list[dict], usage: dict, stop_reason: str = "tool_use") -> None:
        """One line per content block, as Claude Code streams a message to its transcript."""
        for block in blocks:
            line = self._base("assistant")
            line["message"] = {"id": message_id, "type": "message", "role": "assistant", "model": MODEL,
                               "content": [block], "stop_reason": stop_reason, "stop_sequence": None,
                               "usage": {**usage, "service_tier": "standard"}}
            line["requestId"] = "req_" + message_id[4:]
            self._close(line)


def usage(fresh: int, cached: int, created: int, out: int) -> dict:
    return {"input_tokens": fresh, "cache_creation_input_tokens": created, "cache_read_input_tokens": cached,
            "output_tokens": out}


def tool_use(tool_id: str, name: str, arguments: dict) -> dict:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": arguments}


def result(tool_id: str, content, is_error: bool = False) -> list[dict]:
    block = {"tool_use_id": tool_id, "type": "tool_result", "content": content}
    if is_error:
        block["is_error"] = True
    return [block]


TOTALS = f"{CWD}/invoice/totals.py"
FAILED = ("Exit code 1\n.F..                                                                     [100%]\n"
          "=================================== FAILURES ===================================\n"
          "______________________________ test_vat_rounding _______________________________\n"
          "    def test_vat_rounding():\n>       assert vat(Decimal(\"100.05\")) == Decimal(\"21.01\")\n"
          "E       AssertionError: assert Decimal('21.00') == Decimal('21.01')\n\n"
          "tests/test_totals.py:14: AssertionError\n"
          "FAILED tests/test_totals.py::test_vat_rounding - AssertionError: assert Decimal('21.00') == Decimal('21.01')\n"
          "1 failed, 3 passed in 0.21s")
SOURCE = ("from decimal import Decimal, ROUND_DOWN\n\nRATE = Decimal(\"0.21\")\n\n\n"
          "def vat(net: Decimal) -> Decimal:\n    return (net * RATE).quantize(Decimal(\"0.01\"), rounding=ROUND_DOWN)\n")


def main_session() -> Session:
    s = Session("5e1a0c3d-0001", sidechain=False, start_second=0)
    s.user("The VAT test in tests/test_totals.py fails. Fix the rounding in invoice/totals.py.")
    s.assistant("msg_01Hq7VdM3kXf2pLr", [
        {"type": "thinking", "thinking": "Run the failing test first to see the exact assertion.", "signature": "EqQBCkYIBxgCKkB0"},
        {"type": "text", "text": "Let me run the totals tests first."},
        tool_use("toolu_01Bash1", "Bash", {"command": "pytest -q tests/test_totals.py", "description": "Run the totals tests"}),
    ], usage(4, 0, 11873, 96))
    s.user(result("toolu_01Bash1", FAILED, is_error=True), "Error: " + FAILED)
    s.assistant("msg_01Read2", [tool_use("toolu_01Read2", "Read", {"file_path": TOTALS})], usage(6, 11873, 1290, 61))
    numbered = "".join(f"{n:>6}\u2192{line}\n" for n, line in enumerate(SOURCE.splitlines(), start=1))
    s.user(result("toolu_01Read2", numbered), {"type": "text", "file": {
        "filePath": TOTALS, "content": SOURCE, "numLines": 7, "startLine": 1, "totalLines": 7}})
    s.assistant("msg_01Edit3", [tool_use("toolu_01Edit3", "Edit", {
        "file_path": TOTALS, "old_string": "rounding=ROUND_HALF_DOWN)", "new_string": "rounding=ROUND_HALF_UP)"})],
        usage(5, 13163, 402, 118))
    missing = "<tool_use_error>String to replace not found in file.\nString: rounding=ROUND_HALF_DOWN)</tool_use_error>"
    s.user(result("toolu_01Edit3", missing, is_error=True), "Error: String to replace not found in file.\nString: rounding=ROUND_HALF_DOWN)")
    s.assistant("msg_01Edit4", [tool_use("toolu_01Edit4", "Edit", {
        "file_path": TOTALS, "old_string": "ROUND_DOWN", "new_string": "ROUND_HALF_UP", "replace_all": True})],
        usage(5, 13565, 236, 104))
    s.user(result("toolu_01Edit4", f"The file {TOTALS} has been updated. All occurrences of 'ROUND_DOWN' were successfully replaced with 'ROUND_HALF_UP'."),
           {"filePath": TOTALS, "oldString": "ROUND_DOWN", "newString": "ROUND_HALF_UP", "replaceAll": True,
            "originalFile": SOURCE, "structuredPatch": [], "userModified": False})
    s.assistant("msg_01Task5", [
        {"type": "text", "text": "I'll have a subagent check the other callers of vat()."},
        tool_use("toolu_01Task5", "Task", {"description": "Find other vat() callers", "subagent_type": "general-purpose",
                                           "prompt": "List every caller of vat() under invoice/ and say whether it relies on rounding down."}),
    ], usage(5, 13801, 310, 142))
    answer = "Only invoice/export.py calls vat(); it formats the value and does not rely on rounding down."
    s.user(result("toolu_01Task5", [{"type": "text", "text": answer}]),
           {"status": "completed", "prompt": "List every caller of vat() under invoice/ ...", "agentId": AGENT_ID,
            "content": [{"type": "text", "text": answer}], "totalDurationMs": 9421, "totalTokens": 15872, "totalToolUseCount": 3})
    s.assistant("msg_01Bash6", [tool_use("toolu_01Bash6", "Bash", {"command": "pytest -q tests/test_totals.py", "description": "Run the totals tests again"})],
                usage(5, 14111, 188, 77))
    s.user(result("toolu_01Bash6", "....                                                                     [100%]\n4 passed in 0.19s"),
           {"stdout": "....                                                                     [100%]\n4 passed in 0.19s", "stderr": "",
            "interrupted": False, "isImage": False})
    s.assistant("msg_01Done7", [{"type": "text", "text": "Fixed: vat() now rounds half up, and all 4 totals tests pass."}],
                usage(5, 14299, 120, 35), stop_reason="end_turn")
    return s


def subagent_session() -> Session:
    s = Session("9b27d4f0-0002", sidechain=True, start_second=44)
    s.user("List every caller of vat() under invoice/ and say whether it relies on rounding down.")
    s.assistant("msg_01Grep1", [tool_use("toolu_01Grep1", "Grep", {"pattern": "vat\\(", "path": "invoice", "output_mode": "files_with_matches"})],
                usage(3, 0, 9120, 88))
    s.user(result("toolu_01Grep1", f"Found 2 files\n{CWD}/invoice/totals.py\n{CWD}/invoice/export.py"),
           {"mode": "files_with_matches", "filenames": [f"{CWD}/invoice/totals.py", f"{CWD}/invoice/export.py"], "numFiles": 2})
    s.assistant("msg_01Read2s", [tool_use("toolu_01Read2s", "Read", {"file_path": f"{CWD}/invoice/exports.py"})], usage(5, 9120, 140, 52))
    s.user(result("toolu_01Read2s", "<tool_use_error>File does not exist.</tool_use_error>", is_error=True), "Error: File does not exist.")
    s.assistant("msg_01Read3s", [tool_use("toolu_01Read3s", "Read", {"file_path": f"{CWD}/invoice/export.py"})], usage(5, 9260, 61, 50))
    s.user(result("toolu_01Read3s", "     1\u2192from invoice.totals import vat\n     2\u2192\n     3\u2192def line(net):\n     4\u2192    return f\"{net} + VAT {vat(net)}\"\n"),
           {"type": "text", "file": {"filePath": f"{CWD}/invoice/export.py", "content": "...", "numLines": 4, "startLine": 1, "totalLines": 4}})
    s.assistant("msg_01Done4s", [{"type": "text", "text": "Only invoice/export.py calls vat(); it formats the value and does not rely on rounding down."}],
                usage(5, 9321, 130, 40), stop_reason="end_turn")
    return s


def bookkeeping(main: Session) -> tuple[list[dict], list[dict]]:
    """Lines that are not turns: a summary and a file snapshot before, a system line after."""
    first_message = main.lines[0]["uuid"]
    before = [{"type": "summary", "summary": "Fix VAT rounding in invoice totals", "leafUuid": main.lines[-1]["uuid"]},
              {"type": "file-history-snapshot", "messageId": first_message,
               "snapshot": {"messageId": first_message, "trackedFileBackups": {}, "timestamp": "2025-10-14T09:00:01.000Z"},
               "isSnapshotUpdate": False}]
    after = [{"parentUuid": main.last, "isSidechain": False, "userType": "external", "cwd": CWD, "sessionId": SESSION,
              "version": "2.0.14", "gitBranch": "main", "type": "system", "subtype": "turn_duration", "durationMs": 61000,
              "timestamp": "2025-10-14T09:01:02.000Z", "uuid": "5e1a0c3d-0001-9999-4000-8000-000000000000", "isMeta": False}]
    return before, after


def write(path: Path, lines: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines))


def main() -> None:
    session = main_session()
    before, after = bookkeeping(session)
    write(ROOT / f"{SESSION}.jsonl", before + session.lines + after)
    write(ROOT / SESSION / "subagents" / f"agent-{AGENT_ID}.jsonl", subagent_session().lines)


if __name__ == "__main__":
    main()
