"""Write the Cline / Roo Code task-folder samples under sample_traces/agents/cline/ (plain Python).

The structure follows the Cline source (cline/cline @ beb3ad78dc5c638eaae8be54d0502cdc812633b8):

* src/core/storage/disk.ts: ``tasks/<task id>/`` holding ``api_conversation_history.json`` and
  ``ui_messages.json`` (``GlobalFileNames``);
* src/shared/ExtensionMessage.ts: ``ClineMessage`` (``ts``, ``type`` ask/say, ``say``, ``ask``, ``text``,
  ``conversationHistoryIndex``), ``ClineSay`` / ``ClineAsk`` kinds, ``ClineApiReqInfo`` (the JSON text of
  ``api_req_started``: ``request``, ``tokensIn``, ``tokensOut``, ``cacheWrites``, ``cacheReads``, ``cost``);
* src/core/task/tools/utils/ToolResultUtils.ts: a result is a user text block
  ``<description> Result:\\n<text>``, the description ``[<tool> for '<param>']`` of each tool handler
  (src/core/task/tools/handlers/*.ts);
* src/integrations/terminal/CommandOrchestrator.ts: ``Command failed with exit code N.`` /
  ``Command executed successfully (exit code 0).`` then ``Output:``;
* src/core/prompts/responses.ts: ``toolError`` (``The tool execution failed with the following
  error:`` and an ``<error>`` block) and the ``[ERROR] You did not use a tool`` notice.

The Roo Code task (RooCodeInc/Roo-Code @ 647bc83a, src/core/task-persistence/apiMessages.ts
``ApiMessage``) is the same layout with a ``ts`` on every conversation message.
Content (the tasks, commands and outputs) is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "cline" / "tasks"
ENV = "<environment_details>\n# VSCode Visible Files\nsrc/slug.js\n\n# Current Mode\nACT MODE\n</environment_details>"


def text(body: str) -> dict:
    return {"type": "text", "text": body}


def tool(name: str, **params: str) -> str:
    inner = "".join(f"<{key}>{value}</{key}>\n" for key, value in params.items())
    return f"<{name}>\n{inner}</{name}>"


def result(description: str, body: str) -> dict:
    return text(f"[{description}] Result:\n{body}")


def cline_history() -> list[dict]:
    return [
        {"role": "user", "content": [text("<task>\nMake the slug tests pass\n</task>"), text(ENV)]},
        {"role": "assistant", "content": [text("<thinking>\nRun the tests first.\n</thinking>\n\n"
                                               + tool("execute_command", command="npm test",
                                                      requires_approval="false"))]},
        {"role": "user", "content": [result("execute_command for 'npm test'",
                                            "Command failed with exit code 1.\nOutput:\nFAIL test/slug.test.js\n"
                                            "  x strips accents (4 ms)\nTests: 1 failed, 3 passed, 4 total"),
                                     text(ENV)]},
        {"role": "assistant", "content": [text("The accent test fails. Let me look at the code.\n\n"
                                               + tool("read_file", path="src/slug.js"))]},
        {"role": "user", "content": [result("read_file for 'src/slug.js'",
                                            "export function slug(s) {\n  return s.toLowerCase().replace(/ /g, '-')\n}"),
                                     text(ENV)]},
        {"role": "assistant", "content": [text(tool("replace_in_file", path="src/slug.js",
                                                    diff="------- SEARCH\nreturn s.toLower()\n=======\n"
                                                         "return s.normalize('NFD')\n+++++++ REPLACE"))]},
        {"role": "user", "content": [result("replace_in_file for 'src/slug.js'",
                                            "The tool execution failed with the following error:\n<error>\n"
                                            "The SEARCH block does not match anything in the file.\n</error>"),
                                     text(ENV)]},
        {"role": "assistant", "content": [text("I will write the file whole.")]},
        {"role": "user", "content": [text("[ERROR] You did not use a tool in your previous response! "
                                          "Please retry with a tool use."), text(ENV)]},
        {"role": "assistant", "content": [text(tool("write_to_file", path="src/slug.js",
                                                    content="export function slug(s) {\n  return s.normalize('NFD')"
                                                            ".replace(/[\\u0300-\\u036f]/g, '').toLowerCase()"
                                                            ".replace(/ /g, '-')\n}\n"))]},
        {"role": "user", "content": [result("write_to_file for 'src/slug.js'",
                                            "The content was successfully saved to src/slug.js."), text(ENV)]},
        {"role": "assistant", "content": [text(tool("execute_command", command="npm test",
                                                    requires_approval="false"))]},
        {"role": "user", "content": [result("execute_command for 'npm test'",
                                            "Command executed successfully (exit code 0).\nOutput:\n"
                                            "Tests: 4 passed, 4 total"), text(ENV)]},
        {"role": "assistant", "content": [text(tool("attempt_completion",
                                                    result="slug() now strips accents; all 4 tests pass."))]},
    ]


def say(ts: int, kind: str, body: str | None = None, **extra) -> dict:
    row = {"ts": ts, "type": "say", "say": kind}
    if body is not None:
        row["text"] = body
    return {**row, **extra}


def api_req(ts: int, index: int, tokens_in: int, tokens_out: int, cost: float) -> dict:
    info = {"request": "...", "tokensIn": tokens_in, "tokensOut": tokens_out, "cacheWrites": 0, "cacheReads": 0,
            "cost": cost}
    return say(ts, "api_req_started", json.dumps(info), conversationHistoryIndex=index)


def cline_ui(start: int) -> list[dict]:
    rows = [say(start, "text", "Make the slug tests pass")]
    usage = [(9120, 61), (9420, 48), (9610, 90), (9805, 12), (10040, 130), (10310, 40), (10470, 35)]
    for turn, (tokens_in, tokens_out) in enumerate(usage):
        ts = start + 1000 + turn * 7000
        rows.append(api_req(ts, turn * 2, tokens_in, tokens_out, round(tokens_in * 3e-6 + tokens_out * 1.5e-5, 6)))
        if turn in (0, 5):
            rows.append({"ts": ts + 2500, "type": "ask", "ask": "command", "text": "npm test"})
            rows.append(say(ts + 3000, "command_output", "Tests: 1 failed" if turn == 0 else "Tests: 4 passed"))
        if turn == 2:
            rows.append(say(ts + 2000, "diff_error", "src/slug.js"))
        if turn == 3:
            rows.append(say(ts + 2000, "error", "Cline tried to use a tool without value"))
    rows.append(say(start + 50_000, "completion_result", "slug() now strips accents; all 4 tests pass."))
    return rows


def roo_history(start: int) -> list[dict]:
    return [
        {"role": "user", "ts": start, "content": [text("<task>\nList the config files\n</task>"), text(ENV)]},
        {"role": "assistant", "ts": start + 3000,
         "content": [text(tool("list_files", path="config", recursive="false"))]},
        {"role": "user", "ts": start + 3500,
         "content": [result("list_files for 'config'", "No files found."), text(ENV)]},
        {"role": "assistant", "ts": start + 7000,
         "content": [text(tool("execute_command", command="cat config/app.toml"))]},
        {"role": "user", "ts": start + 8000,
         "content": [result("execute_command for 'cat config/app.toml'",
                            "Command failed with exit code 1.\nOutput:\ncat: config/app.toml: No such file or directory"),
                     text(ENV)]},
        {"role": "assistant", "ts": start + 12000,
         "content": [text(tool("attempt_completion", result="There is no config folder content."))]},
    ]


def roo_ui(start: int) -> list[dict]:
    rows = [say(start, "text", "List the config files")]
    for turn, ts in enumerate((start + 1000, start + 4000, start + 9000)):
        rows.append(api_req(ts, turn * 2, 5200 + turn * 300, 40, 0.0162))
    rows.append(say(start + 12500, "completion_result", "There is no config folder content."))
    return rows


def write(folder: Path, history: list[dict], ui: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "api_conversation_history.json").write_text(json.dumps(history), encoding="utf-8")
    (folder / "ui_messages.json").write_text(json.dumps(ui), encoding="utf-8")


def main() -> None:
    write(OUT / "1760433000000", cline_history(), cline_ui(1760433000000))
    write(OUT / "0199e8f4-2b6c-7a31-9d05-4f7e1c2a8b90", roo_history(1760520000000), roo_ui(1760520000000))


if __name__ == "__main__":
    main()
