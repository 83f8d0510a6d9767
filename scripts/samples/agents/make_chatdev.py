"""Write the ChatDev sample log under sample_traces/agents/chatdev/ (plain Python ``logging``, no ChatDev).

The records are made the way ChatDev 1.x makes them (OpenBMB/ChatDev, branch ``chatdev1.0`` @ 31fd9944):

* run.py @ 4597af12: ``logging.basicConfig(format='[%(asctime)s %(levelname)s] %(message)s',
  datefmt='%Y-%d-%m %H:%M:%S')``;
* chatdev/utils.py @ 6ff2e8f9: ``log_visualize`` (``role: content\\n``, or ``content\\n`` alone),
  ``log_arguments`` (the ``**[chatting]**`` / ``**[RolePlaying]**`` parameter tables, values through
  ``escape_string``; ChatDev renders them with ``markdown`` first, here tags are only stripped),
  visualizer/app.py @ 6ff2e8f9 (``flask app.py did not start for online log`` after each message
  when the visualizer is not running);
* chatdev/chat_chain.py and camel/agents/role_playing.py @ 1b5b5f43 (``[Preprocessing]``, ``[Start
  Chat]``, ``[Post Info]``), chatdev/phase.py @ 000ed498 (turns ``A<->B on : Phase, turn N``,
  ``[Seminar Conclusion]``, ``[Test Reports]`` logged by ``update_phase_env``, the ModuleNotFoundError
  path, ``[Software Info]``), chatdev/composed_phase.py @ 6ff2e8f9 (``[Execute Detail]``, the second
  ``update_phase_env`` that runs the software again, ``[Test Info]`` ``Test Pass!``),
  chatdev/chat_env.py @ 1b5b5f43 (``exist_bugs``, ``[CMD Execute]``), chatdev/codes.py @ 6ff2e8f9
  (``[Update Codes]`` unified diffs), camel/model_backend.py @ 4597af12 (``[OpenAI_Usage_Info
  Receive]`` with ``cost``) and chatdev/statistics.py @ 4597af12 (``get_info``: the Software Info
  numbers, computed here from the log as ChatDev does);
* the rate-limit retry: the OpenAI client's ``error_code=...`` INFO line and the retry WARNING, as in
  WareHouse/RPG_V1_ModelBest1024_20231026174838/RPG_V1_ModelBest1024_20231026174838.log @ 4834fbee.

Prompts are shortened and the project (a tip splitter) is invented. A logging filter drives the
clock, so the times are the same on every run::

    python3 scripts/samples/agents/make_chatdev.py
"""

from __future__ import annotations

import difflib
import html
import logging
import re
import time
from pathlib import Path

START = "20240312094210"
PROJECT = f"TipSplit_DefaultOrganization_{START}"
OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "chatdev" / PROJECT
LOG = OUT / f"{PROJECT}.log"
STARTED = 1710236530.0  # 2024-03-12 09:42:10 UTC, the run id above
TASK = "Build a tip calculator that splits a restaurant bill between friends"
CHATDEV = ("ChatDev is a software company powered by multiple intelligent agents, such as chief executive officer, "
           "chief human resources officer, chief product officer, chief technology officer, etc, with a multi-agent "
           "organizational structure and the mission of \"changing the digital world through programming\".")
ROLES = {
    "Chief Executive Officer": "Your main responsibilities include being an active decision-maker on users' demands.",
    "Chief Product Officer": "You are responsible for all product-related matters in ChatDev.",
    "Chief Technology Officer": "You are very familiar to information technology.",
    "Programmer": "You can write/create computer software or applications by providing a specific programming language.",
    "Code Reviewer": "You can help programmers to assess source codes for software troubleshooting.",
    "Software Test Engineer": "You can use the software as intended to analyze its functional properties.",
}


class Clock(logging.Filter):
    """Gives each record the next time of a scripted clock (seconds after the start)."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.now = start

    def filter(self, record: logging.LogRecord) -> bool:
        record.created, record.msecs = self.now, 0
        return True


def log_visualize(role, content=None):
    """chatdev/utils.py log_visualize, with the visualizer's failed POST (send_msg) after each message."""
    if not content:
        logging.info(role + "\n")
    else:
        logging.info(str(role) + ": " + str(content) + "\n")
    logging.info("flask app.py did not start for online log")


