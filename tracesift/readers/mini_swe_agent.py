"""mini-swe-agent trajectories (``*.traj.json``, ``trajectory_format: mini-swe-agent-1``).

One JSON object, as ``minisweagent.run.utils.save.save_traj`` writes it: ``info``
(``exit_status``, ``submission``, ``model_stats`` with ``instance_cost`` and ``api_calls``,
``mini_version``, ``config``; a batch run adds ``instance_id``), ``messages`` (the chat) and,
last, ``trajectory_format``. Version 2 files (``mini-swe-agent-1.1``) are read the same way:
their messages carry ``extra`` (``actions``, ``returncode``, ``cost``) and end with an ``exit``
message.

Steps, 0-based in document order: the system prompt and the task (the first user message)
are ``message`` steps. Each assistant turn is a ``message`` step followed by one
``tool_call`` per bash action (tool ``bash``, ``arguments`` the command): the ```bash (or
```mswea_bash_command) fenced block of its text, or its ``extra.actions``. The observation
that answers it (``<returncode>N</returncode>`` and ``<output>...</output>``) is a
``tool_result`` whose ``content`` is the output, with ``exit_code`` N, ``is_error`` when N is
not 0 or an ``<exception>`` is reported; a command that timed out is an error with no exit
code. The format error the agent is sent after a turn with no action is an ``error`` step.
The closing message is ``final`` when the exit status is ``Submitted`` (its content is the
submission), else an ``error`` (``LimitsExceeded``, ``RepeatedFormatError``...).

``outcome`` is ``unknown``: ``Submitted`` says the agent stopped, not that the patch is right.
``labels`` keep ``exit_status``, ``model_stats``, ``mini_version``, ``instance_id`` and the
submission.
"""

from __future__ import annotations

import re
from typing import Any

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

AGENT = "mini-swe-agent"
FORMAT = re.compile(r'"trajectory_format"\s*:\s*"mini-swe-agent')
MINI_VERSION = re.compile(r'"mini_version"\s*:\s*"')
ACTION = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.DOTALL)
RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
OUTPUT = re.compile(r"<output>\n?(.*?)</output>", re.DOTALL)
TIMED_OUT = "timed out and has been killed"
TAIL_BYTES = 4096
LABEL_KEYS = ("exit_status", "model_stats", "mini_version", "instance_id", "submission")


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if head is None or not head.lstrip().startswith("{"):
        return 0.0
    if FORMAT.search(head):
        return 0.95
    if MINI_VERSION.search(head) and '"info"' in head and '"model_stats"' in head:
        return 0.9
    tail = _tail(source)
    return 0.95 if tail is not None and FORMAT.search(tail) else 0.0


def _tail(source: Input) -> str | None:
    """The file's last ``TAIL_BYTES`` as text, where ``trajectory_format`` is written; None if unreadable."""
    try:
        data = source.end(TAIL_BYTES)
    except OSError:
        return None
    return None if b"\x00" in data else data.decode("utf-8", errors="replace")


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    data = _load(tj.read_text(source, problems), problems)
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ValueError("no 'messages' list: not a mini-swe-agent trajectory")
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    table = ac.StepTable("mini_swe_agent", source.path)
    tid = ac.trajectory_id(source.rel)
    _Walk(table, tid, info.get("exit_status"), problems).messages(data["messages"])
    labels = {key: info[key] for key in LABEL_KEYS if info.get(key) not in (None, "")}
    if data.get("trajectory_format"):
        labels["trajectory_format"] = data["trajectory_format"]
    table.trajectory(tid, task=ac.first_user_text(data["messages"]), outcome="unknown", labels=labels)
    return table.batch(problems)


def _load(text: str, problems: list[Problem]) -> Any:
    """The document; a file cut off inside ``messages`` keeps its complete messages."""
    data, cut = tj.load_salvaging(text, "messages", "messages", problems)
    return {**data, "info": {}} if cut else data


