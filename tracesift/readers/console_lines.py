"""The line shapes of console logs: one printed line in, (step, metrics) out, or None.

Tried in this order on every line (ANSI colours and a Ray ``(Worker pid=N)``
prefix removed first):

- verl: ``step:12 - actor/entropy:0.51 - critic/score/mean:0.43``
- Megatron-LM: ``iteration 120/ 1000 | ... | lm loss: 2.34E+00 | grad norm: 1.2 |`` and
  ``validation loss at iteration 100 | lm loss value: 8.5E-01 | lm loss PPL: 2.3 |``
- nanoGPT: ``iter 120: loss 2.3456, time 12.34ms, mfu 1.23%`` and
  ``step 250: train loss 2.10, val loss 2.20`` (estimates over eval batches: read as
  ``train_loss_at_eval``, not the per-iteration ``loss``, and ``val_loss``)
- Hugging Face Trainer / TRL: ``{'loss': 0.41, 'grad_norm': 1.2, 'epoch': 0.23}``, every
  numeric key, with values bare, quoted (``'4.057'``, as recent versions print them) or
  wrapped (``np.float64(0.5)``, ``tensor(0.5, device='cuda:0')``), also after a tqdm bar
  on the same line. A dict must be whole on its line and not inside another structure:
  the lines of a pretty-printed config (verl pprints its config first) are not records.
  These lines carry no step: the n-th training line is step n, and an evaluation line
  (``eval_*`` keys) takes the step of the training line before it.
- fields between ``|``: ``step 47710 | loss 13.84 | lr 1.79e-04`` or
  ``Epoch 0 | Train Loss: 11.23 | Token Acc: 0.07`` (keys may hold spaces).
- ``key=value`` or ``key: value`` pairs: ``step=10 loss=0.5 lr=1e-4``; keys of several
  words after a separator (``INFO:Epoch 1: Train Loss=0.07, Val Loss=0.08``,
  ``Epoch 1 - Batch loss: 12.13``, Caffe's ``Iteration 100 (...), loss = 0.2244``).

The step of a line is its step key (``step``, ``iter``, ``iteration``, ``global_step``,
``it``), or a leading ``Step N`` / ``Iteration N``; otherwise the line's order among such
lines. ``Epoch N`` is kept as the metric ``epoch``, not used as the step, since many lines
may share an epoch. A line needs two values with a step, or three without one.

Nothing on a line is evaluated: values are matched with regular expressions, at
line speed.
"""

from __future__ import annotations

import re

from tracesift.readers.base import STEP_KEYS, Problem, as_step

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RAY_PREFIX = re.compile(r"^\s*\([\w.:-]+ pid=\d+(?:, ip=[\d.]+)?\)\s*")
NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|NaN|inf|Infinity|-inf)"
END = r"(?![\w.])"

# A value as Python prints it inside a dict: bare, quoted, or wrapped (numpy 2, torch).
WRAPPED = (r"(?:(?:np|numpy)\.\w+\(|tensor\(|float\()?\s*['\"]?(" + NUMBER + r")['\"]?"
           r"(?:\s*,\s*\w+\s*=\s*[^,)]*)*\)?")

VERL = re.compile(r"(?:^|\s)step:(\d+)\s+-\s+")
VERL_PAIR = re.compile(r"([\w/@.\-]+):" + WRAPPED + r"(?=\s+-\s+|\s*$)")
MEGATRON = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?iteration\s+(\d+)\s*/\s*\d+\s*\|")
MEGATRON_VALID = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?validation loss at iteration (\d+)\s*\|")
MEGATRON_PAIR = re.compile(r"\|\s*([A-Za-z][\w \-/()]*?)\s*:\s*(" + NUMBER + r")\s*(?=\|)")
NANOGPT_ITER = re.compile(r"^\s*iter (\d+): loss (" + NUMBER + r"), time (" + NUMBER + r")ms(?:, mfu (" + NUMBER + r")%)?")
NANOGPT_EVAL = re.compile(r"^\s*step (\d+): train loss (" + NUMBER + r"), val loss (" + NUMBER + r")")
PY_DICT = re.compile(r"\{\s*['\"][\w/.\-]+['\"]\s*:")
PY_DICT_PAIR = re.compile(r"['\"]([^'\"\\]+)['\"]\s*:\s*" + WRAPPED + r"(?=\s*[,}])")

