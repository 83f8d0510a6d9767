"""τ-bench result files: a JSON list of ``{task_id, reward, info, traj, trial}`` records.

τ-bench's ``run.py`` dumps one ``EnvRunResult`` per task and trial
(``<strategy>-<model>-<temperature>_range_<a>-<b>_user-<model>-<strategy>_<time>.json``). Each
record is one trajectory, ``<run_id>#<task_id>``, or ``<run_id>#<task_id>-trial<trial>`` when the
file holds that task more than once. ``traj`` is an OpenAI-style chat (system wiki, user turns,
assistant ``tool_calls``, ``tool`` results) read by ``chat_messages``' message code; a tool that
raised is observed as ``Error: ...`` and so is an error. ``reward`` 1 is ``success``, any other
number ``failure``. The task is ``info.task.instruction`` (the simulated user's instruction; for a
run that raised, as another trial of the task records it), else the first user turn. A run that
raised (``info.error``, empty ``traj``) gets one ``error`` step with the traceback. ``labels``
keep task id, trial, reward, user id, reward details and costs.
A list cut off mid-record keeps its complete records, with a problem.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader
from tracesift.readers.chat_messages import add_messages

RECORD_START = re.compile(r'\[\s*\{\s*"(task_id|reward|info|traj|trial)"')
KEYS = ('"task_id"', '"reward"', '"info"', '"traj"')


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None or not RECORD_START.match(head.lstrip()):
        return 0.0
    found = sum(key in head for key in KEYS)
    if found == len(KEYS):
        return 0.95
    return 0.8 if found >= 3 else 0.0


def read(source: Input) -> Batch:
    records, problems = ac.parse_or_fail(source, _records, "no τ-bench result record found")
    table = ac.StepTable("tau_bench", source.path)
    tasks = {str(r.get("task_id")): _task(r) for r in records if _task(r)}
    for inner, record in zip(_inner_ids(records), records):
        _record(table, ac.trajectory_id(source.rel, inner), record, tasks.get(str(record.get("task_id"))), problems)
    return table.batch(problems)


def _records(text: str, problems: list[Problem]) -> list[dict]:
    whole = tj.load_list_or_salvage(text, problems)
    items = whole if isinstance(whole, list) else [whole]
    records = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and "task_id" in item and isinstance(item.get("traj", []), list):
            records.append(item)
        else:
            problems.append(Problem(f"record {index} is not a τ-bench result (task_id, traj): skipped", index))
    return records


def _inner_ids(records: list[dict]) -> list[str]:
    """``task_id``, with ``-trial<n>`` for tasks the file holds more than once; unique either way."""
    repeats = Counter(str(r.get("task_id")) for r in records)
    used: set[str] = set()
    ids = []
    for index, record in enumerate(records):
        inner = str(record.get("task_id"))
        if repeats[inner] > 1:
            inner = f"{inner}-trial{record.get('trial', index)}"
        if inner in used:
            inner = f"{inner}-{index}"
        used.add(inner)
        ids.append(inner)
    return ids


def _info(record: dict) -> dict:
    return record["info"] if isinstance(record.get("info"), dict) else {}


def _task(record: dict) -> dict:
    task = _info(record).get("task")
    return task if isinstance(task, dict) else {}


def _record(table: ac.StepTable, tid: str, record: dict, known: dict | None, problems: list[Problem]) -> None:
    """One result; ``known`` is the task as another trial of it records it (a run that raised has none)."""
    info = _info(record)
    traj = record.get("traj") or []
    add_messages(table, tid, traj, problems)
    if info.get("error") is not None:
        table.add(tid, "error", content=info.get("traceback") or info["error"], is_error=True)
    task = _task(record) or known or {}
    text = task.get("instruction") or ac.first_user_text(traj)
    table.trajectory(tid, task=ac.json_text(text), outcome=_outcome(record.get("reward")),
                     labels=_labels(record, info, task))


def _outcome(reward: Any) -> str:
    value = ac.as_float(reward)
    if value is None:
        return "unknown"
    return "success" if value == 1 else "failure"


def _labels(record: dict, info: dict, task: dict) -> dict:
    reward_info = info.get("reward_info") if isinstance(info.get("reward_info"), dict) else {}
    details = reward_info.get("info") if isinstance(reward_info.get("info"), dict) else {}
    labels = {"task_id": record.get("task_id"), "trial": record.get("trial"), "reward": record.get("reward"),
              "user_id": task.get("user_id"), "source": info.get("source"), "user_cost": info.get("user_cost"),
              "expected_actions": [a.get("name") for a in task.get("actions") or () if isinstance(a, dict)],
              "error": info.get("error")}
    labels.update({k: details[k] for k in ("r_actions", "r_outputs", "outputs") if k in details})
    return {k: v for k, v in labels.items() if v not in (None, [], "")}


READER = Reader(
    name="tau_bench",
    description="τ-bench result files (JSON list of {task_id, reward, info, traj}): one trajectory per task and "
                "trial, reward as outcome",
    example="results/tool-calling-gpt-4o-0.0_range_0-10_user-gpt-4o-llm_0314120501.json",
    sniff=sniff,
    read=read,
)
