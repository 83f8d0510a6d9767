"""Hugging Face trainer_state.json, CSV, JSON lines and console logs.

Expectations come from parsing the same files independently in the test (json,
csv), or from lines whose values are written out right here.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tracesift.readers import console_lines, csv_metrics, hf_trainer, jsonl_metrics, stdout_log
from tracesift.readers.base import Input

TRAINING = SAMPLES / "training"


def rows(batch, metric: str) -> dict[int, float]:
    return {r["step"]: r["value"] for r in batch.tables["metrics"].to_pylist() if r["metric"] == metric}


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# -- trainer_state.json -------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(TRAINING.glob("hf_trainer/*/trainer_state.json")), ids=lambda p: p.parent.name)
def test_trainer_state_matches_log_history(path):
    state = json.loads(path.read_text())
    batch = hf_trainer.read(Input(path, f"hf/{path.parent.name}/trainer_state.json"))
    train = [e for e in state["log_history"] if "loss" in e and "train_runtime" not in e]
    got = rows(batch, "loss")
    assert sorted(got) == [e["step"] for e in train]
    assert all(same(got[e["step"]], float(e["loss"])) for e in train)
    evals = [e for e in state["log_history"] if "eval_loss" in e]
    assert sorted(rows(batch, "eval_loss")) == [e["step"] for e in evals]
    assert "train_runtime" not in {r["metric"] for r in batch.tables["metrics"].to_pylist()}
    config = json.loads(batch.tables["runs"]["config"][0].as_py())
    assert config["global_step"] == state["global_step"] and "train_runtime" in config["train_summary"]
    assert hf_trainer.sniff(Input(path)) > 0.9


def test_trainer_state_cut_off_is_a_clear_error(tmp_path):
    path = next(TRAINING.glob("hf_trainer/*/trainer_state.json"))
    cut = tmp_path / "trainer_state.json"
    cut.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match="not valid JSON"):
        hf_trainer.read(Input(cut, "x/trainer_state.json"))


# -- CSV ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(TRAINING.glob("lightning/*/version_0/metrics.csv")), ids=lambda p: p.parts[-3])
def test_lightning_sparse_rows(path):
    with open(path, newline="") as handle:
        table = list(csv.DictReader(handle))
    batch = csv_metrics.read(Input(path, "lightning/run/version_0/metrics.csv"))
    for column in ("train_loss", "val_loss"):
        expected = {int(r["step"]): float(r[column]) for r in table if r[column] != ""}
        got = rows(batch, column)
        assert got.keys() == expected.keys() and all(same(got[s], expected[s]) for s in expected)
    assert batch.tables["metrics"]["run_id"][0].as_py() == "lightning/run/version_0"
    assert csv_metrics.sniff(Input(path)) >= 0.8


def test_keras_csv_logger_uses_epoch_as_step(tmp_path):
    # keras.callbacks.CSVLogger: header from sorted logs keys after "epoch", one row per epoch
    path = tmp_path / "training.log"
    path.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.61,1.02,0.70,0.85\n1,0.72,0.80,0.74,nan\n")
    batch = csv_metrics.read(Input(path, "training.log"))
    assert rows(batch, "loss") == {0: 1.02, 1: 0.80}
    assert math.isnan(rows(batch, "val_loss")[1])
    assert csv_metrics.sniff(Input(path)) >= 0.8


def test_plain_csv_without_step_uses_row_number(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("loss,acc,name\n0.9,0.1,a\n0.8,0.2,b\n")
    batch = csv_metrics.read(Input(path, "curve.csv"))
    assert rows(batch, "loss") == {0: 0.9, 1: 0.8}
    assert "name" not in {r["metric"] for r in batch.tables["metrics"].to_pylist()}


def test_csv_sniff_rejects_prose_and_json(tmp_path):
    prose = tmp_path / "notes.csv"
    prose.write_text("Dear reader, this is not a table.\nIt has, however, commas.\n")
    assert csv_metrics.sniff(Input(prose)) < 0.5
    as_json = tmp_path / "a.csv"
    as_json.write_text('{"step": 1, "loss": 2}\n{"step": 2, "loss": 1}\n')
    assert csv_metrics.sniff(Input(as_json)) < 0.5


# -- JSON lines ---------------------------------------------------------------------------------

def test_jsonl_nested_keys_nan_and_a_bad_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    lines = [
        json.dumps({"step": 0, "train": {"loss": 2.0}, "lr": 1e-3}),
        json.dumps({"step": 1, "train": {"loss": math.nan}, "lr": 1e-3}),  # json writes the NaN token
        "not json at all",
        json.dumps({"step": 2, "train": {"loss": 1.5}, "lr": 1e-3, "timestamp": 1.7e9}),
        '{"step": 3, "train": {"lo',
    ]
    path.write_text("\n".join(lines))
    batch = jsonl_metrics.read(Input(path, "exp/metrics.jsonl"))
    loss = rows(batch, "train/loss")
    assert sorted(loss) == [0, 1, 2] and math.isnan(loss[1]) and loss[2] == 1.5
    assert [(p.line_or_offset, "cut off" in p.error) for p in batch.problems] == [(3, False), (5, True)]
    wall = {r["step"]: r["wall_time"] for r in batch.tables["metrics"].to_pylist()}
    assert wall[2] == 1.7e9 and wall[0] is None
    assert batch.tables["metrics"]["run_id"][0].as_py() == "exp"


def test_jsonl_sniff_leaves_chat_messages_to_agent_readers(tmp_path):
    chat = tmp_path / "chat.jsonl"
    chat.write_text('{"role": "user", "content": "hi"}\n{"role": "assistant", "content": "hello"}\n')
    assert jsonl_metrics.sniff(Input(chat)) == 0.0


# -- console logs -------------------------------------------------------------------------------

CONSOLE_LINES = {
    # verl's concat_dict_to_str, printed by a Ray actor with colours
    "verl": (
        "\x1b[36m(TaskRunner pid=4242)\x1b[0m step:7 - actor/entropy:0.512 - critic/score/mean:0.25 - "
        "response_length/mean:131.5",
        7,
        {"actor/entropy": 0.512, "critic/score/mean": 0.25, "response_length/mean": 131.5},
    ),
    # Megatron-LM training_log, with the timestamp prefix newer versions print
    "megatron": (
        " [2024-05-01 10:00:00] iteration      120/    1000 | consumed samples:        15360 | elapsed time per "
        "iteration (ms): 512.3 | learning rate: 3.000000E-04 | global batch size:   128 | lm loss: 2.345678E+00 | "
        "loss scale: 1.0 | grad norm: 1.234 | number of skipped iterations:   0 | number of nan iterations:   0 |",
        120,
        {"lm loss": 2.345678, "grad norm": 1.234, "learning rate": 3e-4},
    ),
    "megatron-validation": (
        " validation loss at iteration 100 | lm loss value: 8.559334E-01 | lm loss PPL: 2.353570E+00 | ",
        100,
        {"validation/lm loss": 0.8559334, "validation/lm loss PPL": 2.35357},
    ),
    "nanogpt": ("iter 120: loss 2.3456, time 12.34ms, mfu 1.23%", 120, {"loss": 2.3456, "time_ms": 12.34}),
    "nanogpt-eval": ("step 250: train loss 2.1000, val loss 2.2000", 250, {"train_loss_at_eval": 2.1, "val_loss": 2.2}),
    "key=value": ("2024-05-01 INFO step=10 loss=0.5 lr=1e-4", 10, {"loss": 0.5, "lr": 1e-4}),
    # HF Trainer / TRL: every key, bare, quoted, wrapped by numpy or torch
    "hf-dict": ("{'loss': 0.47, 'grad_norm': 1.29, 'learning_rate': 7e-05, 'epoch': 0.05}", 1,
                {"loss": 0.47, "grad_norm": 1.29, "learning_rate": 7e-05, "epoch": 0.05}),
    "hf-dict-quoted": (" 1%|          | 2/256 [00:00<00:03]  {'loss': '4.032', 'grad_norm': '1.158', 'epoch': '0.01562'}",
                       1, {"loss": 4.032, "grad_norm": 1.158, "epoch": 0.01562}),
    "trl-dict-wrapped": ("{'loss': np.float64(0.12), 'kl': tensor(0.031, device='cuda:0'), 'entropy': float(1.5), "
                         "'completions/clipped_ratio': 0.25, 'rewards': [0.1, 0.2], 'epoch': 0.1}",
                         1, {"loss": 0.12, "kl": 0.031, "entropy": 1.5, "completions/clipped_ratio": 0.25}),
    "pipes": ("step 47710 | loss 13.84 | lr 1.79e-04 | grad 0.768", 47710,
              {"loss": 13.84, "lr": 1.79e-04, "grad": 0.768}),
    "pipes-spaced-keys": ("Epoch 0 | Train Loss: 11.23 | Token Acc: 0.07", 0,
                          {"Train Loss": 11.23, "Token Acc": 0.07, "epoch": 0}),
    "spaced-keys": ("INFO:Epoch 1: Train Loss=0.0717, Val Loss=0.0766", 0,
                    {"Train Loss": 0.0717, "Val Loss": 0.0766, "epoch": 1}),
    "epoch-batch": ("Epoch 1 - Batch loss: 12.13", 0, {"Batch loss": 12.13, "epoch": 1}),
    "caffe": ("I0501 10:00:00.123 solver.cpp:218] Iteration 100 (2.5 iter/s, 40s/100 iters), loss = 0.2244",
              100, {"loss": 0.2244}),
}


@pytest.mark.parametrize("name", CONSOLE_LINES)
def test_console_line_shapes(name):
    line, step, expected = CONSOLE_LINES[name]
    got_step, values = console_lines.parse_line(line, console_lines.Counter())
    assert got_step == step
    assert {k: values[k] for k in expected} == pytest.approx(expected)


def test_console_ignores_prose():
    counter = console_lines.Counter()
    for line in ("Starting training on 8 GPUs", "Saving model checkpoint to out/checkpoint-500", "epoch 3 done",
                 "We trained 12 runs with lr 3e-4 and batch 32 on 8 GPUs.", "| model | parameters |",
                 "actor_rollout_ref.actor.optim.lr: 1e-6",  # a config dump
                 "{'bos_token_id': 1, 'eos_token_id': 2, 'vocab_size': 32000, 'hidden_size': 768}",
                 "[2024-05-01 10:00:00,123 W 1234 5678] file_system_monitor.cc:111: /tmp/ray is over 95% full, "
                 "available space: 12345; capacity: 99999. Object creation will fail if spilling is required."):
        assert console_lines.parse_line(line, counter) is None


def test_hf_console_log_matches_trainer_state():
    """The Trainer's printed dicts (quoted values, after tqdm bars) give the same loss curve as its state file."""
    console = stdout_log.read(Input(TRAINING / "stdout" / "hf_trainer_console.log", "stdout/hf.log"))
    states = sorted(TRAINING.glob("hf_trainer/*/trainer_state.json"))
    state_loss = [rows(hf_trainer.read(Input(p, "x/trainer_state.json")), "loss") for p in states]
    console_loss = rows(console, "loss")
    matching = [s for s in state_loss if sorted(s) == sorted(console_loss)]
    assert matching, "the console log should hold one of the sample runs"
    assert all(console_loss[k] == pytest.approx(matching[0][k], rel=1e-3) for k in console_loss)


