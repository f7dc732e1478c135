"""Output folders on disk: compare one with a build, or replace it whole, safely.

mappingc replaces only a folder it wrote. Every folder it writes carries `MARKER`; a folder that
exists, is not empty and has no marker (and is not the output of a mappingc from before markers)
is refused and left untouched, and so are the folders a caller protects (the mappings folder, the
project root, the home folder: `check_replaceable`).

A new tree is written into a staging folder beside the old one and swapped in: on Linux with one
atomic exchange (renameat2 RENAME_EXCHANGE), so a reader sees the old tree or the new one and never
no folder at all; elsewhere with two renames. A staging folder left by a killed build is removed by
the next build into the same place.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

# Left behind by tools that import or type-check generated code; never part of the output.
IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

MARKER = ".mappingc-output"
MARKER_TEXT = (
    "This folder is written by mappingc and replaced whole by every build into it:\n"
    "files kept here are deleted. mappingc refuses to replace a folder without this file.\n"
)
_STAGING = ".mappingc-staging-"


class UnsafeOutputError(Exception):
    """mappingc will not replace this folder; the message says why. Nothing was touched."""


@dataclass
class Staleness:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.changed or self.missing or self.extra)

    def __bool__(self) -> bool:
        """True when something differed (and so was written)."""
        return not self.up_to_date

    def summary(self, names: Iterable[str]) -> str:
        """What a build of the files `names` did, in words: "3 written, 1 removed, 396
        unchanged" (the marker file is not counted)."""
        total = len([n for n in names if n != MARKER])
        written = [n for n in (*self.missing, *self.changed) if n != MARKER]
        removed = [n for n in self.extra if n != MARKER]
        parts = [f"{len(written)} written"] if written else []
        parts += [f"{len(removed)} removed"] if removed else []
        if total > len(written):
            parts.append(f"{total - len(written)} unchanged")
        return ", ".join(parts)


def file_paths(folder: Path) -> dict[str, str]:
    """Every file below `folder` (but the ignored folders): its path relative to `folder` in
    posix form → its path for `open`. Plain strings: a no-op build lists 20,000 files."""
    found: dict[str, str] = {}
    top = os.fspath(folder)
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS)
        prefix = os.path.relpath(root, top).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        for name in files:
            found[prefix + name] = os.path.join(root, name)
    return found


def existing_files(out_dir: Path) -> dict[str, bytes]:
    return {name: Path(path).read_bytes() for name, path in file_paths(out_dir).items()}


def compare(out_dir: Path, files: dict[str, str]) -> Staleness:
    on_disk = existing_files(out_dir) if out_dir.is_dir() else {}
    staleness = Staleness()
    for name, text in sorted(files.items()):
        if name not in on_disk:
            staleness.missing.append(name)
        elif on_disk[name] != text.encode("utf-8"):
            staleness.changed.append(name)
    staleness.extra = sorted(set(on_disk) - set(files))
    return staleness


# ---------------------------------------------------------------- which folders may be replaced
def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)


def _earlier_mappingc_output(folder: Path) -> bool:
    """Output of a mappingc from before the marker: a build (manifest.json naming modules and
    docs, nothing but sync/ and docs/ beside it) or a site (reference.json and index.html)."""
    names = {p.name for p in folder.iterdir()} - IGNORED_DIRS
    try:
        if names <= {"manifest.json", "sync", "docs"} and "manifest.json" in names:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            entries = manifest["templates"]
            return all({"module", "doc"} <= set(entry) for entry in entries)
        if {"reference.json", "index.html"} <= names:
            reference = json.loads((folder / "reference.json").read_text(encoding="utf-8"))
            return {"templates", "value_maps", "pages"} <= set(reference)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return False


def ours(folder: Path) -> bool:
    """Whether mappingc may replace `folder`: missing, empty, or written by mappingc."""
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    if (folder / MARKER).is_file() or not any(folder.iterdir()):
        return True
    return _earlier_mappingc_output(folder)


