"""Inspect AI evaluation logs: ``.eval`` zip archives and ``.json`` logs (without importing inspect_ai).

A ``.eval`` archive holds ``header.json`` (or, while running, ``_journal/start.json``)
and one ``samples/<id>_epoch_<n>.json`` per sample. Current Inspect compresses
members with zstd (method 93), which Python's ``zipfile`` cannot read before 3.14:
those are decompressed with pyarrow's zstd codec; stored and deflated members go
through ``zipfile``. A ``.json`` log is one object with ``eval`` and ``samples``.

Each sample is a trajectory ``<run_id>#<sample id>`` (``_epoch_<n>`` added after the
first epoch; the bare ``run_id`` when the log holds one sample). Its ``messages``
are the steps, 0-based in document order: system/user text → ``message``;
assistant reasoning → ``thought``, text → ``message`` (``final`` for the last
assistant text with no tool call after it), each tool call → ``tool_call``
(``arguments`` as JSON, ``span_id`` = call id); a ``tool`` message → ``tool_result``
(``is_error`` when it carries an ``error``, whose message becomes the content when
the result is empty). Model events give the k-th assistant message its tokens,
latency and timestamp; tool events give results their latency and timestamp, and
tool calls that ran but never reached ``messages`` (the sample hit a limit) still
get their result step. A sample ``limit`` or ``error`` ends the trajectory with an
``error`` step. ``outcome`` comes from the first score (``C``/1/true → success,
``I``/0/false → failure) or an error; ``labels`` keep scores, target, limit, error
and model usage, and ``tools`` the tool schemas its model events offered (the
malformed-call detector checks calls against them). A member that cannot be read is a
problem; the other samples are still returned. Members are decompressed as streams under a cap, whatever their
headers claim: one that inflates past ``MAX_MEMBER_BYTES`` (256 MB), or past what
is left of ``MAX_FILE_BYTES`` (1 GB) for the whole archive, is skipped and named.
Both are reader options: ``[readers.inspect_log] max_member_mb = 64``, ``max_file_mb``.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

NAME = "inspect_log"
ZIP_MAGIC = b"PK\x03\x04"
MB = 1 << 20
MAX_MEMBER_BYTES = 256 * MB
"""The most one archive member may inflate to; a larger one is skipped (option ``max_member_mb``)."""
MAX_FILE_BYTES = 1024 * MB
"""The most all members of one archive may inflate to together (option ``max_file_mb``)."""
CHUNK_BYTES = MB
ZSTD = 93
SUCCESS = {"C", "correct", "1", "1.0", "true", "True"}
FAILURE = {"I", "incorrect", "0", "0.0", "false", "False", "P"}


def sniff(source: Input) -> float:
    head = source.prefix()
    if head.startswith(ZIP_MAGIC):
        known = (b"_journal/start.json", b"header.json", b"samples/")
        return 0.95 if any(name in head[:4096] for name in known) else 0.0
    text = source.text_prefix()
    if text is None or not text.lstrip().startswith("{"):
        return 0.0
    markers = ('"eval"', '"version"', '"eval_id"', '"task"')
    return 0.9 if all(m in text for m in markers) else 0.0


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    problems: list[Problem] = []
    if source.prefix(4) == ZIP_MAGIC:
        header, samples = _from_archive(source, problems)
    else:
        header, samples = _from_json(source, problems)
    if not samples and problems:
        raise ValueError("no readable sample: " + "; ".join(p.error for p in problems[:3]))
    table = ac.StepTable("inspect_log", path)
    model = ((header.get("eval") or {}).get("model")) if isinstance(header, dict) else None
    for sample in samples:
        inner = None
        if len(samples) > 1:
            epoch = ac.as_int(sample.get("epoch")) or 1
            inner = f"{sample.get('id')}" + (f"_epoch_{epoch}" if epoch != 1 else "")
        _sample(table, ac.trajectory_id(run_id, inner), sample, model)
    return table.batch(problems)


def _from_json(source: Input, problems: list[Problem]) -> tuple[dict, list[dict]]:
    log = tj.load_json(tj.read_text(source, problems))
    if not isinstance(log, dict) or "eval" not in log:
        raise ValueError("no 'eval' object: not an Inspect AI log")
    samples = [s for s in log.get("samples") or [] if isinstance(s, dict)]
    return log, samples


@dataclass
class Inflation:
    """How far the members of one archive may inflate: each, and all together; and how far they have."""

    per_member: int = MAX_MEMBER_BYTES
    per_file: int = MAX_FILE_BYTES
    used: int = 0

    @classmethod
    def of(cls, source: Input) -> Inflation:
        """The caps of ``source``'s reader options (``max_member_mb``, ``max_file_mb``), else the defaults."""
        options = source.options.get(NAME)
        options = options if isinstance(options, Mapping) else {}
        return cls(_bytes(options.get("max_member_mb"), MAX_MEMBER_BYTES),
                   _bytes(options.get("max_file_mb"), MAX_FILE_BYTES))

    def limit(self) -> int:
        return max(0, min(self.per_member, self.per_file - self.used))

    def too_large(self) -> str:
        if self.per_file - self.used < self.per_member:
            return f"the archive inflates to more than {_mb(self.per_file)} MB in all: skipped"
        return f"too large when inflated (> {_mb(self.per_member)} MB): skipped"