def escape_string(value) -> str:
    value = html.unescape(str(value))
    return re.sub(r"<[^>]*>", "", value).replace("\n", " ")


def log_arguments(name: str, arguments: dict) -> None:
    rows = [f"| **{key}** | {escape_string(value)} |" for key, value in arguments.items()]
    log_visualize("System", f"**[{name}]**\n\n| Parameter | Value |\n| --- | --- |\n" + "\n".join(rows))


def role_prompt(role: str) -> str:
    return (f"{CHATDEV}\nYou are {role}. we are both working at ChatDev. We share a common interest in "
            f"collaborating to successfully complete a task assigned by a new customer.\n{ROLES[role]}\n"
            f"Here is a new customer's task: {TASK}.\nTo complete the task, you must write a response that "
            f"appropriately solves the requested instruction based on your expertise and customer's needs.")


class Run:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.codes: dict[str, str] = {}

    def tick(self, seconds: float) -> None:
        self.clock.now += seconds

    def usage(self, prompt: int, completion: int) -> None:
        cost = prompt * 0.0015 / 1000 + completion * 0.002 / 1000
        log_visualize(f"**[OpenAI_Usage_Info Receive]**\nprompt_tokens: {prompt}\ncompletion_tokens: {completion}\n"
                      f"total_tokens: {prompt + completion}\ncost: ${cost:.6f}\n")

    def phase(self, name: str, assistant: str, user: str, prompt: str, reply: str, tokens: tuple[int, int],
              rate_limited: bool = False) -> None:
        """One SimplePhase chat with one turn: tables, Start Chat, the LLM call, the reply, the conclusion."""
        log_arguments("chatting", {"task_prompt": TASK, "need_reflect": False, "assistant_role_name": assistant,
                                   "user_role_name": user, "phase_prompt": prompt, "phase_name": name,
                                   "chat_turn_limit": 1, "placeholders": {}, "model_type": "ModelType.GPT_3_5_TURBO"})
        log_arguments("RolePlaying", {"assistant_role_name": assistant, "user_role_name": user,
                                      "task_prompt": TASK, "with_task_specify": False,
                                      "model_type": "ModelType.GPT_3_5_TURBO"})
        log_visualize(user, "**[Start Chat]**\n\n[" + role_prompt(assistant) + "]\n\n" + prompt)
        self.tick(2)
        if rate_limited:
            message = ("Rate limit reached for gpt-3.5-turbo-16k-0613 in organization org-sample on requests per "
                       "min. Limit: 3 / min. Please try again in 20s.")
            logging.info(f"error_code=rate_limit_exceeded error_message='{message}' error_param=None "
                         "error_type=requests message='OpenAI API error received' stream_error=False")
            logging.warning(message)
            self.tick(20)
        self.usage(*tokens)
        self.tick(6)
        meta = f"**{assistant}<->{user} on : {name}, turn 0**\n\n"
        log_visualize(assistant, meta + "[" + role_prompt(user) + "]\n\n" + reply)
        log_visualize(f"**[Seminar Conclusion]**:\n\n {reply}")

    def update_codes(self, files: dict[str, str]) -> None:
        for name, code in files.items():
            old = self.codes.get(name, "# None")
            diff = "\n".join(difflib.unified_diff(old.splitlines(), code.splitlines(), lineterm="",
                                                  fromfile="Old", tofile="New"))
            log_visualize(f"**[Update Codes]**\n\n{name} updated.\n\n\n```\n'''\n\n'''\n{diff}\n```")
            self.codes[name] = code

    def detail(self, phase: str, composed: str, cycle: int) -> None:
        log_visualize(f"**[Execute Detail]**\n\nexecute SimplePhase:[{phase}] in ComposedPhase:[{composed}], "
                      f"cycle {cycle}")

    def test_reports(self, report: str) -> None:
        self.tick(3)
        log_visualize(f"**[Test Reports]**:\n\n{report}")


