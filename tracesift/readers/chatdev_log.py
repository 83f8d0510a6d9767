"""ChatDev project logs (``WareHouse/<project>_<org>_<YYYYmmddHHMMSS>/<...>.log``), as ChatDev 1.x writes them.

ChatDev logs through Python ``logging`` (``format='[%(asctime)s %(levelname)s] %(message)s'``,
``datefmt='%Y-%d-%m %H:%M:%S'``: the day comes before the month). A record is its header line and
every line up to the next header. One file is one trajectory; steps are 0-based in record order.
Two text layouts are read, both sniffed by content:

* the markdown layout of ``log_visualize`` (ChatDev from August 2023 on): ``Role: **[Start Chat]**``
  opens a phase's chat, ``Role: **A<->B on : Phase, turn N**`` is a turn (``A`` the phase's assistant
  role, ``B`` its user role), ``**[...]**`` markers for the rest;
* the console layout of the first versions (June and July 2023): ``[N] AI Assistant (Role):`` and
  ``AI User (Role):`` turns in ANSI colours, ``PhaseType: PhaseType.X`` phases.

Steps: a ``System: **[chatting]**`` table (or a ``PhaseType`` line) opens a phase: a ``message``
(agent ``System``, role ``system``) whose ``span_id`` is ``phase-<n>`` and whose ``arguments`` hold the
phase, its two roles and, from ``**[Execute Detail]**``, the composed phase and cycle. Each chat
message is a ``message`` step in its phase (``parent_span_id``): ``agent`` the speaking role, ``role``
``user`` or ``assistant`` as ChatDev casts it, ``arguments`` ``{"to": <the other role>, "phase",
"turn"}``; the receiver's system prompt that ChatDev echoes in brackets before each message is left
out (the phase table keeps the role prompts). ``**[OpenAI_Usage_Info Receive]**`` tokens (and
``cost``) go on the next turn, the reply they paid for. ``**[Seminar Conclusion]**`` is a ``System``
message; ``**[Update Codes]**`` a ``tool_call`` (tool ``update_codes``, ``arguments`` the file,
``content`` the diff) by the last speaker; ``**[Test Reports]**`` a ``tool_result`` (tool ``test``),
an error unless it says the software ran without errors; ``**[CMD Execute]**`` a ``tool_call``
(tool ``shell``); ``**[Test Info]**`` and the Test Engineer's "found ModuleNotFoundError" reports
are messages of their role. WARNING and ERROR records and the OpenAI client's ``error_code=`` lines
are ``error`` steps (a retry warning repeating the line before it is not a second one). Not steps:
``[RolePlaying]`` tables (the phase table's roles again), ``[OpenAI_Usage_Info Send]``, ``[Rewrite
Codes]``, ``[Software Info]`` snapshots, the visualizer's "flask app.py did not start" lines and
successful HTTP request lines; any other record is a ``System`` message.

The task is the ``[Preprocessing]`` ``task_prompt`` (else the first phase table's, or the console
layout's ``Task prompt:``). The last Software Info summary (the ``[Post Info]`` one when the run
finished) goes to ``labels`` with ChatDev's names (``cost``, ``num_prompt_tokens``, ``num_utterances``,
``version_updates``, ``code_lines``, ...; ChatDev's ``-1`` "not known" values left out) and
``duration_s``; also ``project_name``, ``model_type``, ``started``/``ended`` (ChatDev's run ids),
``finished``, ``tests_passed`` (the last test report) and ``layout``. ChatDev judges no outcome:
``unknown``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

HEADER = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ?", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CRLF = re.compile(r"\r+\n")
_STAMP = r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO\] "
SNIFF = re.compile(_STAMP + r"(?:\*\*\[Preprocessing\]\*\*|System: \*\*\[chatting\]\*\*"
                   r"|[A-Z][\w .'-]*: \*\*(?:\[Start Chat\]|[^*\n]+<->[^*\n]+ on : ))"
                   r"|" + _STAMP + r"(?:\x1b\[\d+m)?(?:\[\d+\] )?AI (?:Assistant|User) \([^)\n]+\)(?: sys message)?:$",
                   re.MULTILINE)
TURN = re.compile(r"(?P<who>[^\n:*]+?): \*\*(?P<a>[^\n*]+?)<->(?P<b>[^\n*]+?) on : (?P<phase>[^\n*,]+), "
                  r"turn (?P<turn>\d+)\*\*")
MARKED = re.compile(r"(?:(?P<who>[^\n:*]+?): )?\*\*\[(?P<marker>[^\]\n]+)\]\*\*:?")
REPORTED = re.compile(r"(?P<who>[A-Z][\w ]*?) (?P<verb>found|resolve) \w+(?: by)?:\n")
CONSOLE_TURN = re.compile(r"(?:\[(?P<turn>\d+)\] )?AI (?P<side>Assistant|User) \((?P<who>[^)\n]+)\)"
                          r"(?P<rest>:| sys message:| terminated the chat\.)")
SAID = re.compile(r"(?P<who>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,4}): ")
"""``log_visualize(role, content)`` of a message outside a phase's chat (the prompt improver's answer)."""
PHASE_TYPE = re.compile(r"PhaseType: PhaseType\.(\w+)")
HTTP = re.compile(r'HTTP Request: \w+ \S+ "HTTP/[\d.]+ (\d{3})')
TABLE_ROW = re.compile(r"^\| \*\*(\w+)\*\* \| (.*) \|$", re.MULTILINE)
DETAIL = re.compile(r"execute SimplePhase:\[(\w+)\] in ComposedPhase:\[(\w+)\], cycle (\d+)")
TOKENS = re.compile(r"^(prompt_tokens|completion_tokens|cost): \$?(-?[\d.]+)", re.MULTILINE)
INFO_VALUE = re.compile(r"\*\*(\w+)\*\*=\$?(-?[\d.]+)|(?<![*\w])(\w+): (-?[\d.]+)")
RUN_ID = re.compile(r"(?:ChatDev|AgentTech) (Starts|Ends)\*{0,2} \((\d{14})\)")
ERROR_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
NOISE = ("flask app.py did not start", "ChatDevConfig", "Log File:", "log_filename:", "args: Namespace(")
SKIPPED = {"RolePlaying", "OpenAI_Usage_Info Send", "Rewrite Codes"}
SUCCESS = "The software run successfully without errors."
SYSTEM = "System"


def sniff(source: Input) -> float:
    head = source.text_prefix()
    return 0.95 if head is not None and "INFO] " in head and SNIFF.search(head) else 0.0


@dataclass
class _Record:
    line: int
    when: float | None
    level: str
    text: str


@dataclass
class _Phase:
    name: str
    span: str
    assistant: str | None = None
    user: str | None = None


def read(source: Input) -> Batch:
    records, problems = ac.parse_or_fail(source, _records, "no '[YYYY-DD-MM HH:MM:SS INFO]' records: not a ChatDev log")
    table = ac.StepTable("chatdev_log", source.path)
    tid = ac.trajectory_id(source.rel)
    walk = _Walk(table, tid)
    for record in records:
        walk.record(record)
    if not table.count(tid):
        raise ValueError("no ChatDev chat, phase or test record in the log")
    table.trajectory(tid, task=walk.task, outcome="unknown", labels=walk.labels())
    return table.batch(problems)


def _records(text: str, problems: list[Problem]) -> list[_Record]:
    text = CRLF.sub("\n", text)  # logs written on Windows
    tj.note_unfinished_line(text, problems)
    headers = list(HEADER.finditer(text))
    if headers and text[:headers[0].start()].strip():
        problems.append(Problem("text before the first log record: skipped", 1))
    records, line, position = [], 1, 0
    for index, header in enumerate(headers):
        line += text.count("\n", position, header.start())
        position = header.start()
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        body = ANSI.sub("", text[header.end():end]).rstrip()
        records.append(_Record(line, _when(header.group(1)), header.group(2), body))
    return records


def _when(stamp: str) -> float | None:
    """Seconds since the epoch of ChatDev's ``%Y-%d-%m %H:%M:%S`` (read as UTC, like every naive time)."""
    for layout in ("%Y-%d-%m %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(stamp, layout).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    return None


@dataclass
class _Walk:
    """Turns the records of one log into steps, keeping the open phase and the usage not yet placed."""

    table: ac.StepTable
    tid: str
    phase: _Phase | None = None
    phases: int = 0
    usage: dict = field(default_factory=dict)
    detail: tuple[str, str, int] | None = None
    speaker: str | None = None
    task: str | None = None
    facts: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    last_error: str | None = None

    def add(self, kind: str, agent: str | None, role: str, record: _Record, **columns) -> int:
        parent = self.phase.span if self.phase is not None and "span_id" not in columns else None
        self.last_error = columns.get("content") if kind == "error" else None
        return self.table.add(self.tid, kind, agent=agent, role=role, timestamp=record.when,
                              parent_span_id=parent, **columns)

    def record(self, record: _Record) -> None:
        text = record.text
        if record.level in ERROR_LEVELS or text.startswith("error_code="):
            self.error(record)
        elif text.startswith(NOISE):
            return
        elif text.startswith("[OpenAI_Usage_Info]"):
            self.usage_info(record, None, text)
        elif match := TURN.match(text):
            self.facts.setdefault("layout", "markdown")
            self.turn(record, match)
        elif match := MARKED.match(text):
            self.facts.setdefault("layout", "markdown")
            self.marked(record, match)
        elif match := CONSOLE_TURN.match(text):
            self.facts.setdefault("layout", "console")
            self.console_turn(record, match)
        elif match := PHASE_TYPE.match(text):
            self.facts.setdefault("layout", "console")
            self.open_phase(record, match.group(1), {}, text)
        elif match := REPORTED.match(text):
            role = "user" if match["verb"] == "found" else "assistant"
            self.add("message", match["who"], role, record, content=text)
        else:
            self.other(record)

    def error(self, record: _Record) -> None:
        if record.level == "WARNING" and self.last_error is not None and record.text[:200] in self.last_error:
            return  # the retry warning repeating the client's error line
        self.add("error", SYSTEM, "system", record, content=record.text, is_error=True)

    def other(self, record: _Record) -> None:
        text = record.text
        if text.startswith("Software Info:"):
            self.summary = _info(text)
        elif text.startswith("Task prompt:"):
            self.task = self.task or text.partition("\n")[2].strip() or None
        elif found := RUN_ID.match(text):
            self.facts["started" if found.group(1) == "Starts" else "ended"] = found.group(2)
        elif http := HTTP.match(text):
            if int(http.group(1)) >= 400:
                self.add("error", SYSTEM, "system", record, content=text, is_error=True)
        elif (said := SAID.match(text)) and said["who"] != SYSTEM:
            self.say(record, said["who"], "assistant", None, None, None, text[said.end():])
        elif text:
            self.add("message", SYSTEM, "system", record, content=text)

    def turn(self, record: _Record, match: re.Match) -> None:
        who, first, second = (match[k].strip() for k in ("who", "a", "b"))
        self.say(record, who, "assistant" if who == first else "user", second if who == first else first,
                 match["phase"].strip(), int(match["turn"]), record.text[match.end():])

    def say(self, record: _Record, who: str, role: str, to: str | None, phase: str | None, turn: int | None,
            body: str, paid: bool = True) -> None:
        """A chat message; ``paid``: the reply to an LLM call, which takes the usage logged since the last one."""
        arguments = {k: v for k, v in (("to", to), ("phase", phase), ("turn", turn)) if v is not None}
        step = len(self.table)
        self.add("message", who, role, record, arguments=arguments or None, content=_without_echo(body))
        if paid and self.usage:
            self.table.meter(step, *(self.usage.get(k) for k in ("prompt_tokens", "completion_tokens", "cost")))
            self.usage = {}
        self.speaker = who

    def marked(self, record: _Record, match: re.Match) -> None:
        marker, who = match["marker"].strip(), (match["who"] or "").strip() or None
        body = record.text[match.end():].strip()
        handler = MARKERS.get(marker)
        if handler is not None:
            handler(self, record, who, body)
        elif marker not in SKIPPED:
            self.add("message", who or SYSTEM, "system", record, content=record.text)

    def start_chat(self, record: _Record, who: str | None, body: str) -> None:
        phase = self.phase
        self.say(record, who or SYSTEM, "user", phase.assistant if phase else None, phase.name if phase else None,
                 None, body, paid=False)

    def chatting(self, record: _Record, who: str | None, body: str) -> None:
        rows = dict(TABLE_ROW.findall(body))
        self.task = self.task or rows.get("task_prompt") or None
        model = rows.get("model_type", "").removeprefix("ModelType.")
        if model:
            self.facts.setdefault("model_type", model)
        self.open_phase(record, rows.get("phase_name") or "chatting", rows, record.text)

    def open_phase(self, record: _Record, name: str, rows: dict, content: str) -> None:
        self.phases += 1
        self.phase = _Phase(name, f"phase-{self.phases}", rows.get("assistant_role_name"), rows.get("user_role_name"))
        arguments = {"phase": name, "assistant": self.phase.assistant, "user": self.phase.user}
        if self.detail is not None and self.detail[0] == name:
            arguments.update(composed_phase=self.detail[1], cycle=self.detail[2])
        self.detail = None
        self.add("message", SYSTEM, "system", record, content=content, span_id=self.phase.span,
                 arguments={k: v for k, v in arguments.items() if v is not None})

    def console_turn(self, record: _Record, match: re.Match) -> None:
        who, side, rest = match["who"].strip(), match["side"], match["rest"]
        if self.phase is not None and rest == " sys message:":
            setattr(self.phase, side.lower(), who)
        elif rest == ":":
            phase = self.phase
            to = (phase.user if side == "Assistant" else phase.assistant) if phase else None
            turn = int(match["turn"]) if match["turn"] else None
            self.say(record, who, side.lower(), to, phase.name if phase else None, turn,
                     record.text[match.end():], paid=turn is not None)  # the opening message is not a reply

    def usage_info(self, record: _Record, who: str | None, body: str) -> None:
        for key, value in TOKENS.findall(body):
            number = ac.as_float(value) if key == "cost" else ac.as_int(value)
            if number is not None:
                self.usage[key] = self.usage.get(key, 0) + number

    def update_codes(self, record: _Record, who: str | None, body: str) -> None:
        name, _, diff = body.partition("\n")
        self.add("tool_call", self.speaker or SYSTEM, "assistant", record, tool="update_codes",
                 arguments=name.removesuffix(" updated.").strip() or None, content=diff.strip() or None)

    def test_reports(self, record: _Record, who: str | None, body: str) -> None:
        passed = body.startswith(SUCCESS)
        self.facts["tests_passed"] = passed
        self.add("tool_result", SYSTEM, "tool", record, tool="test", content=body, is_error=not passed)

    def test_info(self, record: _Record, who: str | None, body: str) -> None:
        said = CONSOLE_TURN.match(body)
        agent = said["who"].strip() if said else who or SYSTEM
        self.add("message", agent, "user", record, content=body[said.end():].strip() if said else body)

    def cmd_execute(self, record: _Record, who: str | None, body: str) -> None:
        self.add("tool_call", SYSTEM, "system", record, tool="shell", arguments=body.removeprefix("[CMD]").strip())

    def conclusion(self, record: _Record, who: str | None, body: str) -> None:
        self.add("message", SYSTEM, "system", record, content=body,
                 arguments={"phase": self.phase.name} if self.phase else None)

    def execute_detail(self, record: _Record, who: str | None, body: str) -> None:
        found = DETAIL.search(body)
        self.phase = None  # the next phase starts: records before its table belong to no chat
        self.detail = (found.group(1), found.group(2), int(found.group(3))) if found else None

    def software_info(self, record: _Record, who: str | None, body: str) -> None:
        self.summary = _info(body)
        for found in RUN_ID.finditer(body):
            self.facts["started" if found.group(1) == "Starts" else "ended"] = found.group(2)

    def preprocessing(self, record: _Record, who: str | None, body: str) -> None:
        task = re.search(r"\*\*task_prompt\*\*: (.*?)(?:\n\n\*\*\w+\*\*|\Z)", body, re.DOTALL)
        project = re.search(r"\*\*project_name\*\*: (.*)", body)
        if task and task.group(1).strip():
            self.task = task.group(1).strip()
        if project:
            self.facts["project_name"] = project.group(1).strip()
        for found in RUN_ID.finditer(body):
            self.facts["started"] = found.group(2)

    def human(self, record: _Record, who: str | None, body: str) -> None:
        self.add("message", "Human", "user", record, content=body)

    def labels(self) -> dict:
        return {**self.facts, "finished": "ended" in self.facts, **self.summary}


def _info(text: str) -> dict:
    """ChatDev's Software Info numbers (``**cost**=$0.04``, or ``code_lines: 80`` in the console layout)."""
    values: dict = {}
    for bold, bold_value, plain, plain_value in INFO_VALUE.findall(text):
        name, value = (bold, bold_value) if bold else (plain, plain_value)
        number = ac.as_float(value)
        if number is None or number == -1:
            continue
        name = "duration_s" if name == "duration" else name
        values[name] = number if name in ("cost", "duration_s") or not number.is_integer() else int(number)
    return values


def _without_echo(body: str) -> str | None:
    """A chat message without the receiver's system prompt that ChatDev logs before it in brackets."""
    text = body.strip()
    if text.startswith("["):
        end = text.find("]\n\n")
        if end > 0:
            text = text[end + 3:].strip()
    return text or None


MARKERS = {
    "Start Chat": _Walk.start_chat, "chatting": _Walk.chatting, "OpenAI_Usage_Info Receive": _Walk.usage_info,
    "Update Codes": _Walk.update_codes, "Test Reports": _Walk.test_reports, "Test Info": _Walk.test_info,
    "CMD Execute": _Walk.cmd_execute, "Seminar Conclusion": _Walk.conclusion, "Execute Detail": _Walk.execute_detail,
    "Software Info": _Walk.software_info, "Post Info": _Walk.software_info, "Preprocessing": _Walk.preprocessing,
    "User Provided Comments": _Walk.human,
}
"""What each ``**[marker]**`` record is; markers not here (and not ``SKIPPED``) are ``System`` messages."""


READER = Reader(
    name="chatdev_log",
    description="ChatDev multi-agent logs (WareHouse/<project>_<org>_<time>/*.log), two text layouts: log_visualize "
                "markdown ('Role: **[Start Chat]**', 'A<->B on : Phase, turn N') and the early console one "
                "('[N] AI Assistant (Role):'): turns per phase with addressee, code updates, test reports, "
                "Software Info in labels",
    example="WareHouse/Gomoku_DefaultOrganization_20231026174838/Gomoku_DefaultOrganization_20231026174838.log",
    sniff=sniff,
    read=read,
)
