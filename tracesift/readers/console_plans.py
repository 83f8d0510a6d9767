"""How the lines of one shape read, learnt once from the per-line rules, so that a block of lines reads without them.

A line's *shape* is the line with every run of digits written as one ``0``:
``step=12 loss=0.53`` and ``step=7 loss=1.25`` share the shape ``step=0 loss=0.0``. The rules
of :mod:`tracesift.readers.console_lines` (and of the tables and configs next to them) treat
every digit alike and a run of digits of any length alike: no rule names a digit, and none
counts repetitions of something a digit may be (``tests/readers/test_console_blocks.py``
checks the patterns). So two lines of one shape take the same path through the rules, find
their keys and values at corresponding places, and differ only in what their digits are. A
:class:`Plan` records that path for one shape: which number of the line (by its runs of
digits) is each value and the step, and which counters the line moves.

A plan is learnt from one line by reading it with the real rules, then once more per number
(counted by :data:`TOKEN`) with that number's digits changed (``0`` to ``1``, ... ``9`` to
``0``): a value is a number's when it changes with that number alone and equals it read as a
float each time. Anything the plan cannot say exactly (a key holding digits, a counter moved
twice, a value no number gives) leaves the shape to the per-line rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from tracesift.readers.console_config import NAMESPACE
from tracesift.readers.console_lines import Counter, clean, parse_clean
from tracesift.readers.console_tables import DASHES

DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
"""``bytes.translate`` table: every digit ``0`` (the block reader collapses each run to one)."""
DIGIT_RUN = re.compile(rb"[0-9]+")
TOKEN = re.compile(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")
"""A number of a line, as the plan counts them; every digit of a line is in one."""
BUMP = str.maketrans("0123456789", "1234567890")
MAX_TOKENS = 48
MAX_CHARS = 4000
"""Longer lines, or lines with more numbers, are left to the per-line rules (learning costs a read per number)."""

NO_STEP, EXPLICIT, TRAIN, KEY_VALUE, FROM_TOKEN = range(5)
"""Where a line's step comes from: none, its ``Counter.explicit`` step, the train or key=value counter, a number."""
_TRAIN0, _KEY_VALUE0 = 7_000_001, 8_000_001  # a probe's counters start here: told apart from the line's numbers


@dataclass
class Plan:
    """How every line of one shape reads. ``quiet``: such lines carry nothing and move no counter."""

    id: int
    quiet: bool = False
    runs: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int32))
    """Per number the plan reads, in the line's order: where it is, by the line's runs of digits (which fall at
    other places in other lines of the shape): its first run, the characters before it (a sign, a dot), its last
    run, the characters after it."""
    metrics: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    """Per value, in the order the rules give them: the metric's id."""
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    """Per value: the number (index among those taken) it is, or -1 for a constant (NaN, infinity)."""
    constants: np.ndarray = field(default_factory=lambda: np.zeros(0))
    explicit: int = -1
    """The number that is the step given to ``Counter.explicit``, or -1 when the line gives none."""
    epoch: int = -1
    """The number given to ``Counter.epoch``, or -1."""
    train: int = 0
    key_value: int = 0
    """How much the line adds to the train and key=value counters (0 or 1)."""
    step: int = NO_STEP
    step_token: int = -1
    parsed: bool = False
    """Whether the rules give such a line a (step, values) at all (it starts its run, even with no values)."""


@dataclass
class _Outcome:
    """What the per-line rules made of one line, with a counter that only records."""

    step: int | None
    items: list[tuple[str, float]] | None
    calls: list[tuple[str, float]]
    train: int
    key_value: int

    def same_structure(self, other: _Outcome) -> bool:
        return ((self.items is None) == (other.items is None) and [k for k, _ in self.items or ()] ==
                [k for k, _ in other.items or ()] and [c for c, _ in self.calls] == [c for c, _ in other.calls]
                and (self.train, self.key_value) == (other.train, other.key_value))


class _ProbeCounter(Counter):
    """Records the counter updates a line makes; never restarts."""

    def __init__(self) -> None:
        super().__init__()
        self.train, self.key_value = _TRAIN0, _KEY_VALUE0
        self.calls: list[tuple[str, float]] = []

    def explicit(self, step: int) -> int:
        self.calls.append(("explicit", step))
        return step

    def epoch(self, epoch: float) -> None:
        self.calls.append(("epoch", epoch))


def _outcome(text: str) -> _Outcome | None:
    counter = _ProbeCounter()
    try:
        parsed = parse_clean(clean(text), counter)
    except (ValueError, OverflowError):
        return None
    if counter.bad_steps:
        return None  # such lines are skipped and counted by the rules, one by one
    step, values = parsed if parsed else (None, None)
    return _Outcome(step, list(values.items()) if values is not None else None, counter.calls,
                    counter.train - _TRAIN0, counter.key_value - _KEY_VALUE0)


def inert(cleaned: str) -> bool:
    """Whether a line (cleaned) leaves the table and config readers as they are, when no table or dump is open."""
    if "--------" in cleaned and DASHES.match(cleaned):
        return False
    text = cleaned.strip()
    return not ("Namespace(" in text and NAMESPACE.search(text)) and not (text.startswith("{'") and not text.endswith("}"))


