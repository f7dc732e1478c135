"""What generated `accepts_from_*` predicates call: the comparison semantics of source filters.

The compiler turns a filter into plain Python over these helpers (no `eval`, no parsing at run
time). FO source filters are X++ query ranges: None is the empty value, text compares without
regard to case, and values of different types compare as text. Reversed source filters are
OData: `null` is None and only None, text compares exactly. In both dialects a field the template
leaves untyped (text) compares with a number or boolean literal by its text (`"3"` equals `3`).
"""

from __future__ import annotations

import decimal
import fnmatch
import operator
from collections.abc import Callable
from typing import Any


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def xpp_equal(value: object, literal: object) -> bool:
    """X++ `==` (and `=`): `AccountType::Customer` arrives here as "Customer"."""
    value = "" if value is None else value
    literal = "" if literal is None else literal
    if isinstance(value, str) or isinstance(literal, str) or type(value) is not type(literal):
        if _is_number(value) and _is_number(literal):
            return value == literal
        return _text(value).lower() == _text(literal).lower()
    return value == literal


def xpp_like(value: object, pattern: str) -> bool:
    """X++ `like`: `*` is any run of characters, `?` one character; case does not matter."""
    return fnmatch.fnmatchcase(_text("" if value is None else value).lower(), pattern.lower())


def odata_equal(value: object, literal: object) -> bool:
    """OData `eq`: `eq null` holds for None only; a text field equals `3` when it holds "3"."""
    if value is None or literal is None:
        return value is literal
    if isinstance(value, str) != isinstance(literal, str):
        return _text(value).lower() == _text(literal).lower()
    if isinstance(value, bool) != isinstance(literal, bool):
        return False
    return value == literal


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _ordered(compare: Callable[[Any, Any], Any]) -> Callable[[object, object], bool]:
    def ordered(value: object, literal: object) -> bool:
        if value is None:
            return False  # neither X++ nor OData orders a missing value
        if isinstance(value, str) and _is_number(literal):
            try:
                value = decimal.Decimal(value)
            except decimal.InvalidOperation:
                return False
        try:
            return bool(compare(value, literal))
        except TypeError:
            return False  # values of unrelated types never satisfy an ordering

    return ordered


less = _ordered(operator.lt)
less_or_equal = _ordered(operator.le)
greater = _ordered(operator.gt)
greater_or_equal = _ordered(operator.ge)


def starts_with(value: object, literal: str) -> bool:
    return isinstance(value, str) and value.startswith(literal)


def ends_with(value: object, literal: str) -> bool:
    return isinstance(value, str) and value.endswith(literal)


def contains(value: object, literal: str) -> bool:
    return isinstance(value, str) and literal in value
