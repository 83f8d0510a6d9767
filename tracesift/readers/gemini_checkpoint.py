"""Gemini CLI checkpoints: the conversations ``/chat save <tag>`` keeps and the ones ``/restore`` goes back to.

Both hold the chat as the model saw it, a list of ``Content`` objects (``{"role": "user"|"model", "parts":
[...]}``), written with ``JSON.stringify(..., null, 2)``:

* ``~/.gemini/tmp/<project hash>/checkpoint-<tag>.json`` (the tag percent-encoded): ``{"history": [Content...],
  "authType": ...}``; versions before November 2025 wrote the bare list;
* ``~/.gemini/tmp/<project hash>/checkpoints/<time>-<file>-<tool>.json``, written when checkpointing is on and an
  edit waits for approval: ``history`` (the CLI's display items, not read), ``clientHistory`` (the Content list),
  ``toolCall`` ``{name, args}`` (the edit about to run), ``commitHash`` (the shadow-git snapshot) and
  ``messageId`` (``filePath`` in the first version).

One file is one trajectory; steps are 0-based in part order. A ``text`` part is a ``message`` (the last
model text, with no call after it, is ``final``), a ``thought: true`` part a ``thought``, a ``functionCall`` a
``tool_call`` (``span_id`` its id) and a ``functionResponse`` a ``tool_result`` matched to its call by id, else
to the oldest unanswered call of that name (``parent_span_id``): ``response.error`` is an error, and a shell
output's ``Exit Code: N`` line the exit code (non-zero is an error too). The CLI's first message, the session
context it sends as the user (``This is the Gemini CLI. We are setting up the context...``), is a ``system``
message; the first other user text is the task. The edit a tool-call checkpoint waits on is a last
``tool_call`` unless the chat already holds it unanswered. Content has no times or tokens.
``labels``: ``kind`` (``chat`` or ``tool_call``), ``tag`` or ``saved_at`` (from the file name),
``auth_type``, ``commit_hash``, ``message_id``, ``pending_tool``, ``project_hash`` (the folder). Outcome
``unknown``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader
from tracesift.readers.gemini_cli import function_response, shell_exit_code

CONTENT_LIST = re.compile(r'\s*\[\s*\{\s*"role"\s*:\s*"(?:user|model)"\s*,\s*"parts"\s*:')
CHAT = re.compile(r'\s*\{\s*"history"\s*:\s*\[\s*\{\s*"role"\s*:\s*"(?:user|model)"\s*,\s*"parts"\s*:')
DISPLAY_ITEMS = re.compile(r'\s*\{\s*"history"\s*:\s*\[\s*\{\s*"type"\s*:\s*"[a-z_]+"\s*,\s*"(?:text|tools)"\s*:')
DISPLAY_ID = re.compile(r'"id"\s*:\s*\d{13}\b')
CONTEXT = ("This is the Gemini CLI. We are setting up the context", "<session_context>")
SAVED_AT = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)_(\d{3})Z-")
PROJECT_HASH = re.compile(r"^[0-9a-f]{64}$")


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith(("[", "{")):
        return 0.0
    if CONTENT_LIST.match(head) or CHAT.match(head):
        return 0.95
    if head.lstrip().startswith("{") and re.search(r'"clientHistory"\s*:\s*\[', head):
        return 0.95
    return 0.9 if DISPLAY_ITEMS.match(head) and DISPLAY_ID.search(head) else 0.0


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    contents, document = _load(tj.read_text(source, problems), problems)
    table = ac.StepTable("gemini_checkpoint", source.path)
    tid = ac.trajectory_id(source.rel)
    walk = _Walk(table, tid, contents, problems)
    final = _final_index(contents)
    for index, content in enumerate(contents):
        if isinstance(content, dict):
            walk.content(index, content, index == final)
        else:
            problems.append(Problem(f"history entry {index} is not a Content object: skipped", index))
    pending = document.get("toolCall") if isinstance(document.get("toolCall"), dict) else None
    if pending and not walk.waits_on(pending):
        table.add(tid, "tool_call", agent="gemini", role="assistant", tool=pending.get("name"),
                  arguments=pending.get("args"))
    if not table.count(tid):
        raise ValueError("no Content parts in the checkpoint")
    table.trajectory(tid, task=walk.task, outcome="unknown", labels=_labels(document, source))
    return table.batch(problems)


def _load(text: str, problems: list[Problem]) -> tuple[list, dict]:
    """(the Content list, the document around it: empty for a bare list)."""
    if text.lstrip().startswith("["):
        contents = tj.load_list_or_salvage(text, problems)
        return (contents, {}) if isinstance(contents, list) else ([], {})
    key = "clientHistory" if '"clientHistory"' in text else "history"
    document, _ = tj.load_salvaging(text, key, "history entries", problems)
    contents = document.get(key) if isinstance(document, dict) else None
    if not isinstance(contents, list) or not any(isinstance(c, dict) and "parts" in c for c in contents):
        raise ValueError(f"no '{key}' list of Content objects: not a Gemini CLI checkpoint")
    return contents, document


def _parts(contents: list) -> list[tuple[int, int, dict]]:
    return [(i, j, part) for i, content in enumerate(contents) if isinstance(content, dict)
            for j, part in enumerate(content.get("parts") or []) if isinstance(part, dict)]


def _pairs(contents: list) -> dict[tuple[int, int], tuple[int, int]]:
    """Each answered call's place (content, part) -> its response's place, and back: by id, else oldest by name."""
    open_calls: list[tuple[tuple[int, int], dict]] = []
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for i, j, part in _parts(contents):
        if isinstance(part.get("functionCall"), dict):
            open_calls.append(((i, j), part["functionCall"]))
        elif isinstance(part.get("functionResponse"), dict):
            response = part["functionResponse"]
            match = next((c for c in open_calls if response.get("id") and c[1].get("id") == response.get("id")), None) \
                or next((c for c in open_calls if c[1].get("name") == response.get("name")), None)
            if match is not None:
                open_calls.remove(match)
                pairs[match[0]], pairs[(i, j)] = (i, j), match[0]
    return pairs


class _Walk:
    """Steps of one checkpoint's parts, with each call's span id known before its response is read."""

    def __init__(self, table: ac.StepTable, tid: str, contents: list, problems: list[Problem]) -> None:
        self.table, self.tid, self.contents, self.problems = table, tid, contents, problems
        self.pairs = _pairs(contents)
        self.spans: dict[tuple[int, int], str | None] = {}
        self.unanswered: list[dict] = []
        self.task: str | None = None

    def content(self, index: int, content: dict, is_final: bool) -> None:
        model = content.get("role") == "model"
        texts: list[str] = []
        for j, part in enumerate(content.get("parts") or []):
            if not isinstance(part, dict):
                continue
            if "text" in part and not part.get("thought"):
                texts.append(str(part["text"]))
                continue
            self.text(texts, model, False)
            texts = []
            self.part((index, j), part, model)
        self.text(texts, model, is_final)

    def text(self, texts: list[str], model: bool, is_final: bool) -> None:
        body = "".join(texts)
        if not body:
            return
        if model:
            self.add("final" if is_final else "message", "gemini", "assistant", content=body)
        elif body.lstrip().startswith(CONTEXT):
            self.add("message", "system", "system", content=body)
        else:
            self.task = self.task or (None if body.lstrip().startswith("/") else body)
            self.add("message", "user", "user", content=body)

    def part(self, place: tuple[int, int], part: dict, model: bool) -> None:
        role = "assistant" if model else "user"
        if part.get("thought"):
            self.add("thought", "gemini", "assistant", content=part.get("text"))
        elif isinstance(part.get("functionCall"), dict):
            self.call(place, part["functionCall"])
        elif isinstance(part.get("functionResponse"), dict):
            self.response(place, part["functionResponse"])
        elif media := part.get("inlineData") or part.get("fileData"):
            kind = media.get("mimeType") if isinstance(media, dict) else None
            self.add("message", "gemini" if model else "user", role, content=f"[{kind or 'media'} part]")
        elif part:
            self.add("message", "gemini" if model else "user", role, content=part)

    def call(self, place: tuple[int, int], call: dict) -> None:
        answer = self.pairs.get(place)
        span = call.get("id") or (self.response_id(answer) if answer else None)
        self.spans[place] = span
        if answer is None:
            self.unanswered.append(call)
        self.add("tool_call", "gemini", "assistant", tool=call.get("name"), arguments=call.get("args"), span_id=span)

    def response(self, place: tuple[int, int], response: dict) -> None:
        call = self.pairs.get(place)
        if call is None:
            self.problems.append(Problem(f"functionResponse {response.get('id') or response.get('name')!r} "
                                         "answers no functionCall before it", place[0]))
        text, failed = function_response(response)
        code = shell_exit_code(text)
        parent = self.spans.get(call) if call else None
        self.add("tool_result", "gemini", "tool", tool=response.get("name"), content=text,
                 is_error=failed or bool(code), exit_code=code, parent_span_id=parent or response.get("id"))

    def response_id(self, place: tuple[int, int]) -> str | None:
        return self.contents[place[0]]["parts"][place[1]]["functionResponse"].get("id")

    def waits_on(self, pending: dict) -> bool:
        """Whether the pending call is in the chat, unanswered (then it is a step already)."""
        return any(c.get("name") == pending.get("name") and c.get("args") == pending.get("args")
                   for c in self.unanswered)

    def add(self, kind: str, agent: str, role: str, **columns: Any) -> None:
        self.table.add(self.tid, kind, agent=agent, role=role, **columns)


def _final_index(contents: list) -> int:
    """The last Content when it is the model's, with text and no call: its text is the final answer."""
    last = contents[-1] if contents else None
    if not isinstance(last, dict) or last.get("role") != "model":
        return -1
    parts = [p for p in last.get("parts") or [] if isinstance(p, dict)]
    has_text = any(p.get("text") and not p.get("thought") for p in parts)
    return len(contents) - 1 if has_text and not any("functionCall" in p for p in parts) else -1


