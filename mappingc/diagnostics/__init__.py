"""Errors and warnings reported against the user's source, and how they are shown.

mappings/loyalty_card.dwmap:12:20: error[E103]: unknown value map `CardTender`
   12 |     CARDTENDERTYPE >< msdyn_cardtendertype via CardTender
      |                                                ^^^^^^^^^^
   = hint: did you mean `CardTenderType`?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from mappingc.characters import visible
from mappingc.diagnostics.codes import Code, Group, Severity

__all__ = ["Code", "Diagnostic", "Group", "Severity", "Span", "did_you_mean", "render"]


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column of the first character, and of the one just past the end."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str
    span: Span
    severity: Severity
    code: Code
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code.value)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, if any is close enough to be a likely typo."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[m] for m in matches]
    return f"did you mean `{matches[0]}`?" if matches else None


def _shown(text: str) -> str:
    """A source line as printed: tabs as one space (so carets line up), hidden characters as
    escapes."""
    return visible(text.replace("\t", " "))


def render(diagnostic: Diagnostic, source: str | None) -> str:
    """`path:line:col: severity[CODE]: message`, the source line with carets, and the hint."""
    span = diagnostic.span
    lines = [
        f"{diagnostic.path}:{span.line}:{span.column}: "
        f"{diagnostic.severity.value}[{diagnostic.code.value}]: {diagnostic.message}"
    ]
    # Only "\n" ends a line, as for the parser; what cannot be seen is shown as an escape.
    source_lines = source.split("\n") if source is not None else []
    if 1 <= span.line <= len(source_lines):
        text = source_lines[span.line - 1].removesuffix("\r")
        end = span.end_column if span.end_line == span.line else len(text) + 1
        before = _shown(text[: span.column - 1])
        marked = _shown(text[span.column - 1 : end - 1])
        gutter = str(span.line)
        lines.append(f" {gutter} | {_shown(text)}")
        lines.append(f" {' ' * len(gutter)} | {' ' * len(before)}{'^' * max(1, len(marked))}")
    if diagnostic.hint:
        lines.append(f" {' ' * len(str(span.line))} = hint: {diagnostic.hint}")
    return "\n".join(lines)
