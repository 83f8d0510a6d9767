"""The manifest: which inputs the store holds, from which batch, as of which file state.

One JSON file, replaced atomically; it is the store's single commit point. Parquet
files that no manifest entry names (left by an ingest that was killed) are
invisible to queries and removed by the next ingest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tracesift.errors import StoreError
from tracesift.store.schema import SCHEMA_VERSION

MANIFEST = "manifest.json"
HASH_CHUNK = 1 << 20


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
    batches: dict[str, list[str]] = field(default_factory=dict)
    """batch id -> tables it has a Parquet file for"""

    @classmethod
    def load(cls, store: Path) -> Manifest:
        path = store / MANIFEST
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            sources = {
                key: SourceEntry(**{**entry, "fingerprint": Fingerprint(**entry["fingerprint"])})
                for key, entry in raw["sources"].items()
            }
            return cls(raw["schema_version"], raw.get("roles", ""), sources, raw["batches"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}: not a tracesift manifest ({exc}); delete the store to rebuild it") from exc

    def save(self, store: Path) -> None:
        document = {
            "schema_version": self.schema_version,
            "roles": self.roles,
            "sources": {key: entry.as_json() for key, entry in sorted(self.sources.items())},
            "batches": self.batches,
        }
        write_atomic(store / MANIFEST, json.dumps(document).encode())

    def files(self, store: Path, table: str) -> list[Path]:
        """The Parquet files of ``table`` the manifest vouches for."""
        return [batch_file(store, table, batch) for batch, tables in sorted(self.batches.items()) if table in tables]


def batch_file(store: Path, table: str, batch: str) -> Path:
    return store / table / f"batch={batch}" / "part-0.parquet"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


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
    """BLAKE2b of the bytes (``data`` when the caller has read them); for a folder, of its listing."""
    digest = hashlib.blake2b(digest_size=16)
    if data is not None:
        digest.update(data)
        return digest.hexdigest()
    if path.is_dir():
        for file in _files_under(path):
            info = file.stat()
            digest.update(f"{file.relative_to(path)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())
