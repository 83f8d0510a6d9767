"""Write sample_traces/agents/inspect/*.eval and *.json with the real Inspect AI.

A tiny task with three samples and two tools, run against Inspect's built-in
``mockllm/model`` (no network): its scripted outputs call the tools, so the log
holds real tool calls, tool errors, token usage, scores and a message limit.
Run with /tmp/agents-venv/bin/python (inspect-ai installed there).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from inspect_ai import Task, eval, task
from inspect_ai.dataset import Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import generate, use_tools
from inspect_ai.tool import ToolError, tool

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "inspect"


@tool
def add():
    async def execute(x: int, y: int) -> int:
        """Add two numbers.

        Args:
            x: First number.
            y: Second number.
        """
        return x + y

    return execute


@tool
def run_command():
    async def execute(cmd: str) -> str:
        """Run a shell command in the sandbox.

        Args:
            cmd: The command line.
        """
        if cmd.startswith("pytest"):
            raise ToolError("exit code 4: ERROR: file or directory not found: tests/test_parser.py")
        if cmd.startswith("cat"):
            raise ToolError("cat: config.yaml: No such file or directory")
        return "ok"

    return execute


def usage(i: int, o: int) -> ModelUsage:
    return ModelUsage(input_tokens=i, output_tokens=o, total_tokens=i + o)


def scripted(messages, tools, tool_choice, config) -> ModelOutput:
    """The mock model's policy: what it answers depends on the task and the turn."""
    question = messages[0].text if messages[0].role == "user" else messages[1].text
    turn = sum(1 for m in messages if m.role == "assistant")
    out = None
    if "17 + 25" in question:
        out = (ModelOutput.for_tool_call("mockllm/model", "add", {"x": 17, "y": 25}, tool_call_id=f"add-{turn}")
               if turn == 0 else ModelOutput.from_content("mockllm/model", "17 + 25 = 42"))
    elif "tests" in question:  # a loop: the same failing command, until the message limit stops it
        out = ModelOutput.for_tool_call("mockllm/model", "run_command", {"cmd": "pytest tests/test_parser.py"},
                                        tool_call_id=f"pytest-{turn}", content="Let me run the tests.")
    elif "port" in question:  # the config read fails and the answer is made up from nothing
        if turn == 0:
            out = ModelOutput.for_tool_call("mockllm/model", "run_command", {"cmd": "cat config.yaml"},
                                            tool_call_id="cat-0")
        elif turn == 1:
            out = ModelOutput.for_tool_call("mockllm/model", "add", {"x": "port", "y": 1}, tool_call_id="add-1",
                                            content="The config is missing; I will compute the port anyway.")
        else:
            out = ModelOutput.from_content("mockllm/model", "The service listens on port 8080.")
    out = out or ModelOutput.from_content("mockllm/model", "I don't know.")
    out.usage = usage(120 + 40 * turn, 15 + turn)
    return out


@task
def toy_agent() -> Task:
    return Task(
        dataset=[
            Sample(id="add", input="What is 17 + 25? Use the add tool.", target="42"),
            Sample(id="tests-loop", input="Make the tests in tests/ pass and report.", target="passed"),
            Sample(id="config-port", input="Which port does the service in config.yaml listen on?", target="9090"),
        ],
        solver=[use_tools(add(), run_command()), generate()],
        scorer=includes(),
        message_limit=8,
    )


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    for fmt in ("eval", "json"):
        model = get_model("mockllm/model", custom_outputs=scripted)
        eval(toy_agent(), model=model, log_dir=str(OUT / fmt), log_format=fmt, display="none")
    for fmt in ("eval", "json"):
        [produced] = list((OUT / fmt).glob(f"*.{fmt}"))
        produced.rename(OUT / f"toy_agent.{fmt}")
        shutil.rmtree(OUT / fmt)
    print("wrote", *sorted(p.name for p in OUT.iterdir()), file=sys.stderr)


if __name__ == "__main__":
    main()
