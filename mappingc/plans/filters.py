"""Source filters as SQL: the rows a plan maps, as the generated `accepts_from_*` decide them
row by row (mappingc.runtime.filters).

Every comparison becomes a predicate that is never NULL, so that `NOT` and `OR` keep Python's
two-valued meaning (`CURRENCYCODE != "999"` holds for a NULL code). X++ compares text without
regard to case and treats NULL as the empty text; that is `LOWER(COALESCE(c, ''))` here, which
is exact for ASCII text only (SQLite folds ASCII alone, Python all of Unicode, PostgreSQL as its
locale says). `case_folded` (mappingc.contract.plan_sql) names the columns compared that way,
so that a caller leaves rows with any other character in them to the row functions. A comparison
that has no exact translation yet (`like`, orderings, decimals, text against a column of another
kind) is refused.
"""

from __future__ import annotations

import decimal

from sqlglot import exp

from mappingc import ir
from mappingc.contract.plan_sql import column
from mappingc.sides import Side

# Decimals are not compared: the sync keeps them as text, so that they stay exact in SQLite.
_NUMBERS = {"int", "int64"}
# Operators of each dialect that compare for equality, and whether they negate it.
_EQUALITY = {
    "finance_operations": {"==": False, "=": False, "!=": True},
    "odata": {"eq": False, "ne": True},
}


class FilterRefused(Exception):
    """A filter holds a comparison no plan expresses yet; the message says which."""


def accepting(
    template: ir.Template,
    catalog: ir.Catalog,
    which: ir.Filter,
    side: Side,
    qualifier: str | None,
) -> exp.Expr:
    """The rows of `side` that `which` lets through, as a predicate over its columns."""
    kinds = catalog.storage_kinds(template, side)

    def build(node: ir.Expression) -> exp.Expr:
        if isinstance(node, ir.Logical):
            combine = exp.and_ if node.operator == "and" else exp.or_
            return combine(*(build(operand) for operand in node.operands))  # parenthesizes
        if isinstance(node, ir.Negation):
            return exp.not_(exp.paren(build(node.operand)))
        written = node.function if isinstance(node, ir.FunctionCall) else node.operator
        negated = _EQUALITY[which.dialect].get(written)
        if negated is None:
            raise FilterRefused(f"`{written}` in a source filter")
        name = template.filter_field(side, node.field)
        assert name is not None, "checked by frontend.checks"
        compared = _compare(which.dialect, column(name, qualifier), kinds[name], node.literal)
        if compared is None:
            raise FilterRefused(f"`{node.field} {written} {node.value_text}` ({kinds[name]} field)")
        return exp.not_(exp.paren(compared)) if negated else compared

    return build(which.expression)


def _compare(dialect: str, value: exp.Column, kind: str, literal: object) -> exp.Expr | None:
    """X++ `==` or OData `eq` of a column of `kind` with `literal`, never NULL; None where there
    is no exact translation yet."""
    number = isinstance(literal, int | decimal.Decimal) and not isinstance(literal, bool)
    if dialect == "odata" and literal is None:
        return exp.Is(this=value, expression=exp.null())  # `eq null`: None and only None
    if kind == "string" and (dialect == "finance_operations" or not isinstance(literal, str)):
        # As text, without regard to case: X++ always, OData where the literal is no text.
        folded = exp.Lower(this=value)
        if dialect == "finance_operations":  # X++'s NULL is the empty text
            folded = exp.Lower(this=exp.Coalesce(this=value, expressions=[exp.Literal.string("")]))
        return _never_null(exp.EQ(this=folded, expression=exp.Literal.string(_text(literal))))
    if kind == "string" and isinstance(literal, str):  # OData compares text exactly
        return _never_null(exp.EQ(this=value, expression=exp.Literal.string(literal)))
    if kind in _NUMBERS and number:
        return _never_null(exp.EQ(this=value, expression=exp.Literal.number(str(literal))))
    if kind == "bool" and isinstance(literal, bool):
        return _never_null(exp.EQ(this=value, expression=exp.Boolean(this=literal)))
    return None


def _text(literal: object) -> str:
    """A literal as `mappingc.runtime.filters` compares it with text, folded."""
    if isinstance(literal, bool):
        return "true" if literal else "false"
    return ("" if literal is None else str(literal)).lower()


def _never_null(predicate: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=predicate, expressions=[exp.false()])
