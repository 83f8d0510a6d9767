"""Gemini CLI recorded sessions (``~/.gemini/tmp/<project hash>/chats/session-*.jsonl`` and ``.json``).

Current Gemini CLI appends JSON lines: a metadata line (``sessionId``, ``projectHash``,
``startTime``, ``kind``...), then message records (``id``, ``timestamp``, ``type``, ``content``),
each appended whole again when it changes (tokens arrive, a tool call joins it: the last copy
wins, in the place of the first), ``{"$set": {...}}`` metadata updates (a ``$set`` of ``messages``
replaces them all) and ``{"$rewindTo": id}`` (drops that message and those after it). Older
versions wrote the whole ``ConversationRecord`` as one JSON document with ``messages``.
Subagent sessions sit in ``chats/<parent session id>/<id>.jsonl`` (``kind: subagent``).

One file is one trajectory; steps are 0-based in message order. A ``user`` message is a
``message`` step (the first one is the task); an ``error`` message is an ``error`` step; ``info``
and ``warning`` are the CLI's notes, not steps. A ``gemini`` message gives a ``thought`` per
thought summary, its text (``final`` when it is the last message with text and no tool call
follows), then per tool call a ``tool_call`` (``span_id`` = call id) and a ``tool_result`` (the
``functionResponse`` output or error). ``status`` ``error`` or ``cancelled`` is ``is_error``; a shell
result's ``Exit Code: N`` line is the exit code (non-zero is an error, though the status says
``success``). A message's ``tokens`` (``input``; ``output`` plus ``thoughts``) go on its first step.
Gemini CLI judges no outcome: ``unknown``.
"""

from __future__ import annotations

import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

HEAD = re.compile(r'\s*\{\s*"sessionId"\s*:\s*"[^"]*"\s*,\s*"projectHash"\s*:\s*"')
EXIT_CODE = re.compile(r"^Exit Code: (-?\d+)$", re.MULTILINE)
FAILED_STATUS = {"error", "cancelled"}
NOTE_TYPES = {"info", "warning"}


def sniff(source: Input) -> float:
    head = source.text_prefix()
    return 0.95 if head is not None and HEAD.match(head) else 0.0


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    text = tj.read_text(source, problems)
    metadata, messages = _records(text, problems)
    if not metadata and not messages:
        raise ValueError(problems[0].error if problems else "no Gemini CLI session records found")
    table = ac.StepTable("gemini_cli", source.path)
    tid = ac.trajectory_id(source.rel)
    final = _final_index(messages)
    for index, message in enumerate(messages):
        _message(table, tid, message, index == final)
    table.trajectory(tid, task=_task(messages), outcome="unknown", labels=_labels(metadata, messages, source))
    return table.batch(problems)


def _records(text: str, problems: list[Problem]) -> tuple[dict, list[dict]]:
    """(metadata, messages) of a session: a whole JSON document, else JSON lines replayed."""
    if text.lstrip().startswith("{") and "\n{" not in text.strip():
        try:
            document = tj.load_json(text)
        except ValueError as exc:
            messages, why = tj.salvage_key(text, "messages")
            problems.append(Problem(why or str(exc), len(messages)))
            return {}, [m for m in messages if isinstance(m, dict)]
        if isinstance(document, dict) and isinstance(document.get("messages"), list):
            meta = {k: v for k, v in document.items() if k != "messages"}
            return meta, [m for m in document["messages"] if isinstance(m, dict) and "id" in m]
    return _replay(tj.jsonl_objects(text, problems), problems)


def _replay(lines: list[tuple[int, Any]], problems: list[Problem]) -> tuple[dict, list[dict]]:
    """Metadata and messages as Gemini CLI rebuilds them from its JSON lines."""
    metadata: dict = {}
    messages: dict[str, dict] = {}
    for number, record in lines:
        if not isinstance(record, dict):
            problems.append(Problem("line is not a JSON object: skipped", number))
        elif isinstance(record.get("$rewindTo"), str):
            _rewind(messages, record["$rewindTo"])
        elif isinstance(record.get("$set"), dict):
            update = record["$set"]
            if isinstance(update.get("messages"), list):
                messages = {m["id"]: m for m in update["messages"] if isinstance(m, dict) and "id" in m}
            metadata.update({k: v for k, v in update.items() if k != "messages"})
        elif isinstance(record.get("id"), str):
            messages[record["id"]] = record
        elif "sessionId" in record:
            metadata.update(record)
        else:
            problems.append(Problem("not a Gemini CLI session record: line skipped", number))
    return metadata, list(messages.values())


def _rewind(messages: dict[str, dict], message_id: str) -> None:
    ids = list(messages)
    cut = ids.index(message_id) if message_id in ids else 0
    for dropped in ids[cut:]:
        del messages[dropped]


