"""OpenAI Codex CLI session rollouts (``~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl``).

One JSON object per line. Current Codex writes ``RolloutLine`` records
``{"timestamp", "type", "payload"}`` (``codex-rs/protocol/src/protocol.rs``), ``type`` one of
``session_meta``, ``response_item``, ``turn_context``, ``event_msg``, ``compacted``; the first
versions (``codex-rs/core/src/rollout.rs``) wrote a ``{"id", "timestamp", "instructions"}``
line, then the response items themselves, with ``{"record_type": "state"}`` lines between.

One file is one trajectory. Steps, 0-based in document order, come from the response items
(``ResponseItem`` in ``codex-rs/protocol/src/models.rs``): ``message`` (its text; the last
assistant message with no tool call after it is ``final``), ``reasoning`` (``thought``, from its
summary or text), ``function_call`` / ``custom_tool_call`` / ``local_shell_call`` /
``web_search_call`` (``tool_call``, ``span_id`` = ``call_id``), and ``function_call_output`` /
``custom_tool_call_output`` (``tool_result``, matched to its call by ``call_id``). A result's exit
code is read from the output Codex gave the model: the JSON ``{"output", "metadata":
{"exit_code"}}``, or the text ``Exit code: N`` / ``Process exited with code N``; non-zero is
``is_error``. Without an exit code, a ``success: false`` or an output that reads like an error is.
An ``event_msg`` of type ``error`` or ``stream_error`` is an ``error`` step.

Bookkeeping is not a step: ``session_meta`` (session id, cwd, CLI version, git -> ``labels``),
``turn_context`` (model, cwd -> ``labels``), ``compacted``, and ``event_msg`` echoes of the items
(``user_message``, ``agent_message``, ``agent_reasoning``). A ``token_count`` event's
``last_token_usage`` (input and output tokens of the model response just made) goes onto the first
step of that response. The task is the first user message that is not injected context
(``<environment_context>``, ``<user_instructions>``...). Codex judges no outcome: ``unknown``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

RECORD_TYPES = ("session_meta", "response_item", "turn_context", "event_msg", "compacted")
CALL_TYPES = {"function_call", "custom_tool_call", "local_shell_call", "web_search_call"}
OUTPUT_TYPES = {"function_call_output", "custom_tool_call_output"}
ITEM_TYPES = CALL_TYPES | OUTPUT_TYPES | {"message", "reasoning"}
QUIET_ITEMS = {"ghost_snapshot", "compaction", "compaction_summary", "other"}
"""Response items that are Codex's bookkeeping, not agent steps."""
ERROR_EVENTS = {"error", "stream_error"}
ROLLOUT_LINE = re.compile(r'\s*\{\s*"timestamp"\s*:\s*"[^"]*"\s*,\s*"type"\s*:\s*"(' + "|".join(RECORD_TYPES)
                          + r')"\s*,\s*"payload"\s*:')
LEGACY_META = re.compile(r'\s*\{\s*"id"\s*:\s*"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"\s*,'
                         r'\s*"timestamp"\s*:\s*"\d{4}-\d\d-\d\dT[^"]*"\s*[,}]')
EXIT_TEXT = re.compile(r"^Exit code: (-?\d+)|^Process exited with code (-?\d+)", re.MULTILINE)
CONTEXT_TAGS = ("<environment_context>", "<user_instructions>", "<permissions", "<developer", "# AGENTS.md")


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None:
        return 0.0
    if ROLLOUT_LINE.match(head):
        return 0.95
    if not LEGACY_META.match(head):
        return 0.0
    lines = tj.json_lines_head(head) or []
    rest = lines[1:]
    if rest and all(isinstance(v, dict) and (v.get("type") in ITEM_TYPES or v.get("record_type") == "state")
                    for v in rest):
        return 0.9
    return 0.9 if not rest and '"instructions"' in head[:200] else 0.0


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    records = tj.jsonl_objects(tj.read_text(source, problems), problems)
    if not records:
        raise ValueError(problems[0].error if problems else "empty file: no Codex rollout lines")
    entries = _entries(records, problems)
    if not entries:
        raise ValueError(problems[0].error if problems else "no Codex rollout records found")
    table = ac.StepTable("codex_cli", source.path)
    tid = ac.trajectory_id(source.rel)
    session = _Session(table, tid, problems)
    session.read(entries)
    table.trajectory(tid, task=session.task, outcome="unknown", labels=session.labels or None)
    return table.batch(problems)


