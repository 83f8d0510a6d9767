"""Claude Code session transcripts (``~/.claude/projects/<project>/<session>.jsonl``).

One JSON object per line. ``user`` and ``assistant`` lines carry an Anthropic Messages
``message``; a ``system`` line of subtype ``compact_boundary`` (Claude Code compacted the
conversation to fit its context) is a system ``message`` step, "context compacted (auto, N
tokens before)", and the summary it leaves on the next user line (``isCompactSummary``) a
system message too, not the user's; every other ``type`` (``summary``, ``file-history-snapshot``,
other ``system`` lines, ``queue-operation``, titles, modes, ...) is bookkeeping, not a step. Steps, 0-based in
document order:

* a user line's text (a string, or ``text`` blocks) is a ``message`` (role ``user``); each
  ``tool_result`` block is a ``tool_result`` (role ``tool``) matched to its call by
  ``tool_use_id`` (``parent_span_id``), with Claude Code's ``is_error`` kept as written and
  ``exit_code`` from the Bash tool's ``Exit code N`` first line;
* an assistant line's ``thinking`` / ``redacted_thinking`` blocks are ``thought``, ``text`` a
  ``message`` (``final`` for the last text of a trajectory with no tool call after it),
  ``tool_use`` a ``tool_call`` (``span_id`` = its id, ``arguments`` = its ``input``); a synthetic
  API-error message (``isApiErrorMessage``) is an ``error`` step.

Claude Code streams one assistant message as one line per content block, each repeating the
message's ``usage``: tokens are counted once per ``message.id``, on its first step, with
``tokens_in`` the whole prompt (``input_tokens`` plus cache creation and cache reads).

Subagents are child trajectories: a file under ``<session>/subagents/`` is one whose labels
name its ``parent`` (the session file's trajectory id) and ``agent_id``; sidechain lines inside a
session file (``isSidechain``) become ``<session>#<agentId>`` (or ``#<root uuid>``), labelled the
same way. Claude Code records no outcome: it stays ``unknown``. Lines cut off or not JSON, an
unknown record type and a result with no call are problems naming the line; the rest is read.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import msgspec

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

TURNS = frozenset({"user", "assistant"})
BOOKKEEPING = frozenset({
    "summary", "file-history-snapshot", "system", "queue-operation", "progress", "attachment", "custom-title",
    "ai-title", "last-prompt", "permission-mode", "mode", "worktree-state", "pr-link", "atis-latch", "tag",
})
"""Record types Claude Code writes that are not turns of the conversation."""
MARKERS = ('"parentUuid"', '"sessionId"', '"isSidechain"')
TURN_TYPE = re.compile(r'"type"\s*:\s*"(user|assistant)"')
EXIT_CODE = re.compile(r"\AExit code (-?\d+)\b")
MAIN_AGENT = "claude"
COMPACTED = "compact_boundary"
"""The ``system`` line's ``subtype`` where Claude Code compacted the conversation (a step; other system lines are not)."""


def sniff(source: Input) -> float:
    """Sure when the prefix holds Claude Code's line keys and a user or assistant turn."""
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("{"):
        return 0.0
    if not all(marker in head for marker in MARKERS) or not TURN_TYPE.search(head):
        return 0.0
    lines = tj.json_lines_head(head)
    if lines and not all(isinstance(line, dict) and "type" in line for line in lines):
        return 0.0
    return 0.95


def read(source: Input) -> Batch:
    records, problems = ac.parse_or_fail(source, _lines, "no Claude Code transcript lines found", raw=True)
    tid = source.rel
    parent = parent_session(tid)
    groups = _group(records, tid, parent is not None, problems)
    if not groups:
        raise ValueError(problems[0].error if problems else "no user or assistant lines found")
    table = ac.StepTable("claude_code", source.path)
    for key, lines in groups.items():
        _Transcript(table, key, problems).read(lines)
        table.trajectory(key, task=_task(lines), labels=_labels(lines, key, tid, parent))
    return table.batch(problems)


UNSET = tj.UNSET


class _Line(msgspec.Struct):
    """The keys read of a transcript line (``toolUseResult``, a copy of the tool's output, and the rest are skipped)."""

    type: Any = UNSET
    message: Any = UNSET
    timestamp: Any = UNSET
    uuid: Any = UNSET
    parent_uuid: Any = msgspec.field(default=UNSET, name="parentUuid")
    is_sidechain: Any = msgspec.field(default=UNSET, name="isSidechain")
    agent_id: Any = msgspec.field(default=UNSET, name="agentId")
    is_api_error: Any = msgspec.field(default=UNSET, name="isApiErrorMessage")
    is_meta: Any = msgspec.field(default=UNSET, name="isMeta")
    session_id: Any = msgspec.field(default=UNSET, name="sessionId")
    cwd: Any = UNSET
    git_branch: Any = msgspec.field(default=UNSET, name="gitBranch")
    version: Any = UNSET
    subtype: Any = UNSET
    content: Any = UNSET
    compact_metadata: Any = msgspec.field(default=UNSET, name="compactMetadata")
    is_compact_summary: Any = msgspec.field(default=UNSET, name="isCompactSummary")


