"""Side-by-side benchmark: reading agent trajectories with tracesift vs json + pandas.

Two corpora, each generated once, seeded, into ``--corpus``:

* default: ``--trajectories`` (10,000) OpenAI-style chat files, one trajectory each, ``{"id": ..., "messages":
  [...]}`` with a system prompt, a user task, then assistant turns carrying ``tool_calls`` (JSON-string
  arguments, sometimes two calls in one message, sometimes text beside the call) answered by ``tool``
  messages with ``tool_call_id`` (about 1 in 8 is an error: a traceback, a shell error), and a closing
  assistant answer. Contents are a few hundred characters.
* ``--large``: ``--files`` (100) files of 1-5 MB, half SWE-agent >= 1.0 ``.traj`` files, half Claude Code
  session transcripts (JSONL), with long observations and tool outputs (``agents_large.py``).

Compared, each in a fresh subprocess (wall time incl. interpreter start-up and imports, CPU seconds of it
and its children, and peak RSS from ``os.wait4`` of that child; the measuring helper is
``bench_ingest.measure``), ``--repeat`` times (3) in rounds, so that each round runs every tool under the
same load; the table gives medians:

* pandas: ``json.load`` every file (``json.loads`` every line of a JSONL file) and build one DataFrame, one
  row per message with the trajectory id (``pd.DataFrame.from_records``);
* ``tracesift ingest <corpus> --store <fresh> --quiet`` (default jobs), then again on the unchanged folder
  (re-run), then ``--jobs 1`` into another fresh store.

Rows: pandas counts messages; tracesift counts ``steps``. They differ on purpose (see ``explain``): one
message becomes one step per part (its text, then each of its tool calls), and a message with neither text
nor calls gives none. Both counts are checked against what the generator wrote. Run by hand:

    python benchmarks/bench_agents.py [--trajectories 10000] [--large] [--repeat 3] [--before DIR] [--out r.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path

WORDS = (
    "the", "function", "returns", "a", "list", "of", "values", "from", "config", "file", "when", "test",
    "fails", "because", "import", "path", "is", "wrong", "we", "need", "to", "check", "whether", "module",
    "handles", "empty", "input", "correctly", "and", "then", "update", "parser", "so", "that", "message",
    "includes", "line", "number", "before", "running", "suite", "again", "with", "verbose", "flag", "set",
    "cache", "directory", "missing", "dependency", "version", "pinned", "upstream", "regression", "patch",
    "applied", "repository", "branch", "commit"
)
TOOLS = ("bash", "read_file", "edit_file", "search_code", "run_tests", "list_dir")
ERRORS = (
    "Traceback (most recent call last):\n  File \"/repo/src/{m}.py\", line {n}, in <module>\n"
    "    from .{m} import {w}\nImportError: cannot import name '{w}' from partially initialized module",
    "bash: {w}: command not found",
    "cat: /repo/src/{m}/{w}.py: No such file or directory",
    "Error: edit rejected, line {n} is outside the file ({w}.py has {n2} lines)",
)


# ---------------------------------------------------------------- corpus
def text(rng: random.Random, low: int, high: int) -> str:
    """Prose of ``low``..``high`` characters."""
    want, words = rng.randint(low, high), [rng.choice(WORDS[:-1])]  # [:-1]: as the corpus measured was made
    size = len(words[0])
    while size < want:
        w = rng.choice(WORDS)
        words.append(w)
        size += len(w) + 1
    return " ".join(words).capitalize() + "."


def arguments(rng: random.Random, tool: str) -> dict:
    path = f"src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py"
    return {"bash": lambda: {"command": f"cd /repo && python -m pytest tests/test_{rng.choice(WORDS)}.py -x -q"},
            "read_file": lambda: {"path": path, "start_line": rng.randint(1, 400), "end_line": rng.randint(400, 900)},
            "edit_file": lambda: {"path": path, "old_str": text(rng, 40, 160), "new_str": text(rng, 40, 200)},
            "search_code": lambda: {"query": " ".join(rng.choices(WORDS, k=3)), "glob": "**/*.py"},
            "run_tests": lambda: {"selector": f"tests/test_{rng.choice(WORDS)}.py::test_{rng.choice(WORDS)}"},
            "list_dir": lambda: {"path": path.rsplit("/", 1)[0], "depth": 2}}[tool]()


def trajectory(index: int, seed: int) -> tuple[dict, dict]:
    """One trajectory of about 30 steps; also the messages, steps and errors it holds."""
    rng = random.Random(seed * 1_000_003 + index)
    t0 = 1_790_000_000 + index * 3600
    messages = [{"role": "system", "content": "You are a software engineering agent. " + text(rng, 400, 700)},
                {"role": "user", "content": "Fix this issue: " + text(rng, 150, 500)}]
    steps, errors, calls = 2, 0, 0
    target = rng.randint(24, 34)  # steps
    while steps < target:
        n = 2 if rng.random() < 0.15 else 1
        said = rng.random() < 0.6  # text beside the call(s), else content null
        tool_calls = []
        for _ in range(n):
            calls += 1
            tool = rng.choice(TOOLS)
            tool_calls.append({"id": f"call_{index:05d}_{calls:03d}", "type": "function",
                               "function": {"name": tool, "arguments": json.dumps(arguments(rng, tool))}})
        messages.append({"role": "assistant", "content": text(rng, 80, 400) if said else None,
                         "tool_calls": tool_calls, "timestamp": t0 + 10 * len(messages),
                         "usage": {"prompt_tokens": 1500 + 180 * len(messages), "completion_tokens": rng.randint(20, 400)}})
        steps += int(said) + n
        for call in tool_calls:
            if rng.random() < 0.125:
                w, m = rng.choice(WORDS), rng.choice(WORDS)
                out = rng.choice(ERRORS).format(w=w, m=m, n=rng.randint(1, 900), n2=rng.randint(1, 400))
                errors += 1
            else:
                out = text(rng, 150, 900)
            messages.append({"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"],
                             "content": out, "timestamp": t0 + 10 * len(messages)})
            steps += 1
    messages.append({"role": "assistant", "content": "Done. " + text(rng, 100, 400), "timestamp": t0 + 10 * len(messages),
                     "usage": {"prompt_tokens": 1500 + 180 * len(messages), "completion_tokens": rng.randint(20, 400)}})
    steps += 1
    doc = {"id": f"traj-{index:05d}", "task": messages[1]["content"], "messages": messages}
    return doc, {"messages": len(messages), "steps": steps, "tool_errors": errors, "tool_calls": calls}


def write_chunk(job: tuple[Path, int, int, int]) -> dict[str, int]:
    root, start, stop, seed = job
    total = {"messages": 0, "steps": 0, "tool_errors": 0, "tool_calls": 0, "bytes": 0}
    for i in range(start, stop):
        doc, counts = trajectory(i, seed)
        folder = root / f"shard_{i // 1000:02d}"
        folder.mkdir(exist_ok=True)
        data = json.dumps(doc, indent=1)
        (folder / f"traj_{i:05d}.json").write_text(data)
        counts["bytes"] = len(data.encode())
        for k, v in counts.items():
            total[k] += v
    return total


def corpus(folder: Path, n: int, seed: int, large: bool = False) -> tuple[Path, dict]:
    """The corpus folder (its trajectories under ``trajectories/``), generated when missing, and what the generator
    wrote."""
    import agents_large
    import bench_ingest

    def make(root: Path) -> dict:
        (root / "trajectories").mkdir(parents=True)
        if large:
            write, jobs = agents_large.write_one, [(root / "trajectories", i, seed) for i in range(n)]
        else:
            chunk = 500
            write, jobs = write_chunk, [(root / "trajectories", a, min(n, a + chunk), seed) for a in range(0, n, chunk)]
        with Pool(os.cpu_count()) as pool:
            parts = pool.map(write, jobs, chunksize=1)
        return {"trajectories": n, **{k: sum(p[k] for p in parts) for k in parts[0]}}

    root = folder / (f"large_n{n}_seed{seed}" if large else f"n{n}_seed{seed}")
    return root, bench_ingest.generated(root, make)


# ---------------------------------------------------------------- what the pandas child runs
def child_pandas(folder: str) -> dict:
    import pandas as pd

    records = []
    for path in sorted(Path(folder).rglob("*.json")):
        with open(path) as handle:
            doc = json.load(handle)
        tid = doc.get("id", path.stem)
        for i, message in enumerate(doc["messages"]):
            records.append({"trajectory_id": tid, "index": i, **message})
    df = pd.DataFrame.from_records(records)
    return {"rows": len(df), "trajectories": int(df["trajectory_id"].nunique()),
            "columns": list(df.columns)}


# ---------------------------------------------------------------- driver
def store_counts(store: Path) -> dict:
    from bench_ingest import TRACESIFT

    sql = ("select (select count(*) from steps) as steps, (select count(*) from trajectories) as trajectories, "
           "(select count(*) from steps where kind = 'tool_result' and is_error) as tool_errors, "
           "(select count(*) from steps where kind = 'tool_call') as tool_calls")
    out = subprocess.run([TRACESIFT, "query", str(store), sql, "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]


def bench(root: Path, tmp: Path, large: bool, repeat: int, before: Path | None = None) -> list[dict]:
    """Every tool once per round, ``repeat`` rounds; per tool the median of its seconds, CPU seconds and peak RSS.

    ``before``: the source tree of another tracesift, whose ingests run in each round too (``[before]``).
    """
    from bench_ingest import TRACESIFT, measure

    versions = {"": [TRACESIFT]} | ({" [before]": ["env", f"PYTHONPATH={before}", TRACESIFT]} if before else {})
    runs: dict[str, list[dict]] = {}
    baseline = "pandas (json.load + DataFrame.from_records)"
    for round_ in range(1, repeat + 1):
        print(f"round {round_}/{repeat}, load average {os.getloadavg()[0]:.2f}", flush=True)
        r = measure([sys.executable, __file__, "--child-large" if large else "--child", str(root / "trajectories")])
        counts = json.loads(r.pop("stdout"))
        runs.setdefault(baseline, []).append({**r, "rows": counts["rows"], "trajectories": counts["trajectories"]})
        print(f"  pandas: {r['seconds']} s, {r['cpu_s']} CPU s, {r['rss_mib']} MiB", flush=True)
        for (version, exe), jobs in [(v, j) for v in versions.items() for j in (None, 1)]:
            store = tmp / f"store-{round_}-{jobs or 'default'}"
            cmd = [*exe, "ingest", str(root / "trajectories"), "--store", str(store), "--quiet"]
            cmd += ["--jobs", "1"] if jobs else []
            label = "tracesift ingest" + (" --jobs 1" if jobs else "") + version
            for tool in [label] + ([] if jobs or version else [label + " (re-run)"]):
                r = measure(cmd)
                r.pop("stdout")
                got = store_counts(store)
                runs.setdefault(tool, []).append({**r, "rows": got.pop("steps"), **got})
                print(f"  {tool}: {r['seconds']} s, {r['cpu_s']} CPU s, {r['rss_mib']} MiB", flush=True)
            shutil.rmtree(store)
    rows = [_median_row(tool, results) for tool, results in runs.items()]
    base = rows[0]["seconds"]
    for row in rows:
        row["ratio"] = round(base / row["seconds"], 2)
    return rows


def _median_row(tool: str, results: list[dict]) -> dict:
    def median(key: str) -> float:
        values = sorted(r[key] for r in results)
        return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2

    if len({(r["rows"], r["trajectories"]) for r in results}) > 1:
        raise SystemExit(f"{tool}: rows differ between rounds: {[r['rows'] for r in results]}")
    return {**results[0], "tool": tool, "seconds": median("seconds"), "cpu_s": median("cpu_s"),
            "rss_mib": median("rss_mib"), "each_seconds": [r["seconds"] for r in results],
            "each_cpu_s": [r["cpu_s"] for r in results]}


def table(rows: list[dict]) -> str:
    lines = ["| tool | seconds (median) | seconds, each round | CPU s (median) | peak RSS MiB | rows | "
             "ratio pandas/tracesift (s) |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        each = " / ".join(f"{s:.2f}" for s in r["each_seconds"])
        lines.append(f"| {r['tool']} | {r['seconds']:.2f} | {each} | {r['cpu_s']:.2f} | {r['rss_mib']:.0f} | "
                     f"{r['rows']:,} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def explain(want: dict, rows: list[dict], large: bool) -> list[str]:
    want = {**want, "messages": want.get("messages", want.get("records"))}
    out = [f"generator wrote {want['trajectories']:,} trajectories, {want['messages']:,} messages, "
           f"{want['steps']:,} steps ({want['tool_calls']:,} tool calls, {want['tool_errors']:,} tool errors), "
           f"{want['bytes'] / 2**20:.0f} MiB of JSON"]
    for r in rows:
        what = "messages" if r["tool"].startswith("pandas") else "steps"
        ok = r["rows"] == want[what]
        diff = r["rows"] - want[what]
        line = f"{r['tool']}: {r['rows']:,} {what} ({'= generator' if ok else f'off by {diff:+,}'})"
        if what == "steps":
            line += (f", {r['trajectories']:,} trajectories, {r['tool_calls']:,} tool_call steps, "
                     f"{r['tool_errors']:,} tool_result steps flagged is_error"
                     + ("" if r["tool_errors"] == want["tool_errors"] else
                        f" (generator wrote {want['tool_errors']:,} errors: the is_error heuristic differs)"))
        out.append(line)
    if large:
        out.append("messages: the history of each .traj and the user and assistant lines of each session; steps: "
                   "3 per SWE-agent trajectory entry (thought, action, observation), 1 per content block in a session.")
    else:
        out.append(f"steps - messages = {want['steps'] - want['messages']:+,}: an assistant message with text and N "
                   "tool calls gives 1 + N steps (message + tool_call x N), one with content null gives N; system, "
                   "user, tool and the final answer give one step each.")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/tracesift-agents-bench"))
    ap.add_argument("--trajectories", type=int, default=10_000)
    ap.add_argument("--large", action="store_true", help="the corpus of large SWE-agent and Claude Code files")
    ap.add_argument("--files", type=int, default=100, help="files in the --large corpus")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the table gives medians")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--before", type=Path, help="source tree of an earlier tracesift (git archive <commit> | tar -x "
                    "-C DIR) whose ingests run in each round too")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-large", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_ingest.measure, agents_large
    if args.child or args.child_large:
        import agents_large

        print(json.dumps(child_pandas(args.child) if args.child else agents_large.child_pandas(args.child_large)))
        return
    root, want = corpus(args.corpus, args.files if args.large else args.trajectories, args.seed, args.large)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tracesift-agents-store-") as tmp:
        rows = bench(root, Path(tmp), args.large, args.repeat, args.before)
    load = {"before": [round(x, 2) for x in load], "after": [round(x, 2) for x in os.getloadavg()]}
    print()
    print(table(rows))
    print()
    notes = explain(want, rows, args.large)
    notes.append(f"load average (1, 5, 15 min) before {load['before']}, after {load['after']} on "
                 f"{os.cpu_count()} cores")
    print("\n".join(notes))
    if args.out:
        args.out.write_text(json.dumps({"corpus": str(root), "expected": want, "results": rows, "notes": notes,
                                        "load_average": load}, indent=2))


if __name__ == "__main__":
    main()
