"""Ingest: find inputs, read what is new or changed (in parallel), write it to the store.

An input is unchanged when its size and modification time match the manifest,
and then nothing is read. When they differ, its content hash decides: the same
bytes only refresh the manifest, other bytes are read again and replace every
row the input gave before. Inputs that vanished from a folder being ingested
lose their rows (and, when the store lives inside a folder being ingested, so do
inputs outside every folder given: the store mirrors its folder). How inputs are
keyed and named: :mod:`tracesift.pipeline.sources`; what a worker does with a chunk
of inputs: :mod:`tracesift.pipeline.read_inputs`.

An ingest holds the store's writer lock from reading the manifest to its last
commit, so a second ingest (or a scan's findings) waits, then plans against what
the first committed.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tracesift.config import reader_options_in
from tracesift.errors import UsageError
from tracesift.findings import SKIPPED, IngestReport, Outcome
from tracesift.pipeline.engines import Engine
from tracesift.pipeline.executors import Executor, given_or_local
from tracesift.pipeline.failures import stops_cleanly
from tracesift.pipeline.read_inputs import errors_table, read_sources
from tracesift.pipeline.remote import as_inputs, vanished_remote
from tracesift.pipeline.sources import (
    check_forced,
    discover_all,
    is_under,
    rekey_absolute,
    store_folder,
    vanished,
)
from tracesift.readers.discover import Source
from tracesift.store import schema
from tracesift.store.commit import sweep
from tracesift.store.layout import Store, StoreLike, default_store
from tracesift.store.lock import store_lock
from tracesift.store.manifest import (
    Fingerprint,
    Manifest,
    SourceEntry,
    StaleStoreError,
    stat_fingerprint,
)
from tracesift.store.paths import escape, is_utf8
from tracesift.store.roles import RoleMap
from tracesift.store.writer import StoreWriter

COMMIT_EVERY_ROWS = 5_000_000
CHUNK = 2048
"""At most this many inputs read per task: fewer round trips between processes, and batches of a useful size."""
CHUNK_BYTES = 256 << 20
"""A task takes inputs until they hold about this many bytes (a larger input is a task of its own): a
worker holds one input at a time, so this bounds how long a task runs, and what a lost one costs again."""
PARALLEL_FROM_BYTES = 8 << 20
PARALLEL_FROM_FILES = 200
"""Below this much input (or this many files to recognise and read), one process beats starting workers."""


@stops_cleanly
def ingest(
    paths: Iterable[Path | str],
    *,
    store: StoreLike | None = None,
    jobs: int | None = None,
    roles: RoleMap | None = None,
    reader_options: Mapping[str, Mapping] | None = None,
    rebuild: bool = False,
    on_progress: Callable[[int, int, str], None] | None = None,
    executor: Executor | None = None,
    reader: str | None = None,
    engine: Engine | None = None,
) -> IngestReport:
    """Bring the store up to date with ``paths``; see the module docstring.

    ``paths`` may be URLs of object storage (``s3://bucket/prefix``: :mod:`tracesift.pipeline.remote`),
    and so may ``store``. ``reader_options`` are settings by reader name; a ``tracesift.toml`` beside
    a local input replaces them for the inputs of its folder. ``reader`` names the reader that reads
    each of ``paths`` (files, or folders for a folder reader), whatever their content. ``engine``
    runs the reads (default: a local pool of ``jobs`` processes) unless an ``executor`` is given.
    """
    paths = as_inputs(paths)
    local, urls = [p for p in paths if isinstance(p, Path)], [p for p in paths if isinstance(p, str)]
    missing = [str(p) for p in local if not p.exists() and not p.is_symlink()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if reader is not None and urls:
        raise UsageError("--reader reads local files and folders only, not " + ", ".join(urls))
    check_forced(reader, local)
    schema.arrow_without_pandas()
    store = Store.open(store or default_store(paths))
    roles = roles or RoleMap()
    _make(store)
    with store_lock(store):  # from the manifest read to the last commit: one writer at a time
        manifest, force = _open_manifest(store, roles, rebuild)
        sweep(store, manifest)
        report = IngestReport(store)
        writer = StoreWriter(store, manifest)
        if force:  # another role map, or asked to: every row is read again
            for key in list(manifest.sources):
                writer.drop(key)
        with _rare_collections(), given_or_local(executor, jobs, engine) as executor:
            roots = [p.resolve() for p in local]
            sources = discover_all(roots, store_folder(store), manifest if not force else Manifest(), reader, urls)
            todo = _plan(sources, roots, urls, manifest, writer, report)
            _read_all(_tasks(todo, writer, roles, reader_options or {}), writer, report, executor, on_progress)
        writer.commit()
    return report


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely: reading makes millions of small containers, nearly all acyclic.

    With the default thresholds the collector runs every 700 allocations and
    takes a fifth of an agent-trajectory ingest. Workers inherit the setting.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _make(store: Store) -> None:
    if not is_utf8(store.root):
        raise UsageError(f"the store's path {escape(store.root)} is not valid UTF-8; choose another with --store")
    try:
        store.make()
    except OSError as exc:
        raise UsageError(f"cannot create the store {store}: {exc.strerror}; choose another with --store") from exc


def _open_manifest(store: Store, roles: RoleMap, rebuild: bool) -> tuple[Manifest, bool]:
    """The store's manifest (keyed as this tracesift keys inputs), and whether every input must be read again.

    A store of another schema version or layout is wiped when asked to ``rebuild``.
    """
    try:
        manifest = Manifest.load(store)
    except StaleStoreError:
        if not rebuild:
            raise
        store.wipe()
        manifest = Manifest()
    force = rebuild or manifest.roles != roles.fingerprint()
    manifest.roles = roles.fingerprint()
    rekey_absolute(manifest, store_folder(store))
    return manifest, force


def _plan(
    sources: list[Source], roots: list[Path], urls: list[str], manifest: Manifest, writer: StoreWriter,
    report: IngestReport,
) -> list[tuple[Source, Fingerprint]]:
    """Decide per input: unchanged, skipped, an error known before reading, or to read (and first
    recognise, when ``pending``: that happens in the workers, with the read)."""
    todo = []
    seen = set()
    for source in sources:
        key = source.key
        seen.add(key)
        if source.ignored:
            report.outcomes.append(Outcome(source.rel, None, "ignored"))
            if key in manifest.sources:  # read before it was passed over by name: its rows leave the store
                writer.drop(key)
            continue
        try:
            fingerprint = _fingerprint(source)
        except OSError as exc:
            source.problem = source.problem or (exc.strerror or str(exc))
            fingerprint = Fingerprint(0, 0)
        if source.skipped:  # not a regular file: never opened
            _skip(writer, report, source, SourceEntry(source.rel, "", "", fingerprint), [source.skipped])
            continue
        known = None if key in writer.dropping else manifest.sources.get(key)
        if known and not source.pending and known.fingerprint.same_stat(fingerprint) and \
                known.reader == (source.reader or "") and (known.error is None) == (source.problem is None):
            report.outcomes.append(Outcome(source.rel, known.reader, "unchanged" if not known.error else "error",
                                           problems=[known.error] if known.error else []))
            continue
        todo.append((source, fingerprint))
    base = store_folder(writer.store)
    whole = writer.store.local_path is not None and any(is_under(writer.store.local_path, r) for r in roots)
    for key in vanished(manifest, seen, roots, base, whole) + vanished_remote(manifest.sources, seen, urls):
        writer.drop(key)
        report.outcomes.append(Outcome(manifest.sources[key].rel, manifest.sources[key].reader, "removed"))
    return todo


def _fingerprint(source: Source) -> Fingerprint:
    if source.size is not None and source.mtime_ns is not None:
        return Fingerprint(source.size, source.mtime_ns)  # as found, moments ago
    return stat_fingerprint(source.path)


def _options_beside(sources: list[Source], given: Mapping[str, Mapping]) -> dict[str, Mapping[str, Mapping]]:
    """Reader options per input folder (by its path as text): its own ``tracesift.toml``'s, else ``given``
    (always ``given`` on object storage)."""
    folders = {os.path.dirname(source.path) for source in sources if source.remote is None}
    found = {folder: reader_options_in(Path(folder)) for folder in folders}
    found.update({os.path.dirname(source.path): None for source in sources if source.remote is not None})
    return {folder: given if options is None else options for folder, options in found.items()}


def _tasks(todo: list[tuple[Source, Fingerprint]], writer: StoreWriter, roles: RoleMap,
           reader_options: Mapping[str, Mapping]) -> list[tuple]:
    """One read task per input: what ``read_source`` needs, and nothing of this process."""
    options = _options_beside([source for source, _ in todo], reader_options)
    folder = os.path.dirname
    return [(s, fp, _known_hash(writer, s), roles, options[folder(s.path)], writer.store) for s, fp in todo]


def _read_all(tasks: list[tuple], writer: StoreWriter, report: IngestReport, executor: Executor, on_progress) -> None:
    chunks = _chunks(tasks, executor.jobs)
    worth_it = sum(task[1].size for task in tasks) >= PARALLEL_FROM_BYTES or len(tasks) >= PARALLEL_FROM_FILES
    done = 0
    for results in executor.map(read_sources, chunks, parallel=worth_it):
        for result in results:
            _stage(writer, report, *result)
        done += len(results)
        if writer.staged_rows >= COMMIT_EVERY_ROWS:  # between chunks: a chunk's rows travel together
            writer.commit(last=False)  # workers may have written the batches of chunks not staged yet
        if on_progress:
            on_progress(done, len(tasks), "reading")


def _chunks(tasks: list[tuple], jobs: int) -> list[list[tuple]]:
    """The read tasks grouped into chunks of at most ``CHUNK`` inputs and about ``CHUNK_BYTES`` of them, and
    several chunks per worker, to share the work out."""
    size = max(1, min(CHUNK, len(tasks) // (4 * jobs)))
    chunks, chunk, held = [], [], 0
    for task in tasks:
        if chunk and (len(chunk) == size or held + task[1].size > CHUNK_BYTES):
            chunks.append(chunk)
            chunk, held = [], 0
        chunk.append(task)
        held += task[1].size
    return chunks + ([chunk] if chunk else [])


def _stage(writer: StoreWriter, report: IngestReport, key, source, entry, tables, problems) -> None:
    if source.skipped:  # recognised by no reader and not named like a structured log, or not a regular file
        _skip(writer, report, source, entry, problems)
        return
    if tables is None:  # touched, same bytes: only the manifest learns the new time
        writer.touch(key, entry.fingerprint)
        report.outcomes.append(Outcome(source.rel, entry.reader, "unchanged"))
        return
    if _failed_again(writer, key, entry):  # its row stands: rewriting the batch that holds it would change nothing
        report.outcomes.append(Outcome(source.rel, entry.reader, "error", problems=problems))
        return
    if entry.batch:  # written by the worker already
        writer.adopt(key, entry, tables)
    else:
        writer.add(key, entry, tables)
    rows = {name: n for name, n in entry.rows.items() if name != "ingest_errors"}
    report.outcomes.append(Outcome(source.rel, entry.reader, "error" if entry.error else "read", rows, problems))


def _failed_again(writer: StoreWriter, key: str, entry: SourceEntry) -> bool:
    """Whether an input that failed (its reader raised) failed before as it is now: the same file, reader and error.

    A failed input is read again at every ingest (what made it fail may be gone), but when it fails
    the same way its ``ingest_errors`` row stays where it is.
    """
    known = None if key in writer.dropping else writer.manifest.sources.get(key)
    return bool(entry.error and known and known.error == entry.error and known.reader == entry.reader
                and known.fingerprint.same_stat(entry.fingerprint))


def _skip(writer: StoreWriter, report: IngestReport, source: Source, entry: SourceEntry, problems: list[str]) -> None:
    """Report an input that was not read, and keep its reason as a row of ``ingest_errors`` (reader NULL).

    The row is written when the input is new to the store or changed; an input skipped
    again in the same state, for the same reason, keeps the row it has.
    """
    entry.reader, entry.error, entry.rows = "", SKIPPED + source.skipped, {"ingest_errors": 1}
    known = None if source.key in writer.dropping else writer.manifest.sources.get(source.key)
    if not (known and known.error == entry.error and known.fingerprint.same_stat(entry.fingerprint)):
        writer.add(source.key, entry, {"ingest_errors": errors_table(source, [(entry.error, None)])})
    report.outcomes.append(Outcome(source.rel, None, "skipped", problems=problems, reason=source.skipped,
                                   expected=source.expected))


def _known_hash(writer: StoreWriter, source: Source) -> str | None:
    """The content hash of the input as the store holds it, when read by the reader that will read it now."""
    known = None if source.key in writer.dropping else writer.manifest.sources.get(source.key)
    same_reader = known and (source.pending or known.reader == source.reader)
    return known.fingerprint.content_hash if same_reader and not known.error else None