_DECODE_LINE = msgspec.json.Decoder(_Line).decode
_DECODE_ANY = msgspec.json.Decoder().decode


def _lines(data: bytes, problems: list[Problem]) -> list[tuple[int, Any]]:
    """The lines, as the keys read of each (text that is not UTF-8 is read whole, to say where it is not)."""
    return tj.jsonl_objects(data, problems, _line) if tj.is_utf8(data) else tj.jsonl_objects(data, problems)


def _line(raw: bytes | memoryview) -> Any:
    """A line as the dict of the keys read; a line that is JSON but not an object, as it is."""
    try:
        return tj.present(_DECODE_LINE(raw))
    except msgspec.ValidationError:
        return _DECODE_ANY(raw)


def parent_session(rel: str) -> str | None:
    """The session file a ``<session>/subagents/...`` transcript belongs to, or None for a session file."""
    parts = PurePosixPath(rel).parts
    if "subagents" not in parts[:-1]:
        return None
    index = len(parts) - 1 - parts[::-1].index("subagents")
    return str(PurePosixPath(*parts[:index])) + ".jsonl" if index else None


def _group(records: list[tuple[int, Any]], tid: str, subagent_file: bool,
           problems: list[Problem]) -> dict[str, list[tuple[int, dict]]]:
    """The file's turns per trajectory: the session, then each inline sidechain."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    chains: dict[str, str] = {}  # sidechain line uuid -> its trajectory id
    unknown: dict[str, list[int]] = {}
    for number, line in records:
        kind = line.get("type") if isinstance(line, dict) else None
        if kind in TURNS or (kind == "system" and line.get("subtype") == COMPACTED):
            key = tid if subagent_file or not line.get("isSidechain") else _sidechain(line, tid, chains)
            groups.setdefault(key, []).append((number, line))
        elif kind not in BOOKKEEPING:
            unknown.setdefault(repr(kind) if isinstance(line, dict) else "not an object", []).append(number)
    for what, numbers in unknown.items():
        times = "" if len(numbers) == 1 else f" ({len(numbers)} lines)"
        problems.append(Problem(f"line {numbers[0]}: unknown record type {what}{times}: skipped", numbers[0]))
    return groups


def _sidechain(line: dict, tid: str, chains: dict[str, str]) -> str:
    """A sidechain line's trajectory: by ``agentId``, else the chain its ``parentUuid`` is on."""
    agent = line.get("agentId")
    key = ac.trajectory_id(tid, agent) if agent else chains.get(line.get("parentUuid") or "")
    key = key or ac.trajectory_id(tid, line.get("uuid") or "sidechain")
    if line.get("uuid"):
        chains[line["uuid"]] = key
    return key


