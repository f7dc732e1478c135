"""A plan as SQL: the mapped SELECT of one direction, rendered per dialect, written out as text
(the form a generated module keeps) and read back from it.

This module knows SQL only, not the IR: the sync reads the plans a build wrote into the
generated modules through it, and never the compiler (see mappingc.plans.compile for how a
template becomes a plan).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

DIALECTS = ("sqlite", "postgres", "duckdb", "spark")
# The column a store keeps each row's id in; a lookup holds the related row's.
ROW_ID = "_id"


class PlanTextError(ValueError):
    """A plan's text is not the SELECT `Plan.text` writes."""


@dataclass(frozen=True)
class Join:
    """A lookup's related rows: `LEFT JOIN table AS alias ON on`, at most one row a source row
    (the related table's alternate key, or its row id, is unique)."""

    alias: str  # the lookup column's name
    table: str  # a Dataverse table
    on: exp.Expr


@dataclass(frozen=True)
class Plan:
    template: str
    source_table: str
    target_table: str
    columns: tuple[tuple[str, exp.Expr], ...]  # target column, its value
    failing: exp.Expr | None  # true for a source row the row functions refuse
    # A plan with lookups names the source's columns by its table, the related ones by alias.
    joins: tuple[Join, ...] = ()
    # The source rows the template's source filter lets through (mappingc.plans.filters).
    accepting: exp.Expr | None = None

    def select(self, dialect: str, source: str | None = None, carry: tuple[str, ...] = ()) -> str:
        """The mapped rows (refused ones left out), from `source` (default: the source table);
        `carry` are source columns passed through first, such as a row number."""
        return self.mapped(sql_table(source or self.source_table), carry).sql(dialect=dialect)

    def mapped(self, source: exp.Table, carry: tuple[str, ...] = ()) -> exp.Select:
        """`select` as an expression, for a caller that builds on it (an upsert, a batch)."""
        values = [column(c, self.qualifier).as_(c, quoted=True) for c in carry]
        values += [value.copy().as_(target, quoted=True) for target, value in self.columns]
        query = self.joined(sqlglot.select(*values).from_(source))
        where = self.where()
        return query if where is None else query.where(where)

    def where(self) -> exp.Expr | None:
        """The mapped rows: `(accepting) AND NOT (failing)`, either part where the plan has it
        (the shape `parse` reads back)."""
        parts: list[exp.Expr] = []
        if self.accepting is not None:
            parts.append(exp.paren(self.accepting.copy()))
        if self.failing is not None:
            parts.append(exp.not_(exp.paren(self.failing.copy())))
        return exp.and_(*parts) if parts else None

    def joined(self, query: exp.Select, schema: str | None = None) -> exp.Select:
        """`query` with the plan's lookups joined (their tables in `schema`)."""
        for join in self.joins:
            related = sql_table(join.table, schema).as_(join.alias, quoted=True)
            query = query.join(related, on=join.on.copy(), join_type="left", copy=False)
        return query

    @property
    def qualifier(self) -> str | None:
        """The name the plan's values give the source table: its own where there are joins."""
        return self.source_table if self.joins else None

    def refused(
        self, dialect: str, source: str | None = None, excluding: exp.Expr | None = None
    ) -> str | None:
        """The source rows the mapping refuses, whole (less those `excluding` selects); None
        where no row can be refused."""
        if self.failing is None:
            return None
        star = (
            exp.Column(this=exp.Star(), table=exp.to_identifier(self.qualifier, quoted=True))
            if self.joins
            else exp.Star()
        )
        query = self.joined(sqlglot.select(star).from_(sql_table(source or self.source_table)))
        refused = self.failing.copy()
        if self.accepting is not None:  # a row the filter leaves out is never mapped
            refused = exp.and_(exp.paren(self.accepting.copy()), exp.paren(refused))
        if excluding is not None:
            refused = exp.and_(refused, exp.not_(exp.paren(excluding.copy())))
        return query.where(refused).sql(dialect=dialect)

    def text(self) -> str:
        """The mapped SELECT in sqlglot's own dialect, laid out a clause a line: what a
        generated module keeps, and `parse` reads back."""
        return self.mapped(sql_table(self.source_table)).sql(pretty=True)

    @classmethod
    def parse(cls, text: str, template: str, target_table: str) -> Plan:
        """The plan `text` wrote; a PlanTextError if it is not such a SELECT."""
        try:
            query = sqlglot.parse_one(text)
        except sqlglot.errors.ParseError as error:
            raise PlanTextError(f"{template}: the plan is not SQL sqlglot reads: {error}") from None
        source = query.args.get("from_") or query.args.get("from")
        if not isinstance(query, exp.Select) or source is None:
            raise PlanTextError(f"{template}: the plan is not a SELECT from one table")
        table = source.this
        columns = []
        for projection in query.expressions:
            if not isinstance(projection, exp.Alias):
                raise PlanTextError(f"{template}: every value of the plan must be named")
            columns.append((projection.alias, projection.this))
        joins = []
        for join in query.args.get("joins") or ():
            related, on = join.this, join.args.get("on")
            if not isinstance(related, exp.Table) or on is None or join.side != "LEFT":
                raise PlanTextError(f"{template}: a plan joins a table LEFT, ON its key")
            joins.append(Join(related.alias, related.name, on))
        failing = accepting = None
        where = query.args.get("where")
        parts = [] if where is None else [where.this]
        if parts and isinstance(parts[0], exp.And) and isinstance(parts[0].left, exp.Paren):
            parts = [parts[0].left, parts[0].right]
        for part in parts:
            if isinstance(part, exp.Paren) and accepting is None and failing is None:
                accepting = part.this  # the one pair `where` adds
            elif isinstance(part, exp.Not) and failing is None:
                failing = part.this.unnest()
            else:
                raise PlanTextError(
                    f"{template}: the plan's WHERE must be (filter) AND NOT (refusal)"
                )
        return cls(
            template, table.name, target_table, tuple(columns), failing, tuple(joins), accepting
        )


