"""Inputs on object storage (``s3://bucket/prefix``, or any URL pyarrow's filesystems open).

*Finding them*: one recursive listing of the prefix (S3 answers 1,000 keys a request), which
gives every object's size and modification time, so that unchanged inputs are passed over
without a read, as on a local disk. Folders tracesift never enters locally (``.git``,
``.tracesift``, ...) and files named like documentation or code are left out the same way.

*Reading them*: the readers take local files, so a task copies one input at a time into a
private temporary folder, under its own name, reads it there with the same reader as for a
local file, and deletes the copy. Memory is bounded as for a local read and disk by the largest
input; the ``path`` the readers record is the object's URL, not the copy's.

Each input is one object: the formats that are folders (MLflow file stores, W&B offline runs,
OpenHands agent-SDK and Cline task folders) and readers that look at files beside their input
(SWE-agent results, OpenHands evaluation reports) need a local copy of their folder.

Credentials and endpoint come from the usual AWS environment variables or profile, and
``AWS_ENDPOINT_URL`` points at an S3-compatible server.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from tracesift.errors import UsageError
from tracesift.readers.discover import SKIPPED_FOLDERS, Source, named_not_a_log
from tracesift.store import schema

COPY_CHUNK = 8 << 20
PATH_TABLES = ("runs", "trajectories")
"""The tables whose ``path`` column names the input a row came from."""


def is_url(target: object) -> bool:
    """Whether ``target`` names a place on another filesystem (``s3://…``), not a local path."""
    return isinstance(target, str) and "://" in target and not target.startswith("file://")


def as_inputs(paths) -> list[Path | str]:
    """Input paths as ingest takes them: URLs as they are, everything else as a local Path."""
    return [p if is_url(p) else Path(str(p).removeprefix("file://")) for p in paths]


def _filesystem(url: str):
    import pyarrow.fs as pafs

    try:
        return pafs.FileSystem.from_uri(url)
    except (ValueError, OSError) as exc:
        raise UsageError(f"{url}: cannot open it ({exc})") from exc


def anchor(url: str) -> Path:
    """The folder above the input's root on its filesystem: names of inputs are relative to it."""
    return Path(url.split("://", 1)[1].rstrip("/")).parent


def discover_remote(url: str) -> list[Source]:
    """Every input object under ``url`` (or ``url`` itself when it is one object), named relative to
    the folder above it, with its listed size and modification time."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(url)
    root = root.rstrip("/")
    scheme = url.split("://", 1)[0]
    try:
        info = fs.get_file_info(root)
        if info.type == pafs.FileType.NotFound:
            raise UsageError(f"no such file or folder: {url}")
        found = [info] if info.type == pafs.FileType.File else fs.get_file_info(pafs.FileSelector(root, recursive=True))
    except OSError as exc:
        raise UsageError(f"{url}: cannot list it ({exc})") from exc
    top = anchor(url)
    sources = []
    for entry in sorted(found, key=lambda e: e.path):
        path = PurePosixPath(entry.path)
        inside = path.relative_to(root).parts[:-1] if entry.path != root else ()
        if entry.type != pafs.FileType.File or SKIPPED_FOLDERS.intersection(inside):
            continue
        given = entry.path == root
        if not given and named_not_a_log(path.name.lower(), path.suffix.lower()):
            continue
        sources.append(Source(Path(entry.path), path.relative_to(top).as_posix(), pending=True, size=entry.size,
                              mtime_ns=entry.mtime_ns or 0, expected=given, remote=f"{scheme}://{entry.path}"))
    return sources


def vanished_remote(keys, seen: set[str], urls: list[str]) -> list[str]:
    """Keys of inputs once read from under ``urls`` that the listing no longer shows."""
    prefixes = [url.rstrip("/") for url in urls]
    return [key for key in keys if key not in seen and any(key == p or key.startswith(p + "/") for p in prefixes)]


@contextmanager
def local_copy(url: str) -> Iterator[Path]:
    """The object at ``url`` copied into a private temporary folder under its own name, removed after."""
    fs, path = _filesystem(url)
    with tempfile.TemporaryDirectory(prefix="tracesift-input-") as folder:
        copy = Path(folder) / PurePosixPath(path).name
        with fs.open_input_stream(path) as stream, open(copy, "wb") as out:
            while chunk := stream.read(COPY_CHUNK):
                out.write(chunk)
        yield copy


def read_from_copy(source: Source, read: Callable[[], tuple]) -> tuple:
    """What ``read()`` gives for ``source`` (key, source, entry, tables, problems) while its ``path`` is a
    local copy of the object, with the object's URL in the tables where they name the copy."""
    stored = source.path
    try:
        with local_copy(source.remote) as copy:
            source.path = copy
            key, read_as, entry, tables, problems = read()
            return key, read_as, entry, with_urls(tables, copy, source.remote) if tables else tables, problems
    finally:
        source.path = stored


def with_urls(tables: dict, copy: Path, url: str) -> dict:
    """``tables`` with the local copy's path replaced by the object's URL where rows name their input."""
    import pyarrow.compute as pc

    fixed = dict(tables)
    for name in PATH_TABLES:
        if name in fixed and fixed[name].num_rows:
            table = schema.concat([fixed[name]])
            column = table.schema.get_field_index("path")
            renamed = pc.replace_substring(table["path"], str(copy), url)
            fixed[name] = table.set_column(column, "path", renamed)
    return fixed
