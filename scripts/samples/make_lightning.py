"""Train the TinyGPT char model from train.py as a real `lightning` LightningModule with
CSVLogger, twice:

  pl_lm_diverge : SGD(momentum=0.9), lr ramps linearly to 3.0 per step, no gradient clipping
  pl_lm_healthy : AdamW lr=3e-3, gradient_clip_val=1.0

self.log("train_loss", on_step=True), self.log("val_loss", on_epoch=True), plus lr and the
pre-clip grad_norm on step.  Keeps only version_0/metrics.csv and hparams.yaml under
sample_traces/training/lightning/<run>/.

    /tmp/samples-venv/bin/python scripts/samples/make_lightning.py
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "sample_traces" / "training" / "lightning"

RUNS = {
    "pl_lm_diverge": dict(optimizer="sgd", lr=3.0, schedule="linear_ramp", clip=None),
    "pl_lm_healthy": dict(optimizer="adamw", lr=3e-3, schedule="cosine", clip=1.0),
}
STEPS_PER_EPOCH, EPOCHS, BS, CTX = 40, 10, 32, 32


def main() -> None:
    import lightning as L
    import torch
    from lightning.pytorch.loggers import CSVLogger
    from torch.utils.data import DataLoader, Dataset

    torch.set_num_threads(2)
    tr, va, vocab = train.lm_data(0)

    class Chunks(Dataset):
        def __init__(self, data, n, seed):
            g = torch.Generator().manual_seed(seed)
            self.ix = torch.randint(len(data) - CTX - 1, (n,), generator=g)
            self.data = data

        def __len__(self):
            return len(self.ix)

        def __getitem__(self, i):
            j = int(self.ix[i])
            return self.data[j : j + CTX], self.data[j + 1 : j + 1 + CTX]

    class LitLM(L.LightningModule):
        def __init__(self, optimizer: str, lr: float, schedule: str, clip, total_steps: int):
            super().__init__()
            self.save_hyperparameters()
            self.model = train.TinyGPT(vocab, ctx=CTX)

        def training_step(self, batch, batch_idx):
            x, y = batch
            _, loss = self.model(x, y)
            self.log("train_loss", loss, on_step=True, on_epoch=False, prog_bar=True)
            self.log("lr", self.optimizers().param_groups[0]["lr"], on_step=True, on_epoch=False)
            return loss

        def on_before_optimizer_step(self, optimizer):
            norms = [p.grad.detach().norm(2) for p in self.parameters() if p.grad is not None]
            self.log("grad_norm", torch.linalg.vector_norm(torch.stack(norms), 2), on_step=True, on_epoch=False)

        def validation_step(self, batch, batch_idx):
            x, y = batch
            _, loss = self.model(x, y)
            self.log("val_loss", loss, on_step=False, on_epoch=True, prog_bar=True)

        def configure_optimizers(self):
            hp = self.hparams
            if hp.optimizer == "sgd":
                opt = torch.optim.SGD(self.parameters(), lr=hp.lr, momentum=0.9)
            else:
                opt = torch.optim.AdamW(self.parameters(), lr=hp.lr, betas=(0.9, 0.95), weight_decay=0.1)

            def factor(step):
                return train.lm_lr(step, 1.0, 20, hp.total_steps, hp.schedule)

            sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    for run, cfg in RUNS.items():
        L.seed_everything(0, workers=True)
        total = STEPS_PER_EPOCH * EPOCHS
        module = LitLM(cfg["optimizer"], cfg["lr"], cfg["schedule"], cfg["clip"], total)
        work = Path(tempfile.mkdtemp(prefix=run))
        logger = CSVLogger(save_dir=str(work), name=run)
        trainer = L.Trainer(
            max_epochs=EPOCHS,
            accelerator="cpu",
            devices=1,
            logger=logger,
            log_every_n_steps=1,
            gradient_clip_val=cfg["clip"],
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,
        )
        trainer.fit(
            module,
            DataLoader(Chunks(tr, STEPS_PER_EPOCH * BS, 1), batch_size=BS, shuffle=False),
            DataLoader(Chunks(va, 4 * BS, 2), batch_size=BS),
        )
        src = Path(logger.log_dir)
        dst = OUT / run / "version_0"
        if dst.parent.exists():
            shutil.rmtree(dst.parent)
        dst.mkdir(parents=True)
        for f in ("metrics.csv", "hparams.yaml"):
            shutil.copy(src / f, dst / f)
        shutil.rmtree(work)
        last = trainer.callback_metrics.get("train_loss")
        print(f"{run}: lightning {L.__version__}, last train_loss={float(last) if last is not None else math.nan}")


if __name__ == "__main__":
    main()
