"""Named errors. The CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class TracesiftError(Exception):
    """Base class: an error tracesift explains to the user instead of a traceback."""

    exit_code = 2


class UsageError(TracesiftError):
    """The command was asked for something that cannot be done as asked."""

    exit_code = 2


class StoreError(TracesiftError):
    """The store is missing, unreadable or of another schema version."""

    exit_code = 2


class CommitConflict(StoreError):
    """Another writer committed a newer manifest version first (and kept doing so past every retry)."""


class NothingReadable(TracesiftError):
    """No input file could be read at all."""

    exit_code = 3


class QueryError(TracesiftError):
    """SQL that DuckDB refused."""

    exit_code = 2