def test_console_non_utf8_is_reported_not_fatal(tmp_path):
    path = Path(tmp_path / "train.log")
    path.write_bytes(b"step=1 loss=0.5 lr=0.1\n\xff\xfe step=2 loss=0.4 lr=0.1\n")
    batch = stdout_log.read(Input(path, "train.log"))
    assert rows(batch, "loss") == {1: 0.5, 2: 0.4}
    assert "UTF-8" in batch.problems[0].error


@pytest.mark.parametrize("reader", [stdout_log.read, stdout_log.read_by_line])
@pytest.mark.parametrize("bad", ["nan", "inf", "2.5", "1e30"])
def test_console_line_whose_step_is_no_step_is_skipped_and_reported(tmp_path, reader, bad):
    """`step nan | loss ...` (a counter printed before it was set) loses those lines only, with one warning;
    many of them (one line in seven) are counted one by one, not learnt as lines that carry nothing."""
    lines = [f"step {step} | loss {2 - step / 1000} | lr 1e-4" for step in range(1, 401)]
    bad_lines = range(20, 400, 7)
    for i in bad_lines:
        lines[i] = f"step {bad} | loss 1.{i} | lr 1e-4"
    path = tmp_path / "train.log"
    path.write_text("\n".join(lines) + "\n")
    assert stdout_log.sniff(Input(path)) > 0.5
    batch = reader(Input(path, "train.log"))
    assert sorted(rows(batch, "loss")) == [i + 1 for i in range(400) if i not in bad_lines]
    assert [p.error for p in batch.problems] == [
        f"{len(bad_lines)} lines whose step is not a whole number in int64 range: skipped"]

