"""Warnings silenced where they are meant to be: `# mappingc: ignore[W400]` on the line a warning
points at, and per-path ignores from `[tool.mappingc.lint]` (docs/errors.md, W402)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

from mappingc.diagnostics import Code, Diagnostic, Severity, Span
from mappingc.frontend.comments import split_comments

_DIRECTIVE = re.compile(r"#\s*mappingc:\s*ignore\[([^\]]*)\]")

# Glob pattern (matched against the source name, `<mappings folder name>/<path inside it>`) →
# the codes silenced in the files it matches.
PathIgnores = Mapping[str, Iterable[str]]


def _directives(path: str, text: str) -> Iterable[tuple[int, Span, list[str]]]:
    """(line, span of the comment, codes) of every suppression comment in `text`."""
    for number, line in enumerate(split_comments(text), start=1):
        if line.comment is None or (match := _DIRECTIVE.search(line.comment)) is None:
            continue
        column = len(line.code) + line.comment_offset + match.start() + 1
        span = Span(number, column, number, column + len(match.group(0)))
        yield number, span, [c.strip().upper() for c in match.group(1).split(",") if c.strip()]


def apply(
    diagnostics: list[Diagnostic],
    sources: Iterable[tuple[str, str]],
    ignores: PathIgnores | None = None,
    checked_schemas: bool = True,
) -> list[Diagnostic]:
    """`diagnostics` without the ones that are silenced, plus W402 for each suppression that
    silences nothing, names no code or names an error that cannot be silenced. Without schema
    snapshots (`checked_schemas` false) a suppression of a code that needs them is not idle."""
    kept = list(diagnostics)
    for pattern, codes in (ignores or {}).items():
        silenced = set(codes)
        kept = [
            d
            for d in kept
            if not d.code.suppressible
            or d.code.value not in silenced
            or not fnmatch.fnmatch(d.path, pattern)
        ]
    problems: list[Diagnostic] = []
    # What each line holds, so that a directive looks at its own line only (linear in both).
    by_line: dict[tuple[str, int], list[Diagnostic]] = {}
    for diagnostic in kept:
        by_line.setdefault((diagnostic.path, diagnostic.span.line), []).append(diagnostic)
    silenced_ids: set[int] = set()
    for path, text in sources:
        if "mappingc:" not in text:
            continue  # most files have no suppression; spare them the scan
        for line, span, codes in _directives(path, text):
            for code in codes:
                on_line = by_line.get((path, line), [])
                hits = [
                    d
                    for d in on_line
                    if d.code.value == code and d.code.suppressible and id(d) not in silenced_ids
                ]
                known = Code.lookup(code)
                idle_by_design = known is not None and known.needs_schema and not checked_schemas
                problem = _problem(code, bool(hits) or idle_by_design)
                if problem is not None:
                    message, hint = problem
                    problems.append(
                        Diagnostic(path, span, Severity.WARNING, Code.SUPPRESSION, message, hint)
                    )
                silenced_ids.update(id(d) for d in hits)
    kept = [d for d in kept if id(d) not in silenced_ids]
    return sorted([*kept, *problems], key=Diagnostic.sort_key)


def _problem(code: str, silenced_something: bool) -> tuple[str, str] | None:
    """What is wrong with suppressing `code` on a line, as (message, hint), if anything."""
    known = Code.lookup(code)
    if known is None:
        return f"`{code}` is not a diagnostic code", "`mappingc explain` lists them"
    if not known.suppressible:
        return (
            f"{code} is an error, which cannot be suppressed",
            "an error means the output would be wrong: fix what it says",
        )
    if not silenced_something:
        return (
            f"`# mappingc: ignore[{code}]` suppresses nothing on this line",
            "remove it, or move it to the line the warning points at",
        )
    return None
