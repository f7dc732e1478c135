"""The `.dwmap` files of a mappings folder, found and read the same way by every command.

Files in folders that tools leave behind (`__pycache__`, `.mypy_cache`, …: mappingc.output's
IGNORED_DIRS) are not sources: the build skips them, the cache does not fingerprint them, and
`ignored_sources` names them so that the CLI can say so.
"""

from __future__ import annotations

import os
from pathlib import Path

from mappingc.diagnostics import Code, Diagnostic, Severity, Span
from mappingc.output import IGNORED_DIRS, file_paths

SOURCE_SUFFIX = ".dwmap"


def discover(mappings_dir: Path) -> list[Path]:
    """Every DSL file below `mappings_dir`, in a fixed order."""
    found = file_paths(mappings_dir) if mappings_dir.is_dir() else {}
    return [Path(found[name]) for name in sorted(found) if name.endswith(SOURCE_SUFFIX)]


def ignored_sources(mappings_dir: Path) -> list[str]:
    """DSL files the build skips because they are in an ignored folder, relative posix paths."""
    skipped = []
    for root, dirs, _ in os.walk(mappings_dir):
        for name in sorted(dirs):
            if name in IGNORED_DIRS:
                for below, _, inner in os.walk(os.path.join(root, name)):
                    relative = os.path.relpath(below, mappings_dir).replace(os.sep, "/")
                    skipped += [f"{relative}/{f}" for f in inner if f.endswith(SOURCE_SUFFIX)]
        dirs[:] = [d for d in dirs if d not in IGNORED_DIRS]
    return sorted(skipped)


def source_name(mappings_dir: Path, path: Path) -> str:
    """`<dir name>/<relative path>`: how generated files name a source on every machine."""
    return f"{mappings_dir.resolve().name}/{path.relative_to(mappings_dir).as_posix()}"


def read_sources(mappings_dir: Path) -> tuple[list[tuple[str, str]], list[Diagnostic]]:
    """(source name, text) per file, and an error for each file that cannot be read."""
    sources: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    for path in discover(mappings_dir):
        name = source_name(mappings_dir, path)
        try:
            sources.append((name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
            problems.append(
                Diagnostic(
                    name, Span(1, 1, 1, 2), Severity.ERROR, Code.FILE, f"cannot read: {reason}"
                )
            )
    return sources, problems
