"""Walk input paths and decide, by content, which reader takes each file or folder."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tracesift.readers import choose
from tracesift.readers.base import Input, file_kind
from tracesift.readers.swebench_results import RESULT_FILES
from tracesift.store.paths import escape, relative_posix

SKIPPED_FOLDERS = {".tracesift", ".git", "__pycache__", ".venv", "venv", "node_modules", ".ipynb_checkpoints"}

# A file named like one of these logs that no reader takes is an error (a row of ``ingest_errors``
# and a warning): the format is plain, so the content is wrong.
LOG_SUFFIXES = {".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".db", ".sqlite", ".wandb", ".traj", ".eval"}

# Named like a console log: when no reader takes one, it is skipped with a warning (every other
# candidate no reader takes is skipped too, and named only under ``--verbose``).
CONSOLE_SUFFIXES = {".log", ".out", ".err", ".txt"}

# In a folder, these are never candidates, whatever numbers they quote: documentation, source code,
# configuration, images and model weights. A file named on the command line is sniffed all the same.
NOT_LOGS = {
    ".md", ".markdown", ".rst", ".html", ".htm", ".py", ".ipynb", ".sh", ".js", ".css",
    ".yaml", ".yml", ".toml", ".cfg", ".ini", ".c", ".h", ".cpp", ".rs", ".go", ".java",
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".ico", ".pdf",
    ".pt", ".pth", ".ckpt", ".safetensors", ".onnx", ".npy", ".npz", ".pkl", ".pickle",
}
NOT_LOG_NAMES = {
    "requirements.txt", "license.txt", "readme.txt", "cmakelists.txt", "license", "readme", "makefile",
    # what Hugging Face libraries save beside a model or a checkpoint: its configuration, tokenizer and
    # training arguments, and the Trainer's end-of-run summaries (the curve itself is trainer_state.json)
    "config.json", "generation_config.json", "adapter_config.json", "preprocessor_config.json",
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json",
    "vocab.txt", "merges.txt", "training_args.bin", "all_results.json", "train_results.json", "eval_results.json",
    "predict_results.json", "test_results.json",
}
"""Files of a project or a saved model, never logs, by their whole (lower-case) name."""
LOG_NAMES = {".aider.chat.history.md", ".aider.llm.history"}
"""Logs by their whole (lower-case) name, candidates even though their suffix is in ``NOT_LOGS``."""

TRAINER_STATE = "trainer_state.json"
CHECKPOINT = re.compile(r"checkpoint-(\d+)")
LFS_POINTER = b"version https://git-lfs.github.com/spec/"


@dataclass
class Source:
    """One input: a file, or a folder a folder-reader claims as a whole."""

    path: Path
    rel: str
    reader: str | None = None
    problem: str | None = None
    pending: bool = False
    """True until :func:`identify` has chosen its reader (the costly part, done in parallel)."""
    size: int | None = None
    mtime_ns: int | None = None
    """A file's size and modification time when it was found."""
    skipped: str | None = None
    """Why an input was passed over: not a regular file (a FIFO, a device), or no reader recognised it."""
    expected: bool = False
    """Named on the command line or named like a console log: when it is skipped, that is a warning."""
    ignored: bool = False
    """Never a candidate in a folder (documentation, code, images, weights: see ``NOT_LOGS``); not sniffed."""
    key: str = ""
    """What the store's manifest keys it by (set by the ingest, which knows where the store is)."""
    remote: str | None = None
    """An input on object storage: its URL (``path`` is then its path on that filesystem, not on this machine)."""

    @property
    def unknown(self) -> bool:
        return self.reader is None and self.problem is None


Known = Callable[[Path, os.stat_result], "str | None"]
"""Answers the reader of a file already ingested in this very state, so it is not sniffed again."""


def discover(root: Path, base: Path, known: Known = lambda path, info: None,
             reader: str | None = None) -> Iterator[Source]:
    """Every input under ``root`` (or ``root`` itself), named relative to ``base``.

    Files whose reader is not known yet come out ``pending``: pass them to
    :func:`identify`. A ``reader`` given takes ``root`` itself, file or folder, unsniffed.
    ``root`` as a file is sniffed whatever its name (only in folders are some names never inputs).
    """
    visited: set[tuple[int, int]] = set()
    if reader is not None:
        yield _forced(root, base, known, reader)
    elif root.is_dir():
        yield from _walk(root, base, visited, known)
    else:
        yield _file_source(root, base, known, given=True)


def _forced(root: Path, base: Path, known: Known, reader: str) -> Source:
    if root.is_dir():
        return Source(root, _rel(root, base), reader=reader)
    source = _file_source(root, base, known, given=True)
    if source.pending or source.reader is not None:  # a regular file: read as told
        source.reader, source.pending = reader, False
    return source


def _walk(folder: Path, base: Path, visited: set[tuple[int, int]], known: Known) -> Iterator[Source]:
    try:
        info = folder.stat()
    except OSError as exc:
        yield Source(folder, _rel(folder, base), problem=_os_reason(exc))
        return
    if (info.st_dev, info.st_ino) in visited:
        yield Source(folder, _rel(folder, base), problem="symlink loop: this folder was already visited")
        return
    visited.add((info.st_dev, info.st_ino))
    reader = choose(Input(folder))
    if reader is not None:
        yield Source(folder, _rel(folder, base), reader=reader.name)
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Source(folder, _rel(folder, base), problem=_os_reason(exc))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name in SKIPPED_FOLDERS:
            continue
        try:
            is_dir = entry.is_dir()  # follows symlinks
        except OSError as exc:
            yield Source(path, _rel(path, base), problem=_os_reason(exc))
            continue
        if is_dir:
            yield from _walk(path, base, visited, known)
        else:
            yield _file_source(path, base, known)


