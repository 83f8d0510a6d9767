"""Cline and Roo Code task folders (``tasks/<task id>/``), one trajectory per folder.

The folder holds ``api_conversation_history.json`` (the Anthropic-style messages the model
saw) and ``ui_messages.json`` (``ClineMessage`` rows: ``ts`` in ms, ``type`` ``say``/``ask``,
``say`` kinds such as ``text``, ``command``, ``command_output``, ``error``,
``completion_result`` and ``api_req_started``, whose ``text`` is JSON with ``tokensIn``,
``tokensOut``, ``cacheWrites``, ``cacheReads`` and ``cost``); ``task_metadata.json`` and
``settings.json`` may sit beside them and are not read.

Steps come from the conversation, 0-based in document order. A user text block is a
``message`` (``<environment_details>`` blocks are dropped; a ``[ERROR] ...`` notice, sent when
a turn used no tool, is an ``error``). An assistant turn is a ``thought`` for each
``<thinking>`` block (or ``thinking`` / ``reasoning`` block), a ``message`` for its other text,
then one ``tool_call`` per XML tool use (``<execute_command><command>...</command>...``;
``arguments`` the parameters as JSON) or native ``tool_use`` block. ``attempt_completion`` is
the ``final`` step, its ``result`` the content. Tool results arrive as user text blocks
``[<tool> for '<what>'] Result:`` (or native ``tool_result`` blocks): each is a ``tool_result``
matched to the oldest unanswered call of that tool, with ``exit_code`` from ``Command failed
with exit code N`` / ``(exit code 0)`` and ``is_error`` when the exit code is not 0, the text
is Cline's ``<error>`` tool failure, or the output looks like an error.

``ui_messages.json`` adds usage and time: the n-th ``api_req_started`` gives the tokens and
cost of the n-th assistant turn, and its ``ts`` the time of that turn and of the user turn
sent with it. Roo Code writes the same layout; its conversation messages carry their own
``ts`` (used first) and may hold ``type: reasoning`` items (``thought`` steps).
``outcome`` is ``unknown``: a completion attempt is not a verdict. ``labels`` keep the task id
and whether a completion was attempted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

AGENT = "cline"
HISTORY, UI = "api_conversation_history.json", "ui_messages.json"
TOOLS = frozenset((
    "execute_command", "read_file", "write_to_file", "replace_in_file", "search_files", "list_files",
    "list_code_definition_names", "browser_action", "use_mcp_tool", "access_mcp_resource",
    "ask_followup_question", "plan_mode_respond", "attempt_completion", "new_task", "load_mcp_documentation",
    "web_fetch", "condense", "summarize_task", "report_bug", "new_rule", "apply_diff", "insert_content",
    "search_and_replace", "switch_mode", "codebase_search", "update_todo_list", "fetch_instructions",
    "run_slash_command", "generate_image",
))
TOOL_USE = re.compile(r"<(\w+)>(.*?)(?:</\1>|\Z)", re.DOTALL)
PARAM = re.compile(r"<(\w+)>\n?(.*?)\n?</\1>", re.DOTALL)
THINKING = re.compile(r"<thinking>(.*?)</thinking>", re.DOTALL)
RESULT = re.compile(r"\A\[(\w+)(?: for '(.*?)')?\] Result:\n?", re.DOTALL)
EXIT_CODE = re.compile(r"\A(?:Command failed with exit code (-?\d+)|Command executed successfully \(exit code (0)\))")
TOOL_FAILED = "The tool execution failed with the following error:"
ENV = "<environment_details>"
SNIFF_CHARS = 2048


def sniff(source: Input) -> float:
    """0.95 for a folder with a conversation that is a JSON list of role messages (0.9 without the UI file)."""
    history = source.path / HISTORY
    if not history.is_file():
        return 0.0
    head = Input(history).text_prefix(SNIFF_CHARS)
    if head is None or not head.lstrip().startswith("[") or '"role"' not in head:
        return 0.0
    ui = source.path / UI
    if not ui.is_file():
        return 0.9
    ui_head = Input(ui).text_prefix(SNIFF_CHARS)
    return 0.95 if ui_head is not None and '"ts"' in ui_head and '"type"' in ui_head else 0.9


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    messages = _history(source, problems)
    turns = _ui(source, problems)
    tid = ac.trajectory_id(source.rel)
    table = ac.StepTable("cline_task", source.path)
    walk = _Walk(table, tid, turns, problems)
    for index, message in enumerate(messages):
        walk.message(index, message)
    walk.unanswered()
    labels = {"task_id": source.path.name, "completion_attempted": walk.completed}
    table.trajectory(tid, task=_task(messages), outcome="unknown", labels=labels)
    return table.batch(problems)


def _history(source: Input, problems: list[Problem]) -> list:
    path = source.path / HISTORY
    if not path.is_file():
        raise ValueError(f"no {HISTORY} in the task folder")
    found: list[Problem] = []
    data = tj.load_list_or_salvage(tj.read_text(Input(path), found), found)
    problems.extend(Problem(f"{HISTORY}: {p.error}", p.line_or_offset) for p in found)
    if not isinstance(data, list):
        raise ValueError(f"{HISTORY} is not a JSON list of messages")
    return data


def _ui(source: Input, problems: list[Problem]) -> list[dict]:
    """Per ``api_req_started``: its ``ts`` (seconds) and parsed JSON; [] when the file is missing or broken."""
    path = source.path / UI
    if not path.is_file():
        problems.append(Problem(f"no {UI}: steps have no timestamps, token counts or cost"))
        return []
    found: list[Problem] = []
    try:
        rows = tj.load_list_or_salvage(tj.read_text(Input(path), found), found)
    except ValueError as exc:
        problems.append(Problem(f"{UI}: {exc}; timestamps, token counts and cost lost"))
        return []
    problems.extend(Problem(f"{UI}: {p.error}", p.line_or_offset) for p in found)
    return [_request(row) for row in rows if isinstance(row, dict) and row.get("say") == "api_req_started"]


def _request(row: dict) -> dict:
    try:
        info = json.loads(row.get("text") or "{}")
    except json.JSONDecodeError:
        info = {}
    info = info if isinstance(info, dict) else {}
    info["_ts"] = ac.epoch(row.get("ts"))
    return info


def _task(messages: list) -> str | None:
    text = ac.first_user_text(messages)
    if text is None:
        return None
    found = re.search(r"<task>\n?(.*?)\n?</task>", text, re.DOTALL)
    return found.group(1) if found else _strip_env(text)


def _strip_env(text: str) -> str:
    return text.split(ENV, 1)[0].rstrip()


def _blocks(content: Any) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


class _Walk:
    """Turns the messages into steps, pairing each tool result with the call it answers."""

    def __init__(self, table: ac.StepTable, tid: str, requests: list[dict], problems: list[Problem]) -> None:
        self.table, self.tid, self.requests, self.problems = table, tid, requests, problems
        self.pending: list[tuple[str, str | None]] = []  # (tool, native id) of unanswered calls
        self.turn = 0  # assistant turns seen: the index of the next api_req_started
        self.completed = False

    def message(self, index: int, message: Any) -> None:
        if not isinstance(message, dict):
            self.problems.append(Problem(f"{HISTORY}: message {index} is not an object: skipped", index))
        elif message.get("role") == "assistant":
            self.assistant(message)
        elif message.get("role") == "user":
            self.user(message)
        elif message.get("type") == "reasoning":
            self.add("thought", role="assistant", content=ac.content_text(message.get("summary")) or None,
                     when=ac.epoch(message.get("ts")))
        else:
            self.problems.append(Problem(f"{HISTORY}: message {index} has no role: skipped", index))

    def add(self, kind: str, *, role: str, when: float | None, **columns: Any) -> int:
        return self.table.add(self.tid, kind, agent=AGENT, role=role, timestamp=when, **columns)

    def _when(self, message: dict) -> float | None:
        own = ac.epoch(message.get("ts"))
        if own is not None or self.turn >= len(self.requests):
            return own
        return self.requests[self.turn]["_ts"]

    def assistant(self, message: dict) -> None:
        when, first = self._when(message), len(self.table)
        for block in _blocks(message.get("content")):
            kind = block.get("type")
            if kind == "text":
                self.assistant_text(block.get("text") or "", when)
            elif kind in ("thinking", "reasoning", "redacted_thinking"):
                self.add("thought", role="assistant", content=ac.content_text(block), when=when)
            elif kind == "tool_use":
                self.call(str(block.get("name")), block.get("input"), block.get("id"), when)
        if self.turn < len(self.requests):
            info = self.requests[self.turn]
            self.table.meter(first, ac.as_int(info.get("tokensIn")), ac.as_int(info.get("tokensOut")),
                             ac.as_float(info.get("cost")))
        self.turn += 1

    def assistant_text(self, text: str, when: float | None) -> None:
        for thought in THINKING.findall(text):
            self.add("thought", role="assistant", content=thought.strip(), when=when)
        rest = THINKING.sub("", text)
        uses = [(name, body) for name, body in TOOL_USE.findall(rest) if name in TOOLS]
        prose = rest[:min((rest.find(f"<{name}>") for name, _ in uses), default=len(rest))].strip()
        if prose:
            self.add("message", role="assistant", content=prose, when=when)
        for name, body in uses:
            self.call(name, {key: value for key, value in PARAM.findall(body)}, None, when)

    def call(self, tool: str, arguments: Any, native_id: str | None, when: float | None) -> None:
        if tool == "attempt_completion":
            self.completed = True
            result = arguments.get("result") if isinstance(arguments, dict) else None
            self.add("final", role="assistant", tool=tool, arguments=arguments, content=result, when=when)
            return
        self.add("tool_call", role="assistant", tool=tool, arguments=arguments, when=when)
        self.pending.append((tool, native_id))

    def user(self, message: dict) -> None:
        when = self._when(message)
        for block in _blocks(message.get("content")):
            if block.get("type") == "tool_result":
                self.result(ac.content_text(block.get("content")) or "", when, block.get("tool_use_id"))
            elif block.get("type") == "text":
                self.user_text(block.get("text") or "", when)

    def user_text(self, text: str, when: float | None) -> None:
        if RESULT.match(text):
            self.result(text, when, None)
        elif text.startswith("[ERROR]"):
            self.add("error", role="user", content=_strip_env(text), is_error=True, when=when)
        elif not text.startswith(ENV) and _strip_env(text):
            self.add("message", role="user", content=_strip_env(text), when=when)

    def result(self, text: str, when: float | None, native_id: str | None) -> None:
        head = RESULT.match(text)
        tool = head.group(1) if head else self._tool_of(native_id)
        output = text[head.end():] if head else text
        self._answer(tool, native_id)
        code = _exit_code(output)
        failed = (code is not None and code != 0) or output.startswith(TOOL_FAILED) or (
            code is None and ac.looks_like_error(output))
        self.add("tool_result", role="user", tool=tool, content=output, exit_code=code, is_error=failed, when=when)

    def _tool_of(self, native_id: str | None) -> str | None:
        return next((tool for tool, ident in self.pending if ident == native_id), None)

    def _answer(self, tool: str | None, native_id: str | None) -> None:
        for position, (name, ident) in enumerate(self.pending):
            if (native_id is not None and ident == native_id) or (native_id is None and name == tool):
                del self.pending[position]
                return
        self.problems.append(Problem(f"a {tool or 'tool'} result with no call before it"))

    def unanswered(self) -> None:
        if self.pending:
            names = ", ".join(tool for tool, _ in self.pending)
            self.problems.append(Problem(f"{len(self.pending)} tool calls with no result: {names}"))


def _exit_code(output: str) -> int | None:
    found = EXIT_CODE.match(output)
    if not found:
        return None
    return int(found.group(1) if found.group(1) is not None else found.group(2))


READER = Reader(
    name="cline_task",
    description="Cline / Roo Code task folder (api_conversation_history.json, ui_messages.json)",
    example="tasks/1718000000000/",
    sniff=sniff,
    read=read,
    reads_folders=True,
)
