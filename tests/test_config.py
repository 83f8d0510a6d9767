"""tracesift.toml: reader options by reader name, and a broken file named in the error."""

from __future__ import annotations

import pytest

from tracesift.config import Config, reader_options_in
from tracesift.errors import UsageError


def test_reader_options_in_both_spellings(tmp_path):
    (tmp_path / "tracesift.toml").write_text('[generic_jsonl]\nstep.agent = "who"\n\n[readers.csv]\nsep = ";"\n')
    options = reader_options_in(tmp_path)
    assert options == {"generic_jsonl": {"step": {"agent": "who"}}, "csv": {"sep": ";"}}
    assert reader_options_in(tmp_path / "elsewhere") is None


def test_readers_table_wins_over_the_top_level_spelling():
    config = Config(document={"generic_jsonl": {"a": "old"}, "readers": {"generic_jsonl": {"a": "new"}}})
    assert config.reader_options() == {"generic_jsonl": {"a": "new"}}


def test_a_broken_toml_beside_the_logs_is_a_usage_error_naming_it(tmp_path):
    (tmp_path / "tracesift.toml").write_text("[readers\n")
    with pytest.raises(UsageError, match="tracesift.toml: not valid TOML"):
        reader_options_in(tmp_path)