def check_replaceable(folder: Path, protected: Mapping[str, Path]) -> None:
    """Raise UnsafeOutputError unless mappingc may replace `folder` whole.

    `protected` names folders that are never replaced, nor any folder that contains one, e.g.
    {"mappings folder": …, "project root": …}; a folder inside the mappings folder is refused too.
    The home folder and the file-system root are always protected.
    """
    target = folder.resolve()
    shown = _shown(target)
    always = {"your home folder": Path.home(), "the file-system root": Path(target.anchor)}
    guarded = [(what, path.resolve()) for what, path in [*always.items(), *protected.items()]]
    for what, path in guarded:
        if target == path:
            raise UnsafeOutputError(f"{shown} is {what}; mappingc never replaces it")
    for what, path in guarded:
        if path.is_relative_to(target):
            raise UnsafeOutputError(
                f"{shown} contains {what} ({_shown(path)}); mappingc never replaces it"
            )
    for what, path in protected.items():
        if "mappings" in what and target.is_relative_to(path.resolve()):
            raise UnsafeOutputError(f"{shown} is inside {what} ({_shown(path.resolve())})")
    if target.exists() and not target.is_dir():
        raise UnsafeOutputError(f"{shown} is a file, not a folder")
    if not ours(target):
        raise UnsafeOutputError(
            f"{shown} is not empty and mappingc did not write it (it has no {MARKER} file); "
            "nothing was touched. Name a new or empty folder, or empty this one yourself"
        )


# ---------------------------------------------------------------- replacing a folder
def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange):
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False  # an old kernel, or a file system that cannot exchange
        raise OSError(code, os.strerror(code), str(second))
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_staging(out_dir: Path) -> None:
    """Staging folders that a killed build left beside `out_dir` (and the `.new-`/`.old-` ones of
    a mappingc from before), unless the build that made one is still running."""
    if not out_dir.parent.is_dir():
        return
    ours_now = re.compile(rf"\.{re.escape(out_dir.name)}{_STAGING}(\d+)-[0-9a-f]+")
    earlier = re.compile(rf"\.{re.escape(out_dir.name)}\.(new|old)-[a-z0-9_]{{8}}")
    for entry in out_dir.parent.iterdir():
        match = ours_now.fullmatch(entry.name)
        stale = (match is not None and not _pid_alive(int(match[1]))) or bool(
            earlier.fullmatch(entry.name)
        )
        if stale and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def _termination_unwinds() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt while a folder is being replaced, so that the
    staging folder is removed on the way out (SIGKILL cannot be caught: the next build removes
    it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A new empty folder beside `out_dir` to build the replacement in; removed on the way out
    unless `swap_in` moved it into place."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir)
    staging = out_dir.parent / f".{out_dir.name}{_STAGING}{os.getpid()}-{secrets.token_hex(4)}"
    # The handler is in place before the folder exists: a signal between the two would leave it.
    with _termination_unwinds():
        try:
            staging.mkdir()
            yield staging
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, out_dir: Path) -> None:
    """Put the finished `staging` folder in the place of `out_dir` (which must be ours)."""
    out_dir = out_dir.resolve()
    if not ours(out_dir):
        raise UnsafeOutputError(f"{_shown(out_dir)} is not a folder mappingc wrote; not replaced")
    (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    if not out_dir.exists():
        os.replace(staging, out_dir)
    elif _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # the old tree, now at the staging path
    else:
        retired = out_dir.parent / f"{staging.name}-old"
        os.replace(out_dir, retired)
        os.replace(staging, out_dir)
        shutil.rmtree(retired, ignore_errors=True)


def write_tree(out_dir: Path, files: dict[str, str]) -> Staleness:
    """Make `out_dir` hold exactly `files` (and the marker). Returns what differed before: the
    files written anew (`missing`), rewritten (`changed`) and removed (`extra`); nothing is
    written when nothing differed. Raises UnsafeOutputError for a folder mappingc did not write."""
    files = {**files, MARKER: MARKER_TEXT}
    _remove_stale_staging(out_dir.resolve())
    differences = compare(out_dir, files) if out_dir.is_dir() else Staleness(missing=sorted(files))
    if differences.up_to_date:
        return differences
    if not ours(out_dir.resolve()):
        raise UnsafeOutputError(f"{_shown(out_dir.resolve())} is not a folder mappingc wrote")
    with staging_folder(out_dir) as staging:
        for name, text in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            # newline="" keeps "\n" on every platform: output is byte-identical everywhere.
            with open(target, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        swap_in(staging, out_dir)
    return differences


def write_text_atomic(path: Path, text: str) -> None:
    """Replace one file in a single rename, so that it is never seen half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