def test_console_sniff_leaves_prose_and_code_alone():
    """A README or a training script mentions step=... now and then; that is no log."""
    for path in (SAMPLES / "training" / "README.md", SAMPLES.parent / "scripts" / "samples" / "train.py"):
        assert stdout_log.sniff(Input(path)) == 0.0
    assert stdout_log.sniff(Input(TRAINING / "stdout" / "keyvalue_lm_spikes_adamw.log")) > 0.5


def test_hf_console_dict_lines_keep_every_key_as_a_literal_parser_reads_them():
    """Fidelity: each printed dict, read by ast.literal_eval (which evaluates nothing), gives the same values."""
    import ast

    path = TRAINING / "stdout" / "hf_trainer_console.log"
    expected: dict[str, int] = {}
    for line in path.read_text().splitlines():
        for part in line.split("\r"):
            start = part.find("{'")
            if start >= 0 and "train_runtime" not in part:
                for key, value in ast.literal_eval(part[start:]).items():
                    expected[key] = expected.get(key, 0) + (stdout_log_value(value) is not None)
    table = stdout_log.read(Input(path, "stdout/hf.log")).arrow()["metrics"]
    counts: dict[str, int] = {}
    for name in table["metric"].to_pylist():
        counts[name] = counts.get(name, 0) + 1
    assert counts == {key: n for key, n in expected.items() if n}
    assert {"loss", "grad_norm", "learning_rate", "epoch"} <= set(counts)


