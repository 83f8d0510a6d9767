"""Write sample_traces/agents/aider/.aider.chat.history.md with aider's own ``InputOutput`` (no model).

aider-chat 0.86.2's ``aider.io.InputOutput`` writes the chat history file: its constructor writes
the ``# aider chat started at`` header, ``user_input`` the ``####`` lines, ``ai_output`` the
assistant's reply, ``tool_output`` / ``tool_warning`` / ``tool_error`` the ``>`` quoted lines and
``confirm_ask`` (answered by ``yes=True``) the quoted question. This script calls them in the order
aider's ``Coder`` and ``Commands`` do (``apply_updates`` -> "Applied edit to", ``lint_edited`` ->
lint output, ``cmd_test``/``cmd_run`` -> "Added N lines of output", the edit-block matcher's
"failed to match" error). The lint, test and failed-match texts follow aider's templates; the
replies stand in for a model. Two sessions: a fix with a lint error, a failing ``/test`` and a
failed edit, then a short session with a ``/run``::

    python3.11 -m venv /tmp/aider-venv
    /tmp/aider-venv/bin/pip install --no-deps aider-chat==0.86.2
    /tmp/aider-venv/bin/pip install prompt_toolkit pygments rich packaging oslex
    /tmp/aider-venv/bin/python scripts/samples/agents/make_aider.py

Timestamps in the chat history headers are those of the run.

It also writes ``.aider.llm.history``, the LLM side of the first session, with ``InputOutput.log_llm_history``
and ``aider.utils.format_messages`` / ``format_content`` as ``Coder.send`` calls them: each prompt is built as
``Coder.format_chat_chunks`` builds it (aider-chat 0.86.2: system prompt with the reminder, the EditBlock
few-shot examples and "I switched to a new code base", done messages, the chat files, the current messages
with the system reminder appended to the last user message; ``move_back_cur_messages`` with the commit note;
``cmd_run``'s "I ran this command" output, which ``/test`` sends again as the message). The prompts are
aider's own (``EditBlockPrompts``, loaded without the rest of ``aider.coders``); a scripted clock stands in
for ``datetime.now`` in ``aider.io``, so the file is the same on every run.
"""

from __future__ import annotations

import importlib
import sys
import types
from datetime import datetime, timedelta
from pathlib import Path

import aider
import aider.io
from aider.io import InputOutput
from aider.utils import format_content, format_messages

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "aider"
FILE = OUT / ".aider.chat.history.md"
LLM_FILE = OUT / ".aider.llm.history"