def learn(raw: bytes, newline: bool, plan_id: int, metric_id) -> Plan | None:
    """The plan of ``raw``'s shape (``newline``: the line ended there, so the rules saw a ``\\n``), or None.

    ``metric_id(name)`` gives a metric's id. None when the line is not UTF-8, too long, or the
    plan cannot say exactly how such lines read.
    """
    try:
        text = raw.decode("utf-8") + ("\n" if newline else "")
    except UnicodeDecodeError:
        return None
    if len(text) > MAX_CHARS or not inert(clean(text)):
        return None
    spans = [m.span() for m in TOKEN.finditer(text)]
    base = _outcome(text)
    if base is None or len(spans) > MAX_TOKENS:
        return None
    if base.items is None and not base.calls and not base.train and not base.key_value:
        return Plan(plan_id, quiet=True)
    probes = [_outcome(text[:a] + text[a:b].translate(BUMP) + text[b:]) for a, b in spans]
    if any(p is None or not p.same_structure(base) for p in probes):
        return None
    return _plan(raw, text, spans, base, probes, Plan(plan_id, train=base.train, key_value=base.key_value,
                                                           parsed=base.items is not None), metric_id)


def _plan(raw, text, spans, base: _Outcome, probes: list[_Outcome], plan: Plan, metric_id) -> Plan | None:
    """``plan`` filled in: each value, call and step traced to the number it is (or refused: None)."""
    tokens = [(text[a:b], text[a:b].translate(BUMP)) for a, b in spans]

    def source(get, convert) -> int | None:
        """The token a number of the outcome is, -1 when no token changes it, None when it is none exactly."""
        found = -1
        for j, probe in enumerate(probes):
            if _same(get(probe), get(base)):
                continue
            if found >= 0 or not (_same(get(base), convert(tokens[j][0])) and _same(get(probe), convert(tokens[j][1]))):
                return None
            found = j
        return found

    sources = [source(lambda o, k=k: o.items[k][1], _float) for k in range(len(base.items or ()))]
    if any(j is None or (j < 0 and math.isfinite(value)) for j, (_, value) in zip(sources, base.items or ())):
        return None  # a finite value no number gives alone
    kinds = [kind for kind, _ in base.calls]
    calls = [source(lambda o, c=c: o.calls[c][1], _float if kind == "epoch" else _int) for c, kind in enumerate(kinds)]
    if any(j is None or j < 0 for j in calls) or len(set(kinds)) < len(kinds):
        return None
    step = _step(plan, base, probes, lambda: source(lambda o: o.step, _int))
    if step is None:
        return None
    taken = sorted({j for j in [*sources, *calls, step] if j >= 0})
    at = {j: i for i, j in enumerate(taken)}.get
    for kind, j in zip(kinds, calls):
        setattr(plan, kind, at(j))
    plan.step_token = at(step, -1)
    plan.metrics = np.array([metric_id(key) for key, _ in base.items or ()], np.int32)
    plan.sources = np.array([at(j, -1) for j in sources], np.intp)
    plan.constants = np.array([value if j < 0 else 0.0 for j, (_, value) in zip(sources, base.items or ())])
    plan.runs = _runs(raw, text, [spans[j] for j in taken])
    return plan


def _step(plan: Plan, base: _Outcome, probes: list[_Outcome], step_source) -> int | None:
    """Sets where such lines' step comes from; the token it is (-1 for none), None when from nowhere followed."""
    if base.step is None:
        return -1
    outcomes = [base, *probes]
    if "explicit" in [kind for kind, _ in base.calls] and all(
            o.step == dict(o.calls)["explicit"] for o in outcomes):
        plan.step = EXPLICIT
    elif all(o.step == _TRAIN0 + base.train for o in outcomes):
        plan.step = TRAIN
    elif all(o.step == _KEY_VALUE0 + base.key_value - 1 for o in outcomes):
        plan.step = KEY_VALUE
    else:
        token = step_source()
        if token is None or token < 0:
            return None
        plan.step = FROM_TOKEN
        return token
    return -1


def _runs(raw: bytes, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
    """:attr:`Plan.runs` of the numbers at ``spans`` (of ``text``, ``raw`` decoded)."""
    runs = [m.span() for m in DIGIT_RUN.finditer(raw)]
    rows = []
    for a, b in spans:
        start, end = len(text[:a].encode()), len(text[:b].encode())
        inside = [i for i, (run_start, run_end) in enumerate(runs) if start <= run_start and run_end <= end]
        rows.append((inside[0], runs[inside[0]][0] - start, inside[-1], end - runs[inside[-1]][1]))
    return np.array(rows, np.int32).reshape(-1, 4)


def _float(text: str) -> float:
    return float(text)


def _int(text: str) -> int | None:
    number = float(text)
    return int(number) if abs(number) < 2**53 else None


def _same(a, b) -> bool:
    """Equal to the bit: NaN is NaN, -0.0 is not 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b and a is not None
