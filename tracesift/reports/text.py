"""Log text made safe for a terminal: control characters shown as escapes, never sent to the terminal."""

from __future__ import annotations

# Bidirectional overrides and isolates reorder what a terminal shows; the other characters are C0, DEL and C1
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` with control characters (ESC and the rest, but newline and tab) shown as Python escapes."""
    if text.isprintable() and not _BIDI.intersection(text):
        return text
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if char in "\n\t" or not (code < 0x20 or 0x7F <= code <= 0x9F or char in _BIDI):
        return char
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
