"""Whether a constant (a default, a value written in a template) fits a field type."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable

from mappingc import ir


def _fits_whole(bits: int) -> Callable[[object, ir.FieldType], str | None]:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def fits(value: object, _: ir.FieldType) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"a whole number of {bits} bits"

    return fits


def _fits_decimal(value: object, field_type: ir.FieldType) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | decimal.Decimal):
        return "a number"
    exponent = decimal.Decimal(value).as_tuple().exponent
    if field_type.size is not None and isinstance(exponent, int) and -exponent > field_type.size:
        return f"a number with at most {field_type.size} decimal places"
    return None


def _fits_bool(value: object, _: ir.FieldType) -> str | None:
    return None if isinstance(value, bool) else "True or False"


def _fits_string(value: object, field_type: ir.FieldType) -> str | None:
    if not isinstance(value, str):
        return "a quoted string"
    if field_type.size is not None and len(value) > field_type.size:
        return f"a string of at most {field_type.size} characters"
    return None


def _fits_iso(
    parse: Callable[[str], object], what: str
) -> Callable[[object, ir.FieldType], str | None]:
    def fits(value: object, _: ir.FieldType) -> str | None:
        try:
            parse(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return what
        return None

    return fits


_FITS: dict[ir.Kind, Callable[[object, ir.FieldType], str | None]] = {
    ir.Kind.STRING: _fits_string,
    ir.Kind.INT: _fits_whole(32),
    ir.Kind.INT64: _fits_whole(64),
    ir.Kind.DECIMAL: _fits_decimal,
    ir.Kind.BOOL: _fits_bool,
    ir.Kind.DATE: _fits_iso(datetime.date.fromisoformat, 'an ISO date such as "2024-01-31"'),
    ir.Kind.DATETIME: _fits_iso(
        datetime.datetime.fromisoformat, 'an ISO date-time such as "2024-01-31T12:00:00"'
    ),
}


def fits(value: object, field_type: ir.FieldType) -> str | None:
    """None when `value` fits `field_type`, else what was expected ("a whole number", …)."""
    return _FITS[field_type.kind](value, field_type)
