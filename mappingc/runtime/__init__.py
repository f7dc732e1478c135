"""Shared support code for the sync modules that mappingc generates.

Generated modules import only from here (never from each other), so each one can be loaded on its
own from its file path. Everything here is small and checked on every field, so it stays cheap.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

__all__ = [
    "FieldTypeError",
    "LookupShapeError",
    "MappingError",
    "PolymorphicLookup",
    "SymbolEnum",
    "ValueMap",
    "ValueMapError",
    "check_bool",
    "check_date",
    "check_datetime",
    "check_decimal",
    "check_int",
    "check_str",
    "put_lookup",
    "read_lookup",
]


# Where the lines of each written-out mapping function come from, by the function's file name
# (mappingc.runtime.rows registers them): line → the template row, `loyalty_card.dwmap:21`.
ROW_ORIGINS: dict[str, Mapping[int, str]] = {}


class MappingError(ValueError):
    """Base class of every error a generated mapping function raises for a bad row.

    Said, it names the template row it comes from first (`mappings/loyalty/loyalty_card.dwmap:21:
    CARDTENDERTYPE: …`), found from the frames it passed through: nothing is paid for it until
    an error is shown."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field

    @property
    def location(self) -> str | None:
        """The template row whose mapping raised this, if it came through one."""
        found, trace = None, self.__traceback__
        while trace is not None:  # the innermost frame of a mapping function's text says
            origins = ROW_ORIGINS.get(trace.tb_frame.f_code.co_filename)
            if origins is not None and trace.tb_lineno in origins:
                found = origins[trace.tb_lineno]
            trace = trace.tb_next
        return found

    def __str__(self) -> str:
        said = super().__str__()
        location = self.location
        return said if location is None else f"{location}: {said}"


class FieldTypeError(MappingError):
    """A value does not have the type the template declares for its field."""


class ValueMapError(MappingError):
    """A value is not one of the entries of the field's value map."""


class LookupShapeError(MappingError):
    """A lookup value is not the nested mapping the lookup path describes."""


def _type_error(field: str, expected: str, value: object) -> FieldTypeError:
    return FieldTypeError(field, f"expected {expected}, got {type(value).__name__} {value!r}")