def edit(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def startup(io: InputOutput) -> None:
    io.tool_output("Aider v0.86.2")
    io.tool_output("Model: openai/scripted with diff edit format")
    io.tool_output("Git repo: .git with 3 files")
    io.tool_output("Repo-map: using 1024 tokens, auto refresh")


FLAKE8 = "/usr/bin/python3 -m flake8 --select=E9,F821,F823,F831,F406,F407,F701,F702,F704,F706 --show-source"
LINT = f"""# Fix any errors below, if possible.

## Running: {FLAKE8} --isolated stats.py

stats.py:3:16: F821 undefined name 'vals'
        return sum(vals) / len(values)
               ^

## See relevant line below marked with █.

stats.py:
  1│def mean(values):
  2│    if not values:
  3█        return sum(vals) / len(values)
"""

NO_MATCH = """# 1 SEARCH/REPLACE block failed to match!

## SearchReplaceNoExactMatch: This SEARCH block failed to exactly match lines in check.py
<<<<<<< SEARCH
assert mean([]) == 0
=======
assert mean([]) == 0.0
>>>>>>> REPLACE

The SEARCH section must exactly match an existing block of lines including all white space, comments, \
indentation, docstrings, etc
"""


REQUEST = "mean([]) in stats.py raises ZeroDivisionError.\nIt should return 0.0 for an empty list."
REPLIES = [
    "Guard the empty case in `mean`:\n\n" + edit("stats.py", "def mean(values):\n", "def mean(values):\n    if not values:\n"
                                                 "        return sum(vals) / len(values)\n"),
    "The guard should return 0.0:\n\n" + edit("stats.py", "        return sum(vals) / len(values)\n",
                                               "        return 0.0\n"),
    "`test_check` still expects the old value; update the assertion:\n\n"
    + edit("check.py", "assert mean([]) == 0\n", "assert mean([]) == 0.0\n"),
    "I will re-read check.py first.\n\n" + edit("tests/test_stats.py", "    assert mean([]) is None\n",
                                                 "    assert mean([]) == 0.0\n"),
]
TEST = "python -m pytest -q tests"
TEST_OUTPUT = """F.                                                                       [100%]
=================================== FAILURES ===================================
__________________________________ test_empty __________________________________

    def test_empty():
>       assert mean([]) is None
E       assert 0.0 is None
E        +  where 0.0 = mean([])

tests/test_stats.py:4: AssertionError
=========================== short test summary info ============================
FAILED tests/test_stats.py::test_empty - assert 0.0 is None
1 failed, 1 passed in 0.02s
"""


def first_session(io: InputOutput) -> None:
    startup(io)
    io.user_input(REQUEST)
    io.ai_output(REPLIES[0])
    io.tool_output("Applied edit to stats.py")
    io.tool_warning(LINT)
    io.confirm_ask("Attempt to fix lint errors?")
    io.ai_output(REPLIES[1])
    io.tool_output("Applied edit to stats.py")
    io.user_input(f"/test {TEST}")
    io.tool_output("Added 14 lines of output to the chat.")
    io.ai_output(REPLIES[2])
    io.tool_error(NO_MATCH)
    io.ai_output(REPLIES[3])
    io.tool_output("Applied edit to tests/test_stats.py")
    io.user_input(f"/test {TEST}")
    io.user_input("/exit")


def second_session(io: InputOutput) -> None:
    startup(io)
    io.user_input("/run python check.py")
    io.confirm_ask("Add 0.1k tokens of command output to the chat?")
    io.tool_output("Added 6 lines of output to the chat.")
    io.ai_output("The check passes now; nothing else to change.")


def editblock_prompts():
    """aider's ``EditBlockPrompts``, loaded from its files without ``aider.coders/__init__`` (which needs litellm)."""
    package = types.ModuleType("aider_coder_prompts")
    package.__path__ = [str(Path(aider.__file__).parent / "coders")]
    sys.modules["aider_coder_prompts"] = package
    return importlib.import_module("aider_coder_prompts.editblock_prompts").EditBlockPrompts()


class Prompts:
    """The parts of ``Coder`` that build a prompt: ``fmt_system_prompt`` and ``format_chat_chunks``."""

    FENCE = ("```", "```")
    PLATFORM = "- Platform: Linux-6.8.0-x86_64-with-glibc2.39\n- Shell: SHELL=/bin/bash\n- Current date: 2025-08-14\n" \
               "- The user is operating inside a git repository\n"

    def __init__(self) -> None:
        self.prompts = editblock_prompts()
        self.done: list[dict] = []
        self.cur: list[dict] = []
        self.files = {"stats.py": "def mean(values):\n    return sum(values) / len(values)\n",
                      "check.py": "from stats import mean\n\nassert mean([1, 2]) == 1.5\n",
                      "tests/test_stats.py": "from stats import mean\n\n\ndef test_empty():\n    assert mean([]) is None\n"}

    def fmt(self, prompt: str) -> str:
        p = self.prompts
        return prompt.format(fence=self.FENCE, quad_backtick_reminder="", final_reminders="", platform=self.PLATFORM,
                             shell_cmd_prompt=p.no_shell_cmd_prompt.format(platform=self.PLATFORM),
                             rename_with_shell="", shell_cmd_reminder=p.no_shell_cmd_reminder.format(platform=self.PLATFORM),
                             go_ahead_tip=p.go_ahead_tip, language="the same language they are using")

    def messages(self) -> list[dict]:
        p = self.prompts
        system = self.fmt(p.main_system) + "\n" + self.fmt(p.system_reminder)
        examples = [dict(role=m["role"], content=self.fmt(m["content"])) for m in p.example_messages]
        examples += [dict(role="user", content="I switched to a new code base. Please don't consider the above files"
                                               " or try to edit them any longer."), dict(role="assistant", content="Ok.")]
        files = p.files_content_prefix + "".join(f"\n{name}\n{self.FENCE[0]}\n{text}{self.FENCE[1]}\n"
                                                 for name, text in self.files.items())
        cur = [dict(m) for m in self.cur]
        cur[-1]["content"] += "\n\n" + self.fmt(p.system_reminder)  # the model's reminder is "user"
        return [dict(role="system", content=system), *examples, *self.done,
                dict(role="user", content=files), dict(role="assistant", content=p.files_content_assistant_reply), *cur]

    def committed(self, commit: str, message: str) -> None:
        """``move_back_cur_messages`` after ``auto_commit``."""
        note = self.prompts.files_content_gpt_edits.format(hash=commit, message=message)
        self.done += [*self.cur, dict(role="user", content=note), dict(role="assistant", content="Ok.")]
        self.cur = []


class Clock:
    """A scripted ``datetime`` for ``aider.io``: each ``now()`` a few seconds after the one before."""

    at = datetime(2025, 8, 14, 9, 30, 2)
    steps = iter([0, 7, 2, 6, 3, 9, 1, 5])

    @classmethod
    def now(cls) -> datetime:
        cls.at += timedelta(seconds=next(cls.steps, 4))
        return cls.at


def llm_session(io: InputOutput) -> None:
    """The LLM calls of the first session, logged as ``Coder.send`` logs them."""
    chat = Prompts()

    def send(reply: str) -> None:
        io.log_llm_history("TO LLM", format_messages(chat.messages()))
        io.log_llm_history("LLM RESPONSE", format_content("ASSISTANT", reply))
        chat.cur.append(dict(role="assistant", content=reply))

    chat.cur = [dict(role="user", content=REQUEST)]
    send(REPLIES[0])
    chat.files["stats.py"] = "def mean(values):\n    if not values:\n        return sum(vals) / len(values)\n"
    chat.committed("4f1c2ab", "fix: Return 0.0 from mean for an empty list")
    chat.cur = [dict(role="user", content=LINT)]  # the reflected lint errors
    send(REPLIES[1])
    chat.files["stats.py"] = "def mean(values):\n    if not values:\n        return 0.0\n"
    chat.committed("9b03e7d", "fix: Return 0.0 for empty input in mean")
    run_output = aider_prompts_run_output().format(command=TEST, output=TEST_OUTPUT)
    chat.cur = [dict(role="user", content=run_output), dict(role="assistant", content="Ok."),
                dict(role="user", content=run_output)]  # /test: added to the chat, then sent as the message
    send(REPLIES[2])
    chat.cur.append(dict(role="user", content=NO_MATCH.strip()))  # the reflected failed match
    send(REPLIES[3])


def aider_prompts_run_output() -> str:
    from aider import prompts

    return prompts.run_output


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    FILE.unlink(missing_ok=True)
    for session in (first_session, second_session):
        io = InputOutput(pretty=False, yes=True, chat_history_file=FILE, input_history_file=OUT / "unused.history",
                         fancy_input=False)
        session(io)
    (OUT / "unused.history").unlink(missing_ok=True)
    LLM_FILE.unlink(missing_ok=True)
    aider.io.datetime = Clock
    io = InputOutput(pretty=False, yes=True, llm_history_file=LLM_FILE, chat_history_file=OUT / "unused.md",
                     input_history_file=OUT / "unused.history", fancy_input=False)
    llm_session(io)
    for unused in ("unused.md", "unused.history"):
        (OUT / unused).unlink(missing_ok=True)
    print(f"wrote {FILE} and {LLM_FILE}")


if __name__ == "__main__":
    main()
