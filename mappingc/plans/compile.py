"""A template's mapping, each way, as one SELECT, and the predicate of the rows it refuses.

What the generated `to_dataverse` (or `to_finance_operations`) does row by row, the plan does
for a whole table:

- a plain column is selected as it is, `COALESCE`d with its default where it has one;
- a value map is a `CASE` over its entries, inverted towards FO (a NULL source gives the
  default's value, or NULL); towards Dataverse an FO symbol matches exactly, then without case
  (ASCII only), as the runtime's ValueMap does;
- a `none` row writes its constant.

A row the Python path would refuse (a value outside its value map, a string longer than its
declared length, a whole number outside 32 bits) is not mapped: `failing` selects those rows, so
that the caller can queue them with the reason the row function gives (it runs on them alone).
A lookup is a `LEFT JOIN` of its related table, a source filter a predicate over the source's
columns (mappingc.plans.filters). What a plan cannot do yet is refused with the reason
(`PlanRefused`): polymorphic lookups, lookups through lookups, filters with comparisons that have
no exact translation, decimal scales and value maps with a `blank` entry stay on the Python path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from mappingc import ir
from mappingc.contract.plan_sql import DIALECTS, ROW_ID, Join, Plan
from mappingc.contract.plan_sql import column as _column
from mappingc.plans.filters import FilterRefused, accepting
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

    source: exp.Expr | None  # the value read; None for a `none` on the source side
    present: exp.Column | None  # the source column whose NULL means "no value"
    target: str
    pairs: tuple[tuple[object, object], ...] | None  # value map entries, source → target
    default: object  # what a NULL (or a `none`) writes, in the target's terms
    related: bool = False  # read from a lookup's related row, where NULL is refused
    symbols: bool = False  # the pairs' sources are FO symbols, which compare without case

    def folded(self) -> tuple[tuple[str, object], ...]:
        """The ASCII symbols, each once (the first entry wins, as in ValueMap), for the match
        without case that follows the exact one."""
        found: dict[str, object] = {}
        for value, mapped in (self.pairs or ()) if self.symbols else ():
            if isinstance(value, str) and value.isascii():
                found.setdefault(value.lower(), mapped)
        return tuple(found.items())


def _without_case(source: exp.Expr, lowered: str) -> exp.Expr:
    """`source` is the ASCII text `lowered` without regard to case, as ValueMap finds a symbol.
    LOWER and UPPER both: no character outside ASCII has both mappings inside it (DuckDB's
    LOWER takes the Kelvin sign to `k`, but its UPPER keeps it), so text that is not ASCII
    never matches, in any dialect, as in Python."""
    return exp.and_(
        exp.EQ(this=exp.Lower(this=source.copy()), expression=_literal(lowered)),
        exp.EQ(this=exp.Upper(this=source.copy()), expression=_literal(lowered.upper())),
    )


def _side(
    row: ir.Row, value_map: ir.ValueMap | None, towards_dataverse: bool, qualifier: str | None
) -> _Side:
    default = row.default.value if row.default is not None else None
    entries = value_map.entries if value_map is not None else ()
    by_symbol = {e.symbol: e.value for e in entries}
    pairs: tuple[tuple[object, object], ...]
    if towards_dataverse:
        assert row.dataverse is not None
        pairs = tuple((e.symbol, e.value) for e in entries)
        written = by_symbol.get(str(default)) if value_map and default is not None else default
        read = _column(row.finance_operations, qualifier) if row.finance_operations else None
        return _Side(read, read, row.dataverse.column, pairs or None, written, symbols=True)
    assert row.finance_operations is not None
    # Towards FO a map is used inverted, and a default is already the FO symbol.
    pairs = tuple((e.value, e.symbol) for e in entries)
    if row.dataverse is None:
        return _Side(None, None, row.finance_operations, pairs or None, default)
    present = _column(row.dataverse.column, qualifier)
    if row.dataverse.is_lookup:  # the related row's key column, by the lookup's join
        (hop,) = row.dataverse.hops
        read = _column(hop, row.dataverse.column)
        return _Side(read, present, row.finance_operations, pairs or None, default, related=True)
    return _Side(present, present, row.finance_operations, pairs or None, default)


def _refusing(row: ir.Row, side: _Side) -> exp.Expr | None:
    """Where the row function raises for this row's source value."""
    assert side.source is not None and side.present is not None
    source = side.source
    present = exp.not_(exp.Is(this=side.present.copy(), expression=exp.null()))
    checks: list[exp.Expr] = []
    if side.related:  # a related row without the key value: the row function's check refuses
        checks.append(exp.Is(this=source.copy(), expression=exp.null()))
    kind, size = row.type.kind, row.type.size
    if side.pairs is not None:
        known = [_literal(value) for value, _ in side.pairs]
        unknown: exp.Expr = exp.not_(exp.In(this=source.copy(), expressions=known))
        if folded := side.folded():
            lowered = [_literal(k) for k, _ in folded]
            upper = [_literal(k.upper()) for k, _ in folded]
            # For ASCII text LOWER and UPPER each in its list is one symbol without case;
            # other text is in neither (see _without_case).
            found = exp.and_(
                exp.In(this=exp.Lower(this=source.copy()), expressions=lowered),
                exp.In(this=exp.Upper(this=source.copy()), expressions=upper),
            )
            unknown = exp.paren(exp.and_(unknown, exp.not_(exp.paren(found))))
        checks.append(unknown)
    elif kind is ir.Kind.STRING and size is not None:
        checks.append(exp.GT(this=exp.Length(this=source.copy()), expression=_literal(size)))
    elif kind is ir.Kind.INT:
        low, high = _INT_RANGE
        beyond = exp.or_(
            exp.LT(this=source.copy(), expression=_literal(low)),
            exp.GT(this=source.copy(), expression=_literal(high)),
        )
        checks.append(exp.paren(beyond))
    elif kind is ir.Kind.DECIMAL and size is not None:
        raise PlanRefused(f"`{source.name}`: decimal scales are not planned yet")
    if not checks:
        return None
    if len(checks) == 1:
        return exp.and_(present, checks[0])
    return exp.and_(present, exp.paren(exp.or_(*checks)))


