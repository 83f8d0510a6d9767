"""File names that are not valid UTF-8, kept usable and shown readably.

On Linux a name is bytes; Python shows the bytes that are not UTF-8 as lone
surrogates (``os.fsdecode``), which no UTF-8 encoder (Parquet, JSON for other
tools, a terminal) accepts. :func:`escape` writes such a name as UTF-8 text with
each of those bytes as ``\\xNN`` (and a backslash as ``\\\\``); :func:`unescape`
gives the name back, byte for byte. A valid UTF-8 name is its own escaped form.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath

_ESCAPE = re.compile(rb"\\(\\|x[0-9a-f]{2})")


def is_utf8(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escape(text: str) -> str:
    """``text`` as valid UTF-8: unchanged when it is, else with its undecodable bytes as ``\\xNN``.

    Text that no file name gives (a lone surrogate from a JSON ``\\ud800`` escape) has its
    surrogate's three bytes shown so too, rather than failing.
    """
    if is_utf8(text):
        return text
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def unescape(text: str) -> str:
    """The name :func:`escape` made ``text`` from (as ``os.fsdecode`` gives it)."""
    if is_utf8(text) and "\\x" not in text:
        return text
    raw = _ESCAPE.sub(lambda m: b"\\" if m[1] == b"\\" else bytes([int(m[1][1:], 16)]), text.encode("utf-8"))
    return os.fsdecode(raw)


def relative_posix(path: PurePath, folder: PurePath) -> str | None:
    """``path.relative_to(folder).as_posix()``, or None when ``path`` is not under ``folder``.

    On POSIX it compares the paths' text (both are normalised by pathlib, so a prefix ending at a
    ``/`` is a prefix of parts): ten times cheaper than ``relative_to``, which ingest calls for
    every file it finds.
    """
    if os.sep != "/":
        try:
            return path.relative_to(folder).as_posix()
        except ValueError:
            return None
    text, prefix = str(path), str(folder)
    if text == prefix:
        return "."
    if prefix == ".":  # no parts: every relative path is under it
        return None if text.startswith("/") else text
    if prefix != "/":
        prefix += "/"
    return text[len(prefix):] if text.startswith(prefix) else None
