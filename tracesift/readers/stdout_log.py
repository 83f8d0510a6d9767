"""Metrics printed to a console: the lines training scripts write to stdout.

Recognised line shapes, tried in this order on every line (ANSI colours and a
Ray ``(Worker pid=N)`` prefix removed first):

- verl: ``step:12 - actor/entropy:0.51 - critic/score/mean:0.43``
- Megatron-LM: ``iteration 120/ 1000 | ... | lm loss: 2.34E+00 | grad norm: 1.2 |`` and
  ``validation loss at iteration 100 | lm loss value: 8.5E-01 | lm loss PPL: 2.3 |``
- nanoGPT: ``iter 120: loss 2.3456, time 12.34ms, mfu 1.23%`` and
  ``step 250: train loss 2.10, val loss 2.20``
- Hugging Face Trainer / TRL: ``{'loss': 0.41, 'grad_norm': 1.2, 'epoch': 0.23}``, also
  with the values quoted (``{'loss': '4.057'}``, as recent versions print them) and
  after a tqdm progress bar on the same line.
  These lines carry no step: the n-th training line is step n, and an
  evaluation line (``eval_*`` keys) takes the step of the training line before
  it. ``trainer_state.json``, when kept, has the exact steps.
- ``key=value`` or ``key: value`` pairs, two or more numbers on a line, with a
  step key (``step``, ``iter``, ``iteration``, ``global_step``) or, without one,
  the line's order among such lines as its step.

Nothing on a line is evaluated: values are matched with regular expressions.
"""

from __future__ import annotations

import re

from tracesift.readers.base import STEP_KEYS, Batch, Input, MetricColumns, Problem, Reader, as_number, run_id_of

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RAY_PREFIX = re.compile(r"^\s*\([\w.:-]+ pid=\d+(?:, ip=[\d.]+)?\)\s*")
NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|NaN|inf|Infinity|-inf)"

# A number as Python prints it inside a dict or list: bare, quoted, or wrapped (numpy 2, torch).
WRAPPED = r"(?:np\.\w+\(|numpy\.\w+\(|tensor\(|float\()?\s*'?(" + NUMBER + r")'?(?:,[^)]*)?\)?"

VERL = re.compile(r"(?:^|\s)step:(\d+)\s+-\s+")
VERL_PAIR = re.compile(r"([\w/@.\-]+):" + WRAPPED + r"(?=\s+-\s+|\s*$)")
MEGATRON = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?iteration\s+(\d+)\s*/\s*\d+\s*\|")
MEGATRON_VALID = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?validation loss at iteration (\d+)\s*\|")
MEGATRON_PAIR = re.compile(r"\|\s*([A-Za-z][\w \-/()]*?)\s*:\s*(" + NUMBER + r")\s*(?=\|)")
NANOGPT_ITER = re.compile(r"^\s*iter (\d+): loss (" + NUMBER + r"), time (" + NUMBER + r")ms(?:, mfu (" + NUMBER + r")%)?")
NANOGPT_EVAL = re.compile(r"^\s*step (\d+): train loss (" + NUMBER + r"), val loss (" + NUMBER + r")")
PY_DICT = re.compile(r"\{\s*'[\w/.\-]+'\s*:")
PY_DICT_PAIR = re.compile(r"'([\w/.\- ]+)'\s*:\s*" + WRAPPED + r"\s*(?=[,}])")
KEY_VALUE_PAIR = re.compile(r"([A-Za-z_][\w/.\-]*)\s*[=:]\s*(" + NUMBER + r")(?![\w.])")
LINE_STEP_KEYS = (*STEP_KEYS, "it")  # console lines also count tqdm-style iterations

# JSON documents and JSON lines open like this; console dict lines use single quotes.
JSON_DOCUMENT = re.compile(r'\s*(\{\s*"|\[\s*[\{\["\]])')

MIN_LINES = 3
MIN_SHARE = 0.1
SNIFF_LINES = 300


class _Counter:
    """Steps for lines that carry none: the order of such lines."""

    def __init__(self) -> None:
        self.train = 0
        self.key_value = 0


