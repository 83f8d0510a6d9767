"""Where a store lives, and the one seam through which every store file is read and written.

A :class:`Store` is a ``pyarrow.fs`` filesystem plus a root path on it. All store
I/O goes through its few methods, with paths relative to the root, so that a
store on S3 (``Store.open("s3://bucket/prefix")``) needs no other code. Only
:meth:`Store.create` knows more than one filesystem: it is the commit primitive.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

STORE_NAME = ".tracesift"


def default_store(paths: list[Path]) -> Path:
    """``.tracesift`` inside the first folder given, or beside the first file."""
    first = paths[0].resolve()
    return (first if first.is_dir() else first.parent) / STORE_NAME


@dataclass(frozen=True)
class Store:
    """A store's filesystem and root; every path a method takes is relative to the root."""

    fs: pafs.FileSystem
    root: str

    @classmethod
    def local(cls, path: Path | str) -> Store:
        return cls(pafs.LocalFileSystem(), Path(path).resolve().as_posix())

    @classmethod
    def open(cls, target: StoreLike) -> Store:
        """``target`` as a Store: a Store as it is, a URL (``s3://…``, ``file://…``) or a local path."""
        if isinstance(target, Store):
            return target
        if isinstance(target, str) and "://" in target:
            fs, root = pafs.FileSystem.from_uri(target)
            return cls(fs, root.rstrip("/"))
        return cls.local(target)

    @property
    def local_path(self) -> Path | None:
        """The root as a local path, or None when the store is elsewhere."""
        return Path(self.root) if isinstance(self.fs, pafs.LocalFileSystem) else None

    def path(self, rel: str = "") -> str:
        """The filesystem path of ``rel`` (what ``self.fs`` and pyarrow's readers take)."""
        return f"{self.root}/{rel}" if rel else self.root

    def url(self, rel: str = "") -> str:
        """``rel`` as another engine (DuckDB) names it: a local path, or ``<scheme>://<path>``."""
        return self.path(rel) if self.local_path else f"{self.fs.type_name}://{self.path(rel)}"

    def read(self, rel: str) -> bytes:
        with self.fs.open_input_stream(self.path(rel)) as stream:
            return stream.read()

    def create(self, rel: str, data: bytes) -> None:
        """Write a new file; FileExistsError when ``rel`` exists. Never replaces a file.

        Locally the exclusive create is atomic and the bytes are flushed to disk.
        Elsewhere it is a check and a write: one writer at a time is assumed (an
        object store's conditional put would close that gap).
        """
        self.fs.create_dir(self.path(rel.rpartition("/")[0]), recursive=True)
        if self.local_path:
            with open(self.path(rel), "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return
        if self.exists(rel):
            raise FileExistsError(self.url(rel))
        with self.fs.open_output_stream(self.path(rel)) as stream:
            stream.write(data)

    def exists(self, rel: str) -> bool:
        return self.fs.get_file_info(self.path(rel)).type != pafs.FileType.NotFound

    def list(self, folder: str) -> list[str]:
        """Names of the files directly in ``folder`` (none when it does not exist), sorted."""
        selector = pafs.FileSelector(self.path(folder), allow_not_found=True)
        return sorted(info.base_name for info in self.fs.get_file_info(selector) if info.type == pafs.FileType.File)

    def delete(self, rel: str) -> None:
        """Remove a file; one already gone is no error (two cleanups may race)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.delete_file(self.path(rel))

    def make(self) -> None:
        """Create the root folder (object stores need none; this is a no-op there)."""
        self.fs.create_dir(self.root, recursive=True)

    def wipe(self) -> None:
        """Delete everything in the store, keeping its (empty) root."""
        self.fs.delete_dir_contents(self.root, missing_dir_ok=True)

    def __str__(self) -> str:
        return self.url()


StoreLike = Store | Path | str
"""What public store functions accept; each turns it into a Store once, with :meth:`Store.open`."""
