"""Detectors: one module per failure mode, found through a small registry.

Third-party detectors register a :class:`~tracesift.detectors.base.Detector`
under the ``tracesift.detectors`` entry-point group.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from tracesift.detectors.base import Detector, Finding

TRAINING = [
    "non_finite",
    "divergence",
    "loss_spike",
    "grad_explosion",
    "entropy_collapse",
    "entropy_explosion",
    "kl_blowup",
    "reward_hacking",
    "response_length",
    "posterior_collapse",
    "plateau",
    "forgetting",
]

__all__ = ["Detector", "Finding", "all_detectors", "by_name"]


@cache
def all_detectors() -> tuple[Detector, ...]:
    found = [
        importlib.import_module(f"tracesift.detectors.training.{name}").DETECTOR for name in TRAINING
    ]
    found += [point.load() for point in entry_points(group="tracesift.detectors")]
    return tuple(found)


def by_name(name: str) -> Detector:
    for detector in all_detectors():
        if detector.name == name:
            return detector
    known = ", ".join(d.name for d in all_detectors())
    raise KeyError(f"no detector {name!r}; known: {known}")
