"""chatdev_log: ChatDev project logs, markdown layout (the sample) and the early console layout.

The layout is ChatDev's own (OpenBMB/ChatDev, branch ``chatdev1.0`` @ 31fd994416a251ecdeb1f0a73c329271743bfb56):
chatdev/utils.py ``log_visualize``/``log_arguments``, chatdev/phase.py, chatdev/composed_phase.py,
camel/agents/role_playing.py, chatdev/chat_chain.py, chatdev/statistics.py (see
scripts/samples/agents/make_chatdev.py for the commits of each). The real logs committed there were the
reference: ``WareHouse/RPG_V1_ModelBest1024_20231026174838/RPG_V1_ModelBest1024_20231026174838.log`` @ 4834fbee
(test reports, ModuleNotFoundError, rate-limit retries), ``WareHouse/Poker1_DefaultOrganization_20231006035628/
Poker1_DefaultOrganization_20231006035628.log`` @ 97994374 (CRLF line ends, tracebacks) and the console layout of
``WareHouse/FlappyBird_THUNLP_20230726121145/20230726121145.log`` @ acb93cf3, which the console test below
follows line for line (shortened). Checked by hand, not here (the logs are 0.2-1.3 MB): of the branch's 62 logs,
61 read (the other logged only its start and end) and in 60 the steps' tokens sum to the log's own count (a
research fork's ``[Coding_wait]`` records log usage without the Receive marker).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.readers.agent_helpers import AGENTS, column, read_file, read_sample, steps, trajectories
from tracesift.readers import by_name, choose
from tracesift.readers.base import Input

PROJECT = "TipSplit_DefaultOrganization_20240312094210"
SAMPLE = f"chatdev/{PROJECT}/{PROJECT}.log"
TASK = "Build a tip calculator that splits a restaurant bill between friends"


def of_kind(rows: list[dict], kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


def raw(text: str) -> dict[str, int]:
    """What the log holds, counted from its lines as ChatDev's statistics.py counts them."""
    lines = text.split("\n")
    return {
        "utterances": sum("**[Start Chat]**" in line for line in lines) + sum("<->" in line for line in lines),
        "prompt_tokens": sum(int(line.split(": ")[-1]) for line in lines if line.startswith("prompt_tokens:")),
        "phases": sum(line.endswith("System: **[chatting]**") for line in lines),
        "updates": sum(line.endswith("**[Update Codes]**") for line in lines),
        "commands": sum(line.endswith("**[CMD Execute]**") for line in lines),
        "reports": sum(line.endswith("**[Test Reports]**:") for line in lines),
    }


def test_turns_code_updates_test_reports_and_errors():
    counts = raw((AGENTS / SAMPLE).read_text())
    batch = read_sample(SAMPLE, "chatdev_log")
    rows = steps(batch)
    assert batch.problems == [] and len(trajectories(batch)) == 1 and len(rows) == 46
    turns = [r for r in rows if r["kind"] == "message" and r["arguments"] and '"to"' in r["arguments"]]
    assert len(turns) == counts["utterances"] == trajectories(batch)[f"agents/{SAMPLE}"]["labels"]["num_utterances"] == 16
    calls, results = of_kind(rows, "tool_call"), of_kind(rows, "tool_result")
    assert len(calls) == counts["updates"] + counts["commands"] == 5
    assert column(calls, "tool") == ["update_codes"] * 2 + ["update_codes"] * 2 + ["shell"]
    assert column(calls, "arguments") == ["main.py", "tip.py", "main.py", "tip.py", "pip install babel"]
    assert len(results) == counts["reports"] == 5 and {r["tool"] for r in results} == {"test"}
    failed = [r for r in rows if r["is_error"]]
    assert [(r["kind"], r["step"]) for r in failed] == [("error", 16), ("tool_result", 23), ("tool_result", 24),
                                                        ("tool_result", 35), ("tool_result", 36)]
    assert "rate_limit_exceeded" in failed[0]["content"]  # the retry WARNING after it is the same failure
    assert "ZeroDivisionError" in failed[1]["content"] and "No module named 'babel'" in failed[3]["content"]
    assert results[-1]["content"].startswith("The software run successfully") and not results[-1]["is_error"]
    assert all(r["exit_code"] is None for r in rows)