class _Transcript:
    """The steps of one trajectory, line by line."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.calls: dict[str, tuple[str | None, str]] = {}  # tool_use id -> (tool, calling agent)
        self.metered: set[str] = set()
        self.number = 0

    def read(self, lines: list[tuple[int, dict]]) -> None:
        final = _final_line(lines)
        for index, (number, line) in enumerate(lines):
            self.number = number
            if line["type"] == "system":
                self.compaction(line)
                continue
            message = line.get("message")
            if not isinstance(message, dict):
                self.problems.append(Problem(f"line {number}: {line['type']} line without a message: skipped", number))
                continue
            agent = _agent(line)
            when = ac.epoch(line.get("timestamp"))
            content = message.get("content")
            blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
            if line["type"] == "user":
                self.user(blocks, agent, when, summary=line.get("isCompactSummary") is True)
            else:
                self.assistant(line, message, blocks, agent, when, index == final)

    def user(self, blocks: list, agent: str, when: float | None, summary: bool = False) -> None:
        """A user line's blocks; the summary Claude Code writes after compacting is the system's, not the user's."""
        role, who = ("system", None) if summary else ("user", "user")
        for block in blocks:
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "tool_result":
                self.result(block, when)
                continue
            text = ac.content_text(block)
            if text:
                self.table.add(self.tid, "message", role=role, agent=who, content=text, timestamp=when)

    def compaction(self, line: dict) -> None:
        meta = line.get("compactMetadata") if isinstance(line.get("compactMetadata"), dict) else {}
        how = ", ".join(str(part) for part in (meta.get("trigger"), meta.get("preTokens") and
                                               f"{meta['preTokens']} tokens before") if part)
        self.table.add(self.tid, "message", role="system", agent=None, timestamp=ac.epoch(line.get("timestamp")),
                       content=f"context compacted{f' ({how})' if how else ''}: {line.get('content') or ''}".strip())

    def result(self, block: dict, when: float | None) -> None:
        call_id = block.get("tool_use_id")
        if call_id not in self.calls:
            self.problems.append(Problem(f"line {self.number}: tool_result for tool_use_id {call_id!r} "
                                         "has no matching tool_use", self.number))
        tool, caller = self.calls.get(call_id, (None, MAIN_AGENT))
        text = ac.content_text(block.get("content"))
        is_error = block.get("is_error") is True
        code = EXIT_CODE.match(text) if is_error and isinstance(text, str) else None
        self.table.add(self.tid, "tool_result", role="tool", agent=caller, tool=tool, content=text,
                       is_error=is_error, exit_code=int(code.group(1)) if code else None, parent_span_id=call_id,
                       timestamp=when)

    def assistant(self, line: dict, message: dict, blocks: list, agent: str, when: float | None,
                  is_final: bool) -> None:
        first = len(self.table)
        if line.get("isApiErrorMessage"):
            self.table.add(self.tid, "error", role="assistant", agent=agent, content=ac.content_text(blocks),
                           is_error=True, timestamp=when)
        else:
            for block in blocks:
                self.block(block, agent, when, is_final)
        self.meter(message, first)

    def block(self, block: Any, agent: str, when: float | None, is_final: bool) -> None:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_use":
            call_id, tool = block.get("id"), block.get("name")
            self.calls[call_id] = (tool, agent)
            self.table.add(self.tid, "tool_call", role="assistant", agent=agent, tool=tool,
                           arguments=block.get("input"), span_id=call_id, timestamp=when)
            return
        text = ac.content_text(block)
        if kind in ("thinking", "redacted_thinking"):
            self.table.add(self.tid, "thought", role="assistant", agent=agent, content=text or None, timestamp=when)
        elif text:
            self.table.add(self.tid, "final" if is_final and kind == "text" else "message", role="assistant",
                           agent=agent, content=text, timestamp=when)

    def meter(self, message: dict, first: int) -> None:
        """Usage once per message id (every line of a streamed message repeats it), on its first step."""
        usage = message.get("usage")
        key = message.get("id") or f"line {self.number}"
        if not isinstance(usage, dict) or key in self.metered or first >= len(self.table):
            return
        self.metered.add(key)
        prompt = [ac.as_int(usage.get(name)) for name in
                  ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")]
        tokens_in = sum(n for n in prompt if n is not None) if any(n is not None for n in prompt) else None
        self.table.meter(first, tokens_in, ac.as_int(usage.get("output_tokens")))


def _agent(line: dict) -> str:
    agent = line.get("agentId")
    return f"agent-{agent}" if agent else MAIN_AGENT


def _final_line(lines: list[tuple[int, dict]]) -> int:
    """Index of the last assistant line with text when no tool call comes after it, else -1."""
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index][1]
        message = line.get("message") if isinstance(line.get("message"), dict) else {}
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if any(isinstance(b, dict) and b.get("type") == "tool_use" for b in blocks):
            return -1
        if line["type"] == "assistant" and any(isinstance(b, dict) and b.get("type") == "text" for b in blocks):
            return index
    return -1


def _task(lines: list[tuple[int, dict]]) -> str | None:
    """The first user text that is not injected context (``isMeta``)."""
    for _, line in lines:
        message = line.get("message")
        if line["type"] != "user" or line.get("isMeta") or not isinstance(message, dict):
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        texts = [ac.content_text(b) for b in blocks if not (isinstance(b, dict) and b.get("type") == "tool_result")]
        text = "\n".join(t for t in texts if t)
        if text:
            return text
    return None


def _labels(lines: list[tuple[int, dict]], key: str, tid: str, parent: str | None) -> dict:
    """Session id, model, working folder, branch and version; ``parent`` and ``agent_id`` for a subagent."""
    first = lines[0][1]
    models = [line["message"].get("model") for _, line in lines
              if line["type"] == "assistant" and isinstance(line.get("message"), dict)]
    labels = {"session_id": first.get("sessionId"), "cwd": first.get("cwd"), "git_branch": first.get("gitBranch"),
              "version": first.get("version"), "model": next((m for m in models if m and m != "<synthetic>"), None)}
    if parent is not None or key != tid:
        labels["parent"] = parent if parent is not None else tid
        labels["agent_id"] = first.get("agentId")
    return {name: value for name, value in labels.items() if value not in (None, "")}


READER = Reader(
    name="claude_code",
    description="Claude Code session transcripts (~/.claude/projects/*/<session>.jsonl), subagents as children",
    example="~/.claude/projects/-home-me-app/7f3c2a1e-5b84-4d0e-9c61-2a9e8f4b1d07.jsonl",
    sniff=sniff,
    read=read,
)
