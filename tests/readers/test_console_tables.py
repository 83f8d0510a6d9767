"""Stable-Baselines3 / baselines console tables: one table per step, its timesteps row the step."""

from __future__ import annotations

import io

from tracesift.readers import stdout_log
from tracesift.readers.base import Input


def sb3_table(out: io.StringIO, values: dict) -> None:
    """A logging step as Stable-Baselines3 prints it: the layout of HumanOutputFormat.write in
    stable_baselines3/common/logger.py (DLR-RM/stable-baselines3 at 00dc23b), written out here
    because stable-baselines3 needs torch to install."""
    key2str, tag = {}, None
    for key, value in sorted(values.items()):
        value_str = f"{value:<8.3g}" if isinstance(value, float) else str(value)
        if key.find("/") > 0:
            tag = key[: key.find("/") + 1]
            key2str[truncate(tag)] = ""
        if tag is not None and tag in key:
            key = "   " + key[len(tag):]
        key2str[truncate(key)] = truncate(value_str)
    key_width, val_width = max(map(len, key2str)), max(map(len, key2str.values()))
    dashes = "-" * (key_width + val_width + 7)
    lines = [dashes] + [f"| {k}{' ' * (key_width - len(k))} | {v}{' ' * (val_width - len(v))} |" for k, v in key2str.items()]
    out.write("\n".join([*lines, dashes]) + "\n")


def truncate(text: str, max_length: int = 23) -> str:
    return text[: max_length - 3] + "..." if len(text) > max_length else text


def ppo_log(path, iterations: int = 12) -> dict[int, float]:
    """A PPO run's console: a banner, then one table per iteration; returns the reward per timestep."""
    out = io.StringIO()
    out.write("Using cpu device\nWrapping the env with a `Monitor` wrapper\nWrapping the env in a DummyVecEnv.\n")
    rewards = {}
    for i in range(1, iterations + 1):
        steps = 2048 * i
        rewards[steps] = float(f"{-1500 + 90.0 * i:<8.3g}")
        values = {"rollout/ep_len_mean": 200, "rollout/ep_rew_mean": -1500 + 90.0 * i, "time/fps": 1234,
                  "time/iterations": i, "time/time_elapsed": 2 * i, "time/total_timesteps": steps}
        if i > 1:
            values |= {"train/approx_kl": 0.0123, "train/entropy_loss": -1.42 + 0.01 * i, "train/clip_fraction": 0.1,
                       "train/policy_gradient_loss": -0.004, "train/n_updates": 10 * (i - 1)}
        sb3_table(out, values)
    path.write_text(out.getvalue())
    return rewards


def metric_rows(path) -> dict[str, dict[int, float]]:
    found: dict[str, dict[int, float]] = {}
    for row in stdout_log.read(Input(path, path.name)).tables["metrics"].to_pylist():
        found.setdefault(row["metric"], {})[row["step"]] = row["value"]
    return found


def test_sb3_tables_are_recognised_and_read_with_sections_and_timesteps(tmp_path):
    log = tmp_path / "ppo_pendulum.out"
    rewards = ppo_log(log)
    assert stdout_log.sniff(Input(log)) > 0.5
    found = metric_rows(log)
    assert found["rollout/ep_rew_mean"] == rewards
    assert sorted(found["train/policy_gradient_loss"]) == sorted(rewards)[1:]  # the truncated name, as printed
    assert "time/total_timesteps" not in found and "time/iterations" in found


def test_baselines_tables_without_sections_use_their_timesteps(tmp_path):
    log = tmp_path / "baselines.log"
    out = io.StringIO()
    for i in range(1, 6):
        sb3_table(out, {"eprewmean": 10.0 * i, "fps": 300, "nupdates": i, "total_timesteps": 128 * i})
    log.write_text(out.getvalue())
    assert metric_rows(log)["eprewmean"] == {128 * i: 10.0 * i for i in range(1, 6)}


def test_a_markdown_table_in_prose_is_no_metric_table(tmp_path):
    text = "Results\n-----------\n| model | parameters |\n| small | 12 |\n-----------\nThat is all.\n" * 3
    log = tmp_path / "notes.txt"
    log.write_text(text)
    assert stdout_log.sniff(Input(log)) == 0.0
