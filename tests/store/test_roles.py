"""The metric-role table maps what real tools log onto the roles detectors ask for."""

from __future__ import annotations

import pytest

from tracesift.store import schema
from tracesift.store.roles import RoleMap, parse_mappings

LOGGED_AS = {
    "train/loss": "loss",  # HF Trainer via TensorBoard
    "lm loss": "loss",  # Megatron-LM
    "train_loss": "loss",  # Lightning
    "grad norm": "grad_norm",  # Megatron-LM
    "actor/grad_norm": "grad_norm",  # verl
    "learning_rate": "lr",  # HF Trainer
    "lr-Adam": "lr",  # Lightning LearningRateMonitor
    "actor/entropy": "entropy",  # verl
    "objective/entropy": "entropy",  # TRL
    "critic/score/mean": "reward",  # verl
    "objective/scores": "reward",  # TRL
    "actor/kl_loss": "kl",  # verl
    "objective/kl": "kl",  # TRL
    "response_length/mean": "response_length",  # verl
    "actor/pg_clipfrac": "ratio_clip_frac",  # verl: PPO ratio clipping, not length clipping
    "response_length/clip_ratio": "clip_frac",  # verl: responses cut at the maximum length
    "clip_ratio/region_mean": "ratio_clip_frac",  # TRL GRPO
    "train/clip_fraction": "ratio_clip_frac",  # Stable-Baselines3
    "val_loss": "eval/loss",  # Keras, Lightning
    "eval_loss": "eval/loss",  # HF Trainer
    "eval/accuracy": "eval/accuracy",
    "actor/kl_coef": "actor/kl_coef",  # a setting, not a KL: kept as is
    "my_custom_metric": "my_custom_metric",
    "loss/kl": "vae_kl",  # a VAE's ELBO terms
    "loss/recon": "recon_loss",
    "loss/total": "loss",
    "validation/lm loss": "eval/loss",  # Megatron-LM validation lines
    "train/entropy_loss": "train/entropy_loss",  # minus the entropy: never mistaken for it
    "rollout/ep_rew_mean": "reward",  # Stable-Baselines3
    "ep_rew_mean": "reward",  # OpenAI baselines
    "episode_reward": "reward",
    "rollout/return": "reward",
    "cumulative_avg_reward": "reward",
    "completions/clipped_ratio": "clip_frac",  # TRL GRPO
    "completions/mean_length": "response_length",  # TRL GRPO
    "critic/rewards/mean": "critic/rewards/mean",  # verl: the score less the KL penalty, not the reward
    "train_loss_step": "loss",  # Lightning logs both; the per-step one is the loss
    "train_loss_epoch": "train_loss_epoch",
    "test_loss": "test/loss",  # another split than validation
    "val-core/openai/gsm8k/reward/mean@1": "eval/openai/gsm8k/reward/mean@1",  # verl's validation metrics
    "test/accuracy": "test/accuracy",
    "train/box_loss": "loss/box",  # Ultralytics YOLO: the loss in parts, no total
    "train/cls_loss": "loss/cls",
    "train/dfl_loss": "loss/dfl",
    "train/obj_loss": "loss/obj",  # YOLOv5
    "val/box_loss": "eval/loss/box",
    "lr/pg0": "lr",  # one learning rate per parameter group: the first is the lr
    "lr/pg1": "lr/pg1",
    "lr-AdamW/pg2": "lr-AdamW/pg2",  # Lightning, several groups
    "x/lr0": "lr",  # YOLOv5
    "train_elbo": "elbo",  # Pyro: higher is better, not a loss
    "test_elbo": "test/elbo",
}


@pytest.mark.parametrize("raw", LOGGED_AS)
def test_role_of_real_names(raw):
    assert RoleMap().role_of(raw) == LOGGED_AS[raw]


def test_user_entries_win():
    roles = RoleMap({"kl": "vae_kl"})
    assert roles.role_of("kl") == "vae_kl"
    assert roles.fingerprint() != RoleMap().fingerprint()


def test_normalize_sets_metric_and_keeps_raw_name():
    table = schema.from_rows(
        "metrics", [{"run_id": "r", "step": 1, "metric": "lm loss", "value": 1.0, "raw_metric": "lm loss"}]
    )
    out = RoleMap().normalize(table)
    assert out["metric"].to_pylist() == ["loss"] and out["raw_metric"].to_pylist() == ["lm loss"]
    assert out.schema == schema.METRICS


def test_parse_mappings():
    assert parse_mappings(["lm loss = loss", "a=b"]) == {"lm loss": "loss", "a": "b"}
    with pytest.raises(ValueError, match="raw=role"):
        parse_mappings(["nothing"])
