"""First-failure accuracy on the Who&When development split: the rules, the learned locator, baselines.

    python benchmarks/bench_first_failure.py                          # 5-fold CV, 3 seeds
    python benchmarks/bench_first_failure.py --seeds 1 --out ff.json  # quicker; also as JSON

Reads ``../shared/data/whowhen`` beside the repository (``--data`` elsewhere): the 164 labelled logs of
the development split. Never point it at the held-out logs. It ingests and scans them once (into a
temporary store, never beside the data), then scores, per subset (Algorithm-Generated, Hand-Crafted):

* ``rules``: the ``first_failure`` findings the scan itself produced (whatever post-stage this version has);
* ``locator``: the learned locator under k-fold cross-validation split by trajectory (stratified by subset,
  trained on both subsets' training folds), averaged over ``--seeds`` shuffles;
* ``random``: the expected score of a uniformly random step, and a random agent among those that acted;
* ``first agent step``: the first step an agent took after the opening step (which states the task), not
  terminal output;
* ``before first error``: the last agent step before the first error (non-zero exit code, ``is_error``),
  terminal output skipped; the first agent step when nothing failed;
* ``second agent's first step``: the first step of the second agent to act;
* the LLM-judge numbers published with the benchmark (its paper, Table 1; on all 184 logs).

Agent names compare as ``tracesift eval`` compares them. Zero LLM calls; the time per trajectory is
the locator's features and scoring, measured in this process.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tracesift.locate.features import step_features
from tracesift.locate.labels import normal_agent, same_agent
from tracesift.locate.model import _owner_step, fit
from tracesift.locate.scoring import WITHIN, predictions_of
from tracesift.pipeline.evaluate import findings_by_subject, labelled
from tracesift.pipeline.scan import all_trajectories, scan

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "whowhen"
PUBLISHED = {  # step / agent accuracy, %, on the full benchmark (GPT-4o judge given the true answer)
    "all-at-once (LLM)": {"Algorithm-Generated": (12.5, 54.3), "Hand-Crafted": (5.3, 55.2)},
    "step-by-step (LLM)": {"Algorithm-Generated": (25.5, 35.2), "Hand-Crafted": (7.0, 34.5)},
    "binary search (LLM)": {"Algorithm-Generated": (24.0, 44.1), "Hand-Crafted": (6.9, 51.7)},
    "random (paper)": {"Algorithm-Generated": (19.1, 29.1), "Hand-Crafted": (4.2, 12.0)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    if "heldout" in str(args.data.resolve()):
        sys.exit("the held-out logs are not for tuning or benchmarking during development")
    if not args.data.is_dir():
        sys.exit(f"no data at {args.data} (--data names the folder of the Who&When development split)")
    items, rules_found = load(args.data)
    results = {"rules": score_all(items, [item["rules"] for item in items]),
               "random": expected_random(items),
               "first agent step": score_all(items, [first_agent_step(item["features"]) for item in items]),
               "before first error": score_all(items, [before_first_error(item["features"]) for item in items]),
               "second agent's first step": score_all(items, [second_agent(item["features"]) for item in items])}
    results["locator"], per_seed, ms = cross_validate(items, args.folds, args.seeds)
    report(items, results, per_seed, rules_found, ms, args)
    if args.out:
        args.out.write_text(json.dumps({"results": results, "per_seed": per_seed, "rules_findings": rules_found,
                                        "ms_per_trajectory": ms, "folds": args.folds, "seeds": args.seeds,
                                        "published": PUBLISHED}, indent=1))


def load(data: Path) -> tuple[list[dict], int]:
    """Every labelled trajectory: subset, label, steps as features (with the scan's findings), the rules' guess."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = scan([data], store=Path(tmp) / "store", fail_on=None)
        print(f"ingest + scan: {time.perf_counter() - started:.1f} s, {result.trajectories} trajectories",
              file=sys.stderr)
        known = labelled(result, [data])
        findings = findings_by_subject(result.findings)
        rules = predictions_of(result.findings)
        items, featured = [], 0.0
        for trajectory in all_trajectories(result.ingest.store):
            tid = trajectory.trajectory_id
            label = known.labels.get(tid)
            if label is None or label.step is None or tid not in known.subjects:
                continue
            guess = rules.get(tid)
            started = time.perf_counter()
            features = step_features(trajectory, findings.get(tid, []))
            featured += time.perf_counter() - started
            items.append({"id": tid, "subset": known.subjects[tid].subset, "label": label, "features": features,
                          "rules": None if guess is None else (guess.first_step, guess.agent),
                          "features_ms": 1000 * (time.perf_counter() - started)})
    return items, len(rules)


def first_agent_step(steps) -> tuple[int, str | None]:
    """The first step an agent took after the opening one (which states the task: the human's, or the first
    agent's restatement of it)."""
    actors = [i for i in np.flatnonzero(steps.columns["is_actor"]) if i > 0]
    step = int(actors[0]) if actors else 0
    return step, steps.agents[step]


def second_agent(steps) -> tuple[int, str | None]:
    """The first step of the second agent to act (the first worker an orchestrator hands to)."""
    found = np.flatnonzero(steps.columns["agent_order=1:first_turn"])
    return (int(found[0]), steps.agents[int(found[0])]) if len(found) else first_agent_step(steps)


def before_first_error(steps) -> tuple[int, str | None]:
    before = np.flatnonzero(steps.columns["before_first_error"])
    if not len(before):
        return first_agent_step(steps)
    step = int(before[0])
    return step, steps.agents[step]


def score_all(items: list[dict], guesses: list) -> dict[str, dict]:
    """Per subset: step and agent accuracy (%), within ±k (%), and how many were predicted."""
    out: dict[str, dict] = {}
    for subset in sorted({item["subset"] for item in items}):
        chosen = [(item, guess) for item, guess in zip(items, guesses) if item["subset"] == subset]
        n = len(chosen)
        hits = [(guess is not None and guess[0] == item["label"].step,
                 guess is not None and same_agent(guess[1], item["label"].agent),
                 [guess is not None and guess[0] is not None and abs(guess[0] - item["label"].step) <= k
                  for k in WITHIN]) for item, guess in chosen]
        out[subset] = {"n": n, "predicted": sum(g is not None for _, g in chosen),
                       "step": 100 * sum(h[0] for h in hits) / n, "agent": 100 * sum(h[1] for h in hits) / n,
                       "within": [100 * sum(h[2][i] for h in hits) / n for i in range(len(WITHIN))]}
    return out


def expected_random(items: list[dict]) -> dict[str, dict]:
    """The expected score of a random step and a random acting agent (exact, not sampled)."""
    out: dict[str, dict] = {}
    for subset in sorted({item["subset"] for item in items}):
        chosen = [item for item in items if item["subset"] == subset]
        step = agent = 0.0
        within = np.zeros(len(WITHIN))
        for item in chosen:
            steps, label = item["features"], item["label"]
            n = len(steps)
            step += 1 / n
            within += np.array([min(n, label.step + k + 1) - max(0, label.step - k) for k in WITHIN]) / n
            agents = {normal_agent(steps.agents[_owner_step(steps, i)]) for i in range(n)} - {None}
            agent += (normal_agent(label.agent) in agents) / max(len(agents), 1)
        m = len(chosen)
        out[subset] = {"n": m, "predicted": m, "step": 100 * step / m, "agent": 100 * agent / m,
                       "within": list(100 * within / m)}
    return out


def folds(items: list[dict], k: int, seed: int) -> list[list[int]]:
    """k folds of trajectory indices, each subset dealt out evenly after a seeded shuffle."""
    out: list[list[int]] = [[] for _ in range(k)]
    for subset in sorted({item["subset"] for item in items}):
        indices = [i for i, item in enumerate(items) if item["subset"] == subset]
        random.Random(seed).shuffle(indices)
        for j, i in enumerate(indices):
            out[j % k].append(i)
    return out


def cross_validate(items: list[dict], k: int, seeds: int) -> tuple[dict, list[dict], float]:
    per_seed, located_s, located_n = [], 0.0, 0
    for seed in range(seeds):
        guesses: list = [None] * len(items)
        for test in folds(items, k, seed):
            held = set(test)
            model = fit([(item["features"], item["label"].step) for i, item in enumerate(items) if i not in held])
            started = time.perf_counter()
            for i in test:
                found = model.locate_features(items[i]["features"])
                guesses[i] = (found.step, found.agent)
            located_s += time.perf_counter() - started
            located_n += len(test)
        per_seed.append(score_all(items, guesses))
    mean = {}
    for subset in per_seed[0]:
        runs = [r[subset] for r in per_seed]
        mean[subset] = {"n": runs[0]["n"], "predicted": runs[0]["predicted"],
                        "step": float(np.mean([r["step"] for r in runs])),
                        "agent": float(np.mean([r["agent"] for r in runs])),
                        "within": list(np.mean([r["within"] for r in runs], axis=0)),
                        "step_range": [min(r["step"] for r in runs), max(r["step"] for r in runs)],
                        "agent_range": [min(r["agent"] for r in runs), max(r["agent"] for r in runs)]}
    return mean, per_seed, 1000 * located_s / max(located_n, 1)


def report(items, results, per_seed, rules_found, ms, args) -> None:
    subsets = sorted({item["subset"] for item in items})
    counts = ", ".join(f"{s} {sum(item['subset'] == s for item in items)}" for s in subsets)
    print(f"Who&When development split: {len(items)} labelled logs ({counts}); "
          f"{args.folds}-fold CV by trajectory, {args.seeds} seed(s)\n")
    if not rules_found:
        print("rules: the scan produced no first_failure finding (no first-failure post-stage in this version): "
              "every trajectory is a miss\n")
    print("| method | " + " | ".join(f"{s} step | {s} agent | {s} ±1 / ±3 / ±5" for s in subsets) + " |")
    print("| --- |" + " ---: | ---: | ---: |" * len(subsets))
    for name, by_subset in results.items():
        cells = []
        for s in subsets:
            r = by_subset[s]
            step = f"{r['step']:.1f}" + (f" ({r['step_range'][0]:.1f}-{r['step_range'][1]:.1f})" if "step_range" in r
                                          and args.seeds > 1 else "")
            agent = f"{r['agent']:.1f}" + (f" ({r['agent_range'][0]:.1f}-{r['agent_range'][1]:.1f})"
                                            if "agent_range" in r and args.seeds > 1 else "")
            w = r["within"]
            cells += [step, agent, f"{w[0]:.0f} / {w[2]:.0f} / {w[4]:.0f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for name, by_subset in PUBLISHED.items():
        cells = []
        for s in subsets:
            step, agent = by_subset.get(s, (None, None))
            cells += [f"{step}", f"{agent}", ""]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for s in subsets:
        features = [item["features_ms"] for item in items if item["subset"] == s]
        print(f"\nlocator, {s}: features {np.median(features):.1f} ms per trajectory (median; 90th percentile "
              f"{np.percentile(features, 90):.0f} ms), reading and scanning the logs not included", end="")
    print(f"\nlocator scoring: {ms:.2f} ms per trajectory")


if __name__ == "__main__":
    main()
