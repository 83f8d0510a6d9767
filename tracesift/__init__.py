"""tracesift: post-hoc forensics for machine-learning traces."""

__version__ = "0.1.0"
