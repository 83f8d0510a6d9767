"""Detectors: one module per failure mode, found through a small registry.

Third-party detectors register a :class:`~tracesift.detectors.base.Detector`
under the ``tracesift.detectors`` entry-point group.
"""

from __future__ import annotations

from tracesift.detectors.base import Detector, Run, Series, Trajectory
from tracesift.registry import Registry

# Every module of these packages that defines DETECTOR is a detector.
DETECTORS: Registry[Detector] = Registry("detector", "tracesift.detectors",
                                         ["tracesift.detectors.training", "tracesift.detectors.agents"], "DETECTOR")

__all__ = ["DETECTORS", "Detector", "Run", "Series", "Trajectory", "all_detectors", "by_name"]


def all_detectors() -> tuple[Detector, ...]:
    return DETECTORS.all()


def by_name(name: str) -> Detector:
    return DETECTORS.get(name)
