"""Write sample_traces/agents/mini_swe_agent/ with the real mini-swe-agent 1.x (no network).

mini-swe-agent's own ``DefaultAgent`` with its packaged ``config/default.yaml`` templates,
its ``DeterministicModel`` (scripted replies) and its ``LocalEnvironment`` running the
commands in a scratch folder; the file is written by ``minisweagent.run.utils.save.save_traj``
(``trajectory_format: mini-swe-agent-1``). The script exercises a failing test run, a reply
with no bash block (a format error), a failing ``grep`` and a submission, and a
second run that repeats a failing command until its step limit::

    python3 -m venv /tmp/msa1-venv && /tmp/msa1-venv/bin/pip install 'mini-swe-agent==1.17.5'
    /tmp/msa1-venv/bin/python scripts/samples/agents/make_mini_swe_agent.py

Timestamps in the messages are those of the run.
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

import yaml
from minisweagent.agents.default import DefaultAgent
from minisweagent.environments.local import LocalEnvironment
from minisweagent.models.test_models import DeterministicModel
from minisweagent.run.utils.save import save_traj

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "mini_swe_agent"

TASK = "mean([]) in stats.py raises ZeroDivisionError; it should return 0.0 for an empty list."
STATS = "def mean(values):\n    return sum(values) / len(values)\n"
CHECK = "from stats import mean\nassert mean([2, 4]) == 3\nassert mean([]) == 0.0\nprint('ok')\n"


def bash(thought: str, command: str) -> str:
    return f"THOUGHT: {thought}\n\n```bash\n{command}\n```"


REPLIES = [
    bash("Let me see what files the project has.", "ls"),
    bash("Run the check script to reproduce the failure.", "python check.py"),
    "The fix is to return 0.0 when the list is empty. I will edit stats.py now.",
    bash("Guard the empty case before dividing.",
         "sed -i 's/    return sum(values) \\/ len(values)/    if not values:\\n        return 0.0\\n"
         "    return sum(values) \\/ len(values)/' stats.py"),
    bash("Look for other callers of mean in the docs.", "grep -rn mean docs/"),
    bash("Run the check again to confirm the fix.", "python check.py"),
    bash("The check passes; submit the change.", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && cat stats.py"),
]


LOOP = [bash("Run the tests.", "python -m pytest -q tests")] * 3


def agent_config() -> dict:
    config = yaml.safe_load(resources.files("minisweagent.config").joinpath("default.yaml").read_text())
    return config["agent"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        Path(work, "stats.py").write_text(STATS)
        Path(work, "check.py").write_text(CHECK)
        agent = DefaultAgent(DeterministicModel(outputs=REPLIES, cost_per_call=0.01),
                             LocalEnvironment(cwd=work, env={"PYTHONDONTWRITEBYTECODE": "1"}), **agent_config())
        exit_status, result = agent.run(TASK)
        save_traj(agent, OUT / "empty_mean.traj.json", exit_status=exit_status, result=result,
                  extra_info={"instance_id": "stats__empty-mean"})
        loop = DefaultAgent(DeterministicModel(outputs=LOOP, cost_per_call=0.01), LocalEnvironment(cwd=work),
                            **(agent_config() | {"step_limit": 3}))
        exit_status, result = loop.run("Make the test suite pass.")
        save_traj(loop, OUT / "step_limit.traj.json", exit_status=exit_status, result=result)


if __name__ == "__main__":
    main()
