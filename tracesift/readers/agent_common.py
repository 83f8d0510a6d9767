"""Shared pieces of the agent-trajectory readers: row building, tolerant JSON, text of content.

Not a reader itself (it has no ``READER``). Every agent reader numbers the
steps of a trajectory 0-based in document order through :class:`StepTable`,
and names trajectories with :func:`trajectory_id`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from tracesift.readers.base import Batch, Input, Problem
from tracesift.store import schema

KINDS = ("message", "tool_call", "tool_result", "thought", "final", "error")
OUTCOMES = ("success", "failure", "unknown")
MAX_TASK_CHARS = 4000

ERROR_PATTERNS = re.compile(
    r"Traceback \(most recent call last\)|command not found|No such file or directory|"
    r"^\w*Error:|^Error\b|^ERROR\b|SyntaxError|Permission denied|Your proposed edit has introduced new syntax",
    re.MULTILINE,
)
ERROR_WORDS = ("Traceback", "not found", "No such file", "Error", "ERROR", "Permission denied", "syntax")
"""Each pattern above contains one of these: a cheap test before the regex."""
ERROR_SCAN_CHARS = 20_000
"""How far into an output the error heuristic looks."""


class StepTable:
    """Accumulates ``steps`` and ``trajectories`` rows; numbers steps per trajectory.

    Steps are kept as one list per column (:class:`~tracesift.store.schema.ColumnTable`),
    the cheapest to hand to Arrow; trajectories, a few per file, as tuples.
    """

    def __init__(self, source_format: str, path: Path) -> None:
        self.source_format = source_format
        self.path = str(path)
        self.steps = schema.ColumnTable("steps")
        self.trajectories = schema.RowTable("trajectories")
        self._next: dict[str, int] = {}
        self._append = tuple(column.append for column in self.steps.columns)

    def __len__(self) -> int:
        """Steps added so far, over all trajectories."""
        return len(self.steps.columns[0])

    def add(self, trajectory_id: str, kind: str, *, agent: str | None = None, role: str | None = None,
            tool: str | None = None, arguments: Any = None, content: Any = None, is_error: bool = False,
            exit_code: int | None = None, tokens_in: int | None = None, tokens_out: int | None = None,
            cost: float | None = None, latency_s: float | None = None, timestamp: float | None = None,
            span_id: str | None = None, parent_span_id: str | None = None) -> int:
        """Append one step; returns its 0-based number in the trajectory.

        The keywords are ``steps`` columns, appended in the schema's order (a test checks every
        value lands in its named column).
        """
        number = self._next.get(trajectory_id, 0)
        self._next[trajectory_id] = number + 1
        if arguments is not None and not isinstance(arguments, str):
            arguments = json_text(arguments)
        if content is not None and not isinstance(content, str):
            content = json_text(content)
        (a_tid, a_step, a_agent, a_role, a_kind, a_tool, a_arguments, a_content, a_error, a_exit, a_in, a_out,
         a_cost, a_latency, a_time, a_span, a_parent) = self._append
        a_tid(trajectory_id), a_step(number), a_agent(agent), a_role(role), a_kind(kind), a_tool(tool)
        a_arguments(arguments), a_content(content), a_error(bool(is_error)), a_exit(exit_code), a_in(tokens_in)
        a_out(tokens_out), a_cost(cost), a_latency(latency_s), a_time(timestamp), a_span(span_id)
        a_parent(parent_span_id)
        return number

    def meter(self, first: int, tokens_in: int | None = None, tokens_out: int | None = None,
              cost: float | None = None, latency_s: float | None = None) -> None:
        """Put a message's usage on step row ``first`` (its first step), when the message made one.

        Only the first step of a message carries its usage, so that sums count it once.
        """
        columns = self.steps.columns
        if first >= len(columns[0]):
            return
        for column, value in ((_TOKENS_IN, tokens_in), (_TOKENS_OUT, tokens_out), (_COST, cost), (_LATENCY, latency_s)):
            if value is not None:
                columns[column][first] = value

    def count(self, trajectory_id: str) -> int:
        return self._next.get(trajectory_id, 0)

    def extend(self, trajectory_id: str, **columns: list) -> None:
        """Append whole columns of steps of one trajectory, numbered on from its last: ``kind`` and any
        other ``steps`` columns, all of one length (text as text); those not given are null (``is_error`` false)."""
        count = len(columns["kind"])
        number = self._next.get(trajectory_id, 0)
        self._next[trajectory_id] = number + count
        given = {"trajectory_id": [trajectory_id] * count, "step": list(range(number, number + count)), **columns}
        for name, column in zip(schema.STEPS.names, self.steps.columns):
            column += given.get(name) or [False if name == "is_error" else None] * count

    def trajectory(self, trajectory_id: str, task: str | None = None, outcome: str = "unknown",
                   labels: dict | None = None) -> None:
        self.trajectories.rows.append((
            trajectory_id,
            self.source_format,
            self.path,
            task[:MAX_TASK_CHARS] if isinstance(task, str) else task,
            outcome if outcome in OUTCOMES else "unknown",
            json.dumps(labels, default=str, sort_keys=True) if labels else None,
        ))

    def batch(self, problems: list[Problem]) -> Batch:
        return Batch({"steps": self.steps, "trajectories": self.trajectories}, problems)


_TOKENS_IN, _TOKENS_OUT, _COST, _LATENCY = map(schema.STEPS.names.index, ("tokens_in", "tokens_out", "cost", "latency_s"))


def parse_or_fail(source: Input, parse, nothing: str, raw: bool = False) -> tuple[list, list[Problem]]:
    """``parse(text, problems)`` over the file's text (its bytes when ``raw``: :func:`jsonl_objects` takes
    those); ValueError with the first problem when it finds nothing."""
    problems: list[Problem] = []
    records = parse(source.read_bytes() if raw else read_text(source, problems), problems)
    if not records:
        raise ValueError(problems[0].error if problems else nothing)
    return records, problems


def trajectory_id(run_id: str, inner: object | None = None) -> str:
    """The file's ``run_id``, plus ``#inner`` when the file holds several trajectories."""
    return run_id if inner is None or inner == "" else f"{run_id}#{inner}"


