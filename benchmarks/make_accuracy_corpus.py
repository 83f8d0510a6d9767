"""Generate the labelled accuracy corpus: real, tiny, seeded CPU training runs.

Every number in ``benchmarks/data/accuracy/*.csv`` comes from an actual training run
of the models in ``scripts/samples/train.py`` (char transformer LM, REINFORCE GRU
policy, MLP VAE). Nothing is hand-typed or synthesised. Then each run is labelled
by the mechanical rules in ``label()`` (also written out in
``benchmarks/data/accuracy/README.md``), which read only the written CSV values and
share no code with tracesift's detectors. Each collapsed run gets two labels: ``collapsed``
(the step the curve crossed a collapse threshold) and ``start`` (the step the change began).
The labels go to ``benchmarks/data/accuracy_labels.json``, outside the scanned folder.

Needs torch (CPU) - not tracesift's venv::

    python3 -m venv /tmp/samples-venv
    /tmp/samples-venv/bin/pip install torch==2.13.0
    /tmp/samples-venv/bin/python benchmarks/make_accuracy_corpus.py            # train all runs + label
    /tmp/samples-venv/bin/python benchmarks/make_accuracy_corpus.py --labels-only   # relabel written CSVs (no torch)
    .venv/bin/python benchmarks/make_accuracy_corpus.py --labels-only                # (any Python 3.10+; stdlib only)
    /tmp/samples-venv/bin/python benchmarks/make_accuracy_corpus.py --only lm_sgd_nan_a rl_collapse_a

Runs are written in parallel (``--jobs``, default 2 processes, 1 torch thread each).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "data" / "accuracy"
# outside the scanned folder, so `tracesift scan benchmarks/data/accuracy` sees only the runs
LABELS = ROOT / "benchmarks" / "data" / "accuracy_labels.json"
sys.path.insert(0, str(ROOT / "scripts" / "samples"))

# ---------------------------------------------------------------------------
# the runs
# ---------------------------------------------------------------------------
# intent: what the config was chosen to produce. The label comes from the rules
# below, applied to the series the run actually produced; a mismatch is printed.

LM = "lm"
RL = "rl"
VAE = "vae"


def _lm(name, intent, **kw):
    return {"name": name, "family": LM, "intent": intent, "kw": kw}


def _rl(name, intent, **kw):
    return {"name": name, "family": RL, "intent": intent, "kw": kw}


def _vae(name, intent, **kw):
    return {"name": name, "family": VAE, "intent": intent, "kw": kw}


RUNS = [
    # --- LM, too-high lr, SGD+momentum, no clipping: loss climbs then NaN -------------------------
    _lm("lm_sgd_ramp3_s1", "divergence", optimizer="sgd", schedule="linear_ramp", lr=3.0, steps=300, seed=1),
    _lm("lm_sgd_ramp4_s2", "divergence", optimizer="sgd", schedule="linear_ramp", lr=4.0, steps=300, seed=2),
    _lm("lm_sgd_ramp6_s3", "divergence", optimizer="sgd", schedule="linear_ramp", lr=6.0, steps=250, seed=3),
    _lm("lm_sgd_ramp3_d96_s4", "divergence", optimizer="sgd", schedule="linear_ramp", lr=3.0, steps=300, seed=4,
        d=96),
    _lm("lm_sgd_const1_s5", None, optimizer="sgd", schedule="constant", lr=1.0, warmup=30, steps=300,
        seed=5),
    _lm("lm_sgd_const2_1l_s6", "divergence", optimizer="sgd", schedule="constant", lr=2.0, warmup=60, steps=300,
        seed=6, n_layer=1),
    # --- LM, too-high lr with AdamW: blows up without NaN ------------------------------------------
    _lm("lm_sgd_ramp5_s7", "divergence", optimizer="sgd", schedule="linear_ramp", lr=5.0, steps=300, seed=7),
    _lm("lm_sgd_const15_s9", None, optimizer="sgd", schedule="constant", lr=1.5, warmup=50, steps=300,
        seed=9),
    # --- LM, too-high lr with AdamW (or SGD with clipping): blows up without NaN ----------------------
    _lm("lm_adamw_jump05_s8", "loss_spike", optimizer="adamw", schedule="jump", lr=3e-3, jump_at=180, jump_to=0.05,
        steps=300, seed=8),
    _lm("lm_adamw_burst03_s1", "divergence", optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20, grad_clip=1.0,
        burst_at=160, burst_len=3, burst_to=0.3, steps=300, seed=1),
    _lm("lm_adamw_burst05_s2", "divergence", optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20, grad_clip=1.0,
        burst_at=120, burst_len=2, burst_to=0.5, steps=300, seed=2),
    _lm("lm_sgd_burst8_s3", "divergence", optimizer="sgd", schedule="constant", lr=0.3, warmup=20,
        burst_at=200, burst_len=2, burst_to=8.0, steps=300, seed=3),
    # AdamW at lr 0.03-0.1 and SGD at lr 1.0 were meant to diverge but this tiny model trains fine: healthy
    _lm("lm_adamw_const03_s1", None, optimizer="adamw", schedule="constant", lr=0.03, warmup=20, steps=300,
        seed=1),
    _lm("lm_adamw_const1_s2", None, optimizer="adamw", schedule="constant", lr=0.1, warmup=50, steps=300,
        seed=2),
    _lm("lm_adamw_ramp05_d96_s4", "divergence", optimizer="adamw", schedule="linear_ramp", lr=0.5, steps=300,
        seed=4, d=96),
    _lm("lm_adamw_jump_s5", "divergence", optimizer="adamw", schedule="jump", lr=3e-3, jump_at=150, jump_to=0.1,
        steps=300, seed=5),
    _lm("lm_sgd_clip_ramp20_s6", "divergence", optimizer="sgd", schedule="linear_ramp", lr=20.0, grad_clip=1.0,
        steps=300, seed=6),
    # --- LM, spikes that recover ------------------------------------------------------------------
    _lm("lm_badbatch_sgd_s6", "loss_spike", optimizer="sgd", schedule="cosine", lr=0.3, warmup=20, grad_clip=1.0,
        bad_batches=(200,), steps=300, seed=6),
    _lm("lm_badbatch2_s7", "loss_spike", optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20, grad_clip=1.0,
        bad_batches=(100, 220), steps=300, seed=7),
    _lm("lm_badbatch_d96_s8", "loss_spike", optimizer="adamw", schedule="cosine", lr=2e-3, warmup=20,
        grad_clip=1.0, bad_batches=(150, 151), steps=250, seed=8, d=96),
    _lm("lm_lrblip_s9", None, optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20,
        burst_at=170, burst_len=1, burst_to=0.03, steps=300, seed=9),
    _lm("lm_badbatch_s4", "loss_spike", optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20, grad_clip=1.0,
        bad_batches=(180, 181, 182), steps=300, seed=4),
    _lm("lm_badbatch_s5", "loss_spike", optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20,
        bad_batches=(140,), bad_lr_mult=30.0, steps=300, seed=5),
    # --- LM, healthy --------------------------------------------------------------------------------
    _lm("lm_healthy_s1", None, optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20, grad_clip=1.0, steps=300,
        seed=1),
    _lm("lm_healthy_s2", None, optimizer="adamw", schedule="cosine", lr=2e-3, warmup=30, grad_clip=1.0, steps=300,
        seed=2),
    _lm("lm_healthy_noclip_s3", None, optimizer="adamw", schedule="cosine", lr=1e-3, warmup=20, steps=300, seed=3),
    _lm("lm_healthy_d96_s4", None, optimizer="adamw", schedule="cosine", lr=2e-3, warmup=20, grad_clip=1.0,
        steps=250, seed=4, d=96),
    _lm("lm_healthy_1l_s5", None, optimizer="adamw", schedule="constant", lr=3e-3, warmup=10, grad_clip=1.0,
        steps=300, seed=5, n_layer=1),
    _lm("lm_healthy_sgd_s6", None, optimizer="sgd", schedule="cosine", lr=0.3, warmup=20, grad_clip=1.0,
        steps=300, seed=6),
    _lm("lm_healthy_ctx16_s7", None, optimizer="adamw", schedule="cosine", lr=3e-3, warmup=20, grad_clip=1.0,
        steps=350, seed=7, ctx=16),
    _lm("lm_healthy_long_s8", None, optimizer="adamw", schedule="cosine", lr=1.5e-3, warmup=40, grad_clip=1.0,
        steps=400, seed=8),
    # --- RL, no entropy bonus, high lr: entropy collapses -------------------------------------------
    _rl("rl_collapse_lr1e-1_s1", "entropy_collapse", lr=0.1, steps=200, entropy_coef=0.0, seed=1),
    _rl("rl_collapse_lr5e-2_s2", "entropy_collapse", lr=0.05, steps=200, entropy_coef=0.0, seed=2),
    _rl("rl_collapse_lr3e-2_s3", "entropy_collapse", lr=0.03, steps=200, entropy_coef=0.0, seed=3),
    _rl("rl_collapse_lr2e-2_s4", "entropy_collapse", lr=0.02, steps=250, entropy_coef=0.0, seed=4),
    _rl("rl_collapse_lr2e-1_s5", "entropy_collapse", lr=0.2, steps=150, entropy_coef=0.0, seed=5),
    _rl("rl_collapse_lr5e-2_b32_s6", "entropy_collapse", lr=0.05, steps=200, entropy_coef=0.0, seed=6,
        batch_size=32),
    _rl("rl_collapse_lr1e-2_s7", "entropy_collapse", lr=0.01, steps=300, entropy_coef=0.0, seed=7),
    # --- RL, healthy: small lr + entropy bonus ------------------------------------------------------
    _rl("rl_healthy_s1", None, lr=2e-3, steps=200, entropy_coef=0.05, seed=1),
    _rl("rl_healthy_s2", None, lr=3e-3, steps=200, entropy_coef=0.05, seed=2),
    _rl("rl_healthy_s3", None, lr=2e-3, steps=250, entropy_coef=0.03, seed=3),
    _rl("rl_healthy_s4", None, lr=1e-3, steps=200, entropy_coef=0.02, seed=4),
    _rl("rl_healthy_b32_s5", None, lr=2e-3, steps=200, entropy_coef=0.05, seed=5, batch_size=32),
    # --- VAE, strong KL weight: posterior collapse --------------------------------------------------
    _vae("vae_collapse_b8_s1", "posterior_collapse", beta=8.0, beta_warmup=200, steps=400, seed=1),
    _vae("vae_collapse_b6_s2", "posterior_collapse", beta=6.0, beta_warmup=150, steps=400, seed=2),
    _vae("vae_collapse_b10_s3", "posterior_collapse", beta=10.0, beta_warmup=100, steps=300, seed=3),
    _vae("vae_collapse_b12_s4", "posterior_collapse", beta=12.0, beta_warmup=200, steps=400, seed=4),
    _vae("vae_collapse_b5_s5", "posterior_collapse", beta=5.0, beta_warmup=100, steps=300, seed=5),
    # --- VAE, healthy: beta 1 -----------------------------------------------------------------------
    _vae("vae_healthy_s1", None, beta=1.0, beta_warmup=200, steps=400, seed=1),
    _vae("vae_healthy_s2", None, beta=1.0, beta_warmup=100, steps=400, seed=2),
    _vae("vae_healthy_s3", None, beta=1.0, beta_warmup=0, steps=300, seed=3),
    _vae("vae_healthy_lr3e-3_s4", None, beta=1.0, beta_warmup=100, lr=3e-3, steps=300, seed=4),
    _vae("vae_healthy_b05_s5", None, beta=0.5, beta_warmup=100, steps=300, seed=5),
]

COLUMNS = {
    LM: ["loss", "grad_norm", "lr"],
    RL: ["actor/entropy", "critic/score/mean", "actor/kl_loss", "actor/pg_loss", "actor/grad_norm", "actor/lr"],
    VAE: ["loss/total", "loss/recon", "loss/kl", "grad_norm", "lr"],
}
LABEL_METRIC = {"divergence": "loss", "loss_spike": "loss", "entropy_collapse": "actor/entropy",
                "posterior_collapse": "loss/kl"}

# ---------------------------------------------------------------------------
# training (torch is imported only here)
# ---------------------------------------------------------------------------


def _lr_at(step, kw):
    peak, steps, warmup, schedule = kw["lr"], kw["steps"], kw.get("warmup", 20), kw["schedule"]
    if schedule == "linear_ramp":  # a warmup that never ends
        lr = peak * (step + 1) / steps
    elif schedule == "constant":
        lr = peak * min(1.0, (step + 1) / warmup)
    elif schedule == "jump":  # a constant lr that someone raised mid-run (resume with a wrong config)
        lr = peak * min(1.0, (step + 1) / warmup) if step < kw["jump_at"] else kw["jump_to"]
    else:  # warmup + cosine to 10%
        if step < warmup:
            lr = peak * (step + 1) / warmup
        else:
            ratio = (step - warmup) / max(1, steps - warmup)
            lr = 0.1 * peak + 0.9 * peak * 0.5 * (1 + math.cos(math.pi * ratio))
    if "burst_at" in kw and kw["burst_at"] <= step < kw["burst_at"] + kw["burst_len"]:
        lr = kw["burst_to"]
    return lr


def train_lm(kw):
    """TinyGPT from scripts/samples/train.py with more schedules, sizes and two kinds of incident:
    an lr burst (a few steps at a much higher lr) or bad batches (uniformly random tokens)."""
    import torch
    import train as T

    T._seed(kw["seed"])
    ctx = kw.get("ctx", 32)
    bs = kw.get("batch_size", 32)
    data, _, vocab = T.lm_data(kw["seed"])
    model = T.TinyGPT(vocab, d=kw.get("d", 64), n_layer=kw.get("n_layer", 2), ctx=ctx)
    if kw["optimizer"] == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=kw["lr"], betas=(0.9, 0.95), weight_decay=0.1)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=kw["lr"], momentum=0.9)
    gen = torch.Generator().manual_seed(kw["seed"] + 1)
    clip = kw.get("grad_clip", 0.0)
    bad = set(kw.get("bad_batches", ()))
    rows, nan_since = [], None
    for step in range(kw["steps"]):
        lr = _lr_at(step, kw)
        x, y = T._batch(data, bs, ctx, gen)
        if step in bad:  # a corrupted shard: uniformly random tokens
            noise = torch.randint(0, vocab, (bs, ctx + 1), generator=gen)
            x, y = noise[:, :-1], noise[:, 1:]
            lr *= kw.get("bad_lr_mult", 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), clip if clip > 0 else float("inf"))
        opt.step()
        row = {"step": step, "loss": T._f(loss), "grad_norm": T._f(gn), "lr": lr}
        rows.append(row)
        if not math.isfinite(row["loss"]) and nan_since is None:
            nan_since = step
        if nan_since is not None and step - nan_since >= 20:  # a watchdog kills the job 20 steps later
            break
    return rows


def train_rl(kw):
    import train as T

    out = []
    for r in T.run_rl(**kw):
        out.append({"step": r["step"], "actor/entropy": r["entropy"], "critic/score/mean": r["reward_mean"],
                    "actor/kl_loss": r["kl"], "actor/pg_loss": r["pg_loss"], "actor/grad_norm": r["grad_norm"],
                    "actor/lr": r["lr"]})
    return out


def train_vae(kw):
    import train as T

    out = []
    for r in T.run_vae(**kw, eval_every=10**9):
        out.append({"step": r["step"], "loss/total": r["loss"], "loss/recon": r["recon_loss"], "loss/kl": r["kl"],
                    "grad_norm": r["grad_norm"], "lr": r["lr"]})
    return out


def _train_one(run):
    import torch
    import train  # noqa: F401  (sets 2 threads on import; one per process here)

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    rows = {LM: train_lm, RL: train_rl, VAE: train_vae}[run["family"]](dict(run["kw"]))
    path = OUT / f"{run['name']}.csv"
    cols = ["step", *COLUMNS[run["family"]]]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([r["step"], *(_fmt(r[c]) for c in cols[1:])])
    return run["name"], len(rows), time.perf_counter() - t0


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


# ---------------------------------------------------------------------------
# labels: mechanical rules on the written series (no tracesift code)
# ---------------------------------------------------------------------------

RULES = {
    "divergence": (
        "loss, cut at its first non-finite value; m[t] = median of the finite losses in the centred 11-step "
        "window t-5..t+5 (truncated at the ends). Onset = the first step t >= 10 from which m stays above "
        "2 x min(m[0..t-1]) at every step up to the cut (and at least 5 steps, or up to the cut); if no such "
        "step exists but the loss goes non-finite, onset = the first non-finite step."
    ),
    "loss_spike": (
        "no divergence by the rule above, and some finite loss is > 3 x the median of the previous 50 finite "
        "losses (at least 10 of them). Onset = the first such step."
    ),
    "entropy_collapse": (
        "actor/entropy; e0 = the first logged value. Onset = the first step from which entropy stays < 0.1 x e0 "
        "for 20 consecutive steps, provided the median of the last 20 steps is also < 0.1 x e0 (still collapsed "
        "at the end)."
    ),
    "posterior_collapse": (
        "loss/kl (nats/sample); after the step of the KL maximum, onset = the first step from which KL < 0.05 "
        "at every later step until the end of the run (at least 20 steps)."
    ),
}


START_RULE = (
    "start = where the change began, from the collapsed label L on the same metric (finite values only). "
    "med10(i) = median of the values at steps i-9..i (trailing, cut at the first step); med5(i) = median of "
    "the values at steps i-2..i+2 (centred; cut at the first step; trailing i-4..i where i+2 is past the "
    "last finite value). ref = min of med10(i) over steps i < L for rises (divergence, loss_spike), max of "
    "med10(i) over steps i < L for falls (entropy_collapse, posterior_collapse; for the VAE KL that is its "
    "peak). start = one step after the last step s < L with |med5(s) - ref| <= 0.1 x |ref|, i.e. the first "
    "step of the last stretch before L on which med5 is no longer within 10% of ref; if there is no such "
    "s, start = the first step."
)
RISES = {"divergence", "loss_spike"}


def start_label(steps, x, collapsed, kind):
    """The ``start`` label (START_RULE): where the change that ends in ``collapsed`` began."""
    pts = [(s, v) for s, v in zip(steps, x) if math.isfinite(v)]
    st = [s for s, _ in pts]
    v = [y for _, y in pts]
    n = len(v)
    before = [i for i in range(n) if st[i] < collapsed]
    if not before:
        return steps[0]
    med10 = [statistics.median(v[max(0, i - 9): i + 1]) for i in before]
    ref = min(med10) if kind in RISES else max(med10)

    def med5(i):
        return statistics.median(v[max(0, i - 2): i + 3] if i + 2 < n else v[max(0, i - 4): i + 1])

    last = None
    for i in before:
        if abs(med5(i) - ref) <= 0.1 * abs(ref):
            last = i
    if last is None:
        return steps[0]
    return steps[steps.index(st[last]) + 1]  # exists: st[last] < collapsed, a step of the run


def _read(path: Path) -> dict[str, list]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = {k: [float(r[k]) for r in rows] for k in rows[0] if k != "step"}
    cols["step"] = [int(r["step"]) for r in rows]
    return cols


def divergence_onset(steps, loss, factor=2.0, half=5, min_len=5):
    cut = next((i for i, v in enumerate(loss) if not math.isfinite(v)), len(loss))
    x = loss[:cut]
    m = [statistics.median(x[max(0, t - half): t + half + 1]) for t in range(len(x))]
    # suffix check: m[u] > 2*min(m[:t]) for all u >= t  <=>  min(m[t:]) > 2*min(m[:t])
    suffix_min = [math.inf] * (len(m) + 1)
    for t in range(len(m) - 1, -1, -1):
        suffix_min[t] = min(m[t], suffix_min[t + 1])
    prefix_min = math.inf
    for t in range(len(m)):
        if t >= 10 and (len(m) - t >= min_len or cut < len(loss)) and suffix_min[t] > factor * prefix_min:
            return steps[t]
        prefix_min = min(prefix_min, m[t])
    return steps[cut] if cut < len(loss) else None


def spike_onset(steps, loss, factor=3.0, window=50, min_hist=10):
    hist = []
    for s, v in zip(steps, loss):
        if math.isfinite(v):
            if len(hist) >= min_hist and v > factor * statistics.median(hist[-window:]):
                return s
            hist.append(v)
    return None


def entropy_onset(steps, ent, frac=0.1, hold=20):
    limit = frac * ent[0]
    if statistics.median(ent[-hold:]) >= limit:  # not collapsed at the end of the run
        return None
    run = 0
    for i, v in enumerate(ent):
        run = run + 1 if v < limit else 0
        if run == hold:
            return steps[i - hold + 1]
    return None


def kl_onset(steps, kl, eps=0.05, min_len=20):
    peak = max(range(len(kl)), key=lambda i: kl[i] if math.isfinite(kl[i]) else -math.inf)
    onset = None
    for i in range(peak + 1, len(kl)):
        onset = (i if onset is None else onset) if kl[i] < eps else None
    return steps[onset] if onset is not None and len(kl) - onset >= min_len else None


def label(path: Path) -> dict:
    c = _read(path)
    steps = c["step"]
    if "loss" in c:  # LM
        onset = divergence_onset(steps, c["loss"])
        if onset is not None:
            return _lab("divergence", onset, c, steps)
        onset = spike_onset(steps, c["loss"])
        if onset is not None:
            return _lab("loss_spike", onset, c, steps)
        return _lab(None, None, c, steps, metric="loss")
    if "actor/entropy" in c:
        onset = entropy_onset(steps, c["actor/entropy"])
        return _lab("entropy_collapse" if onset is not None else None, onset, c, steps, metric="actor/entropy")
    onset = kl_onset(steps, c["loss/kl"])
    return _lab("posterior_collapse" if onset is not None else None, onset, c, steps, metric="loss/kl")


def _lab(kind, collapsed, c, steps, metric=None):
    metric = metric or LABEL_METRIC[kind]
    out = {"kind": kind, "metric": metric, "steps": len(steps)}
    if kind:
        out["collapsed"] = collapsed
        out["start"] = start_label(steps, c[metric], collapsed, kind)
        out["rule"] = {"collapsed": RULES[kind], "start": START_RULE}
    else:
        out["collapsed"] = out["start"] = None
        out["rule"] = "healthy: none of the rules fires on " + metric
    x = c[metric]
    bad = next((s for s, v in zip(steps, x) if not math.isfinite(v)), None)
    if bad is not None:
        out["first_nonfinite"] = bad
    return out


def write_labels() -> dict:
    by_name = {r["name"]: r for r in RUNS}
    labels, mismatches = {}, []
    for path in sorted(OUT.glob("*.csv")):
        lab = label(path)
        run = by_name.get(path.stem)
        if run:
            lab["intent"] = run["intent"]
            lab["config"] = {"family": run["family"], **{k: list(v) if isinstance(v, tuple) else v
                                                          for k, v in run["kw"].items()}}
            if run["intent"] != lab["kind"]:
                mismatches.append(f"{path.stem}: intended {run['intent']}, labelled {lab['kind']}")
        labels[path.stem] = lab
    LABELS.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    old = OUT / "labels.json"  # where older versions wrote them: it made `tracesift scan` warn
    if old.exists():
        old.unlink()
    for m in mismatches:
        print("note:", m)
    return labels


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", help="run names to (re)train")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--labels-only", action="store_true")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.labels_only:
        runs = [r for r in RUNS if not args.only or r["name"] in args.only]
        t0 = time.perf_counter()
        if args.jobs > 1:
            from multiprocessing import get_context

            with get_context("spawn").Pool(args.jobs) as pool:
                done = pool.imap_unordered(_train_one, runs)
                for name, n, dt in done:
                    print(f"{name}: {n} steps, {dt:.1f}s", flush=True)
        else:
            for run in runs:
                name, n, dt = _train_one(run)
                print(f"{name}: {n} steps, {dt:.1f}s", flush=True)
        print(f"trained {len(runs)} runs in {time.perf_counter() - t0:.0f}s")
        known = {r["name"] for r in RUNS}
        for stale in OUT.glob("*.csv"):
            if stale.stem not in known:
                stale.unlink()
    labels = write_labels()
    for name, lab in labels.items():
        print(f"{name:32s} {lab['kind'] or 'healthy':20s} start={lab['start']} collapsed={lab['collapsed']} "
              f"steps={lab['steps']}")
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(labels)} runs, {size / 1e6:.2f} MB in {OUT}; labels in {LABELS}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
