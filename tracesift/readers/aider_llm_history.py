"""Aider's LLM history (``--llm-history-file``, e.g. ``.aider.llm.history``): every prompt sent and reply received.

``InputOutput.log_llm_history`` appends ``<ROLE> <local time, seconds>`` and the content: per call
``TO LLM <time>`` with ``format_messages(messages)`` (each message after a ``-------`` line, every line of it
prefixed ``SYSTEM ``, ``USER `` or ``ASSISTANT ``), then ``LLM RESPONSE <time>`` with the reply's lines
prefixed ``ASSISTANT ``. The file is appended to by every run in the repository and has no session marks:
it is one trajectory, its steps 0-based in call order.

Each prompt resends the whole chat, so only what is new in it becomes steps. Left out first: system
messages, aider's own context (the few-shot examples up to "I switched to a new code base", repo map, file
contents, read-only files, summaries: recognised by aider's prompt texts), every assistant message (the
replies are their ``LLM RESPONSE``; the others are aider's "Ok." acknowledgements), and the system reminder
aider appends to the last user message. What is left is compared with the previous prompt plus its
reply, as multisets of (role, text): a message is new when the previous prompt did not hold it (so a resent
prompt, a retry, adds no input step). When the prompt shares no user message with the previous one (a new
session, ``/clear``), all of it is new.

New user messages: "I ran this command: ... And got this output: ..." (``/run``, ``/test``, shell commands
aider runs) is a ``tool_call`` (tool ``run``, the command) and its ``tool_result``, an error when the output
looks like one or when aider sends it again as the message (``/test`` does so only for a non-zero exit); the
"I committed the changes ..." / "I updated the files." notes are ``tool_result``s of tool ``edit``, the
"SEARCH/REPLACE block failed to match" report an ``edit`` error, lint output a ``lint`` error (as in the
chat-history reader); any other user text is a ``message`` (the first is the task). A reply is a ``message``
(``timestamp`` the response time, ``latency_s`` the seconds since its prompt), then one ``tool_call`` (tool
``edit``, the file) per SEARCH/REPLACE block. No tokens, costs or exit codes: aider does not log them here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tracesift.readers import agent_common as ac
from tracesift.readers.aider import AGENT, LINT, NO_MATCH, edit_paths
from tracesift.readers.base import Batch, Input, Problem, Reader

HEADER = re.compile(r"^(TO LLM|LLM RESPONSE) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)$", re.MULTILINE)
SEPARATOR = "-------"
ROLE = re.compile(r"^(SYSTEM|USER|ASSISTANT|TOOL|FUNCTION|DEVELOPER)(?: (.*))?$")
SNIFF = re.compile(r"\s*TO LLM \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\n-------\n(?:SYSTEM|USER) ")
RUN = re.compile(r"^I ran this command:\n\n(?P<command>.*?)\n\nAnd got this output:\n\n(?P<output>.*)$", re.DOTALL)
EDITED = ("I committed the changes with git hash", "I updated the files.", "I edited the files myself.")
CONTEXT = (
    "I have *added these files to the chat*", "I am not sharing any files that you can edit yet.",
    "Don't try and edit any existing code without asking me to add the files to the chat!",
    "Here are summaries of some files present in my git repository.",
    "Here are some READ ONLY files, provided for your reference.",
    "I spoke to you previously about a number of things.",
)
"""How aider's context messages begin (aider/coders/base_prompts.py, aider/prompts.py ``summary_prefix``)."""
EXAMPLES_END = "I switched to a new code base. Please don't consider the above files"


def sniff(source: Input) -> float:
    head = source.text_prefix()
    return 0.95 if head is not None and SNIFF.match(head) else 0.0


@dataclass
class _Call:
    line: int
    at: str
    messages: list[tuple[str, str]] = field(default_factory=list)
    received: str | None = None
    response: str | None = None


def read(source: Input) -> Batch:
    calls, problems = ac.parse_or_fail(source, _calls, "no 'TO LLM <time>' record: not an aider LLM history")
    table = ac.StepTable("aider_llm_history", source.path)
    tid = ac.trajectory_id(source.rel)
    walk = _Walk(table, tid, problems)
    previous: _Call | None = None
    for call in calls:
        walk.call(call, previous)
        previous = call
    labels = {"started_at": calls[0].at, "llm_calls": len(calls)}
    table.trajectory(tid, task=walk.task, outcome="unknown", labels=labels)
    return table.batch(problems)


def _calls(text: str, problems: list[Problem]) -> list[_Call]:
    """The prompts of the file, each with the reply logged after it."""
    headers = list(HEADER.finditer(text))
    if headers and text[:headers[0].start()].strip():
        problems.append(Problem("text before the first 'TO LLM' record: skipped", 1))
    calls: list[_Call] = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        line = text.count("\n", 0, header.start()) + 1
        body = text[header.end() + 1:end].rstrip("\n").split("\n")
        if header.group(1) == "TO LLM":
            if calls and calls[-1].response is None:
                problems.append(Problem("prompt with no LLM RESPONSE after it (interrupted, or the log was cut)",
                                        calls[-1].line))
            calls.append(_Call(line, header.group(2), _messages(body, line, problems)))
        elif not calls or calls[-1].response is not None:
            problems.append(Problem("LLM RESPONSE with no prompt before it: skipped", line))
        else:
            calls[-1].received, calls[-1].response = header.group(2), _unprefixed(body)
    if calls and calls[-1].response is None:
        problems.append(Problem("prompt with no LLM RESPONSE after it (interrupted, or the log was cut)", calls[-1].line))
    return calls