def _labels(document: dict, source: Input) -> dict:
    name = PurePosixPath(source.path.as_posix()).name
    labels: dict = {"kind": "tool_call" if "toolCall" in document else "chat"}
    if name.startswith("checkpoint-") and name.endswith(".json"):
        labels["tag"] = unquote(name.removeprefix("checkpoint-").removesuffix(".json"))
    saved = SAVED_AT.match(name)
    if saved:
        labels["saved_at"] = datetime.fromisoformat("{}T{}:{}:{}.{}+00:00".format(*saved.groups())).isoformat()
    for key, label in (("authType", "auth_type"), ("commitHash", "commit_hash"), ("messageId", "message_id"),
                       ("filePath", "file_path")):
        if document.get(key) not in (None, ""):
            labels[label] = document[key]
    if isinstance(document.get("toolCall"), dict) and document["toolCall"].get("name"):
        labels["pending_tool"] = document["toolCall"]["name"]
    folder = source.path.parent.parent if source.path.parent.name == "checkpoints" else source.path.parent
    if PROJECT_HASH.match(folder.name):
        labels["project_hash"] = folder.name
    return labels


READER = Reader(
    name="gemini_checkpoint",
    description="Gemini CLI checkpoints (/chat save checkpoint-<tag>.json, /restore checkpoints/*.json): Content "
                "parts as turns, thoughts, function calls matched to responses, the pending edit",
    example="~/.gemini/tmp/<project hash>/checkpoint-fix-iso-week.json",
    sniff=sniff,
    read=read,
)
