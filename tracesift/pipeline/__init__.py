"""The pipeline: the one place that knows readers, store and detectors together.

``ingest`` turns files into the store's tables (discover, plan, read tasks, write,
commit); ``scan`` judges the store's subjects (runs, trajectories) with the
detectors. Both map pure task functions through an :class:`~tracesift.pipeline.executors.Executor`.
"""