def _bytes(megabytes: object, default: int) -> int:
    valid = isinstance(megabytes, (int, float)) and not isinstance(megabytes, bool) and megabytes > 0
    return int(megabytes * MB) if valid else default


def _mb(size: int) -> str:
    return f"{size / MB:g}"


def _from_archive(source: Input, problems: list[Problem]) -> tuple[dict, list[dict]]:
    path, inflation = source.path, Inflation.of(source)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"not a readable .eval zip archive: {exc}") from None
    with archive, open(path, "rb") as raw:
        names = archive.namelist()
        header: dict = {}
        for name in ("header.json", "_journal/start.json"):
            if name in names:
                header = _member(archive, raw, name, problems, inflation) or {}
                if header:
                    break
        samples = []
        for name in names:
            if name.startswith("samples/") and name.endswith(".json"):
                sample = _member(archive, raw, name, problems, inflation)
                if isinstance(sample, dict):
                    samples.append(sample)
    return header, samples


def _member(archive: zipfile.ZipFile, raw, name: str, problems: list[Problem], inflation: Inflation) -> Any:
    """A member's JSON, or None with a problem naming the member and what is wrong."""
    info = archive.getinfo(name)
    try:
        data = inflate(archive, raw, info, inflation.limit())
        if data is None:
            problems.append(Problem(f"archive member {name}: {inflation.too_large()}", info.header_offset))
            return None
        inflation.used += len(data)
        return json.loads(data.decode("utf-8"))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError) as exc:
        problems.append(Problem(f"archive member {name}: {_reason(exc)}: skipped", info.header_offset))
        return None


