"""Tiny, seeded CPU training loops that produce REAL metric series for sample traces.

Each ``run_*`` function trains a small model for real and returns a list of
per-step metric dicts (plain Python floats; NaN/inf are kept as float('nan') /
float('inf') exactly as the training produced them).

    (a) run_lm(...)      char-level causal transformer on generated text
    (b) run_rl(...)      REINFORCE on a tiny sequence-generation task
    (c) run_vae(...)     VAE on generated 12x12 "blob" images

Nothing here downloads anything; all data is generated from a seed.
Run this file directly to print a short summary of every preset run.
"""

from __future__ import annotations

import math
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)


def _seed(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def _f(x) -> float:
    return float(x.item() if torch.is_tensor(x) else x)


# ---------------------------------------------------------------------------
# (a) supervised: char-level LM
# ---------------------------------------------------------------------------

_SUBJ = ["the cat", "a dog", "my model", "the optimizer", "a gradient", "the loss", "our run", "the batch"]
_VERB = ["eats", "sees", "updates", "scales", "follows", "drops", "clips", "logs"]
_OBJ = ["the fish", "a tensor", "the weights", "every step", "the warmup", "a spike", "the norm", "its state"]
_ADV = ["quickly", "slowly", "again", "today", "twice", "", "", ""]


def make_text(n_sentences: int = 4000, seed: int = 0) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(n_sentences):
        s = f"{rng.choice(_SUBJ)} {rng.choice(_VERB)} {rng.choice(_OBJ)}"
        adv = rng.choice(_ADV)
        if adv:
            s += " " + adv
        out.append(s + ". ")
    return "".join(out)


class TinyGPT(nn.Module):
    """Pre-LN causal transformer, 2 layers, d=64."""

    def __init__(self, vocab: int, d: int = 64, n_layer: int = 2, n_head: int = 4, ctx: int = 32):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(ctx, d)
        layer = nn.TransformerEncoderLayer(d, n_head, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)
        self.register_buffer("mask", torch.triu(torch.full((ctx, ctx), float("-inf")), 1))

    def forward(self, x, y=None):
        t = x.shape[1]
        h = self.tok(x) + self.pos(torch.arange(t))
        h = self.blocks(h, mask=self.mask[:t, :t], is_causal=True)
        logits = self.head(self.ln(h))
        loss = None if y is None else F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        return logits, loss


def lm_data(seed: int = 0):
    text = make_text(seed=seed)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    return data[:n], data[n:], len(chars)


def _batch(data, bs, ctx, gen):
    ix = torch.randint(len(data) - ctx - 1, (bs,), generator=gen)
    x = torch.stack([data[i : i + ctx] for i in ix])
    y = torch.stack([data[i + 1 : i + 1 + ctx] for i in ix])
    return x, y


def lm_lr(step: int, peak: float, warmup: int, total: int, schedule: str) -> float:
    if schedule == "linear_ramp":  # warmup that never stops: lr keeps rising to `peak` at `total`
        return peak * (step + 1) / total
    if step < warmup:
        return peak * (step + 1) / warmup
    ratio = (step - warmup) / max(1, total - warmup)
    return 0.1 * peak + 0.9 * peak * 0.5 * (1 + math.cos(math.pi * ratio))


def run_lm(
    lr: float = 3e-3,
    steps: int = 300,
    optimizer: str = "adamw",
    schedule: str = "cosine",
    warmup: int = 20,
    grad_clip: float = 0.0,
    eval_every: int = 25,
    batch_size: int = 32,
    ctx: int = 32,
    seed: int = 0,
    stop_after_nan: int = 20,
):
    """Train TinyGPT. Returns list of dicts: step, loss, grad_norm (pre-clip), lr,
    eval_loss (only on eval steps), tokens, time_ms.  grad_clip=0 disables clipping.
    After the loss first becomes non-finite, `stop_after_nan` more steps are logged
    (NaN stays NaN forever) and the run stops, like a job that a watchdog kills."""
    _seed(seed)
    train, val, vocab = lm_data(seed)
    model = TinyGPT(vocab, ctx=ctx)
    if optimizer == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    gen = torch.Generator().manual_seed(seed + 1)
    egen = torch.Generator().manual_seed(seed + 2)
    rows, nan_since = [], None
    for step in range(steps):
        t0 = time.perf_counter()
        cur_lr = lm_lr(step, lr, warmup, steps, schedule)
        for g in opt.param_groups:
            g["lr"] = cur_lr
        x, y = _batch(train, batch_size, ctx, gen)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        # total grad norm before any clipping
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip if grad_clip > 0 else float("inf"))
        opt.step()
        row = {
            "step": step,
            "loss": _f(loss),
            "grad_norm": _f(gn),
            "lr": cur_lr,
            "tokens": (step + 1) * batch_size * ctx,
            "time_ms": (time.perf_counter() - t0) * 1000.0,
            "wall_time": time.time(),
        }
        if not math.isfinite(row["loss"]) and nan_since is None:
            nan_since = step
        last = step == steps - 1 or (nan_since is not None and step - nan_since >= stop_after_nan)
        if eval_every and (step % eval_every == 0 or last):
            model.eval()
            with torch.no_grad():
                el = [_f(model(*_batch(val, batch_size, ctx, egen))[1]) for _ in range(4)]
            model.train()
            row["eval_loss"] = sum(el) / len(el)
        rows.append(row)
        if last:
            break
    return rows


