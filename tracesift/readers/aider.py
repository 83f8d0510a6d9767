"""Aider chat history (``.aider.chat.history.md``), as aider's ``InputOutput`` appends to it.

Markdown, appended to by every aider run in a repository: ``# aider chat started at <time>``
opens a session (each session one trajectory, ``<file>#<n>``, 1-based), ``#### `` lines are what
the user typed (one ``####`` line per input line), ``> `` lines are aider's own output (start-up
banner, "Applied edit to <file>", lint results, "failed to match" errors, confirmations), and the
rest is the assistant's reply in markdown.

Steps, 0-based in document order: the start-up banner is a ``message`` (role ``system``). A user
input is a ``message``, or a ``tool_call`` when it is ``/run <cmd>``, ``!<cmd>``, ``/test <cmd>``
or ``/lint`` (tool ``run``, ``test`` or ``lint``, ``arguments`` the command). A reply is a
``message``, then one ``tool_call`` (tool ``edit``, ``arguments`` the file) per SEARCH/REPLACE
block. Quoted output becomes ``tool_result`` steps: "Applied edit to <file>" (success), a
"SEARCH/REPLACE block failed to match" report (error), lint output (error: aider only shows
lint that found something) and the output of the pending command. A ``/test`` whose output
aider adds to the chat ("Added N lines of output") exited non-zero, so it is an error; other
command output is an error when it shows a traceback or a shell error. Other quoted text is a
``message`` (role ``tool``), or an ``error`` step when it looks like one. No exit codes: aider
does not write them. ``outcome`` is ``unknown``; ``labels.started_at`` keeps the header time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracesift.readers import agent_common as ac
from tracesift.readers import tolerant_json as tj
from tracesift.readers.base import Batch, Input, Problem, Reader

AGENT = "aider"
HEADER = re.compile(r"^# aider chat started at (\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)\s*$", re.MULTILINE)
BANNER = re.compile(r"^> Aider v\d+\.\d+", re.MULTILINE)
USER = re.compile(r"^#### ?(.*)$", re.MULTILINE)
COMMAND = re.compile(r"^(?:/(run|test|lint)\b\s*|(!))(.*)$", re.DOTALL)
APPLIED = re.compile(r"^Applied edit to (.+)$")
NO_MATCH = re.compile(r"^# \d+ SEARCH/REPLACE blocks? failed to match")
LINT = ("# Fix any errors below", "## Running:")
ADDED = re.compile(r"^Added \d+ lines? of output to the chat\.$")
CONFIRM = re.compile(r"\? \(Y\)es/\(N\)o.*: \w*$")
SEARCH, DIVIDER, REPLACE = re.compile(r"^<{5,9} SEARCH"), re.compile(r"^={5,9}\s*$"), re.compile(r"^>{5,9} REPLACE")
FENCE = re.compile(r"^(```|~~~)")


def sniff(source: Input) -> float:
    head = source.text_prefix()
    if not head:
        return 0.0
    if head.find("# aider chat started at", 0, 4096) >= 0 and HEADER.search(head, 0, 4096):  # the substring first
        return 0.95
    return 0.9 if "> Aider v" in head and BANNER.search(head) and USER.search(head) else 0.0


@dataclass
class _Block:
    """Consecutive lines of one sort: ``user`` (####), ``quote`` (>) or ``reply``; ``line`` 1-based."""

    sort: str
    line: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Session:
    started_at: str | None
    line: int
    blocks: list[_Block] = field(default_factory=list)


def read(source: Input) -> Batch:
    problems: list[Problem] = []
    text = tj.read_text(source, problems)
    sessions = _sessions(text, problems)
    tj.note_unfinished_line(text, problems)
    if not sessions:
        raise ValueError("no '# aider chat started at' header and no turns: not an aider chat history")
    table = ac.StepTable("aider", source.path)
    for number, session in enumerate(sessions, start=1):
        tid = ac.trajectory_id(source.rel, number)
        task = _Walk(table, tid, problems).session(session)
        labels = {"started_at": session.started_at} if session.started_at else None
        table.trajectory(tid, task=task, outcome="unknown", labels=labels)
    return table.batch(problems)


def _sessions(text: str, problems: list[Problem]) -> list[_Session]:
    sessions: list[_Session] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        header = HEADER.match(line)
        if header:
            sessions.append(_Session(header.group(1), number))
            continue
        if not sessions:
            if not line:
                continue
            problems.append(Problem("text before the first '# aider chat started at' header: read as a session",
                                    number))
            sessions.append(_Session(None, number))
        _append(sessions[-1], line, number)
    return sessions


def _sort(line: str) -> str:
    if line.startswith("####"):
        return "user"
    return "quote" if line == ">" or (line.startswith("> ") and not REPLACE.match(line)) else "reply"


def _append(session: _Session, line: str, number: int) -> None:
    """Add a line to the session's last block when it continues it, else start a block."""
    blocks, sort = session.blocks, _sort(line)
    if sort == "user":
        line = USER.match(line).group(1)
    elif sort == "quote":
        line = line[2:]
    last = blocks[-1] if blocks else None
    if last is not None and last.sort == sort and (sort == "reply" or last.line + len(last.lines) == number):
        last.lines.append(line)
    elif line or sort == "quote":
        blocks.append(_Block(sort, number, [line]))


class _Walk:
    """Turns one session's blocks into steps, pairing calls with the quoted results that answer them."""

    def __init__(self, table: ac.StepTable, tid: str, problems: list[Problem]) -> None:
        self.table, self.tid, self.problems = table, tid, problems
        self.edits: list[str] = []
        self.command: str | None = None
        self.task: str | None = None
        self.talked = False

    def session(self, session: _Session) -> str | None:
        for block in session.blocks:
            getattr(self, block.sort)(block)
        return self.task

    def add(self, kind: str, role: str, **columns) -> None:
        self.table.add(self.tid, kind, agent=AGENT, role=role, **columns)

    def user(self, block: _Block) -> None:
        self.talked = True
        text = "\n".join(block.lines).strip()
        command = COMMAND.match(text)
        if command:
            self.command = command.group(1) or "run"
            self.add("tool_call", "user", tool=self.command, arguments=command.group(3).strip() or None)
            return
        self.command = None
        if self.task is None and not text.startswith("/"):
            self.task = text
        self.add("message", "user", content=text)

    def reply(self, block: _Block) -> None:
        text = "\n".join(block.lines).strip()
        if not text:
            return
        self.talked, self.command = True, None
        self.add("message", "assistant", content=text)
        self.edits = edit_paths(block.lines, block.line, self.problems)
        for path in self.edits:
            self.add("tool_call", "assistant", tool="edit", arguments=path)

    def quote(self, block: _Block) -> None:
        if not self.talked:
            self.add("message", "system", content="\n".join(block.lines))
            return
        for piece in _pieces(block.lines):
            self.piece(piece)

    def piece(self, lines: list[str]) -> None:
        text = "\n".join(lines).strip()
        applied = APPLIED.match(text)
        if applied:
            if applied.group(1) in self.edits:
                self.edits.remove(applied.group(1))
            self.add("tool_result", "tool", tool="edit", content=text)
        elif NO_MATCH.match(text):
            self.edits = []
            self.add("tool_result", "tool", tool="edit", content=text, is_error=True)
        elif text.startswith(LINT):
            self.add("tool_result", "tool", tool="lint", content=text, is_error=True)
        elif CONFIRM.search(text):
            self.add("message", "user", content=text)
        elif self.command is not None:
            failed = ac.looks_like_error(text) or (self.command == "test" and ADDED.match(text) is not None)
            self.add("tool_result", "tool", tool=self.command, content=text, is_error=failed)
            self.command = None
        else:
            error = ac.looks_like_error(text)
            self.add("error" if error else "message", "tool", content=text, is_error=error)


def _pieces(lines: list[str]) -> list[list[str]]:
    """Quoted lines split where a new kind of output starts (an applied edit, lint, a report, a question)."""
    pieces: list[list[str]] = []
    for line in lines:
        starts = (APPLIED.match(line) or NO_MATCH.match(line) or line.startswith(LINT[0])
                  or CONFIRM.search(line) or (pieces and (APPLIED.match(pieces[-1][0]) or CONFIRM.search(pieces[-1][-1]))))
        if starts or not pieces:
            pieces.append([line])
        else:
            pieces[-1].append(line)
    return pieces


def edit_paths(lines: list[str], first_line: int, problems: list[Problem]) -> list[str]:
    """The file of every SEARCH/REPLACE block in a reply (whose first line is number ``first_line``): the last
    non-fence line before ``<<<<<<< SEARCH``. A block left open is a problem."""
    paths: list[str] = []
    state, path, start = "text", None, 0
    for offset, line in enumerate(lines):
        if state == "text" and SEARCH.match(line):
            path, start = _path_before(lines, offset), first_line + offset
            state = "search"
        elif state == "search" and DIVIDER.match(line):
            state = "replace"
        elif state == "replace" and REPLACE.match(line):
            paths.append(path or "")
            state = "text"
    if state != "text":
        problems.append(Problem(f"SEARCH/REPLACE block for {path or 'a file'} not closed: no edit recorded", start))
    return paths


def _path_before(lines: list[str], offset: int) -> str | None:
    for line in reversed(lines[max(0, offset - 3):offset]):
        candidate = line.strip().strip("`*").strip()
        if candidate and not FENCE.match(line.strip()):
            return candidate
    return None


READER = Reader(
    name="aider",
    description="Aider chat history (.aider.chat.history.md): #### user turns, SEARCH/REPLACE edits, > tool output",
    example=".aider.chat.history.md",
    sniff=sniff,
    read=read,
)
