"""Which inputs an ingest covers, how the manifest keys each one, and what the store names it.

*Keys.* An input under the store's folder (the folder holding ``.tracesift``) is keyed by
its path relative to that folder, so a folder moved or copied together with its store
keeps every key: nothing is read twice, no row doubles. Any other input is keyed by its
absolute path.

*Names* (``Source.rel``: the rows' ``source_file``, and the run and trajectory ids the
readers make of it). An input is named relative to the store's folder when its root is
inside it, else relative to the folder above its root (``runs/a.jsonl`` for
``d1/runs``). Names must be unique in the store: when two roots would give the same
name (``d1/runs`` and ``d2/runs``), or a new input would take a name the store already
holds for another one, the roots concerned name one more parent folder each
(``d1/runs/a.jsonl``, ``d2/runs/a.jsonl``) until every name is unique. An input already
in the store keeps the name it was given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tracesift.errors import UsageError
from tracesift.pipeline.remote import anchor, discover_remote
from tracesift.readers import READERS, by_name
from tracesift.readers.discover import Source, discover
from tracesift.store.layout import Store
from tracesift.store.manifest import Fingerprint, Manifest
from tracesift.store.paths import escape, relative_posix


def store_folder(store: Store) -> Path | None:
    """The folder holding a local store, relative to which inputs inside it are keyed (None elsewhere)."""
    return store.local_path.parent if store.local_path is not None else None


def key_of(path: Path, base: Path | None) -> str:
    """The manifest key of the input at ``path``: relative to ``base`` when under it, else absolute."""
    relative = relative_posix(path, base) if base is not None else None
    return str(path) if relative is None else relative


def path_of(key: str, base: Path | None) -> Path:
    """Where the input keyed ``key`` lives."""
    path = Path(key)
    return path if path.is_absolute() or base is None else base / path


def rekey_absolute(manifest: Manifest, base: Path | None) -> None:
    """Key by relative path the inputs under ``base`` that a store of an earlier tracesift keyed absolutely."""
    for key in [key for key in manifest.sources if base is not None and Path(key).is_absolute()]:
        if is_under(Path(key), base):
            manifest.sources.setdefault(key_of(Path(key), base), manifest.sources.pop(key))


def check_forced(reader: str | None, paths: list[Path]) -> None:
    """A usage error unless ``reader`` is None or a reader of what each of ``paths`` is (file or folder)."""
    if reader is None:
        return
    if reader not in READERS.names():
        raise UsageError(f"no reader {reader!r}; the readers are: {', '.join(READERS.names())}")
    folders = by_name(reader).reads_folders
    for path in paths:
        if path.is_dir() != folders:
            kind = "folders" if folders else "files"
            raise UsageError(f"{escape(str(path))}: the {reader} reader reads {kind}, and this is {_kind(path)}")


def _kind(path: Path) -> str:
    return "a folder" if path.is_dir() else "a file"


@dataclass
class _Root:
    """The inputs found under one root, and the folder their names are relative to."""

    anchor: Path
    sources: list[Source]


def discover_all(roots: list[Path], base: Path | None, manifest: Manifest, reader: str | None = None,
                 urls: list[str] = ()) -> list[Source]:
    """Every input under ``roots`` (resolved) and ``urls`` (object storage), keyed and uniquely named; those
    not ingested in their present state come out ``pending``, unless ``reader`` is given to read each root."""

    def known(path: Path, info: os.stat_result) -> str | None:
        entry = manifest.sources.get(key_of(path, base))
        unchanged = entry and not entry.error and entry.fingerprint.same_stat(Fingerprint(info.st_size, info.st_mtime_ns))
        return entry.reader if unchanged else None

    found: dict[str, Source] = {}
    groups = []
    for root in roots:
        group = _Root(base if base is not None and is_under(root, base) else root.parent, [])
        for source in discover(root, group.anchor, known, reader):
            source.key = key_of(source.path, base)
            if source.key not in found:
                found[source.key] = source
                group.sources.append(source)
        groups.append(group)
    for url in urls:
        group = _Root(anchor(url), [])
        for source in discover_remote(url):
            source.key = source.remote
            if source.key not in found:
                found[source.key] = _known_remote(source, manifest)
                group.sources.append(source)
        groups.append(group)
    _name_uniquely(groups, manifest)
    return list(found.values())


def _known_remote(source: Source, manifest: Manifest) -> Source:
    """``source`` with the reader it was read with, when the store holds it in this very state."""
    entry = manifest.sources.get(source.key)
    if entry and not entry.error and entry.fingerprint.same_stat(Fingerprint(source.size, source.mtime_ns)):
        source.reader, source.pending = entry.reader, False
    return source


def _name_uniquely(groups: list[_Root], manifest: Manifest) -> None:
    """Give inputs in the store their stored names, and move the anchors of roots whose new names clash."""
    for group in groups:
        for source in group.sources:
            if source.key in manifest.sources:
                source.rel = manifest.sources[source.key].rel
    while True:
        moving = [g for g in _clashing(groups, manifest) if g.anchor != g.anchor.parent]
        if not moving:
            return
        for group in moving:
            group.anchor = group.anchor.parent
            for source in group.sources:
                if source.key not in manifest.sources:
                    source.rel = source.path.relative_to(group.anchor).as_posix()


def _clashing(groups: list[_Root], manifest: Manifest) -> list[_Root]:
    """The roots with a new input whose name another input (found now, or in the store) also has."""
    owners: dict[str, set[str]] = {}
    for key, entry in manifest.sources.items():
        owners.setdefault(entry.rel, set()).add(key)
    for group in groups:
        for source in group.sources:
            owners.setdefault(source.rel, set()).add(source.key)
    return [g for g in groups if any(len(owners[s.rel]) > 1 for s in g.sources if s.key not in manifest.sources)]


def vanished(manifest: Manifest, seen: set[str], roots: list[Path], base: Path | None, whole: bool) -> list[str]:
    """Keys of inputs the store holds that are gone: once read from under ``roots`` and no longer
    there, and, when ``whole`` (the store lives inside a root, so it mirrors that folder), every
    input outside the roots."""
    gone = []
    for key in manifest.sources:
        if key in seen:
            continue
        path = path_of(key, base)
        under = any(is_under(path, root) for root in roots)
        if (under and not path.exists()) or (whole and not under):
            gone.append(key)
    return gone


def is_under(path: Path, folder: Path) -> bool:
    return relative_posix(path, folder) is not None