# ---------------------------------------------------------------------------
# (b) RL: REINFORCE on a tiny sequence task
# ---------------------------------------------------------------------------

RL_VOCAB = 8  # token 0 = EOS
RL_MAXLEN = 12
RL_CONTEXTS = 16


class TinyPolicy(nn.Module):
    def __init__(self, n_ctx=RL_CONTEXTS, vocab=RL_VOCAB, h=64):
        super().__init__()
        self.ctx = nn.Embedding(n_ctx, h)
        self.tok = nn.Embedding(vocab + 1, h)  # +1 = BOS
        self.cell = nn.GRUCell(h, h)
        self.out = nn.Linear(h, vocab)

    def rollout(self, c, greedy_from=None):
        """Sample a response for every context in `c`. Returns tokens (B,T), logp per
        token (B,T), full log-probs (B,T,V) and the response mask."""
        b = c.shape[0]
        h = self.ctx(c)
        prev = torch.full((b,), RL_VOCAB, dtype=torch.long)
        alive = torch.ones(b, dtype=torch.bool)
        toks, lps, dists, masks = [], [], [], []
        for _ in range(RL_MAXLEN):
            h = self.cell(self.tok(prev), h)
            logp_all = F.log_softmax(self.out(h), -1)
            a = torch.multinomial(logp_all.exp(), 1).squeeze(1)
            toks.append(a)
            lps.append(logp_all.gather(1, a[:, None]).squeeze(1))
            dists.append(logp_all)
            masks.append(alive.clone())
            alive = alive & (a != 0)
            prev = a
        return (torch.stack(toks, 1), torch.stack(lps, 1), torch.stack(dists, 1), torch.stack(masks, 1).float())

    def logprobs_of(self, c, toks):
        b = c.shape[0]
        h = self.ctx(c)
        prev = torch.full((b,), RL_VOCAB, dtype=torch.long)
        out = []
        for t in range(toks.shape[1]):
            h = self.cell(self.tok(prev), h)
            out.append(F.log_softmax(self.out(h), -1))
            prev = toks[:, t]
        return torch.stack(out, 1)


def rl_target(c: torch.Tensor) -> torch.Tensor:
    """Target answer for context c: a length-(3 + c % 6) sequence of tokens in 1..7."""
    g = torch.Generator().manual_seed(1234)
    table = torch.randint(1, RL_VOCAB, (RL_CONTEXTS, RL_MAXLEN), generator=g)
    return table[c]


def rl_reward(c, toks, mask):
    tgt = rl_target(c)
    tlen = 3 + (c % 6)
    pos = torch.arange(RL_MAXLEN)[None, :]
    in_tgt = pos < tlen[:, None]
    match = ((toks == tgt) & in_tgt & mask.bool()).float().sum(1) / tlen.float()
    resp_len = mask.sum(1)  # tokens generated incl. EOS
    # stop exactly after the answer -> bonus; rambling costs a little
    ended = (toks * mask.long() == 0).any(1) & mask.bool().any(1)
    len_pen = 0.02 * (resp_len - (tlen.float() + 1)).abs()
    return match + 0.2 * ended.float() - len_pen, resp_len


