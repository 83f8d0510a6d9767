"""The locator as a scan stage: its ``first_failure`` finding in place of the rules'.

``scan --locator FILE`` (and ``eval --locator FILE``) run this after the post-stages on every
trajectory: the ``first_failure`` findings the rules made are dropped and, for a trajectory whose
outcome is not ``success``, the locator's one takes their place (``warning`` for a failure,
``info`` for an unknown outcome). Every other finding stays. The locator reads all of them as
features, the rules' ``first_failure`` included: it was trained on a scan's findings, which hold it
(``train-locator`` and benchmarks/bench_first_failure.py), so it sees the same here.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from tracesift.detectors.base import Trajectory
from tracesift.errors import UsageError
from tracesift.findings import Finding, Severity, SubjectType
from tracesift.locate.model import LocatorModel, load

KIND = "first_failure"
DETECTOR = "locator"
DEFAULT = "default"
"""``--locator default``: the model shipped in the package, when one ships (none does now: under
cross-validation on the Who&When development split no trained locator beat the rules on both subsets,
so the rules are the default; benchmarks/README.md, "First failure")."""
NO_DEFAULT = ("--locator default: this tracesift ships no default locator model (none beat the rule-based "
              "first_failure under cross-validation, so the rules place first_failure without --locator); "
              "train one with `tracesift train-locator PATH -o locator.json` and pass --locator locator.json "
              "(a file called `default` needs ./default)")


def default_model() -> Path:
    return Path(__file__).with_name("default_locator.json")


def check_model(path: Path) -> str:
    """The model file's absolute path once it loads (a usage error names what is wrong with it);
    ``default`` names the shipped model, and is refused when none ships (a file called ``default``
    needs ``./default``)."""
    if str(path) == DEFAULT and not default_model().is_file():
        raise UsageError(NO_DEFAULT)
    resolved = str((default_model() if str(path) == DEFAULT else Path(path)).resolve())
    cached_model(resolved)
    return resolved


def cached_model(path: str) -> LocatorModel:
    """The model at ``path``, loaded once per process (again when the file changes)."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        stamp = None
    return _load(path, stamp)


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: int | None) -> LocatorModel:
    return load(Path(path))


def replace_first_failure(model: LocatorModel, trajectory: Trajectory, findings: list[Finding]) -> list[Finding]:
    """``findings`` without the rules' first_failure, with the locator's for a trajectory that did not succeed."""
    kept = [f for f in findings if f.kind != KIND]
    outcome = str(trajectory.info.get("outcome") or "unknown")
    if outcome == "success":
        return kept
    located = model.locate(trajectory, findings)  # what it was trained on: the rules' answer included
    if located is None:
        return kept
    who = f" by {located.agent}" if located.agent else ""
    return [*kept, Finding(
        trajectory.trajectory_id, DETECTOR, KIND, Severity.warning if outcome == "failure" else Severity.info,
        f"first failure at step {located.step}{who} (learned locator, confidence {located.confidence:.0%})",
        agent=located.agent, onset_step=located.step, first_step=located.step, score=located.confidence,
        evidence=located.evidence, subject_type=SubjectType.trajectory,
    )]
