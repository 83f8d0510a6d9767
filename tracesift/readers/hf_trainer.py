"""Hugging Face Trainer ``trainer_state.json`` (also in every ``checkpoint-N/`` folder).

Each ``log_history`` entry is a dict logged at ``step``: training entries
(``loss``, ``grad_norm``, ``learning_rate``, ``epoch``), evaluation entries
(``eval_*``) and one closing summary (``train_runtime``, ``train_loss``, ...).
The summary is run-level information, kept in ``runs.config``, not a point of
the loss curve. Everything outside ``log_history`` goes to ``runs.config`` too.
"""

from __future__ import annotations

import json

from tracesift.readers.base import Batch, Input, Problem, Reader, metrics_from_records, run_id_of
from tracesift.store import schema

SUMMARY_KEYS = {"train_runtime", "total_flos"}


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("{"):
        return 0.0
    if '"log_history"' in head and ('"global_step"' in head or '"best_metric"' in head):
        return 0.95
    return 0.0


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    try:
        state = json.loads(source.read_bytes())
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise ValueError("no log_history list: not a trainer_state.json")
    run = run_id_of(run_id)
    records, steps = [], []
    summary: dict = {}
    problems = []
    for index, entry in enumerate(state["log_history"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("step"), int):
            problems.append(Problem("log_history entry without an integer step: skipped", index))
        elif SUMMARY_KEYS & entry.keys():
            summary.update(entry)
        else:
            steps.append(entry["step"])
            records.append({k: v for k, v in entry.items() if k != "step"})
    config = {k: v for k, v in state.items() if k != "log_history"}
    if summary:
        config["train_summary"] = summary
    row = {"run_id": run, "source_format": "hf_trainer", "path": str(path), "config": json.dumps(config)}
    metrics = metrics_from_records(run, records, steps)
    return Batch({"metrics": metrics, "runs": schema.from_rows("runs", [row])}, problems)


READER = Reader(
    name="hf_trainer",
    description="Hugging Face Trainer trainer_state.json (log_history: train and eval entries)",
    example="output/checkpoint-500/trainer_state.json",
    sniff=sniff,
    read=read,
)
