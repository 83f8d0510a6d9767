"""The large-file corpus of ``bench_agents.py --large``: SWE-agent >= 1.0 ``.traj`` files and Claude Code
session transcripts of 1-5 MB each, and what the pandas child does with them.

Shapes as the readers' samples have them (``sample_traces/agents/README.md``; the generators
``scripts/samples/agents/make_swe_agent_1x.py`` and ``make_claude_code.py``):

* ``swe_agent/<instance>/<instance>.traj``: ``json.dumps(..., indent=2)`` of ``trajectory`` (one entry per
  step: ``action``, ``observation``, ``response``, ``thought``, ``execution_time``, ``state``, ``query`` = the
  whole chat so far, ``extra_info``), ``history``, ``info``, ``replay_config``, ``environment``. ``query``
  makes a file grow with the square of its steps: most of its bytes are chat repeated.
* ``claude_code/-home-dev-<project>/<session>.jsonl``: compact lines; an assistant message streamed as one
  line per content block (``thinking``, ``text``, ``tool_use``), each repeating ``usage``; each tool result
  on a ``user`` line with ``toolUseResult`` beside it (the output again, as Claude Code keeps it);
  ``file-history-snapshot`` and ``system`` bookkeeping lines between turns.

Observations and tool outputs are long: ``cat -n`` listings of invented code, test runs, grep hits,
diffs, and (1 in 8) errors: tracebacks, ``command not found``, missing files, a rejected edit. The
prose and code are drawn from word lists with no error words in them, so SWE-agent observations
flagged ``is_error`` are exactly the errors written (Claude Code marks its own with ``is_error``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = ("value", "config", "parser", "module", "record", "field", "schema", "cache", "loader", "token", "buffer",
         "window", "offset", "column", "payload", "session", "handler", "request", "result", "index", "batch")
VERBS = ("load", "parse", "build", "read", "write", "check", "merge", "split", "format", "update", "resolve")
TESTS = ("test_round_trip", "test_empty_input", "test_nested_fields", "test_large_batch", "test_unicode_keys")
SWE_ERRORS = (
    "Traceback (most recent call last):\n  File \"/testbed/reproduce.py\", line {n}, in <module>\n"
    "    from src.{w} import {v}_{w}\nImportError: cannot import name '{v}_{w}' from 'src.{w}'\n",
    "bash: {v}-{w}: command not found\n",
    "cat: /testbed/src/{w}/{v}.py: No such file or directory\n",
    "Your proposed edit has introduced new syntax error(s). Please read this error message carefully and then "
    "retry editing the file.\n\nERRORS:\n- E999 IndentationError: unexpected indent\n",
)
CWD = "/home/dev/{project}"
MODEL = "claude-sonnet-4-5-20250929"
MB = 1_000_000


# ---------------------------------------------------------------- content
def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS + VERBS) for _ in range(n))


def code_line(rng: random.Random) -> str:
    v, w, x = rng.choice(VERBS), rng.choice(WORDS), rng.choice(WORDS)
    return rng.choice((f"def {v}_{w}(self, {x}, strict=False):", f"    {x} = self.{w}.{v}({x})",
                       f"    if not {x}:", f"        return {w}_{x}", f"    # {words(rng, 6)}",
                       f"    for {x} in self.{w}s:", f"        {w}.append({v}({x}))", "",
                       f"class {w.capitalize()}{x.capitalize()}:", f"    return {{'{w}': {x}, 'count': len({x})}}"))


def listing(rng: random.Random, path: str, lines: int, arrow: bool = False) -> str:
    start = rng.randint(1, 800)
    sep = "\u2192" if arrow else "\t"
    body = "".join(f"{start + i:>6}{sep}{code_line(rng)}\n" for i in range(lines))
    return body if arrow else f"Here's the result of running `cat -n` on {path}:\n{body}"


def test_run(rng: random.Random) -> str:
    files = [f"tests/test_{rng.choice(WORDS)}.py" for _ in range(rng.randint(4, 20))]
    body = "".join(f"{f} {'.' * rng.randint(5, 60)}{' ' * 8}[{100 * (i + 1) // len(files):3d}%]\n"
                   for i, f in enumerate(files))
    return (f"============================= test session starts ==============================\n"
            f"collected {rng.randint(50, 900)} items\n\n{body}\n{rng.randint(50, 900)} passed in "
            f"{rng.uniform(0.5, 30):.2f}s\n")


def grep_hits(rng: random.Random) -> str:
    return "".join(f"src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py:{rng.randint(1, 900)}:{code_line(rng)}\n"
                   for _ in range(rng.randint(10, 120)))


def diff(rng: random.Random) -> str:
    w = rng.choice(WORDS)
    hunks = "".join(f"@@ -{n} +{n} @@\n-{code_line(rng)}\n+{code_line(rng)}\n"
                    for n in sorted(rng.sample(range(1, 900), rng.randint(2, 12))))
    return f"diff --git a/src/{w}.py b/src/{w}.py\n--- a/src/{w}.py\n+++ b/src/{w}.py\n{hunks}"


def output(rng: random.Random, path: str) -> tuple[str, str, str]:
    """(tool, command, output) of one successful call; outputs of 0.5-40 KB."""
    kind = rng.random()
    if kind < 0.4:
        return "str_replace_editor", f"str_replace_editor view {path}", listing(rng, path, rng.randint(20, 700))
    if kind < 0.65:
        return "bash", f"cd /testbed && python -m pytest tests -q -k {rng.choice(WORDS)}", test_run(rng)
    if kind < 0.85:
        return "bash", f"grep -rn '{rng.choice(VERBS)}_' /testbed/src", grep_hits(rng)
    return "bash", "git diff", diff(rng)


# ---------------------------------------------------------------- SWE-agent >= 1.0
def swe_agent_traj(index: int, seed: int) -> tuple[str, dict]:
    """One ``.traj`` of about ``target`` bytes; also the rows it should give."""
    rng = random.Random(seed * 7_000_003 + index)
    target = rng.uniform(1.2, 4.6) * MB
    issue = f"{words(rng, 40)}\n\n```python\n" + "\n".join(code_line(rng) for _ in range(12)) + "\n```\n"
    history = [{"role": "system", "content": "You are a helpful assistant that can interact with a computer. "
                + words(rng, 120), "agent": "main", "message_type": "system"},
               {"role": "user", "content": [{"type": "text", "text": f"<pr_description>\n{issue}</pr_description>"}],
                "agent": "main", "message_type": "observation"}]
    trajectory, history_bytes, total, errors = [], sum(len(json.dumps(h)) for h in history), 0, 0
    while total < target:
        path = f"/testbed/src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py"
        done = total + 3 * history_bytes > target
        if done:
            tool, action, observation = "submit", "submit", diff(rng)
        elif rng.random() < 0.125:
            tool, action = "bash", f"python /testbed/{rng.choice(WORDS)}.py"
            observation = rng.choice(SWE_ERRORS).format(n=rng.randint(1, 400), w=rng.choice(WORDS), v=rng.choice(VERBS))
            errors += 1
        else:
            tool, action, observation = output(rng, path)
        thought = f"{words(rng, rng.randint(8, 60)).capitalize()}."
        call_id = f"call_{index:03d}_{len(trajectory):03d}"
        query = list(history)
        history += [{"role": "assistant", "content": thought, "thought": thought, "action": action, "agent": "main",
                     "tool_calls": [{"function": {"arguments": json.dumps({"command": action}), "name": tool},
                                     "id": call_id, "type": "function"}], "message_type": "action"},
                    {"role": "tool", "content": [{"type": "text", "text": f"OBSERVATION:\n{observation}"}],
                     "agent": "main", "message_type": "observation", "tool_call_ids": [call_id]}]
        trajectory.append({"action": action, "observation": observation, "response": thought, "thought": thought,
                           "execution_time": round(rng.uniform(0.05, 20), 3), "state": {"working_dir": "/testbed"},
                           "query": query, "extra_info": {}})
        history_bytes += len(json.dumps(history[-2:])) + 200  # + indentation
        total += history_bytes + len(observation) + len(thought)
        if done:
            break
    info = {"swe_agent_version": "1.0.1", "submission": trajectory[-1]["observation"], "exit_status": "submitted",
            "model_stats": {"instance_cost": round(rng.uniform(0.1, 3), 2), "tokens_sent": rng.randint(10**5, 10**7),
                            "tokens_received": rng.randint(10**3, 10**5), "api_calls": len(trajectory)}}
    doc = {"trajectory": trajectory, "history": history, "info": info,
           "replay_config": json.dumps({"agent": {"model": {"name": "gpt-4o"}}}), "environment": "main"}
    n = len(trajectory)
    return json.dumps(doc, indent=2), {"records": len(history), "steps": 3 * n, "tool_calls": n - 1,
                                       "tool_errors": errors, "files": 1}


# ---------------------------------------------------------------- Claude Code
class _Session:
    def __init__(self, rng: random.Random, session: str, project: str) -> None:
        self.rng, self.session, self.cwd = rng, session, CWD.format(project=project)
        self.lines: list[dict] = []
        self.last, self.second = None, 0

    def line(self, kind: str, message: dict, **extra) -> None:
        self.second += self.rng.randint(1, 20)
        uuid = f"{self.session[:8]}-{len(self.lines):04d}-4000-8000-000000000000"
        self.lines.append({"parentUuid": self.last, "isSidechain": False, "userType": "external", "cwd": self.cwd,
                           "sessionId": self.session, "version": "2.0.14", "gitBranch": "main", "type": kind,
                           "message": message, **extra, "uuid": uuid,
                           "timestamp": f"2025-10-14T{9 + self.second // 3600:02d}:{self.second // 60 % 60:02d}:"
                                        f"{self.second % 60:02d}.000Z"})
        self.last = uuid


def claude_session(index: int, seed: int) -> tuple[str, dict]:
    """One session transcript of about ``target`` bytes; also the rows it should give."""
    rng = random.Random(seed * 9_000_011 + index)
    target, session = rng.uniform(1.2, 4.6) * MB, f"{index:08x}-5b84-4d0e-9c61-2a9e8f4b1d07"
    s = _Session(rng, session, f"proj-{index % 7}")
    s.line("user", {"role": "user", "content": f"{words(rng, 30).capitalize()}."})
    counts = {"records": 1, "steps": 1, "tool_calls": 0, "tool_errors": 0, "files": 1}
    size, turn = 0, 0
    while size <= target:
        turn += 1
        size += _turn(s, f"msg_{index:03d}{turn:05d}", 12000 + 400 * turn, counts, last=False)
        if turn % 25 == 0:
            s.lines.append({"type": "file-history-snapshot", "messageId": s.last, "isSnapshotUpdate": False,
                            "snapshot": {"messageId": s.last, "trackedFileBackups": {},
                                         "timestamp": "2025-10-14T09:00:01.000Z"}})
    _turn(s, f"msg_{index:03d}{turn + 1:05d}", 12000 + 400 * turn, counts, last=True)
    text = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in s.lines)
    return text, counts


def _turn(s: _Session, mid: str, cached: int, counts: dict, last: bool) -> int:
    """One assistant message (a line per block: thinking, text, tool calls), then a user line per tool result;
    the last message is text only. Returns about how many bytes it wrote."""
    rng = s.rng
    blocks = []
    if rng.random() < 0.3:
        blocks.append({"type": "thinking", "thinking": words(rng, rng.randint(20, 120)), "signature": "EqQBCkYIBxgC"})
    if last or rng.random() < 0.6:
        blocks.append({"type": "text", "text": f"{words(rng, rng.randint(10, 80)).capitalize()}."})
    calls = [] if last else [{"type": "tool_use", "id": f"toolu_{mid[4:]}{k}"} for k in range(1 + (rng.random() < 0.15))]
    results = [_claude_result(rng, call, s.cwd) for call in calls]  # names the call's tool and input
    usage = {"input_tokens": rng.randint(1, 9), "cache_creation_input_tokens": rng.randint(0, 3000),
             "cache_read_input_tokens": cached, "output_tokens": rng.randint(20, 900), "service_tier": "standard"}
    for block in blocks + calls:
        s.line("assistant", {"id": mid, "type": "message", "role": "assistant", "model": MODEL, "content": [block],
                             "stop_reason": "end_turn" if last else "tool_use", "stop_sequence": None, "usage": usage},
               requestId="req_" + mid[4:])
    size = 700 * len(blocks + calls)
    for call, (content, is_error, kept) in zip(calls, results):
        result = {"tool_use_id": call["id"], "type": "tool_result", "content": content}
        s.line("user", {"role": "user", "content": [{**result, "is_error": True} if is_error else result]},
               toolUseResult=kept)
        counts["tool_errors"] += is_error
        size += 2 * len(content) + 900
    counts["records"] += len(blocks) + 2 * len(calls)
    counts["steps"] += len(blocks) + 2 * len(calls)
    counts["tool_calls"] += len(calls)
    return size


def _claude_result(rng: random.Random, block: dict, cwd: str) -> tuple[str, bool, object]:
    """(content, is_error, toolUseResult) of one tool call; sets the call's name and input to match."""
    path = f"{cwd}/src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py"
    if rng.random() < 0.125:
        block["name"], block["input"] = "Bash", {"command": "python -m pytest -q", "description": "Run the tests"}
        failed = (f"Exit code 1\nTraceback (most recent call last):\n  File \"{path}\", line {rng.randint(1, 400)}, in "
                  f"{rng.choice(VERBS)}\nAssertionError: assert {rng.randint(1, 99)} == {rng.randint(1, 99)}\n"
                  + test_run(rng))
        return failed, True, "Error: " + failed
    kind = rng.random()
    if kind < 0.45:
        block["name"], block["input"] = "Read", {"file_path": path}
        content = listing(rng, path, rng.randint(20, 800), arrow=True)
        return content, False, {"type": "text", "file": {"filePath": path, "content": content, "numLines": 0}}
    tool, command, content = output(rng, path)
    if kind < 0.6:
        content = f"The file {path} has been updated. Here's the result of running `cat -n` on a snippet:\n" + content
        block["name"] = "Edit"
        block["input"] = {"file_path": path, "old_string": code_line(rng), "new_string": code_line(rng)}
        return content, False, {"filePath": path, "structuredPatch": [], "userModified": False}
    block["name"], block["input"] = "Bash", {"command": command, "description": words(rng, 4)}
    return content, False, {"stdout": content, "stderr": "", "interrupted": False, "isImage": False}