def _value(side: _Side) -> exp.Expr:
    default = _literal(side.default)
    if side.source is None:
        return default
    source = side.source
    if side.pairs is not None:
        case = exp.Case()
        if side.default is not None:  # without one, a NULL matches no entry: NULL it is
            case = case.when(exp.Is(this=source.copy(), expression=exp.null()), default)
        for value, mapped in side.pairs:
            case = case.when(
                exp.EQ(this=source.copy(), expression=_literal(value)), _literal(mapped)
            )
        for lowered, mapped in side.folded():  # after every exact match, as in ValueMap
            case = case.when(_without_case(source, lowered), _literal(mapped))
        return case
    if side.default is None:
        return source
    if side.related:  # the default stands in for no related row, not for its NULL key
        assert side.present is not None
        absent = exp.Is(this=side.present.copy(), expression=exp.null())
        return exp.Case().when(absent, default).else_(source)
    return exp.Coalesce(this=source, expressions=[default])


def _lookup_rows(template: ir.Template, towards_dataverse: bool) -> dict[str, list[ir.Row]]:
    """The rows through each lookup column that the plan of this direction joins: towards
    Dataverse those written into it; towards FO every lookup of the template, as the sync
    reads each related row back (and refuses a row whose related row is gone)."""
    found: dict[str, list[ir.Row]] = {}
    for row in template.rows:
        field = row.dataverse
        if field is None or not field.is_lookup:
            continue
        if towards_dataverse and not (row.map_type.to_dataverse and row.finance_operations):
            continue
        if field.targets:
            raise PlanRefused(
                f"{template.name}: polymorphic lookups are not planned yet ({field.path})"
            )
        if len(field.hops) != 1:
            raise PlanRefused(
                f"{template.name}: lookups through lookups are not planned yet ({field.path})"
            )
        if row.value_map is not None:
            raise PlanRefused(
                f"{template.name}: value-mapped lookups are not planned yet ({field.path})"
            )
        found.setdefault(field.column, []).append(row)
    return found


