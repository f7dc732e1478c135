"""Skip unchanged work: a content-hash cache for builds and for black.

Two things are cached in `.mappingc-cache/` (beside pyproject.toml; never committed):
- `build.json`: the fingerprint of the last successful build's inputs (every .dwmap, .po and schema
  snapshot file, and mappingc's own code, templates and black's version) with the hash of every
  file it wrote.
  When the inputs have the same fingerprint and the output folder still holds exactly those
  files, `build` and `check` have nothing to do and say so without compiling. Each file's hash is
  kept with its size and modification time, and a file whose size and time are unchanged is not
  read again (as make and git trust file times): a no-op build of 10,000 templates stats 40,000
  files instead of reading them.
- `format/<hash>.py`: black's output for an unformatted module, keyed by the hash of its input and
  black's version and mode, so that a build that changes one template formats one module.

This module (and mappingc.output, which it uses) needs only the standard library, so that the
no-op path starts fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mappingc.output import file_paths, write_text_atomic

_PACKAGE = Path(__file__).resolve().parent
_OWN_SUFFIXES = {".py", ".lark", ".j2"}


def _digest(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "little"))
        h.update(chunk)
    return h.hexdigest()


def _tree(root: Path, suffixes: set[str]) -> list[tuple[str, str]]:
    """(relative posix path, path) of the files below `root` with one of `suffixes`, sorted."""
    found = file_paths(root) if root.is_dir() else {}
    return sorted(
        (name, path) for name, path in found.items() if os.path.splitext(name)[1] in suffixes
    )


# A file's size, modification time (ns) and content hash, as build.json keeps them.
Stamped = tuple[int, int, str]


def _content_hash(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def _stamped(path: str, known: Stamped | list[object] | None) -> Stamped:
    """`known` if the file's size and time still match it, else the file read and hashed."""
    status = os.stat(path)
    stamp = (status.st_size, status.st_mtime_ns)
    if known is not None and tuple(known[:2]) == stamp and isinstance(known[2], str):
        return (*stamp, known[2])
    return (*stamp, _content_hash(path))


def fingerprint(
    mappings_dir: Path,
    locales_dir: Path | None,
    file_hash: Callable[[str], str],
    settings: str = "",
    schemas_dir: Path | None = None,
) -> str:
    """One hash of everything a build reads: sources, catalogs, the settings that change what it
    reports (`settings`: per-path ignores), and the compiler itself."""

    from importlib import metadata  # 30 ms to import: only when a fingerprint is taken

    def chunks() -> Iterable[bytes]:
        yield metadata.version("black").encode()
        yield settings.encode()
        for root, suffixes in (
            (_PACKAGE, _OWN_SUFFIXES),
            (mappings_dir, {".dwmap"}),
            (locales_dir, {".po"}),
            (schemas_dir, {".json"}),
        ):  # type: tuple[Path | None, set[str]]
            if root is None:
                continue
            for name, path in _tree(root, suffixes):
                yield name.encode()
                yield file_hash(path).encode()

    return _digest(chunks())


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            self.last: dict[str, Any] = json.loads(
                (root / "build.json").read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            self.last = {}
        self.inputs: dict[str, Stamped] = {}

    # ---------------------------------------------------------------- whole builds
    def fingerprint(
        self,
        mappings_dir: Path,
        locales_dir: Path | None,
        settings: str = "",
        schemas_dir: Path | None = None,
    ) -> str:
        """`fingerprint`, reading only the inputs changed since the last build."""
        known = self.last.get("inputs", {})

        def file_hash(path: str) -> str:
            stamped = self.inputs[path] = _stamped(path, known.get(path))
            return stamped[2]

        return fingerprint(mappings_dir, locales_dir, file_hash, settings, schemas_dir)

    def up_to_date(self, key: str, out_dir: Path) -> bool:
        """True when the last build had these inputs and its output is still on disk as
        written (an edited or deleted generated file makes it false)."""
        last = self.last
        if last.get("fingerprint") != key or last.get("out") != str(out_dir.resolve()):
            return False
        written: dict[str, list[object]] = last.get("files", {})
        on_disk = file_paths(out_dir)
        if set(on_disk) != set(written):
            return False
        return all(
            _stamped(path, written[name])[2] == written[name][2] for name, path in on_disk.items()
        )

    def diagnostics(self) -> list[dict[str, Any]]:
        """The warnings the last build reported (with absolute paths), to show again when it is
        not run again: a cached build says what an uncached one says."""
        found = self.last.get("diagnostics", [])
        return found if isinstance(found, list) else []

    def record(
        self,
        key: str,
        out_dir: Path,
        files: dict[str, str],
        diagnostics: list[dict[str, Any]] | None = None,
    ) -> None:
        """Remember a build whose `files` are now on disk in `out_dir`, and what it reported."""
        written = {}
        for name, text in sorted(files.items()):
            status = (out_dir / name).stat()
            content = hashlib.sha256(text.encode("utf-8")).hexdigest()
            written[name] = (status.st_size, status.st_mtime_ns, content)
        record = {
            "fingerprint": key,
            "out": str(out_dir.resolve()),
            "inputs": dict(sorted(self.inputs.items())),
            "files": written,
            "diagnostics": diagnostics or [],
        }
        with contextlib.suppress(OSError):  # a read-only checkout builds without a cache
            write_text_atomic(self.root / "build.json", json.dumps(record, indent=1) + "\n")

    # ---------------------------------------------------------------- formatted modules
    def formatted(self, key: str) -> str | None:
        try:
            return (self.root / "format" / f"{key}.py").read_text(encoding="utf-8")
        except OSError:
            return None

    def store_formatted(self, key: str, text: str) -> None:
        with contextlib.suppress(OSError):
            write_text_atomic(self.root / "format" / f"{key}.py", text)
