"""OpenHands evaluation output (``output.jsonl``): one ``EvalOutput`` record per line.

The evaluation harness writes ``EvalOutput.model_dump_json()`` per instance. In OpenHands
(``OpenHands/OpenHands`` ``evaluation/utils/shared.py``; filled by e.g.
``evaluation/benchmarks/swe_bench/run_infer.py``): ``instance_id``, ``test_result`` (SWE-bench:
``git_patch``), ``instruction``, ``metadata`` (``agent_class``, ``llm_config``...), ``history``
(``event_to_dict`` V0 events with ``action``/``observation``, ``args``/``extras``; the oldest
records hold ``[action, observation]`` pairs), ``metrics``, ``error`` and ``instance``. The agent-SDK
harness (``OpenHands/benchmarks`` ``benchmarks/utils/models.py``) adds ``attempt`` and
``runtime_runs``, and its ``history`` holds V1 SDK events (``kind``). After the SWE-bench
evaluation a record may carry ``test_result.report`` (``output.swebench_eval.jsonl``) or a
top-level ``report`` (``update_output_with_eval.py``), ``{"resolved": bool, "empty_generation",
...}``.

Every line is a trajectory ``<run_id>#<instance_id>`` (``-line<N>`` added when an instance
repeats). Its steps are those of its history, read as the ``openhands`` reader reads V0 events
(:class:`~tracesift.readers.openhands.EventStream`) or as ``openhands_sdk`` reads V1 ones
(:class:`~tracesift.readers.openhands_sdk.Events`, tokens and latency from the record's SDK
``metrics``). ``task``: ``instruction``, else the first user message. ``outcome``: success or
failure only where ``report.resolved`` says so, or a SWE-bench report beside the file (``report.json``,
``results.json``, ``<name>.report.json``; see ``swebench_results``); else unknown (finishing is not
solving). ``error`` goes to ``labels`` (an ``error`` step when the history gave none), with the
instance id, attempt, report, whether the patch is empty, agent class, model and accumulated cost.
A line cut off or not JSON is a problem naming its line; the other lines are read.
"""

from __future__ import annotations

import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import openhands, openhands_sdk, swebench_results
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

RECORD = re.compile(r'\s*\{\s*"instance_id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*,\s*(?:"attempt"\s*:\s*\d+\s*,\s*)?'
                    r'"test_result"\s*:')
"""The start of a record as ``model_dump_json`` writes it: ``instance_id`` first, then (V1) ``attempt``."""


def sniff(source: Input) -> float:
    """0.95 for a record starting as ``EvalOutput`` dumps; 0.9 for an object with its keys in another order."""
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("{"):
        return 0.0
    if RECORD.match(head):
        return 0.95
    keys = ('"instance_id"', '"test_result"', '"history"')
    return 0.9 if all(key in head for key in keys) else 0.0


def read(source: Input) -> Batch:
    records, problems = ac.parse_or_fail(source, _records, "no OpenHands evaluation records")
    table = ac.StepTable("openhands_eval", source.path)
    seen: set[str] = set()
    for number, record in records:
        inner = str(record["instance_id"])
        tid = ac.trajectory_id(source.rel, inner if inner not in seen else f"{inner}-line{number}")
        seen.add(inner)
        _record(table, tid, record, source, problems)
    return table.batch(problems)


def _records(text: str, problems: list[Problem]) -> list[tuple[int, dict]]:
    """(line, record) of every record: JSON lines, or one document (a record or a list of them)."""
    whole, lines = tj.document_or_lines(text, problems)
    if lines is None:
        lines = list(enumerate(whole if isinstance(whole, list) else [whole], start=1))
    found = []
    for number, value in lines:
        if isinstance(value, dict) and value.get("instance_id") not in (None, ""):
            found.append((number, value))
        else:
            problems.append(Problem("not an evaluation record (no instance_id): skipped", number))
    return found


def _record(table: ac.StepTable, tid: str, record: dict, source: Input, problems: list[Problem]) -> None:
    events = history(record)
    first = len(table)
    metrics = record.get("metrics") if isinstance(record.get("metrics"), dict) else {}
    if is_sdk(events):
        openhands_sdk.Events(table, tid, problems, usage=openhands_sdk.usage_by_response([metrics])).read(events)
        task = openhands_sdk.task(events)
    else:
        openhands.EventStream(table, tid, problems).read(events)
        task = openhands.task(events)
    if len(table) == first and record.get("error"):
        table.add(tid, "error", role="environment", content=str(record["error"]), is_error=True)
    labels = _labels(record, metrics)
    verdict = _verdict(record, source, problems, labels)
    outcome = "unknown" if verdict is None else "success" if verdict else "failure"
    table.trajectory(tid, task=ac.content_text(record.get("instruction")) or task, outcome=outcome, labels=labels)


def history(record: dict) -> list:
    """The record's events; ``[action, observation]`` pairs of older records flattened."""
    found = record.get("history") if isinstance(record.get("history"), list) else []
    flat: list = []
    for item in found:
        flat.extend(item if isinstance(item, list) else [item])
    return flat


def is_sdk(events: list) -> bool:
    """V1 SDK events carry ``kind``; V0 events ``action`` or ``observation``."""
    for event in events:
        if isinstance(event, dict) and ("action" in event or "observation" in event or "kind" in event):
            return "kind" in event and not isinstance(event.get("action"), str) and \
                not isinstance(event.get("observation"), str)
    return False


def _report(record: dict) -> dict:
    result = record.get("test_result") if isinstance(record.get("test_result"), dict) else {}
    for report in (result.get("report"), record.get("report")):
        if isinstance(report, dict) and isinstance(report.get("resolved"), bool):
            return report
    return {}


def _verdict(record: dict, source: Input, problems: list[Problem], labels: dict) -> bool | None:
    """``report.resolved`` of the record, else of a SWE-bench report beside the file (its name in ``labels``)."""
    report = _report(record)
    if report:
        return report["resolved"]
    names = (f"{source.path.stem}.report.json", *swebench_results.RESULT_FILES)
    found = swebench_results.verdict(source.path, [str(record["instance_id"])], problems, names=names)
    if found is None:
        return None
    labels["verdict_file"] = found.file
    return found.resolved


def _labels(record: dict, metrics: dict) -> dict:
    result = record.get("test_result") if isinstance(record.get("test_result"), dict) else {}
    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    llm = metadata.get("llm_config") or metadata.get("llm")
    patch = result.get("git_patch")
    labels: dict[str, Any] = {
        "instance_id": record.get("instance_id"), "attempt": record.get("attempt"), "error": record.get("error"),
        "report": _report(record) or None, "agent_class": metadata.get("agent_class"),
        "model": llm.get("model") if isinstance(llm, dict) else None,
        "empty_patch": not patch.strip() if isinstance(patch, str) else None,
        "accumulated_cost": ac.as_float(metrics.get("accumulated_cost")),
    }
    return {k: v for k, v in labels.items() if v is not None}


READER = Reader(
    name="openhands_eval",
    description="OpenHands evaluation output.jsonl (EvalOutput records: instance_id, history, test_result, metrics)",
    example="evaluation/evaluation_outputs/outputs/<dataset>/CodeActAgent/<model>_maxiter_100/output.jsonl",
    sniff=sniff,
    read=read,
)
