"""The first lines of a text file for sniffers, bounded even when a line is longer than the prefix.

A wide CSV header (100 k columns) or a JSON line with a million keys does not end within
``SNIFF_BYTES``. :func:`head_lines` then reads on, up to ``LINE_SCAN_BYTES``, to find where the
first lines end, and hands each line back cut to a width, saying whether it was cut: a sniffer
recognises the format from the start of each line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracesift.readers.base import SNIFF_BYTES, Input

LINE_SCAN_BYTES = 16 << 20
"""How far a sniffer may read to find the ends of the first lines (only when they are that long)."""

_NEWLINE = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class HeadLine:
    """The start of one line of a file; ``cut`` when the line goes on past ``text``."""

    text: str
    cut: bool


def head_lines(source: Input, count: int, width: int = SNIFF_BYTES) -> list[HeadLine] | None:
    """The first ``count`` lines of ``source`` (fewer when the file or the scan ends), each cut to ``width`` bytes.

    None when the prefix is not text. Reads past the usual prefix only when it ends inside one of
    those lines, and never past ``LINE_SCAN_BYTES``.
    """
    if source.text_prefix() is None:
        return None
    size = SNIFF_BYTES
    data = source.prefix(size)
    if len(data) == size and len(_NEWLINE.findall(data)) < count:
        size = LINE_SCAN_BYTES
        data = source.prefix(size)
    lines = _split(data, count, width, whole=len(data) < size)
    return None if any("\x00" in line.text for line in lines) else lines


def _split(data: bytes, count: int, width: int, whole: bool) -> list[HeadLine]:
    """Up to ``count`` lines of ``data``, ended as Python's ``bytes.splitlines`` ends them.

    ``whole`` when ``data`` is the entire file: its last line is then complete, not cut.
    """
    lines: list[HeadLine] = []
    start = 0
    while len(lines) < count and start < len(data):
        end = _NEWLINE.search(data, start)
        stop = len(data) if end is None else end.start()
        cut = stop - start > width or (end is None and not whole)
        lines.append(HeadLine(data[start : min(stop, start + width)].decode("utf-8", errors="replace"), cut))
        if end is None:
            break
        start = end.end()
    return lines
