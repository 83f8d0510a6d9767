"""The manifest: which inputs the store holds, in which batch, as of which file state.

The store's layout, which other engines may rely on::

    <store>/manifest/00000000000000000007.json   one file per commit, never rewritten
    <store>/<table>/<batch id>.parquet            e.g. metrics/18f3c2a9d1e0b4a1.parquet

A commit writes the Parquet files under new names, then creates the next
manifest version (create-only: no rename, so it works on object stores). The
newest *complete* version is the store: each ends with a ``checksum`` of the
rest, so a version torn by a kill mid-write is ignored and the one before it
holds. Its ``files`` field lists, per table, the current Parquet files relative
to the store root; read exactly those and you read what tracesift reads::

    files = json.loads(newest.read_text())["files"]["metrics"]   # newest: the highest-numbered version
    duckdb.read_parquet([f"{store}/{f}" for f in files])         # or polars.scan_parquet, spark.read.parquet

Only the newest ``KEEP_VERSIONS`` versions are kept, and a Parquet file stays as
long as one of them lists it: a query that opened an older version still finds
every file of it while a writer commits. Files that no kept version lists (left
by a killed ingest, or replaced long enough ago) are invisible, and removed by
the next writer (:mod:`tracesift.store.commit`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from tracesift.errors import CommitConflict, StoreError
from tracesift.store.layout import Store, StoreLike
from tracesift.store.tables import SCHEMA_VERSION

MANIFESTS = "manifest"
LEGACY_MANIFEST = "manifest.json"
"""Where the store's single manifest lived before versioned manifests."""
KEEP_VERSIONS = 4
HASH_CHUNK = 1 << 20
CHECKSUM_KEY = b', "checksum": "'
"""The last field of every version: a digest of the document's bytes before it (with ``}`` closing them)."""
REBUILD = "run `tracesift ingest --rebuild` to read its inputs again"


class StaleStoreError(StoreError):
    """The store was written by another tracesift (schema or layout); only a rebuild helps."""


@dataclass
class Fingerprint:
    """What a source looked like when it was read."""

    size: int
    mtime_ns: int
    content_hash: str = ""

    def same_stat(self, other: Fingerprint) -> bool:
        return self.size == other.size and self.mtime_ns == other.mtime_ns


@dataclass
class SourceEntry:
    rel: str
    reader: str
    batch: str
    fingerprint: Fingerprint
    rows: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def as_json(self) -> dict:
        """The entry as the manifest stores it (``dataclasses.asdict``, without its deep copies)."""
        return {**vars(self), "fingerprint": vars(self.fingerprint)}


@dataclass
class Manifest:
    schema_version: int = SCHEMA_VERSION
    roles: str = ""
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    batches: dict[str, dict[str, int]] = field(default_factory=dict)
    """batch id -> {table: rows in that table's Parquet file of the batch}"""
    version: int = 0
    """the version this manifest was loaded from or last committed as; 0 for a store without one"""

    @classmethod
    def load(cls, store: StoreLike) -> Manifest:
        """The newest complete version (an empty manifest when there is none yet).

        Raises :class:`StaleStoreError` for a store of another schema version or layout.
        """
        store = Store.open(store)
        newest = _newest(store)
        if newest is None:
            return cls()
        version, raw = newest
        try:
            sources = {
                key: SourceEntry(**{**entry, "fingerprint": Fingerprint(**entry["fingerprint"])})
                for key, entry in raw["sources"].items()
            }
            return cls(raw["schema_version"], raw["roles"], sources, raw["batches"], version)
        except (KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"{store.url(_name(version))}: not a tracesift manifest ({exc}); {REBUILD}") from exc

    def commit(self, store: Store) -> None:
        """Create the next version from this manifest, then delete versions beyond the newest few.

        The number goes past any torn version (versions are never rewritten); a
        complete version newer than this manifest, or one created between the check and
        the create, means another writer got there first: :class:`CommitConflict`.
        """
        existing = versions(store)
        if any(_complete(store, v) is not None for v in existing if v > self.version):
            raise CommitConflict(f"{store}: another writer committed a newer version first")
        version = max(existing, default=0) + 1
        try:
            store.create(_name(version), self._document(version))
        except FileExistsError as exc:
            raise CommitConflict(f"{store}: another writer committed version {version} first") from exc
        self.version = version
        for old in [*existing, version][:-KEEP_VERSIONS]:
            store.delete(_name(old))

    def discard_newer(self, store: Store, min_age_s: float = 0.0) -> None:
        """Delete versions newer than this one: torn by a kill, since :meth:`load` passed them over.

        With ``min_age_s``, only those written at least that long ago (a younger one may be
        another writer's, still being written).
        """
        for version in versions(store):
            if version > self.version and store.age_s(_name(version)) >= min_age_s:
                store.delete(_name(version))

    def files(self, table: str) -> list[str]:
        """The current Parquet files of ``table``, relative to the store root."""
        return [batch_file(table, batch) for batch, tables in sorted(self.batches.items()) if table in tables]

    def _document(self, version: int) -> bytes:
        """The version's JSON, ending with a checksum of everything before it."""
        tables = sorted({table for tables in self.batches.values() for table in tables})
        document = {
            "format": "tracesift-store",
            "version": version,
            "schema_version": self.schema_version,
            "roles": self.roles,
            "files": {table: self.files(table) for table in tables},
            "batches": self.batches,
            "sources": {key: entry.as_json() for key, entry in sorted(self.sources.items())},
        }
        body = json.dumps(document).encode()
        return body[:-1] + CHECKSUM_KEY + _digest(body).encode() + b'"}'


