"""Which logged config values tell the collapsed runs of a folder from the healthy ones."""

from __future__ import annotations

from tracesift.findings import Finding, Severity
from tracesift.pipeline.compare import compare_folders
from tracesift.report_data import RunData


def run(name: str, config: dict, collapsed: bool) -> RunData:
    findings = [Finding(name, "divergence", "divergence", Severity.critical, "diverged", metric="loss")] \
        if collapsed else []
    return RunData(name, "jsonl", None, config, {}, findings)


def sweep(n: int = 10) -> list[RunData]:
    """Learning rates 1e-4 .. 1e-3: the runs at 6e-4 or more diverged; the optimizer does not matter."""
    lrs = [round(1e-4 * (i + 1), 6) for i in range(n)]
    return [run(f"sweep/lr{i}", {"lr": lr, "optimizer": "adam" if i % 2 else "sgd", "seed": 7}, lr >= 6e-4)
            for i, lr in enumerate(lrs)]


def test_a_threshold_on_the_learning_rate_separates_collapse():
    (folder,) = compare_folders(sweep(), lambda metric: True)
    assert folder.folder == "sweep" and len(folder.runs) == 10 and len(folder.collapsed) == 5
    best = folder.splits[0]
    assert best.key == "lr" and best.rule == "lr >= 0.0006"
    assert (best.matched, best.matched_collapsed, best.others, best.others_collapsed) == (5, 5, 5, 0)
    assert best.text == "5 of 5 runs with lr >= 0.0006 collapsed; 0 of 5 others did"
    assert all(s.key != "optimizer" for s in folder.splits), "a value that does not separate is not reported"


def test_too_few_runs_say_nothing_and_say_why():
    (folder,) = compare_folders(sweep(4), lambda metric: True)
    assert folder.splits == [] and "too few" in folder.why_no_splits


def test_a_folder_of_one_run_is_not_compared():
    assert compare_folders([run("a/one", {"lr": 1}, True), run("b/two", {"lr": 2}, False)], lambda m: True) == []