def _file_source(path: Path, base: Path, known: Known, given: bool = False) -> Source:
    name = path.name
    suffix = _suffix(name).lower()
    source = Source(path, _rel(path, base), expected=given or suffix in CONSOLE_SUFFIXES)
    try:
        info = os.stat(path)
    except OSError as exc:
        source.problem = _os_reason(exc)
        return source
    if not stat.S_ISREG(info.st_mode):  # sockets, FIFOs, devices: never opened, they could block for ever
        source.skipped = f"not a regular file ({file_kind(info.st_mode)})"
        return source
    source.size, source.mtime_ns = info.st_size, info.st_mtime_ns
    if not given and _never_a_log(path, name.lower(), suffix):
        source.ignored = True  # docs and code: never inputs (and no longer, if an earlier version read one)
        return source
    source.reader = known(path, info)
    source.pending = source.reader is None
    return source


def _suffix(name: str) -> str:
    """``PurePath(name).suffix`` of a file's name, without making a path of it (discovery asks it of every file)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def never_a_log(path: Path) -> bool:
    """Whether a file found in a folder is passed over unsniffed: by its name (see ``NOT_LOGS``; the
    names in ``LOG_NAMES`` are always looked at), or as an evaluation result beside SWE-agent
    trajectories or an OpenHands ``output.jsonl`` (the ``swe_agent`` and ``openhands_eval`` readers
    read it with them)."""
    return _never_a_log(path, path.name.lower(), path.suffix.lower())


def _never_a_log(path: Path, name: str, suffix: str) -> bool:
    """:func:`never_a_log`, given the file's lower-case name and suffix."""
    return named_not_a_log(name, suffix) or (name not in LOG_NAMES and (_result_beside_traj(path)
                                                                          or _earlier_trainer_state(path)))


def named_not_a_log(name: str, suffix: str) -> bool:
    """Whether a file found in a folder is passed over by its lower-case name and suffix alone (see
    ``NOT_LOGS``; the names in ``LOG_NAMES`` are always looked at)."""
    return name not in LOG_NAMES and (suffix in NOT_LOGS or name in NOT_LOG_NAMES)


def _result_beside_traj(path: Path) -> bool:
    """A SWE-bench ``report.json`` / ``results.json`` in a folder with ``.traj`` files or above such
    folders, or beside an evaluation's ``output.jsonl``; or ``<name>.report.json`` beside ``<name>.jsonl``
    (the OpenHands agent-SDK harness's name for it)."""
    name = path.name
    stem = name.removesuffix(".report.json")
    if stem != name and path.with_name(f"{stem}.jsonl").is_file():
        return True
    if name not in RESULT_FILES:
        return False
    folder = path.parent
    return (any(True for _ in folder.glob("*.traj")) or any(True for _ in folder.glob("*/*.traj"))
            or (folder / "output.jsonl").is_file())


def _earlier_trainer_state(path: Path) -> bool:
    """A Hugging Face ``checkpoint-<N>/trainer_state.json`` when the run's own folder holds the final
    ``trainer_state.json`` or a later checkpoint's: a snapshot of the same curve, cut at step N."""
    match = CHECKPOINT.fullmatch(path.parent.name) if path.name == TRAINER_STATE else None
    if match is None:
        return False
    run = path.parent.parent
    if (run / TRAINER_STATE).is_file():
        return True
    steps = [int(m.group(1)) for folder in run.glob(f"checkpoint-*/{TRAINER_STATE}")
             if (m := CHECKPOINT.fullmatch(folder.parent.name))]
    return max(steps, default=-1) > int(match.group(1))


def identify(source: Input) -> tuple[str | None, str | None]:
    """(reader name, problem) for a file, from its content: the reader that claims it, or why none does."""
    try:
        head = source.prefix(64)
        if head.startswith(LFS_POINTER):
            return None, "Git LFS pointer, not the log itself: run `git lfs pull` to fetch it"
        reader = choose(source) if head else None
        if reader is not None:
            return reader.name, None
        if _looks_like_log(source.path):
            return None, "empty file" if not head else f"no reader recognises this file ({_content_hint(source)})"
    except OSError as exc:
        return None, _os_reason(exc)
    return None, None


def not_read(source: Input) -> str:
    """Why a file that no reader takes, and that is not named like a structured log, was skipped."""
    try:
        return f"no reader recognised it ({_content_hint(source)})" if source.prefix(64) else "empty file"
    except OSError as exc:
        return _os_reason(exc)


def _looks_like_log(path: Path) -> bool:
    return path.suffix.lower() in LOG_SUFFIXES or path.name.startswith("events.out.tfevents")


def _content_hint(source: Input) -> str:
    head = source.prefix(4096)
    if b"\x00" in head:
        return "binary data"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return f"not UTF-8 text (invalid byte at offset {exc.start})"
    return "text in no known layout"


def _os_reason(exc: OSError) -> str:
    if exc.errno == 40:  # ELOOP
        return "symlink loop"
    return exc.strerror or str(exc)


def _rel(path: Path, base: Path) -> str:
    """The name an input is known by in tables and messages (escaped when it is not UTF-8)."""
    relative = relative_posix(path, base)
    return escape(path.as_posix() if relative is None else relative)