def _joins(
    template: ir.Template, lookups: dict[str, list[ir.Row]], towards_dataverse: bool
) -> dict[str, tuple[str, str]]:
    """Each lookup column's related table and the key column the join matches on."""
    tables = {target.column: target.table for target in template.lookups}
    joins: dict[str, tuple[str, str]] = {}
    for name, rows in lookups.items():
        table = tables.get(name)
        if table is None:
            raise PlanRefused(
                f"{template.name}: lookup {name} names no table (`lookup {name} -> table`)"
            )
        if towards_dataverse and len(rows) > 1:
            raise PlanRefused(
                f"{template.name}: lookups on a composite key are not planned yet ({name})"
            )
        joins[name] = (table, rows[0].dataverse.hops[0] if rows[0].dataverse else "")
    return joins


def _plan(template: ir.Template, catalog: ir.Catalog, towards_dataverse: bool) -> Plan:
    moving = [
        row
        for row in template.rows
        if (
            row.map_type.to_dataverse and row.dataverse
            if towards_dataverse
            else row.map_type.to_finance_operations and row.finance_operations
        )
    ]
    if not moving:
        raise PlanRefused(f"{template.name}: no row of the template maps this way")
    source, target = template.finance_operations_entity, template.dataverse_table
    source_table = source if towards_dataverse else target
    related = _joins(template, _lookup_rows(template, towards_dataverse), towards_dataverse)
    if source_table in related:
        raise PlanRefused(f"{template.name}: a lookup named as its own table ({source_table})")
    qualifier = source_table if related else None
    columns: dict[str, exp.Expr] = {}
    refusing: list[exp.Expr] = []
    ons: dict[str, exp.Expr] = {}
    for row in moving:
        side = _side(row, _value_map(catalog, row, template.name), towards_dataverse, qualifier)
        if side.source is not None and (check := _refusing(row, side)):
            refusing.append(check)
        value = _value(side)
        if towards_dataverse and side.target in related:  # the related row's id, by its key
            _, key = related[side.target]
            ons[side.target] = exp.EQ(this=_column(key, side.target), expression=value.copy())
            found = _column(ROW_ID, side.target)
            missing = exp.Is(this=found.copy(), expression=exp.null())
            present = exp.not_(exp.Is(this=value.copy(), expression=exp.null()))
            refusing.append(exp.and_(present, missing))
            value = found
        columns[side.target] = value
    joins = []
    for name, (table, _) in related.items():
        if towards_dataverse:
            on = ons[name]
        else:  # the related row by its id; a lookup whose related row is gone is refused
            on = exp.EQ(this=_column(ROW_ID, name), expression=_column(name, qualifier))
            gone = exp.Is(this=_column(ROW_ID, name), expression=exp.null())
            set_ = exp.not_(exp.Is(this=_column(name, qualifier), expression=exp.null()))
            refusing.append(exp.and_(set_, gone))
        joins.append(Join(name, table, on))
    source_side = Side.FINANCE_OPERATIONS if towards_dataverse else Side.DATAVERSE
    source_filter = template.source_filter if towards_dataverse else template.reversed_filter
    accepted = None
    if source_filter is not None:
        try:
            accepted = accepting(template, catalog, source_filter, source_side, qualifier)
        except FilterRefused as refused:
            raise PlanRefused(
                f"{template.name}: source filter: {refused} is not planned yet"
            ) from None
    if template.company_specific:  # each row keeps its company, under the other side's name
        columns[COMPANY[source_side.other]] = _column(COMPANY[source_side], qualifier)
    return Plan(
        template=template.name,
        source_table=source_table,
        target_table=target if towards_dataverse else source,
        columns=tuple(columns.items()),
        failing=exp.or_(*refusing) if refusing else None,
        joins=tuple(joins),
        accepting=accepted,
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
