"""The output folder on disk: compare it with a build, or replace it atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Left behind by tools that import or type-check generated code; never part of the output.
IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@dataclass
class Staleness:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.changed or self.missing or self.extra)


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
    on_disk = existing_files(out_dir)
    staleness = Staleness()
    for name, text in sorted(files.items()):
        if name not in on_disk:
            staleness.missing.append(name)
        elif on_disk[name] != text.encode("utf-8"):
            staleness.changed.append(name)
    staleness.extra = sorted(set(on_disk) - set(files))
    return staleness


def write_tree(out_dir: Path, files: dict[str, str]) -> bool:
    """Make `out_dir` hold exactly `files`. Returns False when it already did (nothing written).

    The new tree is written beside the old one and swapped in with renames, so a reader (or a
    crash) sees either the old output or the new one, never a mixture.
    """
    if compare(out_dir, files).up_to_date:
        return False
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        for name, text in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            # newline="" keeps "\n" on every platform: output is byte-identical everywhere.
            with open(target, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, retired / out_dir.name)
            os.replace(staging, out_dir)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return True


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