class Text(str):
    """A file's text that keeps the UTF-8 bytes it was decoded from (``utf8``).

    JSON is parsed from those bytes (:func:`loads`, :func:`jsonl_objects`): text that is not
    ASCII would otherwise be encoded back to UTF-8 for the parser, a copy and a pass more.
    """

    utf8: bytes


def decode(data: bytes, problems: list[Problem]) -> str:
    """UTF-8 text; undecodable bytes are replaced and reported once with their offset."""
    try:
        text = Text(data, "utf-8")
        text.utf8 = data
        return text
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"not UTF-8 (invalid byte at offset {exc.start}): undecodable bytes replaced",
                                exc.start))
        return data.decode("utf-8", errors="replace")


def read_text(source: Input, problems: list[Problem]) -> str:
    return decode(source.read_bytes(), problems)


def read_document(source: Input, problems: list[Problem], parse: Callable[[str, list[Problem]], Any]) -> Any:
    """The file's JSON document, parsed straight from its bytes; when they are not one whole, valid
    document (cut off, broken, not UTF-8), whatever ``parse(text, problems)`` makes of its text.

    ``parse`` (say :func:`load_salvaging`) gives a valid document the very value parsed here, so
    the text is decoded only for the files that need it.
    """
    data = source.read_bytes()
    try:
        return _DECODE(data)
    except ValueError:
        return parse(decode(data, problems), problems)


_DECODE = msgspec.json.Decoder().decode

UNSET: Any = msgspec.UNSET
"""The default of a field of a :func:`present` record: the key was not in the document."""


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 throughout: what a typed decode, which skips keys unread, cannot tell for those."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def present(record: msgspec.Struct) -> dict:
    """A record decoded typed as the dict of its keys that were in the document.

    A reader that uses a few keys of large objects decodes them into a Struct of those keys
    (each defaulting to ``UNSET``): msgspec skips the others without building them. The dict
    is what the reader gets of a full decode, less the keys it never reads.
    """
    return {key: value for name, key in zip(record.__struct_fields__, record.__struct_encode_fields__)
            if (value := getattr(record, name)) is not UNSET}


