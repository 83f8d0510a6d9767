"""What the engine tests compare (every table of a store, row by row) and a small generated corpus."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from tracesift.store.views import connect

TABLES = ("metrics", "runs", "steps", "trajectories", "ingest_errors", "findings")


def rows(store, table: str, without: tuple[str, ...] = ()) -> list[tuple]:
    """A table's rows, sorted, NaN as a string (so that equal tables compare equal)."""
    con = connect(store)
    try:
        exclude = f" EXCLUDE ({', '.join(without)})" if without else ""
        found = con.sql(f"SELECT *{exclude} FROM {table}").fetchall()
    finally:
        con.close()
    canonical = [tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in row) for row in found]
    return sorted(canonical, key=repr)


def assert_same_tables(first, second, tables: tuple[str, ...] = TABLES,
                       without: dict[str, tuple[str, ...]] | None = None) -> None:
    """Every table holds the same rows in both stores (``without``: columns left out, by table)."""
    for table in tables:
        a, b = rows(first, table, (without or {}).get(table, ())), rows(second, table, (without or {}).get(table, ()))
        assert len(a) == len(b), f"{table}: {len(a)} rows against {len(b)}"
        assert a == b, f"{table} differs"


def corpus(folder: Path, runs: int = 24, trajectories: int = 40, seed: int = 7, steps: int = 300) -> Path:
    """Training runs as JSON lines (some diverge, some go NaN, some spike) and chat trajectories (some
    with failing tool calls and loops), in a few subfolders."""
    rng = random.Random(seed)
    for run in range(runs):
        path = folder / "runs" / f"group{run % 3}" / f"run{run:03d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        fate = run % 4
        lines = []
        for step in range(steps):
            step_at = step * 300 // steps  # the same curve, however many steps it is logged at
            loss = 2.5 * math.exp(-step_at / 80) + 0.2 + rng.gauss(0, 0.02)
            grad = 1.0 + rng.gauss(0, 0.05)
            if fate == 1 and step_at > 200:
                loss, grad = loss * (1.05 ** (step_at - 200)), grad * (1.08 ** (step_at - 200))
            if fate == 2 and step_at == 250:
                loss = math.nan
            if fate == 3 and step_at == 150:
                loss *= 30
            lines.append(json.dumps({"step": step, "loss": loss, "grad_norm": grad}))
        path.write_text("\n".join(lines) + "\n")
    for index in range(trajectories):
        path = folder / "agents" / f"shard{index % 2}" / f"traj{index:03d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_trajectory(rng, index)))
    return folder


def _trajectory(rng: random.Random, index: int) -> dict:
    messages = [{"role": "system", "content": "You are a coding agent."},
                {"role": "user", "content": f"Fix issue {index}: the parser drops the last line."}]
    failing = index % 3 == 0
    for call in range(rng.randint(3, 9)):
        tool, arguments = ("bash", {"command": "pytest -q"}) if failing else ("read_file", {"path": f"src/m{call}.py"})
        messages.append({"role": "assistant", "content": None, "tool_calls": [{
            "id": f"c{index}_{call}", "type": "function", "function": {"name": tool, "arguments": json.dumps(arguments)}}]})
        result = "Traceback (most recent call last):\nAssertionError: expected 3 lines" if failing else f"line {call}"
        messages.append({"role": "tool", "tool_call_id": f"c{index}_{call}", "name": tool, "content": result})
    messages.append({"role": "assistant", "content": "I could not fix it." if failing else "Fixed."})
    return {"id": f"traj-{index:03d}", "messages": messages}
