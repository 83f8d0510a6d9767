"""OpenAI-style chat messages (and Anthropic content blocks) as agent trajectories.

Layouts read, all sniffed by content:

* a JSON list of messages ``[{"role": "user", "content": ...}, ...]``;
* a JSON object with ``messages`` (other keys: ``id``, ``task``, ``outcome``, ``labels``);
* a JSON list of such objects, or JSONL with one such object (or message list) per line:
  one trajectory each, named ``<run_id>#<id or index>``;
* JSONL with one message per line: one trajectory (or one per ``conversation_id`` /
  ``session_id`` / ``thread_id`` when lines carry one).

Steps are numbered 0-based in document order. One message gives one step per
part: its text (``message``, or ``final`` for the last assistant text with no tool
call after it), ``reasoning_content`` (``thought``), each of its ``tool_calls``
(``tool_call``: ``tool`` = function name, ``arguments`` = the JSON string as
written, ``span_id`` = the call id). A ``tool`` message is a ``tool_result``
matched back to its call by ``tool_call_id`` (``parent_span_id``); its ``agent`` is the
agent whose call it answers (the ``name`` of a ``tool`` message names the tool). Anthropic
blocks map the same way: ``text``, ``thinking``, ``tool_use``, ``tool_result``
(whose ``is_error`` is kept). Token usage, cost and latency sit on the first step of
their message. An unknown role, a result with no matching call, a cut-off file
or line and non-UTF-8 bytes are reported as problems; the rest is still read.
"""

from __future__ import annotations

import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import chat_typed
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

ROLES = {"system", "developer", "user", "assistant", "tool", "function", "ipython"}
GROUP_KEYS = ("conversation_id", "session_id", "thread_id")
FOREIGN = ('"resourceSpans"', '"mistake_agent"', '"trajectory"', '"tool_call_metadata"', '"eval_id"',
           '"mini_version"', '"trajectory_format"', '"traj"')
MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')
GEMINI_CONTENTS = re.compile(r'\[\s*\{\s*"role"\s*:\s*"(?:user|model)"\s*,\s*"parts"\s*:')


# {"messages": [{"role": ...: a conversation object whose first message is in view.
FIRST_MESSAGE = re.compile(r'"messages"\s*:\s*\[\s*\{\s*"(role|content)"')


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None:
        return 0.0
    score = _layout_score(head)
    return 0.0 if score and FOREIGN_KEYS.search(head) else score  # the one scan of the whole prefix, last


FOREIGN_KEYS = re.compile("|".join(map(re.escape, FOREIGN)))
"""Any of ``FOREIGN`` (another format's keys), in one pass."""


def _layout_score(head: str) -> float:
    """How surely ``head`` starts one of the layouts read, other formats' keys aside."""
    body = head.lstrip()
    if not body.startswith(("[", "{")) or '"role"' not in head:
        return 0.0
    lines = tj.json_lines_head(head)
    if lines and all(_is_message(v) or _is_conversation(v) for v in lines) and len(lines) > 1:
        return 0.9
    if GEMINI_CONTENTS.match(body):
        return 0.0  # Gemini Content (role user/model, parts): gemini_checkpoint reads it
    if body.startswith("[") and re.match(r'\[\s*\{\s*"(role|content|messages|name|id)"', body):
        return 0.9 if re.match(r'\[\s*\{\s*"role"', body) else 0.7
    if body.startswith("{") and MESSAGES_KEY.search(head):
        return 0.9 if FIRST_MESSAGE.search(head) else 0.7
    return 0.0


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and "role" in value and ("content" in value or "tool_calls" in value)


def _is_conversation(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("messages"), list)) or \
        (isinstance(value, list) and all(_is_message(m) for m in value))


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    fast = chat_typed.read(source, ac.StepTable("chat_messages", path))  # the plain layout, decoded typed
    if fast is not None:
        return fast
    conversations, problems = ac.parse_or_fail(source, _conversations, "no chat messages found")
    table = ac.StepTable("chat_messages", path)
    several = len(conversations) > 1
    for index, (inner, meta, messages) in enumerate(conversations):
        tid = ac.trajectory_id(run_id, (inner if inner is not None else index) if several else None)
        _conversation(table, tid, messages, meta, problems)
    return table.batch(problems)