def _message(table: ac.StepTable, tid: str, message: dict, is_final: bool) -> None:
    kind = message.get("type")
    when = ac.epoch(message.get("timestamp"))
    text = _parts_text(message.get("content"))
    if kind == "gemini":
        _gemini(table, tid, message, text, when, is_final)
    elif kind == "error":
        table.add(tid, "error", agent="gemini", role="system", content=text, is_error=True, timestamp=when)
    elif kind not in NOTE_TYPES:
        role = str(kind or "user")
        table.add(tid, "message", agent=role, role=role, content=text, timestamp=when)


def _gemini(table: ac.StepTable, tid: str, message: dict, text: str | None, when: float | None,
            is_final: bool) -> None:
    first = len(table)
    for thought in message.get("thoughts") or []:
        if isinstance(thought, dict):
            body = ": ".join(str(thought[k]) for k in ("subject", "description") if thought.get(k))
            table.add(tid, "thought", agent="gemini", role="assistant", content=body or None,
                      timestamp=ac.epoch(thought.get("timestamp")) or when)
    if text:
        table.add(tid, "final" if is_final else "message", agent="gemini", role="assistant", content=text,
                  timestamp=when)
    for call in message.get("toolCalls") or []:
        if isinstance(call, dict):
            _tool(table, tid, call, when)
    usage = message.get("tokens") if isinstance(message.get("tokens"), dict) else {}
    out = ac.as_int(usage.get("output"))
    table.meter(first, ac.as_int(usage.get("input")),
                None if out is None else out + (ac.as_int(usage.get("thoughts")) or 0))


def _tool(table: ac.StepTable, tid: str, call: dict, when: float | None) -> None:
    call_id, tool = call.get("id"), call.get("name")
    called = ac.epoch(call.get("timestamp")) or when
    table.add(tid, "tool_call", agent="gemini", role="assistant", tool=tool, arguments=call.get("args"),
              span_id=call_id, timestamp=called)
    text, failed = _result(call.get("result"))
    if text is None and isinstance(call.get("resultDisplay"), str):
        text = call["resultDisplay"]
    exit_code = shell_exit_code(text)
    error = failed or call.get("status") in FAILED_STATUS or bool(exit_code)
    table.add(tid, "tool_result", agent="gemini", role="tool", tool=tool, content=text, is_error=error,
              exit_code=exit_code, parent_span_id=call_id, timestamp=called)


def _result(result: Any) -> tuple[str | None, bool]:
    """(text, failed) of a tool call's function-response parts."""
    if not isinstance(result, list):
        return _parts_text(result), False
    texts, failed = [], False
    for part in result:
        response = part.get("functionResponse") if isinstance(part, dict) else None
        if isinstance(response, dict):
            text, error = function_response(response)
            failed = failed or error
            texts.append(text)
        else:
            texts.append(_parts_text(part))
    joined = "\n".join(t for t in texts if t)
    return joined or None, failed


def function_response(response: dict) -> tuple[str | None, bool]:
    """(text, failed) of one ``functionResponse``: its ``response.output``, or ``response.error`` (a failure)."""
    body = response.get("response") if isinstance(response.get("response"), dict) else {}
    return ac.json_text(body.get("error", body.get("output", body or None))), "error" in body


def shell_exit_code(text: str | None) -> int | None:
    """The ``Exit Code: N`` line of a shell tool's output (Gemini CLI writes it when the command fails)."""
    found = EXIT_CODE.search(text or "")
    return int(found.group(1)) if found else None


def _parts_text(content: Any) -> str | None:
    """Text of a ``PartListUnion``: a string, a part, or a list of them."""
    if isinstance(content, dict) and "functionResponse" in content:
        return _result([content])[0]
    return ac.content_text(content) or None


def _final_index(messages: list[dict]) -> int:
    """Index of the last gemini message with text and no tool calls, when nothing but notes follow it."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.get("type") in NOTE_TYPES:
            continue
        if message.get("type") == "gemini" and not message.get("toolCalls") and _parts_text(message.get("content")):
            return index
        return -1
    return -1


def _task(messages: list[dict]) -> str | None:
    for message in messages:
        if message.get("type") == "user":
            text = _parts_text(message.get("content"))
            if text and not text.lstrip().startswith("/"):
                return text
    return None


def _labels(metadata: dict, messages: list[dict], source: Input) -> dict:
    labels = {label: metadata[key] for key, label in (
        ("sessionId", "session_id"), ("projectHash", "project_hash"), ("kind", "kind"), ("summary", "summary"),
        ("directories", "directories"), ("startTime", "start_time")) if metadata.get(key) not in (None, "", [])}
    models = list(dict.fromkeys(m["model"] for m in messages if isinstance(m.get("model"), str)))
    if models:
        labels["model"] = models[0] if len(models) == 1 else models
    if metadata.get("kind") == "subagent" and source.path.parent.name != "chats":
        labels["parent"] = source.path.parent.name
    return labels


READER = Reader(
    name="gemini_cli",
    description="Gemini CLI recorded sessions (chats/session-*.jsonl / .json): turns, thoughts, tool calls "
                "with status and exit codes, tokens",
    example="~/.gemini/tmp/<project hash>/chats/session-2026-03-02T10-15-c3d9a1f0.jsonl",
    sniff=sniff,
    read=read,
)
