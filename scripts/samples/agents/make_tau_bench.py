"""Write the τ-bench results sample under sample_traces/agents/tau_bench/ (plain Python).

The structure follows τ-bench (sierra-research/tau-bench @ 59a200c6):

* tau_bench/run.py @ 07191f1 (``run``): one ``EnvRunResult.model_dump()`` per task and trial, the
  list written with ``json.dump(..., indent=2)`` to
  ``<log_dir>/<strategy>-<model>-<temperature>_range_<start>-<end>_user-<user model>-<user strategy>_<time>.json``;
  a task that raises gives ``reward 0.0``, ``info {"error", "traceback"}`` and an empty ``traj``;
* tau_bench/types.py @ 07191f1: ``EnvRunResult`` (``task_id``, ``reward``, ``info``, ``traj``, ``trial``),
  ``EnvInfo`` (``task``, ``source``, ``user_cost``, ``reward_info``), ``Task``, ``RewardResult``,
  ``RewardOutputInfo`` / ``RewardActionInfo``;
* tau_bench/agents/tool_calling_agent.py @ a2d3283 (``solve``): the chat starts with the wiki as ``system``
  and the user's first words; assistant messages are litellm ``model_dump()`` (``content``, ``role``,
  ``tool_calls``, ``function_call``); each tool call is answered by a ``tool`` message with ``tool_call_id``,
  ``name``, ``content``; a reply is answered by the simulated user;
* tau_bench/envs/base.py @ 718ffa1 (``step``): a tool that raises is observed as ``"Error: <exception>"``;
* historical_trajectories/gpt-4o-airline.json @ 7362a17: the published results, for key order and shapes.

Content (the retail tasks, users and orders) is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[3] / "sample_traces" / "agents" / "tau_bench"
NAME = "tool-calling-gpt-4o-0.0_range_0-2_user-gpt-4o-llm_0314120501.json"
WIKI = "# Retail agent policy\nAs a retail agent, you can help users cancel or modify pending orders..."


def assistant(content: str | None = None, call: tuple[str, str, dict] | None = None) -> dict:
    calls = None
    if call is not None:
        cid, name, kwargs = call
        calls = [{"function": {"arguments": json.dumps(kwargs), "name": name}, "id": cid, "type": "function"}]
    return {"content": content, "role": "assistant", "tool_calls": calls, "function_call": None}


def tool(cid: str, name: str, content: str) -> dict:
    return {"role": "tool", "tool_call_id": cid, "name": name, "content": content}


def user(content: str) -> dict:
    return {"role": "user", "content": content}


def task(user_id: str, actions: list[dict], instruction: str, outputs: list[str]) -> dict:
    return {"user_id": user_id, "actions": actions, "instruction": instruction, "outputs": outputs}


def result(task_id: int, trial: int, reward: float, info: dict, traj: list[dict]) -> dict:
    return {"task_id": task_id, "reward": reward, "info": info, "traj": traj, "trial": trial}


def info(the_task: dict, reward: float, actions: list[dict], cost: float) -> dict:
    reward_info = {"reward": reward, "info": {"r_actions": reward, "gt_data_hash": "9c1f" * 16}, "actions": actions}
    return {"task": the_task, "source": "user", "user_cost": cost, "reward_info": reward_info}


CANCEL = [{"name": "cancel_pending_order", "kwargs": {"order_id": "#W4817420", "reason": "no longer needed"}}]
TASK_0 = task("yusuf_rossi_9620", CANCEL, "You are Yusuf Rossi in zip code 19122. You want to cancel order #W4817420 "
              "because you no longer need it.", [])
EXCHANGE = [{"name": "exchange_delivered_order_items",
             "kwargs": {"order_id": "#W2378156", "item_ids": ["4602305039"], "new_item_ids": ["4422467033"],
                        "payment_method_id": "credit_card_9513926"}}]
TASK_1 = task("sofia_hernandez_5364", EXCHANGE, "You are Sofia Hernandez. You want to exchange the desk lamp "
              "in order #W2378156 for the same lamp in black, paying with your credit card.", [])


def cancel_traj(first_try_fails: bool) -> list[dict]:
    traj = [{"role": "system", "content": WIKI}, user("Hi, I need to cancel an order I placed."),
            assistant("I can help. Could you give me your name and zip code?"), user("Yusuf Rossi, 19122.")]
    find = ("call_a1", "find_user_id_by_name_zip", {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19122"})
    traj += [assistant(call=find), tool("call_a1", find[1], "yusuf_rossi_9620")]
    if first_try_fails:
        bad = ("call_a2", "cancel_pending_order", {"order_id": "W4817420", "reason": "no longer needed"})
        traj += [assistant(call=bad), tool("call_a2", bad[1], "Error: order not found")]
    good = ("call_a3", "cancel_pending_order", {"order_id": "#W4817420", "reason": "no longer needed"})
    traj += [assistant(call=good), tool("call_a3", good[1], json.dumps({"order_id": "#W4817420",
                                                                      "status": "cancelled"})),
             assistant("Order #W4817420 is cancelled; the refund goes to your original payment method."),
             user("Thanks! ###STOP###")]
    return traj


def exchange_traj() -> list[dict]:
    order = ("call_b1", "get_order_details", {"order_id": "#W2378156"})
    wrong = ("call_b2", "modify_pending_order_items",
             {"order_id": "#W2378156", "item_ids": ["4602305039"], "new_item_ids": ["4422467033"],
              "payment_method_id": "credit_card_9513926"})
    return [{"role": "system", "content": WIKI}, user("Hello, I'd like to swap the lamp I got for a black one."),
            assistant(call=order),
            tool("call_b1", order[1], json.dumps({"order_id": "#W2378156", "status": "delivered"})),
            assistant(call=wrong),
            tool("call_b2", wrong[1], "Error: non-pending order cannot be modified"),
            assistant("I'm sorry, this order can no longer be changed."), user("Oh well. ###STOP###")]


def main() -> None:
    records = [
        result(0, 0, 1.0, info(TASK_0, 1.0, CANCEL, 0.0031), cancel_traj(first_try_fails=True)),
        result(1, 0, 0.0, info(TASK_1, 0.0, [], 0.0027), exchange_traj()),
        result(0, 1, 1.0, info(TASK_0, 1.0, CANCEL, 0.0024), cancel_traj(first_try_fails=False)),
        result(1, 1, 0.0, {"error": "litellm.RateLimitError: rate limit reached for gpt-4o",
                           "traceback": "Traceback (most recent call last):\n  File \"run.py\", line 75, in _run\n"
                                        "litellm.RateLimitError: rate limit reached for gpt-4o\n"}, []),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / NAME).write_text(json.dumps(records, indent=2))


if __name__ == "__main__":
    main()
