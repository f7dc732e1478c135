"""Source filters evaluated against rows: FO X++ ranges and Dataverse OData, without `eval`.

The expressions are the ones the compiler parsed and checked; here they become predicates.
"""

from __future__ import annotations

import fnmatch
import operator
from collections.abc import Callable, Mapping
from typing import Any

from mappingc import ast
from mappingc.parser import parse_filter

Predicate = Callable[[Mapping[str, object]], bool]


def _accept_all(row: Mapping[str, object]) -> bool:
    return True


def compile_filter(text: str | None, dialect: str) -> Predicate:
    """A predicate over a row for a filter as written; no filter accepts every row."""
    if not text:
        return _accept_all
    return _compile(parse_filter(text, dialect), dialect)


def _field_reader(name: str, dialect: str) -> Callable[[Mapping[str, object]], object]:
    if dialect == "odata":
        return lambda row: row.get(name)
    # X++ ranges name entity fields in any case (`CurrencyCode`, `CURRENCYCODE`).
    lowered = name.lower()

    def read(row: Mapping[str, object]) -> object:
        if name in row:
            return row[name]
        return next((v for k, v in row.items() if k.lower() == lowered), None)

    return read


def _literal(value: ast.Literal) -> object:
    if value.kind == "symbol" and isinstance(value.value, str) and "::" in value.value:
        return value.value.split("::", 1)[1]  # `AccountType::Customer` compares as `Customer`
    return value.value


def _same(left: object, right: object) -> bool:
    """X++ range equality: None is the empty value, and values of other types compare as text."""
    left = "" if left is None else left
    right = "" if right is None else right
    if type(left) is not type(right) and not (
        isinstance(left, int | float) and isinstance(right, int | float)
    ):
        return str(left).lower() == str(right).lower()
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return left == right


_ORDERINGS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "lt": operator.lt, "<=": operator.le, "le": operator.le,
    ">": operator.gt, "gt": operator.gt, ">=": operator.ge, "ge": operator.ge,
}  # fmt: skip


def _ordered(op: str) -> Callable[[object, object], bool]:
    compare_values = _ORDERINGS[op]

    def compare(left: object, right: object) -> bool:
        try:
            return bool(compare_values(left, right))
        except TypeError:
            return False  # None, or values of unrelated types, never satisfy an ordering

    return compare


def _compile(expr: ast.Expr, dialect: str) -> Predicate:
    if isinstance(expr, ast.BoolOp):
        parts = [_compile(o, dialect) for o in expr.operands]
        if expr.operator == "and":
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    if isinstance(expr, ast.Not):
        inner = _compile(expr.operand, dialect)
        return lambda row: not inner(row)
    read = _field_reader(expr.field.text, dialect)
    wanted = _literal(expr.value)
    if isinstance(expr, ast.Call):
        method = {"startswith": str.startswith, "endswith": str.endswith}.get(expr.function)

        def call(row: Mapping[str, object]) -> bool:
            value = read(row)
            if not isinstance(value, str) or not isinstance(wanted, str):
                return False
            return method(value, wanted) if method else wanted in value

        return call
    op = expr.operator
    if op in {"==", "=", "eq"}:
        if dialect == "odata":
            return lambda row: read(row) == wanted
        return lambda row: _same(read(row), wanted)
    if op in {"!=", "ne"}:
        if dialect == "odata":
            return lambda row: read(row) != wanted
        return lambda row: not _same(read(row), wanted)
    if op == "like":
        pattern = str(wanted).lower()
        return lambda row: fnmatch.fnmatchcase(str(read(row) or "").lower(), pattern)
    ordered = _ordered(op)
    return lambda row: ordered(read(row), wanted)