def loads(text: str) -> Any:
    """``json.loads(text)``, two to three times faster where it can be.

    msgspec decodes to the very values the standard library does (integers of any size
    included); what it refuses (``NaN`` and ``Infinity``, numbers beyond a double, lone
    surrogate escapes, and broken JSON) goes to the standard library, which reads it or
    raises its own ``JSONDecodeError``.
    """
    try:
        return _DECODE(text.utf8 if isinstance(text, Text) else text)
    except ValueError:
        return json.loads(text)


def load_json(text: str) -> Any:
    """A whole-file JSON document, or ValueError saying where and why it is broken."""
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        what = "cut off mid-JSON (file ends early)" if is_truncated(text) else f"not valid JSON ({exc.msg})"
        raise ValueError(f"{what} at line {exc.lineno}, column {exc.colno}") from None


def note_unfinished_line(text: str, problems: list[Problem]) -> None:
    """A problem when a text log that writes whole lines ends inside one: the file was cut off (or is still written)."""
    if text and not text.endswith("\n"):
        problems.append(Problem("the file ends inside a line (cut off, or still being written): "
                                "its last line read as far as it goes", text.count("\n") + 1))


def is_truncated(text: str) -> bool:
    """True when ``text`` ends inside a string or with brackets still open (a file cut off)."""
    depth, in_string, escape = 0, False, False
    for char in text:
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def first_user_text(messages: list) -> str | None:
    """The text of the first user message: the task, in chat-shaped formats."""
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return None


def load_salvaging(text: str, key: str, what: str, problems: list[Problem]) -> tuple[Any, bool]:
    """The JSON document, and whether it was cut off: then it is ``{key: <the complete items of
    its key array>}``, and a problem says how many ``what`` were kept."""
    try:
        return load_json(text), False
    except ValueError as exc:
        items, why = salvage_key(text, key)
        if not items:
            raise
        problems.append(Problem(f"{exc}; kept {len(items)} complete {what} ({why or 'rest lost'})", len(items)))
        return {key: items}, True


def salvage_key(text: str, key: str) -> tuple[list, str | None]:
    """Complete items of the JSON array under ``"key"`` in a document cut off somewhere, and why
    reading stopped early; nothing when the key or its array is not there."""
    marker = text.find(f'"{key}"')
    start = text.find("[", marker) if marker >= 0 else -1
    return salvage_array(text, start) if start >= 0 else ([], None)


def salvage_array(text: str, start: int) -> tuple[list, str | None]:
    """Complete items of the JSON array whose ``[`` is at ``start``, and why reading stopped early."""
    decoder = json.JSONDecoder()
    items: list = []
    pos = _skip(text, start + 1)
    while pos < len(text) and text[pos] != "]":
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return items, f"cut off mid-JSON after {len(items)} complete entries (offset {pos})"
        items.append(item)
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
    return items, None if pos < len(text) else f"cut off mid-JSON after {len(items)} complete entries"


def load_list_or_salvage(text: str, problems: list[Problem]) -> Any:
    """Parse a JSON document; a top-level list cut off mid-way keeps its complete entries."""
    try:
        return load_json(text)
    except ValueError as exc:
        start = _skip(text, 0)
        if start >= len(text) or text[start] != "[":
            raise
        items, why = salvage_array(text, start)
        if not items:
            raise
        problems.append(Problem(why or str(exc), len(items)))
        return items


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def document_or_lines(text: str, problems: list[Problem]) -> tuple[Any, list[tuple[int, Any]] | None]:
    """The file as one JSON document, ``(document, None)``, or else as JSON lines, ``(None, lines)``.

    Raises the document's ValueError when the text is neither.
    """
    try:
        return load_list_or_salvage(text, problems), None
    except ValueError as exc:
        lines = jsonl_objects(text, problems)
        if not lines:
            raise ValueError(str(exc)) from None
        return None, lines