def case_folded(predicate: exp.Expr | None) -> list[exp.Column]:
    """The columns `predicate` compares as lower-case text, each once: exact for ASCII text only
    (see mappingc.plans.filters)."""
    found: dict[tuple[str, str], exp.Column] = {}
    for lowered in predicate.find_all(exp.Lower) if predicate is not None else ():
        for read in lowered.find_all(exp.Column):
            found.setdefault((read.table, read.name), read)
    return list(found.values())


def not_ascii(text: exp.Column, dialect: str) -> exp.Expr:
    """Whether a text value has a character outside ASCII (more bytes than characters), never
    NULL: `case_folded` text is exact only without one."""
    if dialect == "sqlite":
        octets: exp.Expr = exp.Length(this=exp.cast(text.copy(), exp.DataType.build("BLOB")))
    elif dialect == "duckdb":
        octets = exp.Anonymous(this="STRLEN", expressions=[text.copy()])
    else:
        octets = exp.Anonymous(this="OCTET_LENGTH", expressions=[text.copy()])
    differs = exp.NEQ(this=octets, expression=exp.Length(this=text.copy()))
    return exp.Coalesce(this=differs, expressions=[exp.false()])


def undecided_rows(plan: Plan, dialect: str) -> exp.Expr | None:
    """The source rows whose filter SQL cannot decide exactly (see mappingc.plans.filters): the
    row functions decide them. None where there are none."""
    checks = [not_ascii(text, dialect) for text in case_folded(plan.accepting)]
    return exp.or_(*checks) if checks else None


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.column(
        exp.to_identifier(name, quoted=True),
        table=exp.to_identifier(table, quoted=True) if table else None,
    )


def sql_table(name: str, schema: str | None = None) -> exp.Table:
    return exp.table_(
        exp.to_identifier(name, quoted=True),
        db=exp.to_identifier(schema, quoted=True) if schema else None,
    )