def _entries(records: list[tuple[int, Any]], problems: list[Problem]) -> list[tuple[int, str, Any, float | None]]:
    """(line, kind, payload, time) per record: kind ``meta``, ``context``, ``item``, ``event`` or ``quiet``."""
    entries = []
    for number, value in records:
        entry = _entry(number, value, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(number: int, value: Any, problems: list[Problem]) -> tuple[int, str, Any, float | None] | None:
    if not isinstance(value, dict):
        problems.append(Problem("line is not a JSON object: skipped", number))
        return None
    when = ac.epoch(value.get("timestamp"))
    kind = value.get("type")
    if "payload" in value and kind in RECORD_TYPES:
        mapped = {"session_meta": "meta", "turn_context": "context", "response_item": "item",
                  "event_msg": "event", "compacted": "quiet"}[kind]
        return number, mapped, value["payload"] if isinstance(value["payload"], dict) else {}, when
    if kind in ITEM_TYPES or kind in QUIET_ITEMS:
        return number, "item", value, when
    if value.get("record_type") == "state":
        return number, "quiet", value, when
    if number == 1 and "id" in value and "timestamp" in value and kind is None:
        return number, "meta", value, when
    problems.append(Problem(f"unknown Codex record type {kind!r}: line skipped", number))
    return None


class _Session:
    """The steps of one rollout, record by record."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.calls: dict[str, str | None] = {}  # call id -> tool name
        self.labels: dict[str, Any] = {}
        self.models: list[str] = []
        self.task: str | None = None
        self.response_start: int | None = None  # first step of the model response not yet metered
        self.final = -1

    def read(self, entries: list[tuple[int, str, Any, float | None]]) -> None:
        self.final = _final_index(entries)
        for index, (number, kind, payload, when) in enumerate(entries):
            if kind == "meta":
                self.meta(payload)
            elif kind == "context":
                self.context(payload)
            elif kind == "event":
                self.event(payload, when)
            elif kind == "item":
                self.item(number, payload, when, index == self.final)
        if self.models:
            self.labels["model"] = self.models[0] if len(self.models) == 1 else self.models

    def meta(self, payload: dict) -> None:
        meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else payload
        for key, label in (("id", "session_id"), ("cwd", "cwd"), ("cli_version", "cli_version"),
                           ("originator", "originator"), ("model_provider", "model_provider"),
                           ("source", "source"), ("git", "git")):
            value = meta.get(key, payload.get(key))
            if value not in (None, ""):
                self.labels[label] = value

    def context(self, payload: dict) -> None:
        model = payload.get("model")
        if isinstance(model, str) and model not in self.models:
            self.models.append(model)
        if payload.get("cwd"):
            self.labels.setdefault("cwd", payload["cwd"])

    def event(self, payload: dict, when: float | None) -> None:
        kind = payload.get("type")
        if kind == "token_count":
            self.usage(payload.get("info"))
        elif kind in ERROR_EVENTS:
            self.table.add(self.tid, "error", agent="codex", role="system", content=payload.get("message"),
                           is_error=True, timestamp=when)
        elif kind == "turn_aborted":
            self.labels.setdefault("turns_aborted", []).append(payload.get("reason"))

    def usage(self, info: Any) -> None:
        """``last_token_usage`` is the response just made: it goes on that response's first step."""
        if not isinstance(info, dict) or self.response_start is None:
            return
        last = info.get("last_token_usage") if isinstance(info.get("last_token_usage"), dict) else {}
        self.table.meter(self.response_start, ac.as_int(last.get("input_tokens")),
                         ac.as_int(last.get("output_tokens")))
        self.response_start = None

    def item(self, number: int, item: dict, when: float | None, is_final: bool) -> None:
        kind = item.get("type")
        if kind == "message":
            self.message(item, when, is_final)
        elif kind == "reasoning":
            text = _reasoning_text(item)
            if text:
                self.model_step("thought", content=text, timestamp=when)
        elif kind in CALL_TYPES:
            self.call(item, when)
        elif kind in OUTPUT_TYPES:
            self.output(number, item, when)
        elif kind not in QUIET_ITEMS:
            self.problems.append(Problem(f"unknown Codex response item type {kind!r}: skipped", number))

    def model_step(self, kind: str, **columns: Any) -> int:
        step_row = len(self.table)
        self.table.add(self.tid, kind, agent="codex", role="assistant", **columns)
        if self.response_start is None:
            self.response_start = step_row
        return step_row

    def message(self, item: dict, when: float | None, is_final: bool) -> None:
        role = str(item.get("role") or "user")
        text = ac.content_text(item.get("content"))
        if role == "assistant":
            self.model_step("final" if is_final else "message", content=text, timestamp=when)
            return
        self.response_start = None
        self.table.add(self.tid, "message", agent=role, role=role, content=text, timestamp=when)
        if role == "user" and self.task is None and text and not text.lstrip().startswith(CONTEXT_TAGS):
            self.task = text

    def call(self, item: dict, when: float | None) -> None:
        kind = item.get("type")
        call_id = item.get("call_id") or item.get("id")
        if kind == "function_call":
            tool, arguments = item.get("name"), item.get("arguments")
        elif kind == "custom_tool_call":
            tool, arguments = item.get("name"), item.get("input")
        else:
            tool, arguments = kind.removesuffix("_call"), item.get("action")
        if call_id is not None:
            self.calls[str(call_id)] = tool
        self.model_step("tool_call", tool=tool, arguments=arguments, span_id=call_id, timestamp=when)

    def output(self, number: int, item: dict, when: float | None) -> None:
        call_id = item.get("call_id")
        if call_id not in self.calls:
            self.problems.append(Problem(f"{self.tid}: output for call_id {call_id!r} has no matching call", number))
        text, exit_code, failed = _output(item.get("output"))
        error = exit_code != 0 if exit_code is not None else failed or ac.looks_like_error(text)
        self.response_start = None
        self.table.add(self.tid, "tool_result", agent="codex", role="tool", tool=self.calls.get(call_id),
                       content=text, is_error=error, exit_code=exit_code, parent_span_id=call_id, timestamp=when)


def _output(output: Any) -> tuple[str | None, int | None, bool]:
    """(text, exit code, failed) of a tool output as Codex gave it to the model."""
    failed = False
    if isinstance(output, dict):  # an older payload object {content, success}
        failed = output.get("success") is False
        output = output.get("content", output.get("output"))
    if isinstance(output, list):
        return ac.content_text(output), None, failed
    if not isinstance(output, str):
        return ac.json_text(output), None, failed
    structured = _structured(output)
    if structured is not None:
        metadata = structured.get("metadata") if isinstance(structured.get("metadata"), dict) else {}
        return ac.json_text(structured.get("output")), ac.as_int(metadata.get("exit_code")), failed
    found = EXIT_TEXT.search(output, 0, 4000)
    exit_code = ac.as_int(found.group(1) or found.group(2)) if found else None
    return output, exit_code, failed


def _structured(output: str) -> dict | None:
    if not output.startswith('{"output"'):
        return None
    try:
        value = json.loads(output)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and "output" in value else None


def _reasoning_text(item: dict) -> str | None:
    parts = [ac.content_text(item.get("summary")), ac.content_text(item.get("content"))]
    text = "\n".join(p for p in parts if p)
    return text or None


def _final_index(entries: list[tuple[int, str, Any, float | None]]) -> int:
    """Index of the last assistant message when no tool call or output follows it, else -1."""
    for index in range(len(entries) - 1, -1, -1):
        _, kind, payload, _ = entries[index]
        if kind != "item":
            continue
        item_type = payload.get("type")
        if item_type == "message" and payload.get("role") == "assistant":
            return index
        if item_type in CALL_TYPES or item_type in OUTPUT_TYPES:
            return -1
    return -1


READER = Reader(
    name="codex_cli",
    description="OpenAI Codex CLI session rollouts (rollout-*.jsonl): messages, tool calls, outputs, exit codes",
    example="~/.codex/sessions/2025/10/14/rollout-2025-10-14T09-12-03-<uuid>.jsonl",
    sniff=sniff,
    read=read,
)