def jsonl_objects(text: str | bytes, problems: list[Problem],
                  parse_line: Callable[[bytes | memoryview], Any] = _DECODE) -> list[tuple[int, Any]]:
    """(line number, value) of every parseable line of ``text`` (or of the file's ``bytes``); bad lines become problems.

    ``parse_line`` parses a line's bytes (say into the keys a reader reads), raising ValueError where the
    standard library must have a look: at JSON that msgspec refuses, or a line that is not JSON.

    Lines end at LF, CR LF or CR, as JSON Lines has them: a U+2028 or U+0085 inside a string
    (JSON allows them raw) is text, not the end of a line. Each line is parsed from its UTF-8
    bytes; bytes are decoded as text only when a line does not parse (and reported, once,
    when they are not UTF-8).
    """
    found = []
    if isinstance(text, bytes):
        data, checked = text, False
    else:
        data, checked = (text.utf8 if isinstance(text, Text) else text.encode("utf-8", errors="surrogatepass")), True
    for number, raw in enumerate(_lines(data), start=1):
        try:
            found.append((number, parse_line(raw)))
            continue
        except ValueError:
            pass
        if not checked:  # the first line that does not parse: are the bytes text at all?
            before = len(problems)
            decoded = decode(data, problems)
            if len(problems) > before:
                return jsonl_objects(decoded, problems, parse_line)  # not UTF-8: the lines of the text with bytes replaced
            checked = True
        line = bytes(raw).decode("utf-8", errors="surrogatepass")
        if not line.strip():
            continue
        try:
            found.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            cut = line.lstrip().startswith(("{", "[")) and is_truncated(line)
            problems.append(Problem("line cut off mid-JSON: skipped" if cut else
                                    f"not JSON ({exc.msg}): line skipped", number))
    return found


def _lines(data: bytes) -> Iterator[bytes | memoryview]:
    """The lines of ``data`` as ``bytes.splitlines`` cuts them, as views (no copy) when it has no CR."""
    if b"\r" in data:
        yield from data.splitlines()
        return
    view, start, size = memoryview(data), 0, len(data)
    while start < size:
        end = data.find(b"\n", start)
        end = size if end < 0 else end
        yield view[start:end]
        start = end + 1


def json_lines_head(head: str, limit: int = 20) -> list[Any] | None:
    """Parsed complete lines of a text prefix (a last line without newline only if it is the sole one), or None.

    Stops at the first line that is not JSON, so a pretty-printed document costs one failed line.
    """
    values: list[Any] = []
    start = 0
    while len(values) < limit and start < len(head):
        end = head.find("\n", start)
        if end < 0 and values:
            break  # possibly cut off by the prefix
        line = head[start:] if end < 0 else head[start:end]
        start = len(head) if end < 0 else end + 1
        bare = line.strip()
        if bare:
            if bare[0] in "{[" and bare[-1] != ("}" if bare[0] == "{" else "]"):
                return None  # an object or list not closed on its line: not JSON, and no parser need say so
            try:
                values.append(loads(line))
            except json.JSONDecodeError:
                return None
    return values


def json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def content_text(content: Any) -> str | None:
    """Text of a message ``content``: a string, or the text parts of a list of blocks."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [content_text(block) for block in content]
        return "\n".join(p for p in parts if p)
    if isinstance(content, dict):
        for key in ("text", "content", "thinking", "reasoning", "output"):
            if key in content:
                return content_text(content[key])
        return json_text(content)
    return str(content)


def looks_like_error(text: str | None) -> bool:
    """Heuristic for observations without an exit code: tracebacks, shell and tool errors."""
    if not text:
        return False
    if len(text) > ERROR_SCAN_CHARS:
        text = text[:ERROR_SCAN_CHARS]
    for word in ERROR_WORDS:  # cheap substring tests first (``in``, not a method call): most outputs hold none
        if word in text:
            return ERROR_PATTERNS.search(text) is not None
    return False


def as_int(value: Any) -> int | None:
    if value.__class__ is int:  # the usual case, first (a bool's class is bool)
        return value
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def as_float(value: Any) -> float | None:
    if value.__class__ is float:
        return value
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def epoch(value: Any) -> float | None:
    """Seconds since the epoch from a number (s or ms) or an ISO-8601 string."""
    number = float(value) if value.__class__ is int or value.__class__ is float else as_float(value)
    if number is not None:
        return number / 1000.0 if number > 1e11 else number
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:  # naive times are read as UTC, so results do not depend on the machine
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None