WORD = r"[A-Za-z][\w/.\-]*"
KEY_VALUE_PAIR = re.compile(r"(" + WORD + r")\s*[=:]\s*(" + NUMBER + r")" + END)
# Keys of two to four words, only right after a separator, so ``INFO step=1`` stays ``step``.
SPACED_PAIR = re.compile(r"(?:^|[,|;]|\s-|:)\s*(" + WORD + r"(?: " + WORD + r"){1,3})\s*[=:]\s*(" + NUMBER + r")" + END)
PIPE_FIELD = re.compile(r"^\s*(" + WORD + r"(?: " + WORD + r"){0,3})\s*[=:]?\s+(" + NUMBER + r")\s*$")
LEADING_COUNTER = re.compile(r"\b(step|iteration|iter|epoch)\s*[:=]?\s*(\d+)" + END, re.IGNORECASE)
LINE_STEP_KEYS = frozenset((*STEP_KEYS, "it", "global step"))
# A printed dict is a training record when a key names something training measures.
TRAINING_KEY = re.compile(r"loss|reward|score|entropy|kl|grad|learning_rate|epoch|acc|ppl|perplexity|eval_|train_|"
                          r"objective|policy|critic|actor|rollout|completion|clip", re.IGNORECASE)
SOURCE_SUFFIXES = (".cc", ".cpp", ".cxx", ".c", ".h", ".hpp", ".py", ".rs", ".go", ".java")
"""``file_system_monitor.cc:111`` is where a warning was raised, not a metric."""
DIGIT = re.compile(r"\d")
SEPARATOR = re.compile(r"[,|;]|\s-\s|:\s")
"""A key of several words follows one of these; a line without any has single-word keys only."""


class Progress:
    """One counter's first and last value: did it go back to where it started?"""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None

    def restarted_by(self, value: float) -> bool:
        """Record ``value``; True when it is back at (or before) the first value after progress."""
        restarted = self.first is not None and self.last > self.first and value <= self.first
        if restarted or self.first is None:
            self.first = value
        self.last = value
        return restarted


class Counter:
    """What one file's lines have told so far: counters for lines that carry no step, and
    which run of the file they belong to.

    Two runs appended to one log are told apart by the step counter going back to the
    first step of the run (or, for dict lines without steps, the epoch going back to its
    first value): ``segment`` counts such restarts. A step going back only part of the way
    is a run resumed from a checkpoint, still the same run.
    """

    def __init__(self) -> None:
        self.train = 0
        self.key_value = 0
        self.segment = 0
        self.bad_steps = 0
        """Lines skipped because the step they print is not a whole number (``step nan``)."""
        self._steps, self._epochs = Progress(), Progress()

    @property
    def steps(self) -> Progress:
        """The printed steps' first and last (of the current run)."""
        return self._steps

    @property
    def epochs(self) -> Progress:
        """The epochs' first and last, of dict lines without steps."""
        return self._epochs

    def explicit(self, step: int) -> int:
        """A step the line itself printed: starts a new segment when the counter restarted."""
        if self._steps.restarted_by(step):
            self._restart(keep=self._steps)
        return step

    def epoch(self, epoch: float) -> None:
        """An epoch of a dict line: going back to the first epoch after progress starts a new segment."""
        if self._epochs.restarted_by(epoch):
            self._restart(keep=self._epochs)

    def _restart(self, keep: Progress) -> None:
        self.segment += 1
        self.train = self.key_value = 0
        self._steps, self._epochs = (keep, Progress()) if keep is self._steps else (Progress(), keep)


def bad_steps_problem(counter: Counter) -> list[Problem]:
    """The warning for the lines a file's :class:`Counter` skipped for their step, if any."""
    if not counter.bad_steps:
        return []
    plural = "" if counter.bad_steps == 1 else "s"
    return [Problem(f"{counter.bad_steps} line{plural} whose step is not a whole number in int64 range: skipped")]


def clean(line: str) -> str:
    """The line without ANSI colours and without a Ray ``(Worker pid=N)`` prefix."""
    if "\x1b" in line:
        line = ANSI.sub("", line)
    return RAY_PREFIX.sub("", line) if "pid=" in line else line


def parse_line(line: str, counter: Counter) -> tuple[int, dict[str, float]] | None:
    """(step, metrics) from one console line, or None when it holds no metrics."""
    return parse_clean(clean(line), counter)


def parse_clean(line: str, counter: Counter) -> tuple[int, dict[str, float]] | None:
    """:func:`parse_line` of a line already :func:`clean`. Each shape's regex runs only where a
    cheap substring test says it could match: console logs are read at line speed."""
    if not DIGIT.search(line):
        return None
    if "step:" in line and (match := VERL.search(line)):
        return counter.explicit(int(match.group(1))), _numbers(VERL_PAIR.findall(line[match.end() - 3 :]))
    if "iteration" in line:
        return _megatron(line, counter)
    if line.lstrip().startswith(("iter ", "step ")) and (nano := _nanogpt(line, counter)):
        return nano
    if "{" in line and (match := PY_DICT.search(line)):
        if _nested(line, match.start()):
            return None  # a line of a pretty-printed structure (a config dump), not a record
        return _python_dict(line[match.start() :], counter)
    return _pairs_line(line, counter)


