"""Skip unchanged work: a content-hash cache for builds and for black.

Two things are cached in `.mappingc-cache/` (beside pyproject.toml; never committed):
- `build.json`: the fingerprint of the last successful build's inputs (every .dwmap and .po file,
  and mappingc's own code, templates and black's version) with the hash of every file it wrote.
  When the inputs have the same fingerprint and the output folder still holds exactly those
  files, `build` and `check` have nothing to do and say so without compiling.
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
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from mappingc.output import IGNORED_DIRS, existing_files, write_text_atomic

_PACKAGE = Path(__file__).resolve().parent
_OWN_SUFFIXES = {".py", ".lark", ".j2"}


def _digest(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "little"))
        h.update(chunk)
    return h.hexdigest()


def _tree(root: Path, suffixes: set[str]) -> list[Path]:
    """Files below `root` with one of `suffixes`, in a fixed order."""
    if not root.is_dir():
        return []
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS)
        found.extend(Path(folder, f) for f in files if Path(f).suffix in suffixes)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def fingerprint(mappings_dir: Path, locales_dir: Path | None) -> str:
    """One hash of everything a build reads: sources, catalogs, and the compiler itself."""

    def chunks() -> Iterable[bytes]:
        yield metadata.version("black").encode()
        for root, suffixes in (
            (_PACKAGE, _OWN_SUFFIXES),
            (mappings_dir, {".dwmap"}),
            (locales_dir, {".po"}),
        ):  # type: tuple[Path | None, set[str]]
            if root is None:
                continue
            for path in _tree(root, suffixes):
                yield path.relative_to(root).as_posix().encode()
                yield path.read_bytes()

    return _digest(chunks())


def _output_hashes(out_dir: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256(data).hexdigest() for name, data in existing_files(out_dir).items()
    }


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root

    # ---------------------------------------------------------------- whole builds
    def up_to_date(self, key: str, out_dir: Path) -> bool:
        """True when the last build had these inputs and its output is still on disk as
        written (an edited or deleted generated file makes it false)."""
        try:
            record = json.loads((self.root / "build.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if record.get("fingerprint") != key or record.get("out") != str(out_dir.resolve()):
            return False
        return bool(record.get("files") == _output_hashes(out_dir))

    def record(self, key: str, out_dir: Path, files: dict[str, str]) -> None:
        record = {
            "fingerprint": key,
            "out": str(out_dir.resolve()),
            "files": {
                name: hashlib.sha256(text.encode("utf-8")).hexdigest()
                for name, text in sorted(files.items())
            },
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
