"""Tolerant JSON for the readers: parsed fast where it is whole, salvaged where it is cut off or broken.

Files are parsed from their bytes with msgspec and fall back to the standard library for what msgspec
refuses (``NaN``, huge numbers, lone surrogates); a document cut off mid-write gives what it holds
before the cut (:func:`load_salvaging`, :func:`salvage_array`), JSON lines skip a broken line and say
which (:func:`jsonl_objects`). Every problem found is a :class:`~tracesift.readers.base.Problem`
with where it is, never an exception that loses the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from tracesift.readers.base import Input, Problem


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