def stdout_log_value(value):
    from tracesift.readers.base import as_number

    return as_number(value)


def test_console_log_after_a_long_preamble_is_recognised(tmp_path):
    """Config dumps and printed source before the first metric line: recognised by the windows past the head."""
    preamble = "".join(f"config.section_{i}.option = 'value {i}'  # printed at start-up\n" for i in range(4000))
    metrics = "".join(f"step={s} loss={1 / (s + 1):.6g} lr=0.001\n" for s in range(3000))
    log = tmp_path / "train.out"
    log.write_text(preamble + metrics)
    assert len(preamble) > 3 * stdout_log.WINDOW
    assert stdout_log.sniff(Input(log)) > 0.5
    assert rows(stdout_log.read(Input(log, "train.out")), "loss")[2999] == pytest.approx(1 / 3000, rel=1e-5)
    prose = tmp_path / "notes.txt"
    prose.write_text(preamble * 2)
    assert stdout_log.sniff(Input(prose)) == 0.0


def test_two_runs_appended_to_one_log_are_two_runs_and_a_resume_is_one(tmp_path):
    first = "".join(f"step={s} loss={2 - s / 100:.3f} lr=0.1\n" for s in range(1, 51))
    second = "".join(f"step={s} loss={9 - s / 100:.3f} lr=0.1\n" for s in range(1, 31))
    appended = tmp_path / "appended.log"
    appended.write_text(first + "=== new run ===\n" + second)
    metrics = stdout_log.read(Input(appended, "appended.log")).arrow()["metrics"].to_pylist()
    runs = Counter(row["run_id"] for row in metrics if row["metric"] == "loss")
    assert runs == {"appended": 50, "appended#2": 30}
    resumed = tmp_path / "resumed.log"  # killed at 60, resumed from the checkpoint at 40
    resumed.write_text(first + "".join(f"step={s} loss=1.0 lr=0.1\n" for s in range(40, 101)))
    metrics = stdout_log.read(Input(resumed, "resumed.log")).arrow()["metrics"].to_pylist()
    assert {row["run_id"] for row in metrics} == {"resumed"}


def test_hf_dict_lines_of_two_appended_runs_restart_at_step_one(tmp_path):
    lines = [f"{{'loss': {1 + i / 10}, 'epoch': {e:.2f}}}" for run in range(2) for i, e in enumerate((0.1, 0.2, 0.3))]
    log = tmp_path / "trainer.out"
    log.write_text("\n".join(lines) + "\n")
    metrics = stdout_log.read(Input(log, "trainer.out")).arrow()["metrics"].to_pylist()
    loss = {(row["run_id"], row["step"]): row["value"] for row in metrics if row["metric"] == "loss"}
    assert loss == {("trainer", 1): 1.0, ("trainer", 2): 1.1, ("trainer", 3): 1.2,
                    ("trainer#2", 1): 1.0, ("trainer#2", 2): 1.1, ("trainer#2", 3): 1.2}