def parse_line(line: str, counter: _Counter) -> tuple[int, dict[str, float]] | None:
    """(step, metrics) from one console line, or None when it holds no metrics."""
    line = RAY_PREFIX.sub("", ANSI.sub("", line))
    if match := VERL.search(line):
        return int(match.group(1)), _numbers(VERL_PAIR.findall(line[match.end() - 3 :]))
    if match := MEGATRON.match(line):
        return int(match.group(1)), _numbers(MEGATRON_PAIR.findall(line[match.end() - 1 :] + "|"))
    if match := MEGATRON_VALID.match(line):
        pairs = MEGATRON_PAIR.findall(line[match.end() - 1 :] + "|")
        return int(match.group(1)), _numbers((f"validation/{k.removesuffix(' value')}", v) for k, v in pairs)
    if match := NANOGPT_ITER.match(line):
        step, loss, time_ms, mfu = match.groups()
        values = {"loss": loss, "time_ms": time_ms} | ({"mfu_percent": mfu} if mfu else {})
        return int(step), _numbers(values.items())
    if match := NANOGPT_EVAL.match(line):
        step, train, val = match.groups()
        return int(step), _numbers([("train_loss", train), ("val_loss", val)])
    if match := PY_DICT.search(line):
        return _python_dict(line[match.start() :], counter)
    return _key_values(line, counter)


def _python_dict(line: str, counter: _Counter) -> tuple[int, dict[str, float]] | None:
    values = _numbers(PY_DICT_PAIR.findall(line))
    if not values:
        return None
    if not any(k.startswith("eval_") for k in values) and "train_runtime" not in values:
        counter.train += 1
    if "train_runtime" in values:
        return None  # the closing summary is no point of the curve
    return counter.train, values


def _key_values(line: str, counter: _Counter) -> tuple[int, dict[str, float]] | None:
    values = _numbers(KEY_VALUE_PAIR.findall(line))
    step_key = next((k for k in values if k.lower() in LINE_STEP_KEYS), None)
    if len(values) < 2 or (step_key is None and len(values) < 3):
        return None
    if step_key is not None:
        return int(values.pop(step_key)), values
    counter.key_value += 1
    return counter.key_value - 1, values


def _numbers(pairs) -> dict[str, float]:
    values = {}
    for key, text in pairs:
        number = as_number(text)
        if number is not None:
            values[key.strip()] = number
    return values


def sniff(source: Input) -> float:
    """Likely when, among the first lines, at least 3 and a tenth carry metrics.

    Prose and source code that mention a metric now and then (a README, a
    training script) fall short of the share.
    """
    head = source.text_prefix(32 * 1024)
    if head is None or JSON_DOCUMENT.match(head):
        return 0.0
    counter = _Counter()
    lines = [line for line in re.split(r"[\r\n]", head)[:SNIFF_LINES] if line.strip()]
    hits = sum(1 for line in lines if parse_line(line, counter))
    return 0.7 if hits >= MIN_LINES and hits >= MIN_SHARE * len(lines) else 0.0


def read(source: Input) -> Batch:
    path, run_id = source.path, source.rel
    run = run_id_of(run_id)
    columns = MetricColumns()
    counter = _Counter()
    problems: list[Problem] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8", errors="replace")
            if "\ufffd" in text and not problems:
                problems.append(Problem("not UTF-8 text in places: undecodable bytes replaced", number))
            for part in text.split("\r"):
                parsed = parse_line(part, counter)
                if parsed:
                    columns.add_dict(run, parsed[0], parsed[1])
    if not len(columns):
        raise ValueError("no metric lines found")
    return Batch({"metrics": columns.table()}, problems)


READER = Reader(
    name="stdout",
    description="console logs: verl step:N - k:v, Megatron iteration lines, nanoGPT iter lines, "
    "HF/TRL {'loss': ...} dicts, key=value",
    example="logs/train.out",
    sniff=sniff,
    read=read,
    fallback=True,
)