class _Walk:
    """Turns the messages into steps, pairing each action with the observation that answers it."""

    def __init__(self, table: ac.StepTable, tid: str, exit_status: Any, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.exit_status = exit_status if isinstance(exit_status, str) else None
        self.pending: list[str] = []
        self.no_action: int | None = None
        self.seen_task = False

    def messages(self, messages: list) -> None:
        last = len(messages) - 1
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                self.problems.append(Problem(f"message {index} has no role: skipped", index))
                continue
            self.message(index, message, index == last)
        if self.no_action is not None:
            self._unanswered(self.no_action)

    def message(self, index: int, message: dict, is_last: bool) -> None:
        role, extra = message["role"], _extra(message)
        text = ac.content_text(message.get("content"))
        when = ac.epoch(message.get("timestamp", extra.get("timestamp")))
        if role == "assistant":
            self.assistant(index, message, text, when)
        elif role == "exit" or (is_last and self.exit_status and not _is_observation(text, extra)):
            self.closing(role, text, extra, when)
        elif role in ("user", "tool") and self.seen_task:
            self.reply(index, role, text, extra, when)
        else:
            self.seen_task = self.seen_task or role == "user"
            self.table.add(self.tid, "message", agent=AGENT, role=role, content=text, timestamp=when)

    def assistant(self, index: int, message: dict, text: str | None, when: float | None) -> None:
        if self.no_action is not None:
            self._unanswered(self.no_action)
        extra = _extra(message)
        first = self.table.add(self.tid, "message", agent=AGENT, role="assistant", content=text, timestamp=when)
        tokens_in, tokens_out = _usage(extra)
        self.table.meter(first, tokens_in, tokens_out, ac.as_float(extra.get("cost")))
        self.pending = _actions(text, extra)
        for command in self.pending:
            self.table.add(self.tid, "tool_call", agent=AGENT, role="assistant", tool="bash", arguments=command,
                           timestamp=when)
        self.no_action = None if self.pending else index

    def reply(self, index: int, role: str, text: str | None, extra: dict, when: float | None) -> None:
        common = {"agent": AGENT, "role": role, "timestamp": when}
        observation = _is_observation(text, extra)
        if self.no_action is not None and observation:
            self._unanswered(self.no_action)
        if self.no_action is not None:
            self.table.add(self.tid, "error", content=text, is_error=True, **common)  # the format error
            self.no_action = None
        elif self.pending and (observation or TIMED_OUT in (text or "")):
            self.pending.pop(0)
            code = _returncode(text, extra)
            failed = code is None or code != 0 or "<exception>" in (text or "") or bool(extra.get("exception_info"))
            self.table.add(self.tid, "tool_result", tool="bash", content=_output(text), exit_code=code,
                           is_error=failed, **common)
        elif observation:
            self.problems.append(Problem(f"message {index}: an observation with no action before it", index))
            self.table.add(self.tid, "tool_result", tool="bash", content=_output(text),
                           exit_code=_returncode(text, extra), **common)
        else:
            self.table.add(self.tid, "message", content=text, **common)

    def closing(self, role: str, text: str | None, extra: dict, when: float | None) -> None:
        status = extra.get("exit_status") or self.exit_status
        kind = "final" if status == "Submitted" else "error"
        self.table.add(self.tid, kind, agent=AGENT, role=role, tool="bash" if kind == "final" else None,
                       content=text or status, is_error=kind == "error", timestamp=when)
        self.pending, self.no_action = [], None

    def _unanswered(self, index: int) -> None:
        self.problems.append(Problem(f"message {index}: assistant turn with no parsable bash action "
                                     "and no format error after it", index))
        self.no_action = None


def _extra(message: dict) -> dict:
    extra = message.get("extra")
    return extra if isinstance(extra, dict) else {}


def _actions(text: str | None, extra: dict) -> list[str]:
    actions = extra.get("actions")
    if isinstance(actions, list) and actions:
        return [str(a.get("command")) for a in actions if isinstance(a, dict) and a.get("command") is not None]
    return [found.strip() for found in ACTION.findall(text or "")]


def _is_observation(text: str | None, extra: dict) -> bool:
    return "returncode" in extra or (text is not None and RETURNCODE.search(text) is not None)


def _returncode(text: str | None, extra: dict) -> int | None:
    if extra.get("returncode") is not None:
        return ac.as_int(extra["returncode"])
    found = RETURNCODE.search(text or "")
    return int(found.group(1)) if found else None


def _output(text: str | None) -> str | None:
    found = OUTPUT.search(text or "")
    return found.group(1) if found else text


def _usage(extra: dict) -> tuple[int | None, int | None]:
    response = extra.get("response")
    usage = response.get("usage") if isinstance(response, dict) else None
    if not isinstance(usage, dict):
        return None, None
    return ac.as_int(usage.get("prompt_tokens")), ac.as_int(usage.get("completion_tokens"))


READER = Reader(
    name="mini_swe_agent",
    description="mini-swe-agent .traj.json trajectories (info, messages with bash blocks and <returncode>)",
    example="trajectories/django__django-11099/django__django-11099.traj.json",
    sniff=sniff,
    read=read,
)