def _megatron(line: str, counter: Counter) -> tuple[int, dict[str, float]] | None:
    if match := MEGATRON.match(line):
        return counter.explicit(int(match.group(1))), _numbers(MEGATRON_PAIR.findall(line[match.end() - 1 :] + "|"))
    if match := MEGATRON_VALID.match(line):
        pairs = MEGATRON_PAIR.findall(line[match.end() - 1 :] + "|")
        return int(match.group(1)), _numbers((f"validation/{k.removesuffix(' value')}", v) for k, v in pairs)
    return _pairs_line(line, counter)


def _nanogpt(line: str, counter: Counter) -> tuple[int, dict[str, float]] | None:
    if match := NANOGPT_ITER.match(line):
        step, loss, time_ms, mfu = match.groups()
        values = {"loss": loss, "time_ms": time_ms} | ({"mfu_percent": mfu} if mfu else {})
        return counter.explicit(int(step)), _numbers(values.items())
    if match := NANOGPT_EVAL.match(line):
        step, train, val = match.groups()
        return counter.explicit(int(step)), _numbers([("train_loss_at_eval", train), ("val_loss", val)])
    return None


def _nested(line: str, start: int) -> bool:
    """Whether the dict at ``start`` is part of a larger structure, or does not close on its line."""
    return line[:start].rstrip().endswith((":", ",", "[", "(", "{")) or not line.rstrip().endswith("}")


def _python_dict(text: str, counter: Counter) -> tuple[int, dict[str, float]] | None:
    values = _numbers(PY_DICT_PAIR.findall(text))
    if not any(TRAINING_KEY.search(key) for key in values):
        return None  # a config dict (a tokenizer's ids, a model's sizes), not a point of a curve
    if not any(k.startswith("eval_") for k in values) and "train_runtime" not in values:
        counter.train += 1
    if "train_runtime" in values:
        return None  # the closing summary is no point of the curve
    if "epoch" in values and not any(k.startswith("eval_") for k in values):
        before = counter.segment
        counter.epoch(values["epoch"])
        counter.train += counter.segment != before  # the restart reset the count: this line is step 1
    return counter.train, values


def _pairs_line(line: str, counter: Counter) -> tuple[int, dict[str, float]] | None:
    values = _numbers(_pairs(line))
    step_key = next((k for k in values if k.lower() in LINE_STEP_KEYS), None)
    step = None
    if step_key is not None:
        step = as_step(values.pop(step_key))
        if step is None:
            counter.bad_steps += 1
            return None
        step = counter.explicit(step)
    counted = LEADING_COUNTER.search(line) if step is None else None
    if counted:
        values = {key: value for key, value in values.items() if key.lower() != counted.group(1).lower()}
    if counted and counted.group(1).lower() == "epoch":
        epoch = float(counted.group(2))
    elif counted:
        step = counter.explicit(int(counted.group(2)))
    if len(values) < (1 if step is not None or counted else 3):
        return None
    if counted and step is None:
        values.setdefault("epoch", epoch)
    if step is None:
        counter.key_value += 1
        step = counter.key_value - 1
    return step, values


def _pairs(line: str) -> list[tuple[str, str]]:
    """The (key, number) pairs of a line: ``|`` fields when it has them, else key=value pairs."""
    fields = line.split("|")
    if len(fields) >= 3 or (len(fields) == 2 and all(PIPE_FIELD.match(f) for f in fields)):
        found = [m.groups() for m in map(PIPE_FIELD.match, fields) if m]
        if len(found) >= 2:
            return found
    spaced = list(SPACED_PAIR.finditer(line)) if SEPARATOR.search(line) else []
    rest = line
    for match in reversed(spaced):  # blank them out, so their last word is not taken again alone
        rest = rest[: match.start(1)] + " " * (match.end() - match.start(1)) + rest[match.end() :]
    return [m.groups() for m in spaced] + KEY_VALUE_PAIR.findall(rest)


def _numbers(pairs) -> dict[str, float]:
    """The pairs whose text is a number, keyed by their stripped names (source locations left out)."""
    values = {}
    for key, text in pairs:
        try:
            number = float(text)
        except ValueError:
            continue
        if not key.endswith(SOURCE_SUFFIXES):
            values[key.strip()] = number
    return values
