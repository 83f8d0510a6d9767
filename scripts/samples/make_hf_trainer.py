"""Run a REAL transformers.Trainer on a tiny randomly initialised GPT-2 (built from a
config, no hub access) on synthetic Markov-chain token data, twice:

  hf_gpt2_diverge : learning_rate=0.5 after 64 warmup steps, max_grad_norm=1e9 (clipping never bites,
                    but Trainer still computes and logs the pre-clip grad_norm)
  hf_gpt2_healthy : learning_rate=1e-3, warmup, max_grad_norm=1.0

Keeps only trainer_state.json per run (sample_traces/training/hf_trainer/<run>/) and the
captured console output (stdout+stderr, tqdm \r-updates included, as `python ... 2>&1 | tee`
would record it) of the diverging run in sample_traces/training/stdout/hf_trainer_console.log.

    /tmp/samples-venv/bin/python scripts/samples/make_hf_trainer.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "sample_traces" / "training"

RUNS = {
    "hf_gpt2_diverge": dict(learning_rate=5e-1, warmup_steps=64, max_grad_norm=1e9),
    "hf_gpt2_healthy": dict(learning_rate=1e-3, warmup_steps=10, max_grad_norm=1.0),
}
MAX_CONSOLE = 190_000


def child(run: str, workdir: str) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments, set_seed

    torch.set_num_threads(2)
    set_seed(0)
    vocab, seqlen = 64, 32
    g = torch.Generator().manual_seed(0)
    # sparse random Markov chain: each token has 4 likely successors
    succ = torch.randint(0, vocab, (vocab, 4), generator=g)

    def sample(n):
        x = torch.empty(n, seqlen, dtype=torch.long)
        x[:, 0] = torch.randint(0, vocab, (n,), generator=g)
        for t in range(1, seqlen):
            pick = torch.randint(0, 4, (n,), generator=g)
            nxt = succ[x[:, t - 1], pick]
            noise = torch.rand(n, generator=g) < 0.1
            x[:, t] = torch.where(noise, torch.randint(0, vocab, (n,), generator=g), nxt)
        return [{"input_ids": r, "labels": r.clone()} for r in x]

    train_ds, eval_ds = sample(2048), sample(128)
    cfg = GPT2Config(vocab_size=vocab, n_positions=seqlen, n_embd=64, n_layer=2, n_head=4,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(cfg)
    args = TrainingArguments(
        output_dir=workdir,
        run_name=run,
        max_steps=256,
        per_device_train_batch_size=16,
        per_device_eval_batch_size=64,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=32,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        dataloader_num_workers=0,
        lr_scheduler_type="linear",
        weight_decay=0.0,
        **RUNS[run],
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds)
    trainer.train()
    trainer.state.save_to_json(os.path.join(workdir, "trainer_state.json"))


def main() -> None:
    import transformers

    (OUT / "stdout").mkdir(parents=True, exist_ok=True)
    for run in RUNS:
        work = tempfile.mkdtemp(prefix=f"{run}_")
        proc = subprocess.run(
            [sys.executable, __file__, "--child", run, work],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "TQDM_MININTERVAL": "0"},
        )
        console = proc.stdout
        if proc.returncode != 0:
            sys.stdout.buffer.write(console[-4000:])
            raise SystemExit(f"{run} failed")
        dst = OUT / "hf_trainer" / run
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(work) / "trainer_state.json", dst / "trainer_state.json")
        if run == "hf_gpt2_diverge":
            if len(console) > MAX_CONSOLE:  # keep head and tail, mark the cut honestly
                cut = b"\n[... trimmed by make_hf_trainer.py ...]\n"
                console = console[: MAX_CONSOLE // 2] + cut + console[-MAX_CONSOLE // 2 :]
            (OUT / "stdout" / "hf_trainer_console.log").write_bytes(console)
        shutil.rmtree(work)  # weights / everything else go away
        print(f"{run}: wrote {dst / 'trainer_state.json'} (transformers {transformers.__version__})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