def test_agents_addressees_and_phases():
    rows = steps(read_sample(SAMPLE, "chatdev_log"))
    phases = [r for r in rows if r["span_id"]]
    assert len(phases) == raw((AGENTS / SAMPLE).read_text())["phases"] == 8
    review = next(r for r in rows if r["agent"] == "Code Reviewer" and r["role"] == "assistant")
    assert review["arguments"] == '{"to": "Programmer", "phase": "CodeReviewComment", "turn": 0}'
    assert review["content"].startswith("<COMMENT>")  # the echoed system prompt is left out
    opening = rows[review["step"] - 2]
    assert opening["agent"] == "Programmer" and opening["role"] == "user" and '"to": "Code Reviewer"' in opening["arguments"]
    span = {r["span_id"]: r for r in phases}[review["parent_span_id"]]
    assert span["arguments"] == ('{"phase": "CodeReviewComment", "assistant": "Code Reviewer", "user": "Programmer", '
                                 '"composed_phase": "CodeReview", "cycle": 1}')
    assert {r["agent"] for r in rows} == {"System", "Chief Executive Officer", "Chief Product Officer",
                                          "Chief Technology Officer", "Programmer", "Code Reviewer",
                                          "Software Test Engineer"}
    found = next(r for r in rows if r["content"] and r["content"].startswith("Software Test Engineer found"))
    assert found["agent"] == "Software Test Engineer" and not found["is_error"]
    assert rows[0]["timestamp"] == datetime(2024, 3, 12, 9, 42, 10, tzinfo=UTC).timestamp()  # %Y-%d-%m in the log


def test_usage_on_replies_and_software_info_in_labels():
    batch = read_sample(SAMPLE, "chatdev_log")
    rows = steps(batch)
    [t] = trajectories(batch).values()
    labels = t["labels"]
    assert sum(r["tokens_in"] or 0 for r in rows) == labels["num_prompt_tokens"] == raw((AGENTS / SAMPLE).read_text())[
        "prompt_tokens"]
    assert sum(r["tokens_out"] or 0 for r in rows) == labels["num_completion_tokens"]
    assert sum(r["cost"] or 0 for r in rows) == pytest.approx(labels["cost"], abs=1e-5)
    assert all(r["role"] == "assistant" for r in rows if r["tokens_in"])
    assert t["task"] == TASK and t["outcome"] == "unknown"
    assert labels["finished"] and labels["tests_passed"] and labels["layout"] == "markdown"
    assert labels["duration_s"] == 129.0 and labels["model_type"] == "GPT_3_5_TURBO"
    assert (labels["started"], labels["project_name"]) == ("20240312094210", "TipSplit")
    assert "manual_lines" not in labels  # ChatDev's -1: not known


CONSOLE = """\
[2023-26-07 12:11:45 INFO] ChatDev Starts (20230726121145)

[2023-26-07 12:11:45 INFO] args: Namespace(task='Design a basic Flappy Bird game.', name='FlappyBird4')

[2023-26-07 12:11:45 INFO] PhaseType: PhaseType.DEMAND_ANALYSIS

[2023-26-07 12:11:45 INFO] \x1b[32mAI Assistant (Chief Product Officer) sys message:
SystemMessage(role_name='Chief Product Officer', role_type=<RoleType.CHATDEV_CPO: 'chief product officer (CPO)'>)

[2023-26-07 12:11:45 INFO] \x1b[34mAI User (Chief Executive Officer) sys message:
SystemMessage(role_name='Chief Executive Officer', role_type=<RoleType.CHATDEV_CEO: 'chief executive officer (CEO)'>)

[2023-26-07 12:11:45 INFO] \x1b[33mTask prompt:
Design a basic Flappy Bird game.

[2023-26-07 12:11:45 INFO] \x1b[34mAI User (Chief Executive Officer):
ChatDev has made products in the following form before: ...

[2023-26-07 12:11:46 INFO] [OpenAI_Usage_Info]
prompt_tokens: 445
completion_tokens: 14
total_tokens: 459

[2023-26-07 12:11:51 INFO] \x1b[32m[0] AI Assistant (Chief Product Officer):
I suggest we design the Flappy Bird game as a mobile application.

[2023-26-07 12:11:51 INFO] \x1b[31m[0] AI Assistant (Chief Product Officer) terminated the chat.

[2023-26-07 12:12:27 INFO] Software Info: version_updates: -1 num_code_files: 1 num_png_files: 0 code_lines: 80 \
duration: -1

[2023-26-07 12:15:48 INFO] ChatDev Ends (20230726121548)
"""