def _messages(lines: list[str], first: int, problems: list[Problem]) -> list[tuple[str, str]]:
    """``format_messages`` read back: (lower-case role, text) per message."""
    messages: list[tuple[str, list[str]]] = []
    for offset, line in enumerate(lines):
        if line == SEPARATOR:
            messages.append(("", []))
            continue
        found = ROLE.match(line)
        if found is None or not messages:
            problems.append(Problem("prompt line without a role prefix: kept in the message before it", first + 1 + offset))
            if not messages:
                messages.append(("", []))
            messages[-1][1].append(line)
            continue
        role = messages[-1][0] or found.group(1).lower()
        messages[-1] = (role, [*messages[-1][1], found.group(2) or ""])
    return [(role, "\n".join(text)) for role, text in messages if role]


def _unprefixed(lines: list[str]) -> str:
    return "\n".join(line.removeprefix("ASSISTANT").removeprefix(" ") for line in lines).strip("\n")


def _conversation(messages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The prompt without system messages, aider's context and examples, and the reminder on the last message."""
    system = next((text for role, text in messages if role == "system"), None)
    first = 0
    if system is None and messages:  # a model without system prompts: aider sends it as the first user message
        system, first = messages[0][1], 2
    examples = next((i for i, (role, text) in enumerate(messages) if text.startswith(EXAMPLES_END)), -1)
    first = max(first, examples + 2)
    kept = []
    for index, (role, text) in enumerate(messages):
        if role == "system" or index < first or text.startswith(CONTEXT):
            continue
        kept.append((role, _without_reminder(text, system).rstrip()))  # trailing blank lines: no difference
    return kept


def _without_reminder(text: str, system: str) -> str:
    """``text`` without the system reminder aider appends to the last user message (``"\n\n" + reminder``; the
    system prompt ends with ``"\n" + reminder``): the longest end of ``text`` after a blank line that ends the
    system prompt too."""
    start = text.find("\n\n")
    while start >= 0:
        tail = text[start + 2:]
        if len(tail) >= 20 and system.endswith(tail):
            return text[:start]
        start = text.find("\n\n", start + 1)
    return text


class _Walk:
    """Steps of each call: the inputs new since the previous prompt, then the reply and its edits."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.task: str | None = None

    def add(self, kind: str, role: str, at: str | None, **columns) -> None:
        self.table.add(self.tid, kind, agent=AGENT, role=role, timestamp=ac.epoch(at), **columns)

    def call(self, call: _Call, previous: _Call | None) -> None:
        inputs = [text for role, text in _new(call, previous) if role == "user"]
        for index, text in enumerate(inputs):
            if index and text == inputs[index - 1]:
                continue  # /test sends the output it just added to the chat once more
            self.user(text, call.at, resent=text in inputs[index + 1:index + 2])
        if call.response is None:
            return
        sent, received = ac.epoch(call.at), ac.epoch(call.received)
        latency = received - sent if sent is not None and received is not None else None
        self.add("message", "assistant", call.received, content=call.response, latency_s=latency)
        for path in edit_paths(call.response.split("\n"), call.line, self.problems):
            self.add("tool_call", "assistant", call.received, tool="edit", arguments=path)

    def user(self, text: str, at: str, resent: bool) -> None:
        run = RUN.match(text)
        if run:
            output = run.group("output")
            self.add("tool_call", "user", at, tool="run", arguments=run.group("command").strip())
            self.add("tool_result", "tool", at, tool="run", content=output, is_error=resent or ac.looks_like_error(output))
        elif text.startswith(EDITED):
            self.add("tool_result", "tool", at, tool="edit", content=text)
        elif NO_MATCH.match(text):
            self.add("tool_result", "tool", at, tool="edit", content=text, is_error=True)
        elif text.startswith(LINT):
            self.add("tool_result", "tool", at, tool="lint", content=text, is_error=True)
        else:
            self.task = self.task or (text.strip() or None)
            self.add("message", "user", at, content=text)


def _new(call: _Call, previous: _Call | None) -> list[tuple[str, str]]:
    """The messages of ``call``'s prompt that the previous prompt and its reply did not hold."""
    conversation = _conversation(call.messages)
    seen: Counter = Counter(_conversation(previous.messages)) if previous is not None else Counter()
    if previous is not None and previous.response:
        seen[("assistant", previous.response.rstrip())] += 1
    if not any(seen[message] for message in conversation if message[0] == "user"):
        seen = Counter()  # nothing in common: a new session or a cleared chat
    new = []
    for message in conversation:
        if seen[message]:
            seen[message] -= 1
        else:
            new.append(message)
    return new


READER = Reader(
    name="aider_llm_history",
    description="Aider LLM history (--llm-history-file, .aider.llm.history): each call's new user input "
                "(resent chat left out), replies, SEARCH/REPLACE edits, command output",
    example=".aider.llm.history",
    sniff=sniff,
    read=read,
)