def batch_file(table: str, batch: str) -> str:
    """Where a batch's rows of ``table`` live, relative to the store root."""
    return f"{table}/{batch}.parquet"


def current_files(store: StoreLike) -> dict[str, list[str]] | None:
    """Per table, the Parquet files of the newest complete version (None when there is none).

    What a query needs, without building the sources' entries that an ingest needs.
    """
    store = Store.open(store)
    newest = _newest(store)
    if newest is None:
        return None
    files = newest[1].get("files")
    if not isinstance(files, dict):
        raise StoreError(f"{store.url(_name(newest[0]))}: not a tracesift manifest (no files); {REBUILD}")
    return files


def listed_files(store: Store) -> set[str]:
    """Every Parquet file that some kept complete version lists: what a reader may still open."""
    listed: set[str] = set()
    for version in versions(store):
        files = (_complete(store, version) or {}).get("files")
        for names in files.values() if isinstance(files, dict) else ():
            listed.update(names)
    return listed


def _newest(store: Store) -> tuple[int, dict] | None:
    """The newest complete version and its document; StaleStoreError for another schema or layout."""
    for version in reversed(versions(store)):
        document = _complete(store, version)
        if document is None:
            continue
        if document.get("schema_version") != SCHEMA_VERSION:
            raise StaleStoreError(
                f"{store}: written with schema version {document.get('schema_version')}, this tracesift writes "
                f"{SCHEMA_VERSION}; {REBUILD}"
            )
        return version, document
    if store.exists(LEGACY_MANIFEST):
        raise StaleStoreError(f"{store}: a store in an older layout (one manifest.json); {REBUILD}")
    return None


def looks_like_store(store: Store) -> bool:
    """Whether ``store`` holds a manifest folder, or a manifest of the older layout."""
    return store.exists(MANIFESTS) or store.exists(LEGACY_MANIFEST)


def versions(store: Store) -> list[int]:
    """The manifest versions present, complete or not, oldest first."""
    stems = (name.removesuffix(".json") for name in store.list(MANIFESTS) if name.endswith(".json"))
    return sorted(int(stem) for stem in stems if stem.isdigit())


def _name(version: int) -> str:
    return f"{MANIFESTS}/{version:020d}.json"


def _complete(store: Store, version: int) -> dict | None:
    """A version's document when it is whole (its checksum matches and it parses), else None.

    The checksum is of the document's bytes without their ``checksum`` field, so it is
    checked on the bytes as read, with nothing encoded again.
    """
    try:
        data = store.read(_name(version))
    except OSError:
        return None
    cut = data.rfind(CHECKSUM_KEY)
    if cut < 0 or not data.endswith(b'"}'):
        return None
    body = data[:cut] + b"}"
    if data[cut + len(CHECKSUM_KEY) : -2].decode("ascii", "replace") != _digest(body):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stat_fingerprint(path: Path) -> Fingerprint:
    """Size and modification time; for a folder, summed over the files inside it."""
    if not path.is_dir():
        info = path.stat()
        return Fingerprint(info.st_size, info.st_mtime_ns)
    size = mtime = 0
    for file in _files_under(path):
        info = file.stat()
        size += info.st_size
        mtime = max(mtime, info.st_mtime_ns)
    return Fingerprint(size, mtime)


def content_hash(path: Path, data: bytes | None = None) -> str:
    """SHA-256 of the bytes (``data`` when the caller has read them), its first 128 bits in hex; for a
    folder, of its listing.

    SHA-256 rather than BLAKE2b: most CPUs hash it in hardware (SHA extensions), about twice as fast
    (1.4 against 0.7 GB/s on the benchmark VM). A store written with BLAKE2b hashes reads a file
    again the first time its modification time changes, nothing more.
    """
    digest = hashlib.sha256()
    if data is not None:
        digest.update(data)
        return digest.hexdigest()[:32]
    if path.is_dir():
        for file in _files_under(path):
            info = file.stat()
            digest.update(f"{file.relative_to(path)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()[:32]
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()[:32]


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())