def test_console_layout(tmp_path):
    path = tmp_path / "20230726121145.log"
    path.write_text(CONSOLE)
    assert choose(Input(path)).name == "chatdev_log"
    batch = read_file(path, "chatdev_log")
    rows = steps(batch)
    assert [(r["kind"], r["agent"], r["role"]) for r in rows] == [
        ("message", "System", "system"), ("message", "Chief Executive Officer", "user"),
        ("message", "Chief Product Officer", "assistant")]
    assert rows[2]["arguments"] == '{"to": "Chief Executive Officer", "phase": "DEMAND_ANALYSIS", "turn": 0}'
    assert rows[2]["tokens_in"] == 445 and rows[1]["tokens_in"] is None
    assert rows[1]["parent_span_id"] == rows[0]["span_id"] == "phase-1"
    [t] = trajectories(batch).values()
    assert t["task"] == "Design a basic Flappy Bird game."
    assert t["labels"] == {"layout": "console", "started": "20230726121145", "ended": "20230726121548",
                           "finished": True, "num_code_files": 1, "num_png_files": 0, "code_lines": 80}


def test_windows_line_ends_read_the_same(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    path = tmp_path / "crlf.log"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    crlf, plain = steps(read_file(path, "chatdev_log")), steps(read_sample(SAMPLE, "chatdev_log"))
    assert [(r["kind"], r["agent"], r["arguments"], r["content"]) for r in crlf] == \
        [(r["kind"], r["agent"], r["arguments"], r["content"]) for r in plain]


def test_cut_off_log_with_bad_bytes_keeps_every_complete_record(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    cut = text.index("**[Test Reports]**:\n\nTraceback (most recent call last):\n  File \"main.py\", line 5")
    path = tmp_path / "cut.log"
    path.write_bytes(b"\x00\x01 binary junk\n" + text[:cut + 60].encode().replace(b"Bill arithmetic", b"Bill \xe9rithmetic"))
    batch = read_file(path, "chatdev_log")
    assert [p.line_or_offset for p in batch.problems if "before the first log record" in p.error] == [1]
    assert any("not UTF-8" in p.error for p in batch.problems)
    rows = steps(batch)
    assert len(rows) == 36 and rows[-1]["kind"] == "tool_result" and rows[-1]["is_error"]
    [t] = trajectories(batch).values()
    assert not t["labels"]["finished"] and t["task"] == TASK
    snapshot = re.findall(r"num_prompt_tokens\*\*=(\d+)", text[:cut])[-1]  # the last Software Info before the cut
    assert t["labels"]["num_prompt_tokens"] == int(snapshot) < sum(r["tokens_in"] or 0 for r in steps(read_sample(
        SAMPLE, "chatdev_log")))


def test_files_without_records_fail_with_a_reason(tmp_path):
    path = tmp_path / "notes.log"
    path.write_text("ChatDev was great\n")
    with pytest.raises(ValueError, match="not a ChatDev log"):
        read_file(path, "chatdev_log")
    path.write_text("[2023-28-06 18:49:18 INFO] AgentTech Starts (20230628184918)\n\n"
                    "[2023-28-06 18:49:33 INFO] AgentTech Ends (20230628184933)\n")
    with pytest.raises(ValueError, match="no ChatDev chat"):
        read_file(path, "chatdev_log")


def test_plain_python_logging_is_not_claimed(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("[2024-12-03 09:42:10 INFO] epoch 1: loss 0.52\n[2024-12-03 09:42:11 INFO] Trainer: **done**\n")
    assert by_name("chatdev_log").sniff(Input(path)) < 0.5


@pytest.mark.parametrize("other", sorted(p for p in AGENTS.parent.rglob("*") if p.is_file() and "/chatdev/" not in str(p)))
def test_other_samples_are_not_claimed(other):
    assert by_name("chatdev_log").sniff(Input(other)) < 0.5


def test_task_falls_back_to_the_first_phase_table(tmp_path):
    text = (AGENTS / SAMPLE).read_text()
    start = text.index("[2024-12-03 09:42:10 INFO] System: **[chatting]**")
    path = tmp_path / "no_preprocessing.log"
    path.write_text(text[start:])
    [t] = trajectories(read_file(path, "chatdev_log")).values()
    assert t["task"] == TASK and "project_name" not in t["labels"]
    assert re.fullmatch(r"\d{14}", t["labels"]["ended"])
