"""Write the SWE-agent >= 1.0 sample under sample_traces/agents/swe_agent/run_1x/.

Structure copied from SWE-agent (``SWE-agent/SWE-agent``): ``sweagent/agent/agents.py`` @ ``fede1f64``
(``get_trajectory_data``: ``trajectory``, ``history``, ``info``, then ``replay_config`` and
``environment``; ``save_trajectory``: ``json.dumps(data, indent=2)``; ``add_step_to_trajectory``) and
``sweagent/types.py`` @ ``05ff843f`` (``TrajectoryStep`` with ``query``, ``HistoryItem``, ``AgentInfo``);
one folder per instance, ``<instance_id>/<instance_id>.traj``. Beside it a SWE-bench ``report.json``
as ``swebench/harness/grading.py`` ``get_eval_report`` @ ``fdefc6a2`` writes it. Content invented.
Run with any Python 3.11: ``python scripts/samples/agents/make_swe_agent_1x.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

IID = "marshmallow-code__marshmallow-1867"
FOLDER = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "swe_agent" / "run_1x" / IID
SYSTEM = ("You are a helpful assistant that can interact with a computer to solve tasks.\n" * 3
          + "<IMPORTANT>\n* If user provides a path, you should NOT assume it's relative to the current working "
          "directory. Instead, you should explore the file system to find the file before working on it.\n"
          "</IMPORTANT>\n")
ISSUE = ("TimeDelta serialization precision\n\n```python\nfrom marshmallow.fields import TimeDelta\n"
         "from datetime import timedelta\n\ntd_field = TimeDelta(precision=\"milliseconds\")\nobj = dict()\n"
         "obj[\"td_field\"] = timedelta(milliseconds=345)\nprint(td_field.serialize(\"td_field\", obj))\n```\n\n"
         "Output of this snippet is `344`, but it seems that `345` is the correct value.\n")
INSTANCE = (f"<uploaded_files>\n/testbed\n</uploaded_files>\nI've uploaded a python code repository in the "
            f"directory /testbed. Consider the following PR description:\n\n<pr_description>\n{ISSUE}"
            "</pr_description>\n\nCan you help me implement the necessary changes to the repository so that "
            "the requirements specified in the <pr_description> are met?\n")
FIELDS = "".join(f"{1450 + i}\t        {line}\n" for i, line in enumerate(
    ["def _serialize(self, value, attr, obj, **kwargs):", "    if value is None:", "        return None",
     "    base_unit = dt.timedelta(**{self.precision: 1})",
     "    return int(value.total_seconds() / base_unit.total_seconds())", ""] * 12))
OLD = "return int(value.total_seconds() / base_unit.total_seconds())"
NEW = "return int(round(value.total_seconds() / base_unit.total_seconds()))"
DIFF = ("diff --git a/src/marshmallow/fields.py b/src/marshmallow/fields.py\n--- a/src/marshmallow/fields.py\n"
        f"+++ b/src/marshmallow/fields.py\n@@ -1454 +1454 @@\n-        {OLD}\n+        {NEW}\n")
TRACE = ("Traceback (most recent call last):\n  File \"/testbed/reproduce.py\", line 4, in <module>\n"
         "    td_field = TimeDelta(precision=\"milliseconds\")\nNameError: name 'TimeDelta' is not defined\n")
# (thought, tool, arguments, action as SWE-agent renders it, observation, execution_time)
STEPS = [
    ("Let me find the TimeDelta field first.", "bash", {"command": "grep -n 'class TimeDelta' -r /testbed/src"},
     "grep -n 'class TimeDelta' -r /testbed/src", "/testbed/src/marshmallow/fields.py:1406:class TimeDelta(Field):\n", 0.31),
    ("Let me look at its serialization.", "str_replace_editor",
     {"command": "view", "path": "/testbed/src/marshmallow/fields.py", "view_range": [1450, 1521]},
     "str_replace_editor view /testbed/src/marshmallow/fields.py  --view_range 1450 1521",
     "Here's the result of running `cat -n` on /testbed/src/marshmallow/fields.py:\n" + FIELDS, 0.22),
    ("I'll reproduce the issue.", "str_replace_editor",
     {"command": "create", "path": "/testbed/reproduce.py", "file_text": "from datetime import timedelta\n"},
     "str_replace_editor create /testbed/reproduce.py --file_text 'from datetime import timedelta\n'",
     "File created successfully at: /testbed/reproduce.py\n", 0.18),
    ("Run it.", "bash", {"command": "python /testbed/reproduce.py"}, "python /testbed/reproduce.py", TRACE, 0.84),
    ("I forgot the import; the script now imports TimeDelta. Run it again.", "bash",
     {"command": "python /testbed/reproduce.py"}, "python /testbed/reproduce.py", "344\n", 0.79),
    ("The division truncates; round it instead.", "str_replace_editor",
     {"command": "str_replace", "path": "/testbed/src/marshmallow/fields.py", "old_str": OLD, "new_str": NEW},
     f"str_replace_editor str_replace /testbed/src/marshmallow/fields.py   --old_str '{OLD}' --new_str '{NEW}'",
     "The file /testbed/src/marshmallow/fields.py has been edited. Review the changes and make sure they are "
     "as expected. Edit the file again if necessary.\n", 0.2),
    ("Check the fix.", "bash", {"command": "python /testbed/reproduce.py"}, "python /testbed/reproduce.py", "345\n", 0.8),
    ("Run the related tests.", "bash", {"command": "cd /testbed && pytest-3 tests -k timedelta -q"},
     "cd /testbed && pytest-3 tests -k timedelta -q", "bash: pytest-3: command not found\n", 0.05),
    ("Use the module form.", "bash", {"command": "cd /testbed && python -m pytest tests -k timedelta -q"},
     "cd /testbed && python -m pytest tests -k timedelta -q", "12 passed, 1430 deselected in 0.61s\n", 2.4),
    ("The fix works; submit.", "submit", {}, "submit", DIFF, 0.4),
]


def history_and_trajectory() -> tuple[list, list]:
    history = [{"role": "system", "content": SYSTEM, "agent": "main", "message_type": "system"},
               {"role": "user", "content": [{"type": "text", "text": INSTANCE}], "agent": "main",
                "message_type": "observation"}]
    trajectory = []
    for index, (thought, tool, arguments, action, observation, seconds) in enumerate(STEPS):
        call_id = f"call_{index:02d}a7f3c1"
        query = [dict(item) for item in history]
        history.append({"role": "assistant", "content": thought, "thought": thought, "action": action,
                        "agent": "main", "tool_calls": [{"function": {"arguments": json.dumps(arguments),
                                                                      "name": tool}, "id": call_id, "type": "function"}],
                        "message_type": "action"})
        history.append({"role": "tool", "content": [{"type": "text", "text": f"OBSERVATION:\n{observation}"}],
                        "agent": "main", "message_type": "observation", "tool_call_ids": [call_id]})
        trajectory.append({"action": action, "observation": observation, "response": thought, "thought": thought,
                           "execution_time": seconds, "state": {"working_dir": "/testbed"}, "query": query,
                           "extra_info": {}})
    return history, trajectory


def main() -> None:
    history, trajectory = history_and_trajectory()
    info = {"swe_agent_hash": "unavailable", "swe_agent_version": "1.0.1", "swe_rex_version": "1.2.0",
            "swe_rex_hash": "unavailable", "submission": DIFF, "exit_status": "submitted",
            "edited_files30": "[File: src/marshmallow/fields.py]", "edited_files50": "", "edited_files70": "",
            "model_stats": {"instance_cost": 0.41, "tokens_sent": 153204, "tokens_received": 1410, "api_calls": 10}}
    replay = json.dumps({"env": {"repo": {"repo_name": "testbed"}, "deployment": {"type": "docker"}},
                         "agent": {"model": {"name": "gpt-4o"}}, "problem_statement": {"id": IID}})
    data = {"trajectory": trajectory, "history": history, "info": info, "replay_config": replay, "environment": "main"}
    FOLDER.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2)
    assert len(text) > 64 * 1024 and text.index('"history"') > 64 * 1024, "sample must put history past 64 KiB"
    (FOLDER / f"{IID}.traj").write_text(text)
    report = {IID: {"patch_is_None": False, "patch_exists": True, "patch_successfully_applied": True,
                    "resolved": True}}
    (FOLDER / "report.json").write_text(json.dumps(report, indent=4))


if __name__ == "__main__":
    main()
