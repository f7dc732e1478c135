"""A template's mapping, each way, as one SELECT, and the predicate of the rows it refuses.

What the generated `to_dataverse` (or `to_finance_operations`) does row by row, the plan does
for a whole table:

- a plain column is selected as it is, `COALESCE`d with its default where it has one;
- a value map is a `CASE` over its entries, inverted towards FO (a NULL source gives the
  default's value, or NULL);
- a `none` row writes its constant.

A row the Python path would refuse (a value outside its value map, a string longer than its
declared length, a whole number outside 32 bits) is not mapped: `failing` selects those rows, so
that the caller can queue them with the reason the row function gives (it runs on them alone).
What a plan cannot do yet is refused with the reason (`PlanRefused`): lookups, source filters,
decimal scales and value maps with a `blank` entry stay on the Python path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from mappingc.frontend import ir
from mappingc.plans.sql import DIALECTS, Plan
from mappingc.plans.sql import column as _column
from mappingc.sides import COMPANY, Side

__all__ = ["DIALECTS", "Plan", "PlanRefused", "plan_to_dataverse", "plan_to_finance_operations"]

_INT_RANGE = (-(2**31), 2**31 - 1)


class PlanRefused(Exception):
    """The template uses something no plan expresses yet; the message says what."""


def _literal(value: object) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _value_map(catalog: ir.Catalog, row: ir.Row, template: str) -> ir.ValueMap | None:
    if row.value_map is None:
        return None
    value_map = catalog.value_maps.get(row.value_map)
    if value_map is None:
        raise PlanRefused(f"{template}: value map {row.value_map} is not in the catalog")
    if value_map.has_blank:
        raise PlanRefused(f"{template}: value map {value_map.name} has a `blank` entry")
    return value_map


@dataclass(frozen=True)
class _Side:
    """One direction of a row: where its value comes from and goes, and what the map does."""

    source: str | None  # the column read; None for a `none` on the source side
    target: str
    pairs: tuple[tuple[object, object], ...] | None  # value map entries, source → target
    default: object  # what a NULL (or a `none`) writes, in the target's terms


def _side(row: ir.Row, value_map: ir.ValueMap | None, towards_dataverse: bool) -> _Side:
    default = row.default.value if row.default is not None else None
    entries = value_map.entries if value_map is not None else ()
    by_symbol = {e.symbol: e.value for e in entries}
    pairs: tuple[tuple[object, object], ...]
    if towards_dataverse:
        assert row.dataverse is not None
        pairs = tuple((e.symbol, e.value) for e in entries)
        written = by_symbol.get(str(default)) if value_map and default is not None else default
        return _Side(row.finance_operations, row.dataverse.column, pairs or None, written)
    assert row.finance_operations is not None
    # Towards FO a map is used inverted, and a default is already the FO symbol.
    pairs = tuple((e.value, e.symbol) for e in entries)
    source = row.dataverse.column if row.dataverse is not None else None
    return _Side(source, row.finance_operations, pairs or None, default)


def _refusing(row: ir.Row, side: _Side) -> exp.Expr | None:
    """Where the row function raises for this row's source value."""
    assert side.source is not None
    source = _column(side.source)
    present = exp.not_(exp.Is(this=source.copy(), expression=exp.null()))
    if side.pairs is not None:
        known = [_literal(value) for value, _ in side.pairs]
        outside = exp.not_(exp.In(this=source.copy(), expressions=known))
        return exp.and_(present, outside)
    kind, size = row.type.kind, row.type.size
    if kind is ir.Kind.STRING and size is not None:
        too_long = exp.GT(this=exp.Length(this=source.copy()), expression=_literal(size))
        return exp.and_(present, too_long)
    if kind is ir.Kind.INT:
        low, high = _INT_RANGE
        beyond = exp.or_(
            exp.LT(this=source.copy(), expression=_literal(low)),
            exp.GT(this=source.copy(), expression=_literal(high)),
        )
        return exp.and_(present, exp.paren(beyond))
    if kind is ir.Kind.DECIMAL and size is not None:
        raise PlanRefused(f"`{side.source}`: decimal scales are not planned yet")
    return None