# ---------------------------------------------------------------- writing, and the pandas child
def write_one(job: tuple[Path, int, int]) -> dict[str, int]:
    """File ``index`` of the corpus: even ones SWE-agent, odd ones Claude Code."""
    root, index, seed = job
    if index % 2 == 0:
        text, counts = swe_agent_traj(index, seed)
        iid = f"{WORDS[index % len(WORDS)]}-org__{VERBS[index % len(VERBS)]}-{1000 + index}"
        path = root / "swe_agent" / iid / f"{iid}.traj"
    else:
        text, counts = claude_session(index, seed)
        path = root / "claude_code" / f"-home-dev-proj-{index % 7}" / f"{index:08x}-5b84-4d0e-9c61-2a9e8f4b1d07.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode()
    path.write_bytes(data)
    assert MB <= len(data) <= 5 * MB, f"{path.name}: {len(data)} bytes, not 1-5 MB"
    return {**counts, "bytes": len(data)}


def child_pandas(folder: str) -> dict:
    """``json.load`` each ``.traj`` (its ``history``: the chat) and ``json.loads`` each line of each session
    (the ``message`` of its user and assistant lines); one DataFrame of all those messages."""
    import pandas as pd

    records = []
    for path in sorted(Path(folder).rglob("*.traj")):
        with open(path) as handle:
            doc = json.load(handle)
        records += [{"trajectory_id": path.stem, "index": i, **m} for i, m in enumerate(doc["history"])]
    for path in sorted(Path(folder).rglob("*.jsonl")):
        with open(path) as handle:
            lines = [json.loads(line) for line in handle]
        records += [{"trajectory_id": path.stem, "index": i, "type": line["type"], "timestamp": line["timestamp"],
                     **line["message"]} for i, line in enumerate(lines) if line.get("type") in ("user", "assistant")]
    df = pd.DataFrame.from_records(records)
    return {"rows": len(df), "trajectories": int(df["trajectory_id"].nunique()), "columns": list(df.columns)}
