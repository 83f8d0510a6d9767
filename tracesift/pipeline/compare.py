"""Runs of one experiment folder side by side: which logged config values tell collapsed runs from healthy ones.

A run is *collapsed* when it has a critical finding. For each config key logged by
enough runs of a folder, a one-split decision tree (scikit-learn) finds the threshold
on a number that best separates the two; a text or boolean value is tried value by
value. A rule is kept when it classifies at least ``MIN_ACCURACY`` of those runs right,
and it is reported with its counts ("7 of 7 runs with lr >= 0.0003 collapsed; 1 of 9
others did"). With fewer than ``MIN_RUNS`` runs, or fewer than two of either kind,
nothing is said, and the comparison says why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from tracesift.report_data import ConfigSplit, FolderComparison, RunData

MIN_RUNS = 6
MIN_EACH = 2
MIN_ACCURACY = 0.8
MAX_SPLITS = 5


def compare_folders(runs: list[RunData], overlaid: Callable[[str], bool]) -> list[FolderComparison]:
    """One comparison per folder holding two runs or more, in folder order; ``overlaid`` picks the metrics to
    overlay (besides those with findings)."""
    by_folder: dict[str, list[RunData]] = defaultdict(list)
    for run in runs:
        by_folder[run.folder].append(run)
    return [_compare(folder, members, overlaid) for folder, members in sorted(by_folder.items()) if len(members) >= 2]


def _compare(folder: str, runs: list[RunData], overlaid: Callable[[str], bool]) -> FolderComparison:
    collapsed = [r.run_id for r in runs if r.collapsed]
    judged = {f.metric for r in runs for f in r.findings}
    having = Counter(m for r in runs for m in r.series if overlaid(m) or m in judged)
    roles = [m for m in dict.fromkeys(m for r in runs for m in r.series) if having[m] >= 2]
    comparison = FolderComparison(folder, [r.run_id for r in runs], collapsed, roles)
    healthy = len(runs) - len(collapsed)
    if len(runs) < MIN_RUNS or min(len(collapsed), healthy) < MIN_EACH:
        comparison.why_no_splits = (f"{len(runs)} runs, {len(collapsed)} collapsed: too few to say which config "
                                    f"values matter (it takes {MIN_RUNS} runs, at least {MIN_EACH} of each kind)")
        return comparison
    keys = sorted({key for run in runs for key in run.config})
    splits = [split for key in keys for split in _splits(key, runs)]
    splits.sort(key=lambda s: (-_accuracy(s), -s.matched, s.key))
    comparison.splits = splits[:MAX_SPLITS]
    if not splits:
        comparison.why_no_splits = f"no logged config value separates the {len(collapsed)} collapsed runs from the rest"
    return comparison


def _splits(key: str, runs: list[RunData]) -> list[ConfigSplit]:
    logged = [(r.config[key], r.collapsed) for r in runs if key in r.config and r.config[key] is not None]
    if len(logged) < MIN_RUNS:
        return []
    values = [v for v, _ in logged]
    outcome = np.array([c for _, c in logged])
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        found = _threshold_split(key, np.array(values, dtype=float), outcome)
        candidates = [found] if found else []
    elif all(isinstance(v, (str, bool)) for v in values):
        candidates = [_counted(key, f"{key} == {v!r}", np.array([x == v for x in values]), outcome)
                      for v in sorted(set(values), key=str)]
    else:
        return []
    return [s for s in candidates if s.matched >= MIN_EACH and _accuracy(s) >= MIN_ACCURACY]


def _threshold_split(key: str, values: np.ndarray, collapsed: np.ndarray) -> ConfigSplit | None:
    """The best single threshold on ``values`` (a one-level decision tree), as the side where collapse is likelier."""
    from sklearn.tree import DecisionTreeClassifier

    if not np.all(np.isfinite(values)) or len(np.unique(values)) < 2:
        return None
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(values.reshape(-1, 1), collapsed)
    if tree.tree_.node_count < 3:
        return None
    threshold = tree.tree_.threshold[0]
    above = values > threshold
    if collapsed[above].mean() >= collapsed[~above].mean():
        return _counted(key, f"{key} >= {values[above].min():g}", above, collapsed)
    return _counted(key, f"{key} <= {values[~above].max():g}", ~above, collapsed)


def _counted(key: str, rule: str, matched: np.ndarray, collapsed: np.ndarray) -> ConfigSplit:
    return ConfigSplit(key, rule, int(matched.sum()), int(collapsed[matched].sum()), int((~matched).sum()),
                       int(collapsed[~matched].sum()))


def _accuracy(split: ConfigSplit) -> float:
    right = split.matched_collapsed + (split.others - split.others_collapsed)
    return right / (split.matched + split.others)