def check_str(value: object, field: str, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise _type_error(field, "str", value)
    if max_length is not None and len(value) > max_length:
        raise FieldTypeError(field, f"{len(value)} characters is longer than {max_length}")
    return value


INT_RANGE = (-(2**31), 2**31 - 1)  # a whole number in both systems: 32 bits
INT64_RANGE = (-(2**63), 2**63 - 1)


def _whole(value: object, field: str, bounds: tuple[int, int], bits: int) -> int:
    # bool is a subclass of int, but True is not a quantity.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _type_error(field, "int", value)
    if not bounds[0] <= value <= bounds[1]:
        raise FieldTypeError(field, f"{value} does not fit in {bits} bits")
    return value


def check_int(value: object, field: str) -> int:
    return _whole(value, field, INT_RANGE, 32)


def check_int64(value: object, field: str) -> int:
    return _whole(value, field, INT64_RANGE, 64)


def check_decimal(value: object, field: str, scale: int | None = None) -> decimal.Decimal:
    # Floats are refused: a binary fraction would silently change an amount.
    if isinstance(value, bool) or not isinstance(value, int | decimal.Decimal):
        raise _type_error(field, "Decimal or int", value)
    number = decimal.Decimal(value)
    if scale is not None and number.is_finite() and -number.as_tuple().exponent > scale:  # type: ignore[operator]
        raise FieldTypeError(field, f"{number} has more than {scale} decimal places")
    return number


def check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _type_error(field, "bool", value)
    return value


def check_date(value: object, field: str) -> datetime.date:
    # A datetime is a date subclass; accepting it would drop its time without a word.
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise _type_error(field, "datetime.date", value)
    return value


def check_datetime(value: object, field: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise _type_error(field, "datetime.datetime", value)
    return value


FoT = TypeVar("FoT", bound=str)
DvT = TypeVar("DvT", bound=int | bool | str | None)


class SymbolEnum(enum.StrEnum):
    """The FO enum symbols of a value map. X++ compares symbols without regard to case, and
    exports write them so (`yes`, `YES`): a value in another case (ASCII only, as ValueMap
    folds it) is the member, so the typed models read what the row functions and plans do."""

    @classmethod
    def _missing_(cls, value: object) -> SymbolEnum | None:
        if isinstance(value, str) and value.isascii():
            folded = value.lower()
            for member in cls:
                if member.value.isascii() and member.value.lower() == folded:
                    return member
        return None


class ValueMap(Generic[FoT, DvT]):
    """A dual-write value map: FO enum symbol ↔ Dataverse option-set (or boolean) value.

    Dual-write uses a bidirectional map in reverse by inverting the dictionary; the compiler has
    already proved the inversion is unambiguous wherever a map is used in both directions.
    """

    __slots__ = ("_folded", "_to_dataverse", "_to_finance_operations", "has_blank", "name")

    def __init__(self, name: str, pairs: Iterable[tuple[FoT, DvT]]) -> None:
        self.name = name
        self._to_dataverse: dict[str, DvT] = {}
        # X++ symbols compare without case, and exports write them in any (`no`, `Person`):
        # an FO value found by its ASCII-lower-cased spelling, as the plans' LOWER finds it.
        self._folded: dict[str, DvT] = {}
        self._to_finance_operations: dict[tuple[type, object], FoT] = {}
        for symbol, value in pairs:
            self._to_dataverse[symbol] = value
            if symbol.isascii():
                self._folded.setdefault(symbol.lower(), value)
            # Keyed by type too, so that True never finds the entry for 1 (True == 1 in Python).
            self._to_finance_operations.setdefault((type(value), value), symbol)
        # A `blank` entry: `None` is a value of the map, not the absence of one.
        self.has_blank = (type(None), None) in self._to_finance_operations

    @property
    def symbols(self) -> Mapping[str, DvT]:
        """Each FO symbol with its Dataverse value (read-only: the map's own dict)."""
        return self._to_dataverse

    def to_dataverse(self, symbol: object, field: str) -> DvT:
        if isinstance(symbol, str):
            try:
                return self._to_dataverse[symbol]
            except KeyError:
                if symbol.isascii() and (folded := symbol.lower()) in self._folded:
                    return self._folded[folded]
        raise ValueMapError(
            field,
            f"{symbol!r} is not in value map {self.name} "
            f"(expected one of {', '.join(sorted(self._to_dataverse))})",
        )

    def to_finance_operations(self, value: object, field: str) -> FoT:
        try:
            return self._to_finance_operations[(type(value), value)]
        except (KeyError, TypeError):
            known = ", ".join(repr(v) for _, v in self._to_finance_operations)
            raise ValueMapError(
                field, f"{value!r} is not in value map {self.name} (expected one of {known})"
            ) from None


def put_lookup(out: dict[str, object], path: tuple[str, ...], value: object) -> None:
    """Set `value` at the end of a lookup path in `out`, merging with hops already there.

    Several rows can address one related row (a composite alternate key: `a.x` and `a.y`); they
    share one nested mapping. A `None` value clears the whole lookup: there is no related row.
    """
    column, *hops = path
    if value is None:
        out[column] = None
        return
    current = out.get(column)
    if not isinstance(current, dict):
        current = out[column] = {}
    for hop in hops[:-1]:
        child = current.get(hop)
        if not isinstance(child, dict):
            child = current[hop] = {}
        current = child
    current[hops[-1]] = value


def read_lookup(value: object, hops: tuple[str, ...], field: str) -> object:
    """The key value at the end of a lookup: `value` is the lookup column's nested mapping."""
    current = value
    for depth, hop in enumerate(hops):
        if not isinstance(current, Mapping):
            raise LookupShapeError(field, f"expected a mapping at hop {depth + 1}, got {current!r}")
        if hop not in current:
            raise LookupShapeError(field, f"the lookup has no `{hop}`")
        current = current[hop]
    return current


class PolymorphicLookup:
    """A lookup whose target can be one of several tables, tried in the order written.

    `customerid.Account(accountnumber).Contact(msdyn_contactpersonid)` becomes
    ``{"customerid": {"Account": {"accountnumber": v}, "Contact": {"msdyn_contactpersonid": v}}}``
    towards Dataverse: every candidate carries the value; the sync resolves the first that exists.
    """

    __slots__ = ("column", "targets")

    def __init__(self, column: str, targets: tuple[tuple[str, str], ...]) -> None:
        self.column = column
        self.targets = targets

    @property
    def path(self) -> str:
        """The lookup as a template writes it: `customerid.Account(accountnumber)…`."""
        return ".".join([self.column, *(f"{table}({key})" for table, key in self.targets)])

    def build(self, value: object) -> dict[str, object]:
        """The lookup column's value: every candidate target keyed by `value`."""
        return {table: {key: value} for table, key in self.targets}

    def read(self, value: object, field: str) -> object:
        """The key value of whichever target the lookup column's `value` points at."""
        if not isinstance(value, Mapping):
            raise LookupShapeError(field, f"expected a mapping of target tables, got {value!r}")
        for table, key in self.targets:
            target = value.get(table)
            if isinstance(target, Mapping) and key in target:
                return target[key]
        expected = " or ".join(f"{table}.{key}" for table, key in self.targets)
        raise LookupShapeError(field, f"the lookup points at none of {expected}")