def _conversations(text: str, problems: list[Problem]) -> list[tuple[Any, dict, list]]:
    """(id, metadata, messages) per conversation in the file."""
    try:
        whole = tj.load_list_or_salvage(text, problems)
    except ValueError:
        if not text.lstrip().startswith("{"):
            raise
        found = _from_lines(text, problems)
        if not found:
            raise
        return found
    if isinstance(whole, dict):
        return [_unpack(whole, None)] if isinstance(whole.get("messages"), list) else []
    if isinstance(whole, list) and whole and all(_is_conversation(v) for v in whole):
        return [_unpack(v, i) for i, v in enumerate(whole)]
    return [(None, {}, whole)] if isinstance(whole, list) else []


def _from_lines(text: str, problems: list[Problem]) -> list[tuple[Any, dict, list]]:
    conversations: list[tuple[Any, dict, list]] = []
    groups: dict[Any, list] = {}
    for number, value in tj.jsonl_objects(text, problems):
        if _is_conversation(value):
            conversations.append(_unpack(value, number - 1))
        elif isinstance(value, dict):
            key = next((value[k] for k in GROUP_KEYS if k in value), None)
            groups.setdefault(key, []).append(value)
        else:
            problems.append(Problem("line is neither a message nor a conversation: skipped", number))
    for key, messages in groups.items():
        conversations.append((key, {}, messages))
    return conversations


def _unpack(value: Any, index: int | None) -> tuple[Any, dict, list]:
    if isinstance(value, list):
        return index, {}, value
    inner = next((value[k] for k in ("id", *GROUP_KEYS) if value.get(k) is not None), index)
    return inner, value, value["messages"]


def _conversation(table: ac.StepTable, tid: str, messages: list, meta: dict, problems: list[Problem]) -> None:
    add_messages(table, tid, messages, problems)
    task = meta.get("task") or ac.first_user_text(messages)
    outcome = meta.get("outcome") if meta.get("outcome") in ac.OUTCOMES else "unknown"
    table.trajectory(tid, task=ac.json_text(task), outcome=outcome, labels=meta.get("labels"))


def add_messages(table: ac.StepTable, tid: str, messages: list, problems: list[Problem]) -> None:
    """The steps of one chat (a list of OpenAI-style or Anthropic-style messages) into ``table``.

    For readers of formats that embed such a chat (e.g. ``tau_bench``); the trajectory row is theirs.
    """
    _Conversation(table, tid, problems).read(messages)


METERED = frozenset({"usage", "cost", "latency_s", "latency"})
"""Keys of a message that carry usage, cost or latency."""


