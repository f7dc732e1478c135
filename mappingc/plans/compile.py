"""A template's FO → Dataverse mapping as one SELECT, and the predicate of the rows it refuses.

What the generated `to_dataverse` does row by row, the plan does for a whole table:

- a plain column is selected as it is, `COALESCE`d with its default where it has one;
- a value map is a `CASE` over its symbols (a NULL source gives the default's value, or NULL);
- a `none` row writes its constant.

A row the Python path would refuse (a symbol outside its value map, a string longer than its
declared length, a whole number outside 32 bits) is not mapped: `failing` selects those rows, so
that the caller can queue them with the reason the row function gives (it runs on them alone).
What a plan cannot do yet is refused with the reason (`PlanRefused`): lookups, source filters,
decimal scales and value maps with a `blank` entry stay on the Python path.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from mappingc.frontend import ir

DIALECTS = ("sqlite", "postgres", "duckdb", "spark")
_INT_RANGE = (-(2**31), 2**31 - 1)


class PlanRefused(Exception):
    """The template uses something no plan expresses yet; the message says what."""


@dataclass(frozen=True)
class Plan:
    template: str
    source_table: str
    target_table: str
    columns: tuple[tuple[str, exp.Expr], ...]  # target column, its value
    failing: exp.Expr | None  # true for a source row the row functions refuse

    def select(self, dialect: str, source: str | None = None, carry: tuple[str, ...] = ()) -> str:
        """The mapped rows (refused ones left out), from `source` (default: the FO table);
        `carry` are source columns passed through first, such as a row number."""
        values = [_column(c).as_(c, quoted=True) for c in carry]
        values += [value.as_(target, quoted=True) for target, value in self.columns]
        query = sqlglot.select(*values).from_(_table(source or self.source_table))
        if self.failing is not None:
            query = query.where(exp.not_(exp.paren(self.failing.copy())))
        return query.sql(dialect=dialect)

    def refused(self, dialect: str, source: str | None = None) -> str | None:
        """The source rows the mapping refuses, whole; None where no row can be refused."""
        if self.failing is None:
            return None
        query = sqlglot.select(exp.Star()).from_(_table(source or self.source_table))
        return query.where(self.failing.copy()).sql(dialect=dialect)


def _column(name: str) -> exp.Column:
    return exp.column(exp.to_identifier(name, quoted=True))


def _table(name: str) -> exp.Table:
    return exp.table_(exp.to_identifier(name, quoted=True))


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


def _default_towards_dataverse(row: ir.Row, value_map: ir.ValueMap | None) -> object:
    if row.default is None:
        return None
    if value_map is None:
        return row.default.value
    by_symbol = {e.symbol: e.value for e in value_map.entries}
    return by_symbol.get(str(row.default.value))


def _refusing(row: ir.Row, value_map: ir.ValueMap | None) -> exp.Expr | None:
    """Where the row function raises for this row's source value."""
    assert row.finance_operations is not None
    source = _column(row.finance_operations)
    present = exp.not_(exp.Is(this=source.copy(), expression=exp.null()))
    if value_map is not None:
        symbols = [exp.Literal.string(e.symbol) for e in value_map.entries]
        outside = exp.not_(exp.In(this=source.copy(), expressions=symbols))
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
        raise PlanRefused(f"`{row.finance_operations}`: decimal scales are not planned yet")
    return None


def _value(row: ir.Row, value_map: ir.ValueMap | None) -> exp.Expr:
    default = _literal(_default_towards_dataverse(row, value_map))
    if row.finance_operations is None:
        return default
    source = _column(row.finance_operations)
    if value_map is not None:
        case = exp.Case().when(exp.Is(this=source.copy(), expression=exp.null()), default)
        for entry in value_map.entries:
            case = case.when(
                exp.EQ(this=source.copy(), expression=_literal(entry.symbol)), _literal(entry.value)
            )
        return case
    if row.default is not None:
        return exp.Coalesce(this=source, expressions=[default])
    return source


def plan_to_dataverse(template: ir.Template, catalog: ir.Catalog) -> Plan:
    """The FO → Dataverse plan of `template`, or PlanRefused with what it cannot express."""
    if template.source_filter is not None:
        raise PlanRefused(f"{template.name}: source filters are not planned yet")
    columns: dict[str, exp.Expr] = {}
    refusing: list[exp.Expr] = []
    for row in template.rows:
        if not row.map_type.to_dataverse or row.dataverse is None:
            continue
        if row.dataverse.is_lookup:
            raise PlanRefused(
                f"{template.name}: lookups are not planned yet ({row.dataverse.path})"
            )
        value_map = _value_map(catalog, row, template.name)
        if row.finance_operations is not None and (check := _refusing(row, value_map)):
            refusing.append(check)
        columns[row.dataverse.column] = _value(row, value_map)
    failing = exp.or_(*refusing) if refusing else None
    return Plan(
        template=template.name,
        source_table=template.finance_operations_entity,
        target_table=template.dataverse_table,
        columns=tuple(columns.items()),
        failing=failing,
    )