def code_block(files: dict[str, str]) -> str:
    return "\n\n".join(f"{name}\n\n```python\n{code}\n```" for name, code in files.items())


MAIN = "'''\nTip splitter: asks for the bill and the party size.\n'''\nfrom tip import split\n\n" \
       "def main():\n    bill = float(input('Bill: '))\n    people = int(input('People: '))\n" \
       "    print(f'Each pays {split(bill, people):.2f}')\n\nif __name__ == '__main__':\n    main()"
TIP = "'''\nBill arithmetic.\n'''\n\ndef split(bill, people, tip=0.15):\n    return bill * (1 + tip) / people"
TIP_GUARD = TIP.replace("    return bill", "    if people < 1:\n        raise ValueError('people must be >= 1')\n"
                                          "    return bill")
MAIN_GUI = MAIN.replace("from tip import split", "import tkinter\nfrom babel.numbers import format_currency\n"
                                                 "from tip import split")
TRACEBACK = ("Traceback (most recent call last):\n  File \"main.py\", line 12, in <module>\n    main()\n"
             "  File \"main.py\", line 9, in main\n    print(f'Each pays {split(bill, people):.2f}')\n"
             "  File \"tip.py\", line 6, in split\n    return bill * (1 + tip) / people\n"
             "ZeroDivisionError: float division by zero\n")
NO_MODULE = ("Traceback (most recent call last):\n  File \"main.py\", line 5, in <module>\n"
             "    from babel.numbers import format_currency\nModuleNotFoundError: No module named 'babel'\n")


def software_info(run: Run, log: Path) -> str:
    """chatdev/statistics.py get_info: counts from the log and the code, as ChatDev computes them."""
    lines = log.read_text(encoding="utf8").split("\n")
    prompt = sum(int(line.split(": ")[-1]) for line in lines if line.startswith("prompt_tokens:"))
    completion = sum(int(line.split(": ")[-1]) for line in lines if line.startswith("completion_tokens:"))
    utterances = sum("**[Start Chat]**" in line for line in lines) + sum("<->" in line for line in lines)
    code_lines = sum(len([x for x in code.split("\n") if x.strip()]) for code in run.codes.values())
    cost = prompt * 0.0015 / 1000.0 + completion * 0.002 / 1000.0
    values = {"cost": f"${cost:.6f}", "version_updates": 4.0, "num_code_files": len(run.codes), "num_png_files": 0,
              "num_doc_files": 3, "code_lines": code_lines, "env_lines": 1, "manual_lines": -1,
              "num_utterances": utterances, "num_self_reflections": 0, "num_prompt_tokens": prompt,
              "num_completion_tokens": completion, "num_total_tokens": prompt + completion}
    marks = "💰🔨📃🏞📚📃📋📒🗣🤔❓❗🌟"
    return "".join(f"\n\n{mark}**{name}**={value}" for mark, (name, value) in zip(marks, values.items(), strict=True))


