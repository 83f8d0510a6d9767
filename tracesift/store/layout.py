"""Where a store lives, and the one seam through which every store file is read and written.

A :class:`Store` is a root path on a filesystem. All store I/O goes through its
few methods, with paths relative to the root, so that a store on S3
(``Store.open("s3://bucket/prefix")``) needs no other code. The local disk is
reached through ``os`` (so that opening a store for a query imports no pyarrow);
any other filesystem through ``pyarrow.fs``. ``create`` is the commit primitive:
it never replaces a file. ``sync`` makes written files durable before a commit names them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyarrow.fs as pafs

STORE_NAME = ".tracesift"
LOCK_NAME = "lock"
"""The writers' lock file in a local store's root (see :mod:`tracesift.store.lock`); no wipe removes it."""


def default_store(paths: list[Path]) -> Path:
    """``.tracesift`` inside the first folder given, or beside the first file.

    When that folder holds no store and cannot be written (a read-only mount, someone else's
    folder), the store goes to the user's cache instead: ``$XDG_CACHE_HOME/tracesift/`` (or
    ``~/.cache/tracesift/``), one folder per input folder, named after it and a hash of its path.
    """
    first = paths[0].resolve()
    folder = first if first.is_dir() else first.parent
    beside = folder / STORE_NAME
    if beside.exists() or os.access(folder, os.W_OK):
        return beside
    return cache_store(folder)


def cache_store(folder: Path) -> Path:
    """The store kept in the user's cache for the inputs in ``folder`` (see :func:`default_store`)."""
    import hashlib

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    return cache / "tracesift" / f"{folder.name or 'root'}-{digest}" / STORE_NAME


class Files(Protocol):
    """What a store needs of a filesystem; every path is absolute on it."""

    scheme: str

    def read(self, path: str) -> bytes: ...
    def create(self, path: str, data: bytes) -> None: ...
    def exists(self, path: str) -> bool: ...
    def list(self, folder: str) -> list[str]: ...
    def delete(self, path: str) -> None: ...
    def make_dirs(self, path: str) -> None: ...
    def wipe(self, folder: str, keep: Collection[str] = ()) -> None: ...
    def sync(self, paths: Collection[str]) -> None: ...
    def modified(self, path: str) -> float: ...
    def arrow(self) -> pafs.FileSystem: ...


