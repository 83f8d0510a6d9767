"""Canonical tables built from columns, and the step builder agent readers fill."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracesift.readers.agent_common import StepTable
from tracesift.store import schema


def test_step_table_puts_every_value_in_its_named_column():
    table = StepTable("chat_messages", Path("t.json"))
    values = {"agent": "coder", "role": "assistant", "tool": "bash", "arguments": {"cmd": "ls"}, "content": "hi",
              "is_error": True, "exit_code": 2, "tokens_in": 10, "tokens_out": 20, "cost": 0.5, "latency_s": 1.5,
              "timestamp": 1700000000.0, "span_id": "s1", "parent_span_id": "p1"}
    table.add("t", "tool_call", **values)
    table.trajectory("t", task="fix it", outcome="failure", labels={"mistake_step": 3})
    tables = table.batch([]).arrow()
    [step] = tables["steps"].to_pylist()
    assert step == {**values, "arguments": '{"cmd": "ls"}', "trajectory_id": "t", "step": 0, "kind": "tool_call",
                    "source_file": None}
    [trajectory] = tables["trajectories"].to_pylist()
    assert trajectory == {"trajectory_id": "t", "source_format": "chat_messages", "path": "t.json", "task": "fix it",
                          "outcome": "failure", "labels": '{"mistake_step": 3}', "source_file": None}


def test_meter_sets_usage_on_the_first_step_of_a_message_only():
    table = StepTable("chat_messages", Path("t.json"))
    table.add("t", "message", content="a")
    first = len(table)
    table.add("t", "message", content="b")
    table.add("t", "tool_call", tool="bash")
    table.meter(first, tokens_in=5, cost=None)
    table.meter(len(table), tokens_in=7)  # the message made no step: nothing to meter
    rows = table.batch([]).arrow()["steps"].to_pylist()
    assert [r["tokens_in"] for r in rows] == [None, 5, None]
    assert [r["step"] for r in rows] == [0, 1, 2]


def test_columns_become_a_canonical_table_with_nulls_for_the_rest():
    table = schema.from_columns("trajectories", trajectory_id=["a", "b"], outcome=["unknown", "failure"])
    assert table.schema == schema.TRAJECTORIES
    assert table["trajectory_id"].to_pylist() == ["a", "b"]
    assert table["task"].to_pylist() == [None, None]
    stamped = schema.with_source(table, "trajectories", "b.json")
    assert stamped["source_file"].to_pylist() == ["b.json", "b.json"]
    assert schema.from_columns("steps").num_rows == 0


def test_columns_of_the_wrong_length_or_name_are_refused():
    with pytest.raises(ValueError, match="different lengths"):
        schema.from_columns("trajectories", trajectory_id=["a", "b"], outcome=["unknown"])
    with pytest.raises(ValueError, match="no column"):
        schema.from_columns("trajectories", trajectory=["a"])


def test_rows_as_tuples_or_lists_become_the_same_table_and_bad_rows_are_refused():
    row = ("t", "chat_messages", "a.json", "fix it", "unknown", None)
    as_tuples, as_lists = schema.RowTable("trajectories", [row]), schema.RowTable("trajectories", [list(row)])
    as_tuples.source_file = as_lists.source_file = "a.json"
    assert schema.concat([as_tuples, as_lists]).to_pylist() == [dict(zip(schema.TRAJECTORIES.names, (*row, "a.json")))] * 2
    odd = schema.RowTable("trajectories", [("t\udcff", *row[1:])])  # a file name's undecodable byte: escaped
    assert odd.to_arrow()["trajectory_id"].to_pylist() == ["t\\xff"]
    with pytest.raises(ValueError, match="rows need 6 values"):
        schema.RowTable("trajectories", [row[:5]]).to_arrow()
