"""First-failure forensics for agent trajectories: where each failed trajectory first went wrong, and who did it.

- :mod:`~tracesift.locate.labels`: the known answers (``trajectories.labels`` or a labels file) and how
  agent names compare;
- :mod:`~tracesift.locate.scoring`: predicted first failures scored against those labels, per subset;
- :mod:`~tracesift.locate.features` and :mod:`~tracesift.locate.model`: the learned locator, a per-step
  classifier over one trajectory and its findings, saved as a versioned JSON model file;
- :mod:`~tracesift.locate.stage`: the locator's ``first_failure`` finding in place of the rules', in a scan.

This layer knows trajectories and findings, never the store or the readers: the pipeline brings them.
"""