def inflate(archive: zipfile.ZipFile, raw, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A member's bytes, decompressed as a stream; None once they pass ``limit`` (whatever the header says)."""
    if info.file_size > limit:
        return None
    if info.compress_type != ZSTD:
        with archive.open(info) as stream:
            return _read_capped(stream, limit)
    data = _read_capped(_zstd_stream(raw, info), limit)
    if data is not None and zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile("CRC check failed")
    return data


def _zstd_stream(raw, info: zipfile.ZipInfo):
    import pyarrow as pa

    raw.seek(info.header_offset)
    local = raw.read(30)
    if len(local) < 30 or local[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile("bad local file header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    return pa.CompressedInputStream(pa.BufferReader(raw.read(info.compress_size)), "zstd")


def _read_capped(stream, limit: int) -> bytes | None:
    """All of ``stream``, read a chunk at a time; None as soon as it passes ``limit`` bytes."""
    import pyarrow as pa

    chunks, size = [], 0
    try:
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except (pa.ArrowException, OSError) as exc:
        raise zipfile.BadZipFile(f"data does not decompress ({exc})") from None
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 (invalid byte at offset {exc.start})"
    return f"{type(exc).__name__}: {exc}"


def _sample(table: ac.StepTable, tid: str, sample: dict, model: str | None) -> None:
    events = [e for e in sample.get("events") or [] if isinstance(e, dict)]
    model_events = [e for e in events if e.get("event") == "model"]
    tool_events = {e.get("id"): e for e in events if e.get("event") == "tool"}
    messages = [m for m in sample.get("messages") or [] if isinstance(m, dict)]
    final_index = _final_index(messages)
    answered: set = set()
    assistant_turn = 0
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "assistant":
            event = model_events[assistant_turn] if assistant_turn < len(model_events) else {}
            assistant_turn += 1
            _assistant(table, tid, message, event, model, index == final_index)
        elif role == "tool":
            answered.add(message.get("tool_call_id"))
            _tool_result(table, tid, message, tool_events.get(message.get("tool_call_id")) or {})
        else:
            table.add(tid, "message", role=role, agent=role, content=ac.content_text(message.get("content")))
    for call_id, event in tool_events.items():
        if call_id not in answered:
            _tool_result(table, tid, {"tool_call_id": call_id, "function": event.get("function"),
                                      "content": event.get("result"), "error": event.get("error")}, event)
    _ending(table, tid, sample)
    table.trajectory(tid, task=ac.content_text(sample.get("input")), outcome=_outcome(sample),
                     labels=_labels(sample))


def _assistant(table: ac.StepTable, tid: str, message: dict, event: dict, model: str | None,
               is_final: bool) -> None:
    output = event.get("output") if isinstance(event.get("output"), dict) else {}
    usage = output.get("usage") or {}
    common = {"role": "assistant", "agent": message.get("model") or model,
              "timestamp": ac.epoch(event.get("timestamp"))}
    metered = {"tokens_in": ac.as_int(usage.get("input_tokens")), "tokens_out": ac.as_int(usage.get("output_tokens")),
               "latency_s": ac.as_float(output.get("time") or event.get("working_time"))}
    start = len(table)
    content = message.get("content")
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "reasoning":
            table.add(tid, "thought", content=block.get("reasoning") or block.get("summary"), **common)
        else:
            text = ac.content_text(block)
            if text:
                table.add(tid, "final" if is_final else "message", content=text, **common)
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict):
            table.add(tid, "tool_call", tool=call.get("function"), arguments=ac.json_text(call.get("arguments")),
                      span_id=call.get("id"), is_error=bool(call.get("parse_error")), **common)
    table.meter(start, **metered)


def _tool_result(table: ac.StepTable, tid: str, message: dict, event: dict) -> None:
    error = message.get("error")
    text = ac.content_text(message.get("content"))
    if error and not text:
        text = error.get("message") if isinstance(error, dict) else str(error)
    table.add(tid, "tool_result", role="tool", agent="tool", tool=message.get("function"), content=text,
              is_error=bool(error), parent_span_id=message.get("tool_call_id"),
              timestamp=ac.epoch(event.get("timestamp")), latency_s=ac.as_float(event.get("working_time")))


def _ending(table: ac.StepTable, tid: str, sample: dict) -> None:
    limit, error = sample.get("limit"), sample.get("error")
    if isinstance(limit, dict):
        table.add(tid, "error", role="system", agent="inspect", is_error=True,
                  content=limit.get("reason") or f"{limit.get('type')} limit {limit.get('limit')} exceeded")
    if error:
        text = error.get("message") if isinstance(error, dict) else str(error)
        table.add(tid, "error", role="system", agent="inspect", is_error=True, content=text)


def _final_index(messages: list[dict]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "assistant":
            return -1 if messages[index].get("tool_calls") else index
        if messages[index].get("role") == "tool":
            return -1
    return -1


def _outcome(sample: dict) -> str:
    if sample.get("error"):
        return "failure"
    scores = sample.get("scores") or {}
    for score in scores.values():
        value = score.get("value") if isinstance(score, dict) else score
        value = str(value)
        if value in SUCCESS:
            return "success"
        if value in FAILURE:
            return "failure"
        break
    return "unknown"


def _labels(sample: dict) -> dict:
    keys = ("scores", "target", "limit", "error", "model_usage", "epoch", "id")
    labels = {k: sample[k] for k in keys if sample.get(k) not in (None, {}, [])}
    tools = _tool_schemas(sample)
    return labels | {"tools": tools} if tools else labels


def _tool_schemas(sample: dict) -> list[dict]:
    """The tools the model was offered (each model event's ``tools``: name, description, parameters), by name."""
    found: dict[str, dict] = {}
    for event in sample.get("events") or ():
        if isinstance(event, dict) and event.get("event") == "model":
            for tool in event.get("tools") or ():
                if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                    found.setdefault(tool["name"], {k: tool[k] for k in ("name", "parameters") if k in tool})
    return list(found.values())


READER = Reader(
    name=NAME,
    description="Inspect AI eval logs (.eval zip archives, zstd or deflate; .json logs): one trajectory per sample",
    example="logs/2025-01-01T00-00-00_task_abc.eval",
    sniff=sniff,
    read=read,
)
