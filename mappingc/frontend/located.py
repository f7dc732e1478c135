"""A diagnostic at a place in the user's source, as the IR records places."""

from __future__ import annotations

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic
from mappingc.frontend.syntax import Span


def at(location: ir.Location, code: Code, message: str, hint: str | None = None) -> Diagnostic:
    """`code`'s diagnostic at `location`, with the severity the code is declared with."""
    span = Span(location.line, location.column, location.end_line, location.end_column)
    return Diagnostic(location.path, span, code.severity, code, message, hint)
