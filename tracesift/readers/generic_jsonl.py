"""Any JSON-lines agent log, read through a field mapping the user writes in ``tracesift.toml``.

The mapping is this reader's options: a ``[readers.generic_jsonl]`` (or
``[generic_jsonl]``) table of a ``tracesift.toml`` beside the file, or else of the
command's ``tracesift.toml`` (see :mod:`tracesift.config`)::

    [readers.generic_jsonl]
    trajectory_id = "session"        # lines are grouped by this field
    task = "goal"                    # trajectory-level: task, outcome
    step.agent = "speaker"           # any steps column: agent, role, kind, tool,
    step.content = "text"            # arguments, content, is_error, exit_code, tokens_in,
    step.tool = "call.name"          # tokens_out, cost, latency_s, timestamp, span_id,
                                     # parent_span_id; dotted names reach into objects
    [readers.generic_jsonl.kinds]    # optional: raw kind value -> tracesift kind
    say = "message"

The file is claimed only when such a mapping exists and every field it names is
present in the first lines of the file. Each line is one step; steps are numbered
0-based in document order within their trajectory. Without ``trajectory_id`` the
file is one trajectory named by its ``run_id``; otherwise ``<run_id>#<value>``. A
missing ``kind`` mapping makes every step a ``message``; an unknown kind value is
kept as ``message`` and reported once.
"""

from __future__ import annotations

from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader
from tracesift.store import schema

NAME = "generic_jsonl"
STEP_COLUMNS = set(schema.STEPS.names) - {"trajectory_id", "step", "source_file"}
TRAJECTORY_KEYS = {"trajectory_id", "task", "outcome"}
INTS, FLOATS = {"exit_code", "tokens_in", "tokens_out"}, {"cost", "latency_s"}


def mapping_of(source: Input) -> dict[str, Any]:
    """The mapping in ``source``'s options, flattened to ``{"step.agent": "speaker", ...}``."""
    table = source.options.get(NAME)
    return _flatten(table) if isinstance(table, dict) else {}


def _flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key != "kinds":
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def fields_of(mapping: dict[str, Any]) -> dict[str, str]:
    """Target column -> source field, for the keys tracesift knows."""
    found = {}
    for key, value in mapping.items():
        column = key.removeprefix("step.")
        if isinstance(value, str) and ((key.startswith("step.") and column in STEP_COLUMNS) or key in TRAJECTORY_KEYS):
            found[column if key.startswith("step.") else key] = value
    return found


def sniff(source: Input) -> float:
    mapping = mapping_of(source)
    if not fields_of(mapping):
        return 0.0
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("{"):
        return 0.0
    lines = tj.json_lines_head(head)
    if not lines or not all(isinstance(v, dict) for v in lines):
        return 0.0
    sources = fields_of(mapping).values()
    present = all(any(lookup(line, source) is not None for line in lines) for source in sources)
    return 0.97 if present else 0.0


def lookup(record: dict, field: str) -> Any:
    """``record[field]``, or a dotted path into nested objects."""
    if field in record:
        return record[field]
    value: Any = record
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    mapping = mapping_of(source)
    if not fields_of(mapping):
        raise ValueError(f"no [readers.{NAME}] mapping in a tracesift.toml beside the file or for the command")
    fields, kinds = fields_of(mapping), mapping.get("kinds") or {}
    problems: list[Problem] = []
    lines = tj.jsonl_objects(tj.read_text(source, problems), problems)
    table = ac.StepTable("generic_jsonl", path)
    tasks: dict[str, Any] = {}
    outcomes: dict[str, Any] = {}
    warned: set = set()
    for number, record in lines:
        if not isinstance(record, dict):
            problems.append(Problem("not a JSON object: line skipped", number))
            continue
        inner = lookup(record, fields["trajectory_id"]) if "trajectory_id" in fields else None
        tid = ac.trajectory_id(run_id, inner)
        tasks.setdefault(tid, lookup(record, fields.get("task", "\0")))
        outcome = lookup(record, fields.get("outcome", "\0"))
        if outcome is not None:
            outcomes[tid] = outcome
        table.add(tid, **_step(record, fields, kinds, number, warned, problems))
    if not len(table):
        raise ValueError(problems[0].error if problems else "no JSON lines")
    for tid, task in tasks.items():
        table.trajectory(tid, task=ac.json_text(task), outcome=str(outcomes.get(tid, "unknown")))
    return table.batch(problems)


def _step(record: dict, fields: dict[str, str], kinds: dict, number: int, warned: set,
          problems: list[Problem]) -> dict:
    step: dict[str, Any] = {}
    for column, source in fields.items():
        if column not in STEP_COLUMNS:
            continue
        value = lookup(record, source)
        if column in INTS:
            value = ac.as_int(value)
        elif column in FLOATS:
            value = ac.as_float(value)
        elif column == "timestamp":
            value = ac.epoch(value)
        elif column == "is_error":
            value = bool(value) if value is not None else None
        elif value is not None and column not in ("arguments", "content"):
            value = str(value)
        step[column] = value
    raw = step.pop("kind", None)
    kind = kinds.get(raw, raw) if raw is not None else "message"
    if kind not in ac.KINDS:
        if raw not in warned:
            warned.add(raw)
            problems.append(Problem(f"unknown kind {raw!r}: kept as message", number))
        kind = "message"
    step["kind"] = kind
    return step


READER = Reader(
    name=NAME,
    description="Any JSONL agent log, through a [readers.generic_jsonl] field mapping in tracesift.toml",
    example="logs/agent-sessions.jsonl (+ tracesift.toml beside it)",
    sniff=sniff,
    read=read,
)
