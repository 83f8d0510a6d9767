"""The metric-role table: which logged names mean loss, entropy, reward, KL, ...

Tools name the same quantity differently (``train/loss``, ``lm loss``,
``actor/entropy``, ``critic/score/mean``). Detectors ask for a role; this table
maps raw names onto roles. Evaluation metrics keep their own name under an
``eval/`` prefix (``val_loss`` and ``eval/loss`` both become ``eval/loss``), test
metrics under ``test/``: they are other splits, never merged.
Names no rule matches are kept as they are.

Where a tool logs two series that could take one role, one gets it and the other
keeps its name: Lightning's ``train_loss_step`` is ``loss`` and ``train_loss_epoch``
(its per-epoch mean) is not; verl's ``critic/score/mean`` (the reward function's score)
is ``reward`` and ``critic/rewards/mean`` (the score less the KL penalty) is not;
Stable-Baselines3's ``entropy_loss`` is minus the entropy and is never ``entropy``;
a learning rate per parameter group (``lr/pg0``, ``lr/pg1``: Ultralytics, Lightning's
``lr-AdamW/pg1``) gives ``lr`` to the first group only.

A loss logged only as its parts has a role per part: Ultralytics YOLO writes
``train/box_loss``, ``train/cls_loss``, ``train/dfl_loss`` (YOLOv5 ``obj_loss``) and no total,
so they are ``loss/box``, ``loss/cls``, ... and the loss detectors judge each part of a run
that has no ``loss`` (:func:`components`). ``elbo`` (Pyro's ``train_elbo``) is the evidence
lower bound: higher is better, so it is not a loss.

Users extend the table with ``[roles]`` in ``tracesift.toml`` or ``--map
raw=role``; their entries are exact names and win over every built-in rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from tracesift.store.arrays import from_list

ROLES = {
    "loss": "training loss (language-model or task loss)",
    "grad_norm": "global gradient norm, before clipping where the tool logs both",
    "lr": "learning rate",
    "entropy": "policy entropy (RL fine-tuning) or token entropy",
    "reward": "mean reward or score of the policy's samples",
    "kl": "KL divergence to the reference policy",
    "response_length": "mean length of generated responses",
    "clip_frac": "fraction of responses cut at the maximum length",
    "ratio_clip_frac": "fraction of policy ratios clipped by PPO/GRPO's clip range",
    "loss/box": "box-regression part of a detector's loss (Ultralytics YOLO ``box_loss``)",
    "loss/cls": "classification part of a detector's loss (YOLO ``cls_loss``)",
    "loss/dfl": "distribution-focal part of a detector's loss (YOLOv8+ ``dfl_loss``)",
    "loss/obj": "objectness part of a detector's loss (YOLOv5 ``obj_loss``)",
    "elbo": "evidence lower bound of a VAE (higher is better; minus its loss)",
    "vae_kl": "KL term of a VAE's ELBO",
    "recon_loss": "reconstruction term of a VAE's ELBO",
    "epoch": "epoch counter",
}

# (pattern over the lower-cased name without its eval prefix, role); first match wins.
RULES: list[tuple[str, str]] = [
    (r"(train[/_ ])?(lm[ _])?loss(_step)?|(train/)?(total_)?loss|loss/total", "loss"),
    (r"(train[/_ ])?(actor/|policy/)?grad[_ ]?norm(/.*)?|gradient[_ ]norm", "grad_norm"),
    (r"(train[/_ ])?(learning[_ ]rate|lr)(?!.*/pg[1-9])(-.*|/.*)?|(actor/)?lr|x/lr0", "lr"),
    (r"(actor/|policy/|train/|objective/)?(policy[_ ])?entropy(/mean)?", "entropy"),
    (
        r"(critic/)?score(/mean)?|(train/)?rewards?(/mean)?|env/reward_mean|objective/scores"
        r"|(rollout/)?ep_rew_mean|episode_(reward|return)(_mean)?|rollout/return|cumulative_avg_reward",
        "reward",
    ),
    (r"(train/)?(box|cls|dfl|obj)_loss", r"loss/\2"),
    (r"(train[/_])?elbo", "elbo"),
    (r"(loss|vae|elbo)/(kl|kld)|kld|kl_divergence|vae_kl", "vae_kl"),
    (r"(actor/|policy/|train/|objective/)?(ppo_|approx_)?kl(_loss|_div|_to_init|_to_ref)?(/mean)?", "kl"),
    (r"(response_length|completions?/mean_length|tokens/responses_len_mean)(/mean|_mean)?", "response_length"),
    (r"response_length/clip_ratio|completions/clipped_ratio|response_clip_?(ratio|frac(tion)?)", "clip_frac"),
    (r"(actor/|train/)?(pg_)?clip_?frac(tion)?|clip_ratio(/.*)?|objective/clipfrac", "ratio_clip_frac"),
    (r"((loss|vae|elbo)/)?recon(struction)?(_loss)?", "recon_loss"),
    (r"epoch", "epoch"),
]

EVAL_PREFIX = re.compile(r"^(eval|val|valid|validation|val-core|val-aux)[/_]", re.IGNORECASE)  # val-*: verl
TEST_PREFIX = re.compile(r"^test[/_]", re.IGNORECASE)

_COMPILED = [(re.compile(f"(?:{pattern})$"), role) for pattern, role in RULES]


@dataclass(frozen=True)
class RoleMap:
    """Built-in rules plus the user's exact ``raw=role`` entries."""

    user: Mapping[str, str] = field(default_factory=dict)

    def role_of(self, raw: str) -> str:
        """The canonical name for ``raw``: a role, ``eval/<role or name>``, or ``raw`` itself."""
        if raw in self.user:
            return self.user[raw]
        for pattern, split in ((EVAL_PREFIX, "eval/"), (TEST_PREFIX, "test/")):
            if prefix := pattern.match(raw):
                rest = raw[prefix.end() :]
                return split + _builtin_role(rest.lower(), default=rest)
        return _builtin_role(raw.lower(), default=raw)

    def fingerprint(self) -> str:
        """Changes whenever the mapping could give another answer."""
        text = json.dumps([RULES, sorted(self.user.items())])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def normalize(self, metrics: pa.Table) -> pa.Table:
        """Set the ``metric`` column from ``raw_metric``, one lookup per distinct name."""
        raw = metrics["raw_metric"]
        encoded = raw.dictionary_encode().combine_chunks()
        names = from_list([self.role_of(name) for name in encoded.dictionary.to_pylist()], pa.string())
        roles = pa.DictionaryArray.from_arrays(encoded.indices, names).cast(pa.string())
        return metrics.set_column(metrics.schema.get_field_index("metric"), "metric", roles)


def _builtin_role(name: str, *, default: str) -> str:
    for pattern, role in _COMPILED:
        if found := pattern.match(name):
            return found.expand(role)
    return default


def components(role: str) -> list[str]:
    """The roles that are parts of ``role`` (``loss/box``, ``loss/cls``, ... of ``loss``)."""
    return [name for name in ROLES if name.startswith(role + "/")]


def parse_mappings(entries: Iterable[str]) -> dict[str, str]:
    """``["lm loss=loss", ...]`` from the command line into a dict; ValueError on a bad entry."""
    mapping = {}
    for entry in entries:
        raw, sep, role = entry.partition("=")
        if not sep or not raw.strip() or not role.strip():
            raise ValueError(f"--map expects raw=role, got {entry!r}")
        mapping[raw.strip()] = role.strip()
    return mapping
