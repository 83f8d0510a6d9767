"""Plugins as a third-party package would register them, for the registry tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracesift.detectors.base import Detector, Trajectory
from tracesift.findings import Finding, SubjectType


@dataclass(frozen=True)
class Params:
    at_least: int = 1
    """Errors a trajectory needs before it is reported."""


def judge(trajectory: Trajectory, params: Params) -> list[Finding]:
    errors = np.flatnonzero(trajectory.steps["is_error"].astype(bool))
    if len(errors) < params.at_least:
        return []
    first = int(errors[0])
    return [Finding(subject_id=trajectory.trajectory_id, detector="first_error", kind="tool_error",
                    severity="warning", message=f"{len(errors)} steps flagged as errors",
                    agent=trajectory.steps["agent"][first], first_step=int(trajectory.steps["step"][first]),
                    subject_type=SubjectType.trajectory)]


FIRST_ERROR = Detector("first_error", SubjectType.trajectory, ("is_error",), Params, judge,
                       "the first step flagged as an error")
TAKEN_NAME = Detector("divergence", SubjectType.run, (), Params, judge, "a second detector called divergence")