class _Conversation:
    """The steps of one conversation, message by message (the hot loop of agent ingest)."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.calls: dict[str | None, tuple[str | None, str]] = {}  # call id -> (tool, calling agent), for results

    def read(self, messages: list) -> None:
        final = _last_final_message(messages)
        table = self.table
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                self.problems.append(Problem(f"{self.tid}: message {index} is not an object: skipped", index))
                continue
            role = message.get("role")
            if role not in ROLES:
                role = str(role)
                self.problems.append(Problem(f"{self.tid}: message {index} has unknown role {role!r}: "
                                             "kept as a message", index))
            first = len(table)
            when = message.get("timestamp") or message.get("created_at") or message.get("created")
            when = None if when is None else ac.epoch(when)
            if role == "tool" or role == "function":
                self.tool_result(message, role, when)
            else:
                self.said(message, role, message.get("name") or role, when, index == final)
            if not METERED.isdisjoint(message):
                table.meter(first, *_metered(message))

    def said(self, message: dict, role: str, agent: str, when: float | None, is_final: bool) -> None:
        """A message that is not a tool result: its reasoning, text (or blocks), then tool calls."""
        add, tid = self.table.add, self.tid
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if reasoning:
            add(tid, "thought", content=ac.content_text(reasoning), role=role, agent=agent, timestamp=when)
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                self.block(block, role, agent, when, is_final)
        elif content is not None and content != "":
            add(tid, "final" if is_final else "message", content=content if content.__class__ is str else
                ac.content_text(content), role=role, agent=agent, timestamp=when)
        calls = message.get("tool_calls")
        if calls:
            for call in calls:
                if isinstance(call, dict):
                    function = call.get("function") or {}
                    self.call(call.get("id"), function.get("name") or call.get("name"),
                              function.get("arguments", call.get("arguments")), role, agent, when)
        legacy = message.get("function_call")
        if isinstance(legacy, dict):
            self.call(None, legacy.get("name"), legacy.get("arguments"), role, agent, when)

    def call(self, call_id: str | None, tool: str | None, arguments: Any, role: str, agent: str,
             when: float | None) -> None:
        self.calls[call_id] = (tool, agent)
        self.table.add(self.tid, "tool_call", tool=tool, arguments=arguments, span_id=call_id, role=role,
                       agent=agent, timestamp=when)

    def tool_result(self, message: dict, role: str, when: float | None) -> None:
        """A ``tool`` message: its ``name`` is the tool's; its agent is the one whose call it answers."""
        call_id = message.get("tool_call_id")
        tool, agent = message.get("name"), role
        if call_id is not None:
            called = self.calls.get(call_id)
            if called is None:
                self.unmatched(f"tool result for tool_call_id {call_id!r} has no matching call")
            else:
                tool, agent = called[0] or tool, called[1]
        text = message.get("content")
        text = text if text.__class__ is str else ac.content_text(text)
        error = bool(message.get("is_error") or message.get("error")) or ac.looks_like_error(text)
        exit_code = message.get("exit_code")
        self.table.add(self.tid, "tool_result", tool=tool, content=text, is_error=error, parent_span_id=call_id,
                       exit_code=None if exit_code is None else ac.as_int(exit_code), role=role, agent=agent,
                       timestamp=when)

    def block(self, block: Any, role: str, agent: str, when: float | None, is_final: bool) -> None:
        """One Anthropic-style content block."""
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_use":
            self.call(block.get("id"), block.get("name"), block.get("input"), role, agent, when)
            return
        if kind == "tool_result":
            call_id = block.get("tool_use_id")
            if call_id not in self.calls:
                self.unmatched(f"tool_result for tool_use_id {call_id!r} has no matching tool_use")
            tool, caller = self.calls.get(call_id, (None, agent))
            self.table.add(self.tid, "tool_result", tool=tool, content=ac.content_text(block.get("content")),
                           parent_span_id=call_id, is_error=bool(block.get("is_error")), role=role, agent=caller,
                           timestamp=when)
            return
        text = ac.content_text(block)
        if kind in ("thinking", "redacted_thinking", "reasoning"):
            self.table.add(self.tid, "thought", content=text, role=role, agent=agent, timestamp=when)
        elif text:
            self.table.add(self.tid, "final" if is_final else "message", content=text, role=role, agent=agent,
                           timestamp=when)

    def unmatched(self, what: str) -> None:
        self.problems.append(Problem(f"{self.tid}: {what}", self.table.count(self.tid)))


def _metered(message: dict) -> tuple:
    """Tokens in and out, cost and latency of a message (they go on its first step, so sums count them once)."""
    usage = message.get("usage") if isinstance(message.get("usage"), dict) else {}
    return (ac.as_int(usage.get("prompt_tokens", usage.get("input_tokens"))),
            ac.as_int(usage.get("completion_tokens", usage.get("output_tokens"))),
            ac.as_float(message.get("cost", usage.get("cost"))),
            ac.as_float(message.get("latency_s") or message.get("latency")))


def _last_final_message(messages: list) -> int:
    """Index of the last assistant message if no tool call follows it, else -1."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant":
            content = message.get("content")
            blocks = content if isinstance(content, list) else []
            has_call = bool(message.get("tool_calls")) or any(
                isinstance(b, dict) and b.get("type") == "tool_use" for b in blocks)
            return -1 if has_call else index
        if message.get("role") in ("tool", "function"):
            return -1
    return -1


READER = Reader(
    name="chat_messages",
    description="OpenAI-style chat messages (JSON list, {messages: [...]}, JSONL), tool_calls, Anthropic blocks",
    example="conversations/session-42.jsonl",
    sniff=sniff,
    read=read,
)