def chain(run: Run) -> None:
    run.phase("DemandAnalysis", "Chief Product Officer", "Chief Executive Officer",
              "ChatDev has made products in the following form before: ... decide which product modality do we "
              "want the product to be?", "<INFO> Application", (441, 4))
    run.phase("LanguageChoose", "Chief Technology Officer", "Chief Executive Officer",
              f'Task: "{TASK}". Modality: "application". ... propose a concrete programming language.',
              "<INFO> Python", (392, 4))
    files = {"main.py": MAIN, "tip.py": TIP}
    run.phase("Coding", "Programmer", "Chief Technology Officer",
              f'Task: "{TASK}". Programming Language: " Python" ... write one or multiple files.',
              "main.py reads the bill and the party size; tip.py does the arithmetic.\n\n" + code_block(files),
              (722, 198))
    run.update_codes(files)
    log_visualize(f"**[Software Info]**:\n\n {software_info(run, LOG)}")
    run.detail("CodeReviewComment", "CodeReview", 1)
    run.phase("CodeReviewComment", "Code Reviewer", "Programmer",
              f'Codes: "{code_block(run.codes)}" ... propose one comment with the highest priority.',
              "<COMMENT> `split` divides by `people` without checking it: a party of 0 crashes the program.",
              (901, 37), rate_limited=True)
    run.detail("CodeReviewModification", "CodeReview", 1)
    run.phase("CodeReviewModification", "Programmer", "Code Reviewer",
              'Comments on Codes: "`split` divides by `people` without checking it" ... modify corresponding codes.',
              "I kept the formula and left the check to the caller.\n\n" + code_block({"tip.py": TIP}), (1012, 82))
    log_visualize(f"**[Software Info]**:\n\n {software_info(run, LOG)}")
    run.detail("TestErrorSummary", "Test", 1)
    run.test_reports(TRACEBACK)
    run.test_reports(TRACEBACK)
    run.phase("TestErrorSummary", "Programmer", "Software Test Engineer",
              f'Test Reports of Source Codes: "{TRACEBACK}" ... locate and summarize the bugs.',
              "The program divides by zero when the party size is 0: `split` must reject it.", (986, 30))
    run.detail("TestModification", "Test", 1)
    files = {"main.py": MAIN_GUI, "tip.py": TIP_GUARD}
    run.phase("TestModification", "Programmer", "Software Test Engineer",
              'Error Summary of Test Reports: "divides by zero" ... modify the problematic codes.',
              "`split` now raises ValueError for fewer than one person; main.py formats the amount.\n\n"
              + code_block(files), (1104, 171))
    run.update_codes(files)
    log_visualize(f"**[Software Info]**:\n\n {software_info(run, LOG)}")
    run.detail("TestErrorSummary", "Test", 2)
    run.test_reports(NO_MODULE)
    run.test_reports(NO_MODULE)
    log_visualize("**[CMD Execute]**\n\n[CMD] pip install babel")
    log_visualize(f"Software Test Engineer found ModuleNotFoundError:\n{NO_MODULE}\n")
    log_visualize("Programmer resolve ModuleNotFoundError by:\ncmd\n```bash\npip install babel\n```\n\n")
    run.detail("TestModification", "Test", 2)
    run.detail("TestErrorSummary", "Test", 3)
    run.test_reports("The software run successfully without errors.")
    log_visualize("**[Test Info]**\n\nAI User (Software Test Engineer):\nTest Pass!\n")
    run.phase("EnvironmentDoc", "Programmer", "Chief Technology Officer",
              "... write a requirements.txt file", "requirements.txt\n\n```\nbabel==2.14.0\n```", (690, 15))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    LOG.unlink(missing_ok=True)
    logging.basicConfig(filename=LOG, level=logging.INFO, format="[%(asctime)s %(levelname)s] %(message)s",
                        datefmt="%Y-%d-%m %H:%M:%S", encoding="utf-8")
    clock = Clock(STARTED)
    logging.getLogger().handlers[0].addFilter(clock)
    logging.Formatter.converter = time.gmtime
    run = Run(clock)
    log_visualize(f"**[Preprocessing]**\n\n**ChatDev Starts** ({START})\n\n**Timestamp**: {START}\n\n"
                  f"**config_path**: CompanyConfig/Default/ChatChainConfig.json\n\n**task_prompt**: {TASK}\n\n"
                  f"**project_name**: TipSplit\n\n**Log File**: WareHouse/{PROJECT}.log\n\n"
                  "**ChatDevConfig**:\n ChatEnvConfig.clear_structure: True\nChatEnvConfig.git_management: False\n\n\n"
                  "**ChatGPTConfig**:\n ChatGPTConfig(temperature=0.2, top_p=1.0, n=1, stream=False)\n\n")
    chain(run)
    run.tick(30)
    end = time.strftime("%Y%m%d%H%M%S", time.gmtime(clock.now))
    info = software_info(run, LOG) + f"\n\n🕑**duration**={clock.now - STARTED:.2f}s\n\n"
    log_visualize(f"**[Post Info]**\n\nSoftware Info: {info}ChatDev Starts ({START})\n\nChatDev Ends ({end})\n\n")
    logging.shutdown()
    print(f"wrote {LOG}")


if __name__ == "__main__":
    main()
