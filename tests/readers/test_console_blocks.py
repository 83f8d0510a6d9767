"""The block reader reads exactly what the per-line reader reads, row for row, on logs built to trip it up.

Seeded logs mix every line shape the rules know with numbers in every form (signs, exponents,
NaN, infinities, leading zeros, digits in keys), runs appended to one file, tables, config
dumps, progress bars after ``\\r``, undecodable bytes and lines without a newline at the end.
Each is read by :func:`stdout_log.read` and :func:`stdout_log.read_by_line`, also with blocks
and lookups cut small (and every queue read in bulk) so that every boundary falls inside the log.
"""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SAMPLES
from tracesift.readers import console_blocks, console_config, console_lines, console_tables, stdout_log
from tracesift.readers.base import Input
from tracesift.readers.console_bulk import parse_floats

NUMBER_FORMS = ["{:.4f}", "{:.6g}", "{:.3e}", "{:.2E}", "{:g}", "{:.0f}", "{:+.3f}", "{:.10f}", "{!r}"]
SPECIAL = ["nan", "NaN", "inf", "-inf", "Infinity", "-0.0", "0", "007", ".5", "5.", "1e400", "-1e-400", "+-inf",
           "123456789012345678901234567890", "1.5e+07", "2e-05"]


class Style:
    """How one log prints: a number format per key, as a logger keeps it, and how often something odd appears."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.formats = rng, {}
        self.odd = rng.choice([0.0, 0.002, 0.02, 0.2])

    def number(self, key: str = "") -> str:
        rng = self.rng
        if rng.random() < self.odd:
            return rng.choice(SPECIAL)
        form = self.formats.setdefault(re.sub(r"\d", "", key), rng.choice(NUMBER_FORMS))
        return form.format(rng.choice([1, 1, 1, -1]) * rng.lognormvariate(0, 3) * rng.choice([1, 1, 1e-6, 1e6]))

    def choice(self, options):
        return self.rng.choice(options)

    def random(self) -> float:
        return self.rng.random()

    def step(self, step: int) -> str:
        rng = self.rng
        if rng.random() < self.odd / 4:
            return rng.choice([f"{step}.5", f"-{step}", f"{step:07d}", f"{step}e0", "12345678901234567890", "nan"])
        return self.formats.setdefault("step", rng.choice(["{}", "{}", "{}.0"])).format(step)


def kv(rng, step):
    keys = rng.choice([["loss", "lr", "grad_norm"], ["loss", "top1", "top5"], ["Train Loss", "Val Loss"],
                       ["loss", f"layer_{step % 3}/norm", f"gpu{step % 2}_mem"]])  # digits of keys vary too
    head = rng.formats.setdefault("head", rng.choice(["2026-11-30 10:01:02 INFO train ", "", "INFO: ", "[rank0]: ",
                                                      "Epoch 3 - ", "2026-11-30T10:01:02 "]))
    sep = rng.formats.setdefault("sep", rng.choice([" ", ", ", " | "]))
    pairs = sep.join(f"{k}={rng.number(k)}" for k in keys)
    return f"{head}step={rng.step(step)} {pairs}" if rng.random() < 0.85 else f"{head}{pairs}"


def verl(rng, step):
    keys = ["actor/entropy", "actor/pg_loss", "critic/score/mean", "val/test_score/gsm8k", "timing_s/gen"]
    fields = " - ".join(f"{k}:{rng.number(k)}" for k in keys if rng.rng.random() < 0.9)
    prefix = rng.choice(["", "(TaskRunner pid=2217) ", "\x1b[36m(TaskRunner pid=22)\x1b[0m "])
    if rng.random() < 0.02:
        fields = "actor/entropy:n/a"  # a step and no value: still the start of a run
    return f"{prefix}step:{rng.step(step)} - {fields}"


def hf(rng, step):
    value = rng.formats.setdefault("wrap", rng.choice(["{}", "'{}'", "np.float64({})", "tensor({}, device='cuda:0')"]))
    record = {"loss": rng.number("loss"), "grad_norm": rng.number("g"), "learning_rate": rng.number("lr"),
              "epoch": rng.choice([f"{step / 50:.2f}", f"{(step % 40) / 10:.1f}"])}
    if rng.random() < 0.1:
        record = {"eval_loss": rng.number(), "eval_runtime": "12.3", "epoch": record["epoch"]}
    if rng.random() < 0.02:
        record = {"train_runtime": "100.1", "train_loss": rng.number(), "epoch": record["epoch"]}
    text = "{" + ", ".join(f"'{k}': {value.format(v)}" for k, v in record.items()) + "}"
    bar = f"{step % 100:3d}%|{'#' * (step % 7):<7}| {step}/100 [00:0{step % 10}<00:09, {rng.number()}it/s]"
    layout = rng.formats.setdefault("bar", rng.choice(["{text}", "\r{bar}{text}", "{bar}\r{text}"]))
    return layout.format(bar=bar, text=text) if rng.random() < 0.95 else f"\r{bar}\r{bar}"


def megatron(rng, step):
    if rng.random() < 0.2:
        return f" validation loss at iteration {step} | lm loss value: {rng.number()} | lm loss PPL: {rng.number()} | "
    return (f" [2024-05-01 10:00:00] iteration {step:8d}/    1000 | consumed samples: {step * 128:12d} | "
            f"learning rate: {rng.number()} | lm loss: {rng.number()} | grad norm: {rng.number()} |")


def nanogpt(rng, step):
    if rng.random() < 0.2:
        return f"step {step}: train loss {rng.number()}, val loss {rng.number()}"
    mfu = f", mfu {rng.number()}%" if rng.random() < 0.7 else ""
    return f"iter {step}: loss {rng.number()}, time {rng.number()}ms{mfu}"


def pipes(rng, step):
    return rng.choice([f"step {step} | loss {rng.number()} | lr {rng.number()}",
                       f"Epoch {step % 5} | Train Loss: {rng.number()} | Token Acc: {rng.number()}",
                       f"I0501 10:00:00.123 solver.cpp:218] Iteration {step} (2.5 iter/s), loss = {rng.number()}",
                       f"INFO:Epoch {step % 9}: Train Loss={rng.number()}, Val Loss={rng.number()}",
                       f"Epoch {step % 9} - Batch loss: {rng.number()}",
                       f"loss={rng.number()} acc={rng.number()} ppl={rng.number()}"])


def table(rng, step):
    rows = [("rollout/", ""), ("   ep_rew_mean", rng.number()), ("time/", ""), ("   total_timesteps", str(step * 64)),
            ("train/", ""), ("   entropy_loss", rng.number())]
    return "\n".join(["-" * 30, *(f"| {k:<20} | {v:<10} |" for k, v in rows), "-" * 30])


def noise(rng, step):
    if rng.random() < 0.02:  # a config dump, pretty-printed over lines
        return "{'actor': {'optim': {'lr': 1e-06},\n 'data': {'seed': 0}}}" if rng.random() < 0.9 else "{'a': {'b': 1},"
    return rng.choice(["", "=" * 40, "Saving model checkpoint to out/checkpoint-500", "def get_lr(it):",
                       "actor_rollout_ref.actor.optim.lr: 1e-6", "| model | parameters |", "-" * 12,
                       "{'bos_token_id': 1, 'eos_token_id': 2, 'vocab_size': 32000}", "epoch 3 done",
                       f"Namespace(lr={rng.number()}, batch_size=32, model='gpt2')", "   \t  ", "\ufffd odd",
                       "[2024-05-01 10:00:00,123 W 1234 5678] file_system_monitor.cc:111: /tmp/ray is over 95% full",
                       f"progress {step}%\r", "\r", "a\rb\rc"])


SHAPES = [kv, verl, hf, megatron, nanogpt, pipes, table, noise]


def hostile_log(path: Path, seed: int, lines: int = 1500) -> Path:
    """A log of one or a few main shapes (as real logs are), noise between, runs appended, odd bytes."""
    rng = Style(random.Random(seed))
    main = rng.rng.sample(SHAPES[:-1], rng.choice([1, 1, 2, 3]))
    noisy = rng.choice([0.99, 0.9, 0.6])
    out, step = [], rng.choice([0, 1, 10])
    for _ in range(lines):
        shape = rng.choice(main) if rng.random() < noisy else noise
        out.append(shape(rng, step))
        step += rng.choice([1, 1, 1, 5])
        if rng.random() < 0.01:
            step = rng.choice([0, 1, 10, step // 2])  # a run appended, or resumed
    data = "\n".join(out).encode()
    if rng.random() < 0.3:
        data = data.replace(b"\n", b"\r\n")
    if rng.random() < 0.3:
        at = rng.rng.randrange(len(data))
        data = data[:at] + b"\xff\xfe" + data[at:]
    path.write_bytes(data + rng.choice([b"\n", b""]))
    return path


def outcome(read, path: Path):
    try:
        batch = read(Input(path, "exp/train.log"))
    except Exception as exc:  # both readers must fail alike
        return type(exc).__name__, str(exc)
    metrics = batch.tables["metrics"]
    return (metrics.schema, [(r["run_id"], r["step"], r["metric"], repr(r["value"]), r["raw_metric"], r["wall_time"])
                             for r in metrics.to_pylist()],
            batch.tables["runs"].to_pylist(), [(p.error, p.line_or_offset) for p in batch.problems])


@pytest.mark.parametrize("seed", range(40))
def test_block_reader_reads_what_the_line_reader_reads(tmp_path, monkeypatch, seed):
    log = hostile_log(tmp_path / "train.log", seed)
    expected = outcome(stdout_log.read_by_line, log)
    assert outcome(stdout_log.read, log) == expected
    monkeypatch.setattr(console_blocks, "BLOCK_BYTES", random.Random(seed).choice([1, 7, 100, 4096]))
    monkeypatch.setattr(console_blocks, "LOOKUP_LINES", random.Random(seed).choice([1, 3, 64]))
    monkeypatch.setattr(console_blocks, "SMALL_QUEUE", 0)  # every queue in bulk, however short
    assert outcome(stdout_log.read, log) == expected


def test_one_long_shape_with_every_number_form_reads_alike(tmp_path):
    """Thousands of lines of few shapes: the bulk path takes almost all of them."""
    rng = Style(random.Random(7))
    rng.odd = 0.01
    lines = [f"step={s} loss={rng.number('a')} lr={rng.number('b')} grad_norm={rng.number('c')}" for s in range(1, 6000)]
    lines[3000:3000] = [f"step={s} loss=0.5 lr=0.1 grad_norm=1" for s in range(1, 50)]  # a run appended
    log = tmp_path / "train.log"
    log.write_text("\n".join(lines) + "\n")
    assert outcome(stdout_log.read, log) == outcome(stdout_log.read_by_line, log)


@pytest.mark.parametrize("restart", ["step=1 loss=9.0 lr=0.3", "step=1"])
def test_a_config_printed_between_long_runs_is_the_next_runs(tmp_path, restart):
    """Printed after run 1 started, held for run 2, whose first line may carry no value (then the next line takes it)."""
    first = "".join(f"step={s} loss={1 / s:.5f} lr=0.003\n" + (f"step={s}\n" if s % 100 == 0 else "")
                    for s in range(1, 3000))  # bare steps: a shape of its own, read in bulk
    second = "".join(f"step={s} loss={9 / s:.5f} lr=0.3\n" for s in range(2, 3000))
    log = tmp_path / "train.log"
    log.write_text(first + "Namespace(lr=0.3, batch_size=32)\n" + restart + "\n" + second)
    assert outcome(stdout_log.read, log) == outcome(stdout_log.read_by_line, log)
    runs = {r["run_id"]: r["config"] for r in stdout_log.read(Input(log, "train")).tables["runs"].to_pylist()}
    assert runs == {"train": None, "train#2": '{"batch_size": 32, "lr": 0.3}'}


@pytest.mark.parametrize("path", sorted((SAMPLES / "training" / "stdout").glob("*.log")), ids=lambda p: p.name)
def test_samples_read_alike(path):
    assert outcome(stdout_log.read, path) == outcome(stdout_log.read_by_line, path)


def test_arrow_parses_numbers_as_float_does():
    rng = random.Random(3)
    texts = []
    for _ in range(50_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
        cut = rng.randint(0, len(digits))
        body = rng.choice([digits, f"{digits[:cut]}.{digits[cut:]}", f"{digits}e{rng.randint(-340, 340)}",
                           f"{digits[:cut]}.{digits[cut:]}E+{rng.randint(0, 400)}", f".{digits}", f"{digits}."])
        texts.append(rng.choice(["", "-", "+"]) + body)
    data = " x ".join(texts).encode()  # parsed where they are, the text between them left alone
    starts = np.cumsum([0, *(len(t) + 3 for t in texts[:-1])])
    bounds = np.ravel(np.column_stack([starts, starts + [len(t) for t in texts]]))
    parsed = parse_floats(data, bounds)
    expected = np.array([float(t) for t in texts])
    assert np.array_equal(parsed, expected) and np.array_equal(np.signbit(parsed), np.signbit(expected))
    assert not any(math.isnan(v) for v in parsed)


QUANTIFIERS_ALLOWED = {"-{8,}", "){1,3}", "){0,3}"}


@pytest.mark.parametrize("module", [console_lines, console_tables, console_config], ids=lambda m: m.__name__)
def test_the_rules_treat_every_digit_and_digit_run_alike(module):
    """The block reader relies on it (:mod:`tracesift.readers.console_plans`): no rule names a digit or counts
    repetitions of something that may be a digit. Classes of all digits (``[0-9;?]``) are fine."""
    for name, pattern in vars(module).items():
        if isinstance(pattern, re.Pattern):
            source = re.sub(r"\[0-9|\\x[0-9a-f]{2}", "[", pattern.pattern)
            counted = {m.group() for m in re.finditer(r".\{\d*,?\d*\}", source)}
            assert counted <= QUANTIFIERS_ALLOWED, (name, counted)
            assert not re.search(r"\d", re.sub(r"\{\d*,?\d*\}", "", source)), name
