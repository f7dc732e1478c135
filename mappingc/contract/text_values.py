"""What a value written as text (a CSV cell) means, for each kind of field: the one reading that
`mappingc sync load` (in Python) and `mappingc bulk` (in DuckDB's SQL) share, so that a file
means the same to both (tests/test_text_values.py holds them to it).

A cell is read without its surrounding spaces; an empty cell is no value. Only the plain forms
are numbers: `+5` and `0003` are 5 and 3, but `1e2`, `1_000` and `5.0` are not whole numbers
(a spreadsheet's exponent or Python's digit separator is not what an export writes).
"""

from __future__ import annotations

import datetime
import re

# A full-match pattern per kind; each is also valid in RE2 (DuckDB's regexp_full_match).
PATTERNS = {
    "int": r"[+-]?[0-9]+",
    "int64": r"[+-]?[0-9]+",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "bool": r"(?i)(true|false|yes|no|1|0)",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "datetime": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
        r"(Z|[+-][0-9]{2}:[0-9]{2})?"
    ),
}
TRUE = frozenset({"true", "yes", "1"})

# What a cell that is not of its kind is, in words (after the column and the value).
REASONS = {
    "int": "is not a whole number",
    "int64": "is not a whole number",
    "decimal": "is not a number",
    "bool": "is not yes/no (true, false, yes, no, 1 or 0)",
    "date": "is not a date (write 2024-01-31)",
    "datetime": "is not a date and time (write 2024-01-31T09:30:00)",
}
# Every store keeps whole numbers in 64 bits; a narrower field's range is the row function's.
OUT_OF_RANGE = "is out of range"
# A decimal every store keeps exactly: DuckDB's DECIMAL(38, 10), which bulk reads text into.
DECIMAL_DIGITS, DECIMAL_PLACES = 38, 10
TOO_MANY_DIGITS = (
    f"has more digits than the stores keep ({DECIMAL_DIGITS - DECIMAL_PLACES} before the point, "
    f"{DECIMAL_PLACES} after)"
)
_COMPILED = {kind: re.compile(pattern) for kind, pattern in PATTERNS.items()}


def problem(kind: str, text: str) -> str | None:
    """Why `text` is not a value of `kind` (REASONS), or None where it is (or the kind reads
    any text: strings, enum symbols)."""
    pattern = _COMPILED.get(kind)
    if pattern is None:
        return None
    cell = text.strip()
    if not pattern.fullmatch(cell):
        return REASONS[kind]
    if kind in {"int", "int64"} and not fits_int64(int(cell)):
        return OUT_OF_RANGE
    if kind == "decimal":
        whole, _, places = cell.lstrip("+-").partition(".")
        if len(whole.lstrip("0")) > DECIMAL_DIGITS - DECIMAL_PLACES or len(places) > DECIMAL_PLACES:
            return TOO_MANY_DIGITS
    try:
        if kind == "date":
            datetime.date.fromisoformat(cell)
        elif kind == "datetime":
            datetime.datetime.fromisoformat(cell.replace("Z", "+00:00"))
    except ValueError:
        return REASONS[kind]
    return None


def fits_int64(value: int) -> bool:
    return -(2**63) <= value < 2**63


def csv_delimiter(header_line: str) -> str:
    """`;` where the header is `;`-separated: what Excel writes where the decimal separator is
    a comma (lv, ru, et, sv, hu and most of Europe); `,` otherwise."""
    return ";" if header_line.count(";") > header_line.count(",") else ","
