"""Python literals for generated code, written the way black writes them.

The build leaves black out of statements that are already laid out its way (see
`mappingc.emit.formatting`); literals are the one part of that layout that depends on the data, so
strings take black's own quote choice.
"""

from __future__ import annotations

import decimal

from black.strings import normalize_string_quotes

# Of generated code, as black is told (pyproject.toml says the same for the project's own).
LINE_LENGTH = 100


def python_literal(value: object) -> str:
    """`repr`, but with black's quotes (double unless that needs more escapes) and Decimals as
    `decimal.Decimal("…")`."""
    if isinstance(value, str):
        if "'" in value or '"' in value:
            return normalize_string_quotes(repr(value))
        return f'"{repr(value)[1:-1]}"'  # what black does to a quote-free string, only faster
    if isinstance(value, tuple):
        items = [python_literal(item) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, decimal.Decimal):
        return f'decimal.Decimal("{value}")'
    return repr(value)