def _value(side: _Side) -> exp.Expr:
    default = _literal(side.default)
    if side.source is None:
        return default
    source = _column(side.source)
    if side.pairs is not None:
        case = exp.Case()
        if side.default is not None:  # without one, a NULL matches no entry: NULL it is
            case = case.when(exp.Is(this=source.copy(), expression=exp.null()), default)
        for value, mapped in side.pairs:
            case = case.when(
                exp.EQ(this=source.copy(), expression=_literal(value)), _literal(mapped)
            )
        return case
    if side.default is not None:
        return exp.Coalesce(this=source, expressions=[default])
    return source


def _plan(template: ir.Template, catalog: ir.Catalog, towards_dataverse: bool) -> Plan:
    source_filter = template.source_filter if towards_dataverse else template.reversed_filter
    if source_filter is not None:
        raise PlanRefused(f"{template.name}: source filters are not planned yet")
    columns: dict[str, exp.Expr] = {}
    refusing: list[exp.Expr] = []
    for row in template.rows:
        moves = (
            row.map_type.to_dataverse if towards_dataverse else row.map_type.to_finance_operations
        )
        target = row.dataverse if towards_dataverse else row.finance_operations
        if not moves or target is None:
            continue
        if row.dataverse is not None and row.dataverse.is_lookup:
            raise PlanRefused(
                f"{template.name}: lookups are not planned yet ({row.dataverse.path})"
            )
        side = _side(row, _value_map(catalog, row, template.name), towards_dataverse)
        if side.source is not None and (check := _refusing(row, side)):
            refusing.append(check)
        columns[side.target] = _value(side)
    if not columns:
        raise PlanRefused(f"{template.name}: no row of the template maps this way")
    if template.company_specific:  # each row keeps its company, under the other side's name
        source_side = Side.FINANCE_OPERATIONS if towards_dataverse else Side.DATAVERSE
        columns[COMPANY[source_side.other]] = _column(COMPANY[source_side])
    source, target = template.finance_operations_entity, template.dataverse_table
    return Plan(
        template=template.name,
        source_table=source if towards_dataverse else target,
        target_table=target if towards_dataverse else source,
        columns=tuple(columns.items()),
        failing=exp.or_(*refusing) if refusing else None,
    )


def source_kinds(
    template: ir.Template, catalog: ir.Catalog, towards_dataverse: bool
) -> dict[str, ir.Kind]:
    """The columns a direction's plan reads, each with the kind of value it holds: FO fields
    towards Dataverse, Dataverse columns towards FO (a value-mapped one holds the map's values:
    whole numbers, booleans or text)."""
    found: dict[str, ir.Kind] = {}
    if template.company_specific:
        found[COMPANY[Side.FINANCE_OPERATIONS if towards_dataverse else Side.DATAVERSE]] = (
            ir.Kind.STRING
        )
    for row in template.rows:
        if towards_dataverse and row.map_type.to_dataverse and row.finance_operations:
            found[row.finance_operations] = row.type.kind
        elif not towards_dataverse and row.map_type.to_finance_operations and row.dataverse:
            kind = row.type.kind
            value_map = catalog.value_maps.get(row.value_map) if row.value_map else None
            if value_map is not None:
                kind = {"int": ir.Kind.INT64, "bool": ir.Kind.BOOL}.get(
                    value_map.dataverse_kind, ir.Kind.STRING
                )
            if row.finance_operations:
                found[row.dataverse.column] = kind
    return found


def plan_to_dataverse(template: ir.Template, catalog: ir.Catalog) -> Plan:
    """The FO → Dataverse plan of `template`, or PlanRefused with what it cannot express."""
    return _plan(template, catalog, towards_dataverse=True)


def plan_to_finance_operations(template: ir.Template, catalog: ir.Catalog) -> Plan:
    """The Dataverse → FO plan: value maps inverted, the reversed filter as its filter."""
    return _plan(template, catalog, towards_dataverse=False)
