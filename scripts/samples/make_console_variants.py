"""Console logs as people really have them, made from the real sample logs (standard library only).

- ``stdout/verl_rl_entropy_collapse_preamble.log``: what a verl run prints before its first
  step, then the steps of ``verl_rl_entropy_collapse_ray.log`` unchanged. verl's ``main_task``
  prints its resolved config with ``pprint(OmegaConf.to_container(config, resolve=True))``
  (verl/trainer/main_ppo.py); here ``pprint`` prints a config with the keys and layout of
  verl's ``ppo_trainer.yaml``. Ray prefixes every line of an actor with ``(Name pid=N)`` and
  its raylet warns from ``file_system_monitor.cc``; the worker start-up lines follow the
  shapes of verl's FSDP workers. The preamble is about 120 KB, as in real verl logs.
- ``stdout/nanogpt_appended_runs.log``: ``nanogpt_lm_healthy.log`` then ``nanogpt_lm_diverge.log``,
  as ``python train.py >> train.log`` leaves them when a run is started again.

    python scripts/samples/make_console_variants.py
"""

from __future__ import annotations

import io
from pathlib import Path
from pprint import pprint

STDOUT = Path(__file__).resolve().parents[2] / "sample_traces" / "training" / "stdout"
RAY_WARNING = ("[2025-03-14 09:26:{s:02d},{ms:03d} W 12345 12399] file_system_monitor.cc:116: /tmp/ray/session_2025-03-14"
               "_09-25-58_123456_12345 is over 95% full, available space: {free} bytes; capacity: 536870912000 bytes. "
               "Object creation will fail if spilling is required.")


def verl_config(worker: int = 0) -> dict:
    """A resolved PPO config with the sections and keys of verl's ppo_trainer.yaml."""
    optim = {"lr": 1e-06, "lr_warmup_steps": -1, "lr_warmup_steps_ratio": 0.0, "min_lr_ratio": None,
             "warmup_style": "constant", "total_training_steps": 200, "weight_decay": 0.01}
    fsdp = {"param_offload": False, "optimizer_offload": False, "offload_policy": False, "reshard_after_forward": True,
            "fsdp_size": -1, "forward_prefetch": False, "wrap_policy": {"min_num_params": 0}}
    actor = {"strategy": "fsdp", "ppo_mini_batch_size": 64, "ppo_micro_batch_size_per_gpu": 4, "use_dynamic_bsz": False,
             "ppo_max_token_len_per_gpu": 16384, "grad_clip": 1.0, "clip_ratio": 0.2, "clip_ratio_low": 0.2,
             "clip_ratio_high": 0.2, "clip_ratio_c": 3.0, "loss_agg_mode": "token-mean", "entropy_coeff": 0,
             "use_kl_loss": True, "kl_loss_coef": 0.001, "kl_loss_type": "low_var_kl", "ppo_epochs": 1,
             "shuffle": False, "ulysses_sequence_parallel_size": 1, "checkpoint": {"contents": ["model", "optimizer",
             "extra"]}, "optim": optim, "fsdp_config": fsdp}
    rollout = {"name": "vllm", "mode": "sync", "temperature": 1.0, "top_k": -1, "top_p": 1, "prompt_length": 512,
               "response_length": 1024, "dtype": "bfloat16", "gpu_memory_utilization": 0.6, "ignore_eos": False,
               "enforce_eager": True, "free_cache_engine": True, "load_format": "dummy_dtensor",
               "tensor_model_parallel_size": 1, "max_num_batched_tokens": 8192, "max_num_seqs": 1024,
               "log_prob_micro_batch_size_per_gpu": 8, "do_sample": True, "n": 5,
               "val_kwargs": {"top_k": -1, "top_p": 1.0, "temperature": 0, "n": 1, "do_sample": False}}
    return {
        "actor_rollout_ref": {"hybrid_engine": True, "actor": actor, "rollout": rollout,
                              "model": {"path": "Qwen/Qwen2.5-0.5B-Instruct", "use_remove_padding": True,
                                        "enable_gradient_checkpointing": True, "trust_remote_code": False},
                              "ref": {"fsdp_config": fsdp | {"param_offload": True},
                                      "log_prob_micro_batch_size_per_gpu": 8}},
        "algorithm": {"gamma": 1.0, "lam": 1.0, "adv_estimator": "grpo", "norm_adv_by_std_in_grpo": True,
                      "use_kl_in_reward": False, "kl_penalty": "kl",
                      "kl_ctrl": {"type": "fixed", "kl_coef": 0.001, "horizon": 10000, "target_kl": 0.1}},
        "critic": {"strategy": "fsdp", "optim": optim | {"lr": 1e-05}, "ppo_mini_batch_size": 64,
                   "ppo_micro_batch_size_per_gpu": 4, "cliprange_value": 0.5, "grad_clip": 1.0, "fsdp_config": fsdp},
        "data": {"train_files": "~/data/gsm8k/train.parquet", "val_files": "~/data/gsm8k/test.parquet",
                 "prompt_key": "prompt", "max_prompt_length": 512, "max_response_length": 1024,
                 "train_batch_size": 256, "return_raw_chat": False, "shuffle": True, "seed": worker},
        "reward_model": {"enable": False, "reward_manager": "naive", "micro_batch_size_per_gpu": None},
        "trainer": {"balance_batch": True, "total_epochs": 1, "total_training_steps": 200, "project_name": "verl_grpo",
                    "experiment_name": "qwen2.5_0.5b_grpo_gsm8k", "logger": ["console"], "nnodes": 1,
                    "n_gpus_per_node": 8, "save_freq": -1, "test_freq": 5, "critic_warmup": 0,
                    "default_local_dir": "checkpoints/verl_grpo/qwen2.5_0.5b_grpo_gsm8k", "val_before_train": True},
    }


def verl_preamble() -> str:
    """Everything printed before step 1: config dumps of the driver and each worker, start-up lines, warnings."""
    out = io.StringIO()
    for worker in range(12):
        dump = io.StringIO()
        pprint(verl_config(worker), stream=dump, width=80)
        name = "TaskRunner pid=12345" if worker == 0 else f"WorkerDict pid={23456 + worker}"
        out.writelines(f"({name}) {line}\n" for line in dump.getvalue().splitlines())
        out.write(f"(WorkerDict pid={23456 + worker}) Model config after override: Qwen2Config {{'eos_token_id': 151645, "
                  f"'pad_token_id': 151643, 'vocab_size': 151936, 'hidden_size': 896}}\n")
        out.write(f"(WorkerDict pid={23456 + worker}) Qwen2ForCausalLM contains 494.03M parameters\n")
        out.write(RAY_WARNING.format(s=10 + worker, ms=17 * worker, free=21474836480 - worker * 4096) + "\n")
    return out.getvalue()


def main() -> None:
    steps = (STDOUT / "verl_rl_entropy_collapse_ray.log").read_text()
    preamble = verl_preamble()
    (STDOUT / "verl_rl_entropy_collapse_preamble.log").write_text(preamble + steps)
    runs = [(STDOUT / f"nanogpt_lm_{name}.log").read_text() for name in ("healthy", "diverge")]
    (STDOUT / "nanogpt_appended_runs.log").write_text("".join(runs))
    print(f"preamble: {len(preamble.encode()):,} bytes before the first step")


if __name__ == "__main__":
    main()