@pytest.mark.parametrize("counter", ["total/steps", "steps_done", "total_timesteps", "timesteps", "current_steps"])
def test_csv_steps_from_the_logs_own_counter_and_padded_headers(tmp_path, counter):
    log = tmp_path / "progress.csv"
    log.write_text(f"{'ep_rew_mean':>14},{counter:>16}\n" + "".join(f"{r:>14},{s:>16}\n" for r, s in
                                                                    ((1.5, 2048), (2.5, 4096), (3.5, 6144))))
    assert rows(csv_metrics.read(Input(log, "progress.csv")), "ep_rew_mean") == {2048: 1.5, 4096: 2.5, 6144: 3.5}


def test_jsonl_llama_factory_trainer_log_current_steps(tmp_path):
    log = tmp_path / "trainer_log.jsonl"
    log.write_text("".join(json.dumps({"current_steps": s, "total_steps": 30, "loss": 1 / s, "lr": 1e-4,
                                       "epoch": s / 30, "percentage": s / 30 * 100}) + "\n" for s in (10, 20, 30)))
    loss = rows(jsonl_metrics.read(Input(log, "trainer_log.jsonl")), "loss")
    assert loss == pytest.approx({10: 0.1, 20: 0.05, 30: 1 / 30})


def test_verl_log_after_its_config_dump_reads_exactly_its_steps():
    """The sample's first 120 KB are what verl prints at start-up (a pprinted config per worker, Ray
    warnings, a model config dict): none of it is a metric, and the steps after it read as in the plain log."""
    with_preamble = TRAINING / "stdout" / "verl_rl_entropy_collapse_preamble.log"
    plain = TRAINING / "stdout" / "verl_rl_entropy_collapse_ray.log"
    assert not stdout_log._mostly_metrics(with_preamble.read_text()[: stdout_log.WINDOW])
    assert stdout_log.sniff(Input(with_preamble)) > 0.5
    read = [stdout_log.read(Input(p, "x")).tables["metrics"].to_pylist() for p in (with_preamble, plain)]
    assert [(r["step"], r["metric"], repr(r["value"])) for r in read[0]] == \
        [(r["step"], r["metric"], repr(r["value"])) for r in read[1]]


def test_nanogpt_runs_appended_to_one_log_are_the_two_runs():
    appended = stdout_log.read(Input(TRAINING / "stdout" / "nanogpt_appended_runs.log", "appended")).arrow()["metrics"]
    runs = {}
    for row in appended.to_pylist():
        runs.setdefault(row["run_id"], []).append((row["step"], row["metric"], repr(row["value"])))  # NaN too
    alone = [[(r["step"], r["metric"], repr(r["value"])) for r in stdout_log.read(
        Input(TRAINING / "stdout" / f"nanogpt_lm_{name}.log", "x")).arrow()["metrics"].to_pylist()]
        for name in ("healthy", "diverge")]
    assert runs == {"appended": alone[0], "appended#2": alone[1]}


def test_a_printed_config_becomes_the_runs_config():
    """verl pprints its resolved config at start-up: the first one (the driver's) is the run's config."""
    log = TRAINING / "stdout" / "verl_rl_entropy_collapse_preamble.log"
    runs = stdout_log.read(Input(log, "verl")).tables["runs"].to_pylist()
    config = json.loads(runs[0]["config"])
    assert config["actor_rollout_ref"]["actor"]["optim"]["lr"] == 1e-06 and config["data"]["seed"] == 0
    plain = stdout_log.read(Input(TRAINING / "stdout" / "hf_trainer_console.log", "hf")).tables["runs"].to_pylist()
    assert [row["config"] for row in plain] == [None]  # its dict lines are records, not a config


def test_an_argparse_namespace_is_the_config_of_the_run_that_printed_it(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Namespace(lr=0.003, batch_size=32, model='gpt2', betas=(0.9, 0.95), wandb=False)\n"
                   + "".join(f"step={s} loss={1 / (s + 1):.5f} lr=0.003\n" for s in range(1, 6))
                   + "Namespace(lr=0.3, batch_size=32, model='gpt2', betas=(0.9, 0.95), wandb=False)\n"
                   + "".join(f"step={s} loss={9 / (s + 1):.5f} lr=0.3\n" for s in range(1, 6)))
    runs = {r["run_id"]: json.loads(r["config"]) for r in stdout_log.read(Input(log, "train")).tables["runs"].to_pylist()}
    assert runs == {"train": {"lr": 0.003, "batch_size": 32, "model": "gpt2", "betas": [0.9, 0.95], "wandb": False},
                    "train#2": {"lr": 0.3, "batch_size": 32, "model": "gpt2", "betas": [0.9, 0.95], "wandb": False}}
