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

Timestamps in the headers are those of the run.
"""

from __future__ import annotations

from pathlib import Path

from aider.io import InputOutput

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "aider"
FILE = OUT / ".aider.chat.history.md"


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


def first_session(io: InputOutput) -> None:
    startup(io)
    io.user_input("mean([]) in stats.py raises ZeroDivisionError.\nIt should return 0.0 for an empty list.")
    io.ai_output("Guard the empty case in `mean`:\n\n"
                 + edit("stats.py", "def mean(values):\n", "def mean(values):\n    if not values:\n"
                        "        return sum(vals) / len(values)\n"))
    io.tool_output("Applied edit to stats.py")
    io.tool_warning(LINT)
    io.confirm_ask("Attempt to fix lint errors?")
    io.ai_output("The guard should return 0.0:\n\n"
                 + edit("stats.py", "        return sum(vals) / len(values)\n", "        return 0.0\n"))
    io.tool_output("Applied edit to stats.py")
    io.user_input("/test python -m pytest -q tests")
    io.tool_output("Added 14 lines of output to the chat.")
    io.ai_output("`test_check` still expects the old value; update the assertion:\n\n"
                 + edit("check.py", "assert mean([]) == 0\n", "assert mean([]) == 0.0\n"))
    io.tool_error(NO_MATCH)
    io.ai_output("I will re-read check.py first.\n\n"
                 + edit("tests/test_stats.py", "    assert mean([]) is None\n", "    assert mean([]) == 0.0\n"))
    io.tool_output("Applied edit to tests/test_stats.py")
    io.user_input("/test python -m pytest -q tests")
    io.user_input("/exit")


def second_session(io: InputOutput) -> None:
    startup(io)
    io.user_input("/run python check.py")
    io.confirm_ask("Add 0.1k tokens of command output to the chat?")
    io.tool_output("Added 6 lines of output to the chat.")
    io.ai_output("The check passes now; nothing else to change.")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    FILE.unlink(missing_ok=True)
    for session in (first_session, second_session):
        io = InputOutput(pretty=False, yes=True, chat_history_file=FILE, input_history_file=OUT / "unused.history",
                         fancy_input=False)
        session(io)
    (OUT / "unused.history").unlink(missing_ok=True)
    print(f"wrote {FILE}")


if __name__ == "__main__":
    main()
