"""SWE-agent ``.traj`` files (``sweagent/agent/agents.py``: ``get_trajectory_data``).

A ``.traj`` is one JSON object: ``trajectory`` (one entry per agent step, with
``thought``, ``action``, ``observation``, ``response``, ``execution_time``, ``state``),
``history`` (the chat sent to the model), ``info`` (``exit_status``, ``submission``,
``model_stats``) and ``environment``. A RetryAgent file adds ``attempts``, a list of
such objects: each attempt becomes its own trajectory ``<run_id>#attempt<k>``.

Each ``trajectory`` entry gives, in this order, 0-based in document order: a
``thought`` step (when the thought is not empty), the action as a ``tool_call``
(``tool`` = the command's first word, ``arguments`` = the whole action,
``latency_s`` = ``execution_time``) — or ``final`` for ``submit`` / ``exit`` —, and
the observation as a ``tool_result``, flagged ``is_error`` when it reads like an
error (traceback, ``command not found``, ``Error:``...: SWE-agent records no exit
code). Without a ``trajectory``, the assistant entries of ``history`` are used.
The task is the first non-demonstration user message of ``history``.

SWE-agent >= 1.0 writes ``trajectory`` first, and each entry's ``query`` repeats the whole chat,
so ``history``, ``info`` and ``environment`` lie far past the sniff prefix: such a file is
recognised by its start (``{"trajectory": [``) and its last few KB (the document closes after
``environment`` / ``replay_config`` / ``info``).

``outcome``: ``exit_status`` ``submitted`` only says the agent handed in a patch, so it is
``unknown``; ``failure`` for ``exit_*`` statuses and auto-submissions after one
(``submitted (exit_cost)``). A SWE-bench ``report.json`` or ``results.json`` beside the file
(see :mod:`tracesift.readers.swebench_results`) overrides both: resolved is ``success``, not
resolved ``failure``. ``labels`` keep ``exit_status`` and ``model_stats`` (SWE-agent counts tokens
and cost per instance, not per step), and ``instance_id`` / ``resolved`` / ``result_file`` when joined.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import msgspec

from tracesift.readers import agent_common as ac
from tracesift.readers import swebench_results
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

FINAL_COMMANDS = {"submit", "exit", "exit_forfeit", "exit_cost", "exit_context"}
TAIL_BYTES = 16 * 1024
"""How much of the end of a file the sniffer reads when the keys after ``trajectory`` lie past the prefix."""
_TRAJECTORY_FIRST = re.compile(r'\s*\{\s*"trajectory"\s*:\s*\[')
_LAST_KEY = re.compile(r'(?<!\\)"(?:environment|replay_config|info)"\s*:\s*(?:"(?:[^"\\]|\\.)*"|null|\{.*\})\s*\}\s*$',
                       re.DOTALL)
"""One of the keys SWE-agent writes after ``trajectory``, not escaped inside a string, in the last object."""


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("{"):
        return 0.0
    if '"trajectory"' in head and ('"history"' in head or '"info"' in head or '"environment"' in head):
        return 0.95 if ('"observation"' in head or '"action"' in head or '"trajectory": []' in head) else 0.7
    if '"attempts"' in head and '"trajectory"' in head:
        return 0.9
    if _TRAJECTORY_FIRST.match(head) and _keys_at_end(source):
        return 0.9
    return 0.0


def _keys_at_end(source: Input) -> bool:
    """True when the file's end is the close of a document whose last keys are SWE-agent's (>= 1.0 layout).

    ``trajectory`` comes first there, and each step's ``query`` repeats the whole chat, so
    ``history``, ``info`` and ``environment`` come only near the end of a large file.
    """
    tail = _tail(source, TAIL_BYTES)
    return bool(tail) and _LAST_KEY.search(tail.decode("utf-8", errors="replace")) is not None


def _tail(source: Input, size: int) -> bytes:
    """The last ``size`` bytes of the file (nothing for a file that cannot be read or is not a regular one)."""
    try:
        return source.end(size)
    except OSError:
        return b""


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    problems: list[Problem] = []
    data = _keys_read(source.read_bytes())
    if data is None:  # not the usual layout, or not one valid document: decoded whole
        data = tj.read_document(source, problems, _load)
    if not isinstance(data, dict) or not any(k in data for k in ("trajectory", "attempts", "history")):
        raise ValueError("no trajectory, history or attempts: not a SWE-agent .traj file")
    table = ac.StepTable("swe_agent", path)
    attempts = data.get("attempts")
    if isinstance(attempts, list) and attempts:
        for index, attempt in enumerate(attempts):
            if isinstance(attempt, dict):
                _attempt(table, ac.trajectory_id(run_id, f"attempt{index}"), attempt, problems)
            else:
                problems.append(Problem(f"attempt {index} is not an object: skipped", index))
    else:
        result = swebench_results.verdict(source.path, _instance_ids(source, data), problems)
        _attempt(table, ac.trajectory_id(run_id), data, problems, result)
    return table.batch(problems)


def _instance_ids(source: Input, data: dict) -> list[str]:
    """Names the instance may have in a result file: ``info.instance_id``, the file's name, its folder,
    ``environment`` (SWE-agent saves ``<run>/<instance_id>/<instance_id>.traj``)."""
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    name = PurePosixPath(source.path.name)
    found = [info.get("instance_id"), name.name.removesuffix(".traj").removesuffix(".json"), name.stem,
             source.path.parent.name, data.get("environment")]
    return list(dict.fromkeys(i for i in found if isinstance(i, str) and i))


UNSET = tj.UNSET


class _Entry(msgspec.Struct):
    """What is read of a ``trajectory`` entry (its ``query``, the whole chat so far, is skipped unbuilt)."""

    action: Any = UNSET
    observation: Any = UNSET
    thought: Any = UNSET
    execution_time: Any = UNSET


class _Traj(msgspec.Struct):
    """What is read of a ``.traj`` document."""

    trajectory: list[_Entry] = UNSET
    history: Any = UNSET
    info: Any = UNSET
    environment: Any = UNSET
    attempts: Any = UNSET


_DECODE_TRAJ = msgspec.json.Decoder(_Traj).decode


def _keys_read(data: bytes) -> dict | None:
    """The document as the keys this reader reads (present ones only), decoded without the rest; None when
    it is not one valid JSON object whose ``trajectory`` is a list of objects (then it is decoded whole)."""
    if not tj.is_utf8(data):
        return None
    try:
        document = _DECODE_TRAJ(data)
    except msgspec.DecodeError:
        return None
    found = tj.present(document)
    if "trajectory" in found:
        found["trajectory"] = [tj.present(entry) for entry in document.trajectory]
    return found


def _load(text: str, problems: list[Problem]) -> Any:
    """The document; a file cut off inside ``trajectory`` keeps its complete steps."""
    data, cut = tj.load_salvaging(text, "trajectory", "trajectory steps", problems)
    return {**data, "history": tj.salvage_key(text, "history")[0], "info": {}} if cut else data


def _attempt(table: ac.StepTable, tid: str, data: dict, problems: list[Problem],
             result: swebench_results.Verdict | None = None) -> None:
    history = data.get("history") if isinstance(data.get("history"), list) else []
    agent = _agent_name(history)
    trajectory = data.get("trajectory")
    if isinstance(trajectory, list) and trajectory:
        for index, entry in enumerate(trajectory):
            if isinstance(entry, dict):
                _entry(table, tid, entry, agent)
            else:
                problems.append(Problem(f"{tid}: trajectory entry {index} is not an object: skipped", index))
    else:
        _from_history(table, tid, history, agent)
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    labels = {k: info[k] for k in ("exit_status", "model_stats") if k in info}
    if result is not None:
        labels.update(instance_id=result.instance_id, resolved=result.resolved, result_file=result.file)
    outcome = _outcome(info.get("exit_status")) if result is None else ("success" if result.resolved else "failure")
    table.trajectory(tid, task=_task(history), outcome=outcome, labels=labels)


def _entry(table: ac.StepTable, tid: str, entry: dict, agent: str) -> None:
    common = {"agent": agent}
    thought = entry.get("thought")
    if isinstance(thought, str) and thought.strip():
        table.add(tid, "thought", role="assistant", content=thought, **common)
    action = entry.get("action")
    tool = _command(action)
    if action is not None:
        kind = "final" if tool in FINAL_COMMANDS else "tool_call"
        table.add(tid, kind, role="assistant", tool=tool, arguments=action,
                  latency_s=ac.as_float(entry.get("execution_time")), **common)
    observation = entry.get("observation")
    if observation is not None:
        text = ac.content_text(observation)
        table.add(tid, "tool_result", role="tool", tool=tool, content=text, is_error=ac.looks_like_error(text),
                  **common)


def _from_history(table: ac.StepTable, tid: str, history: list, agent: str) -> None:
    """Older or partial files: rebuild steps from the assistant/user turns of ``history``."""
    pending: str | None = None
    for item in history:
        if not isinstance(item, dict) or item.get("is_demo") or item.get("role") == "system":
            continue
        if item.get("role") == "assistant":
            _entry(table, tid, {"thought": item.get("thought"), "action": item.get("action")},
                   item.get("agent") or agent)
            pending = _command(item.get("action"))
        elif pending is not None and item.get("role") in ("user", "tool"):
            text = ac.content_text(item.get("content"))
            table.add(tid, "tool_result", role="tool", tool=pending, content=text, agent=agent,
                      is_error=ac.looks_like_error(text))
            pending = None


def _command(action: Any) -> str | None:
    if not isinstance(action, str) or not action.strip():
        return None
    return action.strip().split()[0]


def _agent_name(history: list) -> str:
    for item in history:
        if isinstance(item, dict) and item.get("agent"):
            return str(item["agent"])
    return "swe-agent"


def _task(history: list) -> str | None:
    for item in history:
        if isinstance(item, dict) and item.get("role") == "user" and not _is_demo(item):
            return ac.content_text(item.get("content"))
    return None


def _is_demo(item: dict) -> bool:
    return str(item.get("is_demo")).lower() == "true" or item.get("message_type") == "demonstration"


def _outcome(status: Any) -> str:
    """What ``exit_status`` alone says: ``failure`` for an exit on a limit or error; a submission is
    ``unknown`` (only an evaluation says whether it resolves the issue)."""
    if not isinstance(status, str) or not status:
        return "unknown"
    return "failure" if "exit_" in status or status.startswith("early_exit") else "unknown"


READER = Reader(
    name="swe_agent",
    description="SWE-agent .traj trajectories (trajectory/history/info, RetryAgent attempts)",
    example="trajectories/user/run/django__django-11099.traj",
    sniff=sniff,
    read=read,
)
