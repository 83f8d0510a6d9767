"""The agent-trajectory detectors: one module per failure mode, each judging one trajectory's steps.

They share :mod:`tracesift.detectors.agent_steps` (actions, failures, who decided what);
the ``first_failure`` post-stage (:mod:`tracesift.detectors.first_failure`) combines their
findings into one decisive step and responsible agent per failed trajectory.
"""