class LocalFiles:
    """The local disk. An exclusive create is atomic, and its bytes are on disk when it returns."""

    scheme = ""

    def read(self, path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def create(self, path: str, data: bytes) -> None:
        self.make_dirs(os.path.dirname(path))
        with open(path, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _sync_folder(os.path.dirname(path))

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def list(self, folder: str) -> list[str]:
        try:
            return sorted(entry.name for entry in os.scandir(folder) if entry.is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def delete(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def make_dirs(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)

    def wipe(self, folder: str, keep: Collection[str] = ()) -> None:
        for entry in os.scandir(folder) if os.path.isdir(folder) else ():
            if entry.name in keep:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)

    def sync(self, paths: Collection[str]) -> None:
        """fsync each file, then each folder holding one, so that a crash cannot lose them once named."""
        for path in paths:
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        for folder in sorted({os.path.dirname(path) for path in paths}):
            _sync_folder(folder)

    def modified(self, path: str) -> float:
        return os.stat(path).st_mtime

    def arrow(self) -> pafs.FileSystem:
        import pyarrow.fs as pafs

        return pafs.LocalFileSystem()


def _sync_folder(folder: str) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ArrowFiles:
    """Any filesystem pyarrow reaches (S3, GCS, HDFS, ...).

    An object store has no exclusive create: ``create`` is a check and a write (a
    conditional put would close the gap between them). A file is durable once its
    stream is closed, so ``sync`` has nothing to do.
    """

    def __init__(self, fs: pafs.FileSystem) -> None:
        self.fs = fs
        self.scheme = fs.type_name

    def read(self, path: str) -> bytes:
        with self.fs.open_input_stream(path) as stream:
            return stream.read()

    def create(self, path: str, data: bytes) -> None:
        if self.exists(path):
            raise FileExistsError(path)
        self.make_dirs(path.rpartition("/")[0])
        with self.fs.open_output_stream(path) as stream:
            stream.write(data)

    def exists(self, path: str) -> bool:
        import pyarrow.fs as pafs

        return self.fs.get_file_info(path).type != pafs.FileType.NotFound

    def list(self, folder: str) -> list[str]:
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(folder, allow_not_found=True)
        return sorted(info.base_name for info in self.fs.get_file_info(selector) if info.type == pafs.FileType.File)

    def delete(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.delete_file(path)

    def make_dirs(self, path: str) -> None:
        self.fs.create_dir(path, recursive=True)

    def wipe(self, folder: str, keep: Collection[str] = ()) -> None:
        self.fs.delete_dir_contents(folder, missing_dir_ok=True)  # no lock file lives here

    def sync(self, paths: Collection[str]) -> None:
        return None

    def modified(self, path: str) -> float:
        mtime = self.fs.get_file_info(path).mtime
        return mtime.timestamp() if mtime is not None else 0.0

    def arrow(self) -> pafs.FileSystem:
        return self.fs


@dataclass(frozen=True)
class Store:
    """A store's filesystem and root; every path a method takes is relative to the root."""

    files: Files
    root: str

    @classmethod
    def local(cls, path: Path | str) -> Store:
        return cls(LocalFiles(), Path(path).resolve().as_posix())

    @classmethod
    def open(cls, target: StoreLike) -> Store:
        """``target`` as a Store: a Store as it is, a URL (``s3://…``, ``file://…``) or a local path."""
        if isinstance(target, Store):
            return target
        if isinstance(target, str) and target.startswith("file://"):
            return cls.local(target.removeprefix("file://"))
        if isinstance(target, str) and "://" in target:
            import pyarrow.fs as pafs

            fs, root = pafs.FileSystem.from_uri(target)
            return cls(ArrowFiles(fs), root.rstrip("/"))
        return cls.local(target)

    @property
    def fs(self) -> pafs.FileSystem:
        """The store's filesystem as pyarrow's Parquet reader and writer take it."""
        return self.files.arrow()

    @property
    def local_path(self) -> Path | None:
        """The root as a local path, or None when the store is elsewhere."""
        return Path(self.root) if isinstance(self.files, LocalFiles) else None

    def path(self, rel: str = "") -> str:
        """The filesystem path of ``rel`` (what ``self.fs`` and pyarrow's readers take)."""
        return f"{self.root}/{rel}" if rel else self.root

    def url(self, rel: str = "") -> str:
        """``rel`` as another engine (DuckDB) names it: a local path, or ``<scheme>://<path>``."""
        return f"{self.files.scheme}://{self.path(rel)}" if self.files.scheme else self.path(rel)

    def read(self, rel: str) -> bytes:
        return self.files.read(self.path(rel))

    def create(self, rel: str, data: bytes) -> None:
        """Write a new file; FileExistsError when ``rel`` exists. Never replaces a file."""
        self.files.create(self.path(rel), data)

    def exists(self, rel: str) -> bool:
        return self.files.exists(self.path(rel))

    def list(self, folder: str) -> list[str]:
        """Names of the files directly in ``folder`` (none when it does not exist), sorted."""
        return self.files.list(self.path(folder))

    def delete(self, rel: str) -> None:
        """Remove a file; one already gone is no error (two cleanups may race)."""
        self.files.delete(self.path(rel))

    def make(self, rel: str = "") -> None:
        """Create the root folder, or a folder in it (object stores need none)."""
        self.files.make_dirs(self.path(rel))

    def wipe(self) -> None:
        """Delete everything in the store, keeping its root and the writers' lock (which a writer holds)."""
        self.files.wipe(self.root, keep=(LOCK_NAME,))

    def sync(self, rels: Collection[str]) -> None:
        """Make the files ``rels`` and their folders durable (before a manifest version names them)."""
        self.files.sync([self.path(rel) for rel in sorted(rels)])

    def age_s(self, rel: str) -> float:
        """Seconds since ``rel`` was last written (infinite when it is gone)."""
        try:
            return time.time() - self.files.modified(self.path(rel))
        except FileNotFoundError:
            return float("inf")

    def __str__(self) -> str:
        return self.url()


StoreLike = Store | Path | str
"""What public store functions accept; each turns it into a Store once, with :meth:`Store.open`."""