def run_rl(lr: float = 3e-3, steps: int = 200, entropy_coef: float = 0.0, batch_size: int = 64, seed: int = 0):
    """REINFORCE with a mean baseline. Logs reward mean/min/max, token entropy,
    exact per-token KL(pi || pi_init) on the sampled states, pg_loss, grad_norm,
    response_length mean/max/min/clip_ratio."""
    _seed(seed)
    pol = TinyPolicy()
    ref = TinyPolicy()
    ref.load_state_dict(pol.state_dict())
    for p in ref.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(pol.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 7)
    rows = []
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        c = torch.randint(0, RL_CONTEXTS, (batch_size,), generator=gen)
        with torch.no_grad():
            toks, _, _, mask = pol.rollout(c)
            reward, resp_len = rl_reward(c, toks, mask)
            ref_lp = ref.logprobs_of(c, toks)
        t_gen = time.perf_counter() - t0
        lp_all = pol.logprobs_of(c, toks)
        lp = lp_all.gather(2, toks[..., None]).squeeze(-1)
        p_all = lp_all.exp()
        ent_tok = -(p_all * lp_all).sum(-1)
        kl_tok = (p_all * (lp_all - ref_lp)).sum(-1)
        n = mask.sum()
        entropy = (ent_tok * mask).sum() / n
        kl = (kl_tok * mask).sum() / n
        adv = reward - reward.mean()
        pg_loss = -((lp * mask).sum(1) * adv).mean()
        loss = pg_loss - entropy_coef * entropy
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(pol.parameters(), float("inf"))
        opt.step()
        rows.append(
            {
                "step": step,
                "reward_mean": _f(reward.mean()),
                "reward_max": _f(reward.max()),
                "reward_min": _f(reward.min()),
                "entropy": _f(entropy),
                "kl": _f(kl),
                "pg_loss": _f(pg_loss),
                "grad_norm": _f(gn),
                "lr": lr,
                "response_length_mean": _f(resp_len.mean()),
                "response_length_max": _f(resp_len.max()),
                "response_length_min": _f(resp_len.min()),
                "response_length_clip_ratio": _f((resp_len == RL_MAXLEN).float().mean()),
                "time_gen_s": t_gen,
                "time_step_s": time.perf_counter() - t0,
                "wall_time": time.time(),
            }
        )
    return rows


# ---------------------------------------------------------------------------
# (c) VAE on generated blob images
# ---------------------------------------------------------------------------

IMG = 12


def make_blobs(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(IMG).float(), torch.arange(IMG).float(), indexing="ij")
    cx = torch.rand(n, generator=g) * (IMG - 4) + 2
    cy = torch.rand(n, generator=g) * (IMG - 4) + 2
    s = torch.rand(n, generator=g) * 1.0 + 1.0
    distance = (xx[None] - cx[:, None, None]) ** 2 + (yy[None] - cy[:, None, None]) ** 2
    img = torch.exp(-distance / (2 * s[:, None, None] ** 2))
    return img.reshape(n, -1).clamp(0, 1)


class TinyVAE(nn.Module):
    def __init__(self, z=8, h=128):
        super().__init__()
        d = IMG * IMG
        self.enc = nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, 2 * z))
        self.dec = nn.Sequential(nn.Linear(z, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, d))

    def forward(self, x):
        mu, logvar = self.enc(x).chunk(2, -1)
        zs = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        logits = self.dec(zs)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        kl_dim = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean(0)
        return recon, kl_dim


def run_vae(
    beta: float = 1.0,
    beta_warmup: int = 100,
    lr: float = 1e-3,
    steps: int = 400,
    batch_size: int = 64,
    seed: int = 0,
    eval_every: int = 25,
):
    """KL weight is annealed linearly from 0 to `beta` over `beta_warmup` steps, then held.
    Logs recon_loss, kl (nats/sample, summed over latent dims), beta, loss,
    active_units (latent dims with KL > 0.01) and eval recon/kl every `eval_every` steps."""
    _seed(seed)
    data = make_blobs(4096, seed)
    val = make_blobs(512, seed + 1)
    model = TinyVAE()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed + 3)
    rows = []
    for step in range(steps):
        x = data[torch.randint(0, len(data), (batch_size,), generator=g)]
        recon, kl_dim = model(x)
        kl = kl_dim.sum()
        cur_beta = beta * min(1.0, step / beta_warmup) if beta_warmup else beta
        loss = recon + cur_beta * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
        opt.step()
        row = {
            "step": step,
            "loss": _f(loss),
            "recon_loss": _f(recon),
            "kl": _f(kl),
            "beta": cur_beta,
            "active_units": int((kl_dim > 0.01).sum()),
            "grad_norm": _f(gn),
            "lr": lr,
            "wall_time": time.time(),
        }
        if step % eval_every == 0 or step == steps - 1:
            with torch.no_grad():
                r, k = model(val)
            row["eval_recon_loss"] = _f(r)
            row["eval_kl"] = _f(k.sum())
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# presets used by the make_*.py scripts (all seeded)
# ---------------------------------------------------------------------------

