"""store.paths.relative_posix: what PurePath.relative_to says, for the paths an ingest meets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracesift.store.paths import escape, relative_posix

CASES = [("/tmp/a/b", "/tmp"), ("/tmp", "/tmp"), ("/tmpx/a", "/tmp"), ("/a", "/"), ("/", "/"), ("a/b", "a"),
         ("a/b", "/a"), ("/a/b/", "/a/"), ("/a//b", "/a"), ("/a/./b", "/a"), ("/a/b", "/a/b/c"),
         ("/a/b\udcff/c", "/a/b\udcff"), ("rel", "."), (".", "."), ("/abs", "."), ("//tmp/a", "/tmp"),
         ("//tmp/a", "//tmp"), ("../a", "..")]


@pytest.mark.parametrize(("path", "folder"), CASES)
def test_relative_posix_agrees_with_relative_to(path, folder):
    try:
        expected = Path(path).relative_to(Path(folder)).as_posix()
    except ValueError:
        expected = None
    assert relative_posix(Path(path), Path(folder)) == expected


def test_escape_shows_a_lone_surrogate_no_file_name_has():
    assert escape("a\udcffb") == "a\\xffb"  # a file name's undecodable byte, as os.fsdecode gives it
    assert escape("lone \ud800") == "lone \\xed\\xa0\\x80"  # from a JSON \ud800 escape: no longer an error
