"""Named errors. The CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class TracesiftError(Exception):
    """Base class: an error tracesift explains to the user instead of a traceback."""

    exit_code = 2


class UsageError(TracesiftError):
    """The command was asked for something that cannot be done as asked."""

    exit_code = 2


class EngineUnavailable(UsageError):
    """An engine was asked for whose optional dependency is not installed (``--engine ray`` without Ray)."""


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


class ReadOnlyQuery(QueryError):
    """SQL that would write (COPY, EXPORT, ATTACH, CREATE, INSTALL, SET, ...): queries only read."""


class QueryTimeout(QueryError):
    """A query that ran past its time limit and was stopped (124, as timeout(1) exits)."""

    exit_code = 124


class NotRegularFile(OSError):
    """An input that is not a regular file (a FIFO, socket or device): never read, it could block for ever."""


class StoreWriteFailed(TracesiftError):
    """The store could not be written (a full disk, a read-only store) or a worker died: the ingest stopped
    before committing, and the store keeps its last complete version."""

    exit_code = 4