PRESETS = {
    # lr warmup that keeps climbing (linear ramp to 0.5 over 400 steps), SGD+momentum, no clipping
    "lm_diverge": dict(fn=run_lm, kw=dict(lr=3.0, steps=400, optimizer="sgd", schedule="linear_ramp", grad_clip=0.0)),
    # AdamW with lr ramping to 1.0, no clipping: repeated loss spikes that partly recover, no NaN
    "lm_spikes_adamw": dict(fn=run_lm, kw=dict(lr=1.0, steps=400, optimizer="adamw", schedule="linear_ramp", grad_clip=0.0)),
    "lm_healthy": dict(fn=run_lm, kw=dict(lr=3e-3, steps=400, optimizer="adamw", schedule="cosine", grad_clip=1.0)),
    "rl_entropy_collapse": dict(fn=run_rl, kw=dict(lr=1e-1, steps=200, entropy_coef=0.0)),
    "rl_healthy": dict(fn=run_rl, kw=dict(lr=2e-3, steps=200, entropy_coef=0.05)),
    "vae_kl_collapse": dict(fn=run_vae, kw=dict(beta=8.0, beta_warmup=200, steps=400)),
    "vae_healthy": dict(fn=run_vae, kw=dict(beta=1.0, beta_warmup=200, steps=400)),
}

_CACHE: dict = {}


def run_preset(name: str):
    if name not in _CACHE:
        p = PRESETS[name]
        _CACHE[name] = p["fn"](**p["kw"])
    return _CACHE[name]


# ---------------------------------------------------------------------------
# onset detectors (the rules quoted in sample_traces/training/README.md)
# ---------------------------------------------------------------------------


def first_nonfinite(rows, key):
    for r in rows:
        if key in r and not math.isfinite(r[key]):
            return r["step"]
    return None


def first_spike(rows, key, factor=3.0, window=50, min_hist=10):
    """First step whose value is finite and > factor x median of the previous `window` finite values."""
    hist = []
    for r in rows:
        v = r.get(key)
        if v is None:
            continue
        if math.isfinite(v) and len(hist) >= min_hist:
            med = sorted(hist[-window:])[len(hist[-window:]) // 2]
            if v > factor * med:
                return r["step"]
        if math.isfinite(v):
            hist.append(v)
    return None


def first_below(rows, key, frac, ref_steps=5):
    """First step where value < frac x mean of the first `ref_steps` values."""
    ref = sum(r[key] for r in rows[:ref_steps]) / ref_steps
    for r in rows:
        if r[key] < frac * ref:
            return r["step"], ref
    return None, ref


def first_sustained_below(rows, key, thresh, hold=20):
    """First step from which value stays < thresh for `hold` consecutive logged steps."""
    run = 0
    for i, r in enumerate(rows):
        run = run + 1 if r[key] < thresh else 0
        if run >= hold:
            return rows[i - hold + 1]["step"]
    return None


def summarize(name, rows):
    keys = [k for k in ("loss", "eval_loss", "grad_norm", "reward_mean", "entropy", "kl", "recon_loss") if k in rows[0]]
    out = [f"{name}: {len(rows)} steps"]
    for k in keys:
        vals = [r[k] for r in rows if k in r]
        finite = [v for v in vals if math.isfinite(v)]
        out.append(f"  {k}: first={vals[0]:.4g} min={min(finite) if finite else float('nan'):.4g} last={vals[-1]:.4g}")
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    names = sys.argv[1:] or list(PRESETS)
    for n in names:
        t = time.time()
        rows = run_preset(n)
        print(summarize(n, rows), f"({time.time() - t:.1f}s)")
        for k in ("loss", "grad_norm"):
            if k in rows[0]:
                print(f"  first_nonfinite({k})={first_nonfinite(rows, k)} first_spike({k})={first_spike(rows, k)}")
        if "entropy" in rows[0]:
            print(f"  entropy first<0.1*init: {first_below(rows, 'entropy', 0.1)}  "
                  f"sustained<0.1: {first_sustained_below(rows, 'entropy', 0.1)}")
        if "kl" in rows[0] and "recon_loss" in rows[0]:
            print(f"  kl sustained<0.05: {first_sustained_below(rows, 'kl', 0.05)}")
