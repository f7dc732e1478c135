"""A generated module's plan fitted to the stores (`PlannedWrite`): the initial sync's batches
here, and what the live sync's runs are built of (mappingc.sync.planned_changes).

A generated module keeps its mapping each way as one SELECT (`SQL_TO_DATAVERSE`, see
mappingc.plans). For a batch of source rows (a range of `_id`s) the sync runs it inside one
`INSERT … SELECT … ON CONFLICT (integration key) DO UPDATE`: no row goes through Python. What the
row functions would refuse, the plan leaves out, and more besides (a row without a key, and on
SQLite a value of another type than its column's, which SQLite stores as it is given); those rows
go the row-by-row way, which writes them or queues them with the reason. Within a batch the last
source row of a key wins, as it does row by row. If the database refuses the statement (a
constraint a DBA added), the whole batch goes row by row, so that only the refused rows are
queued.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlglot import exp

from mappingc.contract.plan_sql import Join, Plan, PlanTextError, column, sql_table, undecided_rows
from mappingc.sides import Side
from mappingc.sync.spec import TemplateSpec
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ROW_ID

E = TypeVar("E", bound=exp.Expr | None)

# Where a statement takes its batch's bounds: words no quoted name or literal can hold as such.
_LOW, _HIGH = "MAPPINGC_BATCH_LOW", "MAPPINGC_BATCH_HIGH"
_POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]
_LATEST = "_mappingc_latest"  # the window column that picks a key's last row of the batch
# What SQLite's typeof() says of a value each storage kind's column holds as SQLAlchemy wrote it.
_SQLITE_TYPES = {
    "string": "text",
    "int": "integer",
    "int64": "integer",
    "bool": "integer",
    "decimal": "text",
    "date": "text",
    "datetime": "text",
}


@dataclass(frozen=True)
class PlannedBatches:
    """One template's plan in one direction, as the two statements a batch runs."""

    upsert: str  # maps and writes the batch's rows the plan takes
    left_out: str  # the `_id`s of the batch's rows it leaves to the row functions
    filtered_out: str | None = None  # how many of them the source filter leaves out

    def statements(self, low: int, high: int) -> tuple[str, str]:
        """Both statements for the batch `low < _id <= high`."""
        return _bounded(self.upsert, low, high), _bounded(self.left_out, low, high)

    def filtered(self, low: int, high: int) -> str | None:
        """The count of the batch's rows the filter leaves out, where there is a filter."""
        return None if self.filtered_out is None else _bounded(self.filtered_out, low, high)


def _bounded(statement: str, low: int, high: int) -> str:
    statement = re.sub(rf"(?<!['\"\w]){_LOW}(?!['\"\w])", str(int(low)), statement)
    return re.sub(rf"(?<!['\"\w]){_HIGH}(?!['\"\w])", str(int(high)), statement)


def module_plan(spec: TemplateSpec, side: Side) -> Plan | None:
    """The plan a build wrote for rows of `side`, or None (none expresses the template, or the
    module is from a build before plans)."""
    constant = (
        "SQL_TO_DATAVERSE" if side is Side.FINANCE_OPERATIONS else "SQL_TO_FINANCE_OPERATIONS"
    )
    text = getattr(spec.module, constant, None)
    if not isinstance(text, str):
        return None
    try:
        return Plan.parse(text, spec.name, spec.table_name(side.other))
    except PlanTextError:
        return None  # the row functions are the reference: they run it all


@dataclass(frozen=True)
class PlannedWrite:
    """One template's plan one way, fitted to the stores: the values each target column gets
    (the company's too), and which source rows the plan leaves to the row functions."""

    spec: TemplateSpec
    side: Side  # where the rows come from
    values: dict[str, exp.Expr]
    leaves_out: exp.Expr
    source: sa.Table
    target: sa.Table
    dialect: str  # sqlglot's name for the stores' database
    joins: tuple[Join, ...] = ()  # the lookups' related Dataverse tables
    accepting: exp.Expr | None = None  # the rows the source filter lets through

    @property
    def joined(self) -> tuple[str, ...]:
        """The Dataverse tables the plan reads related rows from."""
        return tuple(join.table for join in self.joins)

    @property
    def match(self) -> tuple[str, ...]:
        return self.spec.match(self.side.other)

    def upsert(self, rows: exp.Expr) -> str:
        """Map and write the source rows `rows` selects (less those left out), by key."""
        values, match = self.values, self.match
        picks = not _keeps_source_key(values, match, self.spec.match(self.side))
        mapped = self._from(
            sqlglot.select(*(value.copy().as_(name, quoted=True) for name, value in values.items()))
        )
        chosen = [rows.copy(), exp.not_(exp.paren(self.leaves_out.copy()))]
        if self.accepting is not None:  # a row the filter leaves out is not synced
            chosen.insert(1, exp.paren(self.accepting.copy()))
        mapped = mapped.where(exp.and_(*chosen))
        if picks:
            mapped = _latest_of_each_key(mapped, [values[key] for key in match], self.own(ROW_ID))
        written = sqlglot.select(
            *(_typed(column(name, "batch"), self.target.c[name], self.dialect) for name in values)
        ).from_(mapped.subquery("batch", copy=False))
        # SQLite reads an ON CONFLICT after INSERT … SELECT only behind a WHERE.
        written = written.where(
            exp.EQ(this=column(_LATEST, "batch"), expression=exp.Literal.number(1))
            if picks
            else exp.true()
        )
        updated = [name for name in values if name not in match]
        conflict = exp.OnConflict(
            conflict_keys=[column(key) for key in match],
            action=exp.var("DO UPDATE" if updated else "DO NOTHING"),
            expressions=[
                exp.EQ(this=column(name), expression=column(name, "excluded")) for name in updated
            ],
        )
        upsert = exp.insert(
            written,
            sql_table(self.target.name, self.target.schema),
            columns=[exp.to_identifier(name, quoted=True) for name in values],
        )
        upsert.set("conflict", conflict)
        return upsert.sql(dialect=self.dialect)

    def filtered_out(self, rows: exp.Expr) -> str | None:
        """How many of the rows `rows` selects the source filter leaves out (and the plan
        does not leave to the row functions, which count their own): the rows skipped."""
        if self.accepting is None:
            return None
        skipped = [rows.copy(), exp.not_(exp.paren(self.accepting.copy()))]
        skipped.append(exp.not_(exp.paren(self.leaves_out.copy())))
        query = self._from(sqlglot.select(exp.Count(this=exp.Star()))).where(exp.and_(*skipped))
        return query.sql(dialect=self.dialect)

    def left_out(self, rows: exp.Expr) -> str:
        """The `_id`s of the rows `rows` selects that the plan leaves to the row functions."""
        query = (
            self._from(sqlglot.select(self.own(ROW_ID)))
            .where(exp.and_(rows.copy(), exp.paren(self.leaves_out.copy())))
            .order_by(self.own(ROW_ID))
        )
        return query.sql(dialect=self.dialect)

    def key_refused(self, table: str) -> exp.Expr:
        """Where the mapping refuses a row's key alone (its other columns NULL), as the row
        functions do when a deleted row's counterpart is looked for by its key; over the key
        columns of `table`."""
        source_key = set(self.spec.match(self.side))

        def key_only(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column):
                if node.name in source_key and self.reads_source(node):
                    return column(node.name, table)
                return exp.null()
            return node

        return self.leaves_out.copy().transform(key_only)

    def target_key(self, table: str | None = None) -> list[exp.Expr]:
        """The target key's values, as expressions over the source key's columns (those of
        `table` where given)."""

        def moved(node: exp.Expr) -> exp.Expr:
            if table and isinstance(node, exp.Column) and self.reads_source(node):
                return column(node.name, table)
            return node

        return [self.values[key].copy().transform(moved) for key in self.match]

    def own(self, name: str) -> exp.Column:
        """A column of the source table, named by its table (a plan's joins have `_id`s too)."""
        return column(name, self.source.name)

    def reads_source(self, node: exp.Column) -> bool:
        return node.table in ("", self.source.name)

    def _from(self, query: exp.Select) -> exp.Select:
        """`query` over the source table, the lookups' related tables joined."""
        query = query.from_(sql_table(self.source.name, self.source.schema), copy=False)
        for join in self.joins:
            related = sql_table(join.table).as_(join.alias, quoted=True)
            query = query.join(related, on=join.on.copy(), join_type="left", copy=False)
        return query


def planned_write(stores: Stores, spec: TemplateSpec, side: Side) -> PlannedWrite | None:
    """`spec`'s plan for rows of `side` fitted to the stores; None when the template has no plan
    that way, or its plan writes a column the target does not have."""
    plan = module_plan(spec, side)
    dialect = stores.engine.dialect.name
    if plan is None or dialect not in ("sqlite", "postgresql"):
        return None
    if spec.keyed_lookups:  # rows are matched by a related row's id: row by row resolves it
        return None
    source, target = stores.table_of(spec, side), stores.table_of(spec, side.other)
    values = dict(plan.columns)  # a company-specific plan carries the company across
    match = spec.match(side.other)
    if any(name not in target.c for name in values) or any(key not in values for key in match):
        return None
    if not all(_joins_safely(stores, plan, join, target) for join in plan.joins):
        return None
    filtered = plan.accepting.find_all(exp.Column) if plan.accepting is not None else ()
    if any(read.name not in source.c for read in filtered):
        return None
    left_out: list[exp.Expr] = [
        exp.Is(this=values[key].copy(), expression=exp.null()) for key in match
    ]
    if plan.failing is not None:
        left_out.append(exp.paren(plan.failing.copy()))
    sql_dialect = "postgres" if dialect == "postgresql" else "sqlite"
    if (
        undecided := undecided_rows(plan, sql_dialect)
    ) is not None:  # the row functions decide those
        left_out.append(undecided)
    if dialect == "sqlite":
        left_out.extend(_stored_otherwise(plan, stores, spec, side))
    values = {name: _folding_ascii(value, sql_dialect) for name, value in values.items()}
    return PlannedWrite(
        spec,
        side,
        values,
        _folding_ascii(exp.or_(*left_out), sql_dialect),
        source,
        target,
        sql_dialect,
        plan.joins,
        _folding_ascii(plan.accepting, sql_dialect),
    )


def _folding_ascii(expression: E, dialect: str) -> E:
    """The expression with every `LOWER(x)` and `UPPER(x)` folding ASCII alone, as Python does
    for the ASCII text the plan decides (other text goes row by row, or matches no symbol).
    SQLite's do; PostgreSQL's fold as its locale says (a Turkish one makes `I` a dotless i), so
    there it is `LOWER(x COLLATE "C")`."""
    if expression is None or dialect != "postgres":
        return expression

    def collated(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Lower | exp.Upper) and not isinstance(node.this, exp.Collate):
            c_locale = exp.to_identifier("C", quoted=True)
            return type(node)(this=exp.Collate(this=node.this.copy(), expression=c_locale))
        return node

    return expression.transform(collated)  # type: ignore[return-value]


def _joins_safely(stores: Stores, plan: Plan, join: Join, target: sa.Table) -> bool:
    """Whether a lookup's join finds what the row-by-row lookup does: the related table is
    in the stores with the columns read, at most one row matches (its row id, or the key a
    template keeps unique), and the statement does not write the table it reads related rows
    from (a row could then point at one written in the same statement)."""
    related = stores.dv_tables.get(join.table)
    if related is None or related is target:
        return False
    read = {
        found.name
        for value in [v for _, v in plan.columns] + [join.on, plan.failing]
        if value is not None
        for found in value.find_all(exp.Column)
        if found.table == join.alias
    }
    if not read <= set(related.c.keys()):
        return False
    keys = {c.name for c in join.on.find_all(exp.Column) if c.table == join.alias}
    unique = [spec.match(Side.DATAVERSE) for spec in stores.specs if spec.dv_table == join.table]
    return keys == {ROW_ID} or any(set(match) == keys for match in unique)


def planned_batches(stores: Stores, spec: TemplateSpec, side: Side) -> PlannedBatches | None:
    """The statements that sync `spec`'s rows of `side` a range of `_id`s at a time."""
    write = planned_write(stores, spec, side)
    if write is None:
        return None
    in_batch = exp.and_(
        exp.GT(this=write.own(ROW_ID), expression=exp.var(_LOW)),
        exp.LTE(this=write.own(ROW_ID), expression=exp.var(_HIGH)),
    )
    return PlannedBatches(
        write.upsert(in_batch), write.left_out(in_batch), write.filtered_out(in_batch)
    )


def _keeps_source_key(
    values: dict[str, exp.Expr], match: tuple[str, ...], source_match: tuple[str, ...]
) -> bool:
    """Whether the target key is the source key copied: the store enforces the source key, so
    no two rows of a batch then share a target key, and none need be picked."""
    copied = [values[key] for key in match]
    names = [c.name for c in copied if isinstance(c, exp.Column)]
    return len(names) == len(copied) and sorted(names) == sorted(source_match)


def _latest_of_each_key(mapped: exp.Select, key: list[exp.Expr], row_id: exp.Column) -> exp.Select:
    """`mapped` with a column that numbers each key's rows from the last: the last one wins,
    as it does row by row."""
    latest = exp.Window(
        this=exp.RowNumber(),
        partition_by=[value.copy() for value in key],
        order=exp.Order(expressions=[exp.Ordered(this=row_id, desc=True)]),
    )
    return mapped.select(latest.as_(_LATEST, quoted=True), copy=False)


def _typed(value: exp.Expr, target: sa.Column[object], dialect: str) -> exp.Expr:
    """On PostgreSQL, a value cast to its column's type: a literal or a NULL of the plan has
    none of its own there (SQLite converts by the column's affinity, and a cast would change
    what it stores)."""
    if dialect != "postgres":
        return value
    type_sql = target.type.compile(dialect=_POSTGRES)
    return exp.cast(value, exp.DataType.build(type_sql, dialect="postgres"))


def _stored_otherwise(plan: Plan, stores: Stores, spec: TemplateSpec, side: Side) -> list[exp.Expr]:
    """The rows whose values read (the source's, a related row's) SQLite stores as another type
    than their column's, or (a boolean) as a number other than 0 and 1: row by row, those are
    converted or refused."""
    kinds: dict[str, Mapping[str, str]] = {plan.qualifier or "": spec.columns(side)}
    for join in plan.joins:  # a related table's kinds, from the templates that keep it
        kinds[join.alias] = {
            name: kind
            for owner in stores.specs
            if owner.dv_table == join.table
            for name, kind in owner.dv_columns.items()
        }
    read: list[tuple[str, str]] = []
    for expression in [value for _, value in plan.columns] + [plan.failing, plan.accepting]:
        for found in expression.find_all(exp.Column) if expression is not None else ():
            if (found.table, found.name) not in read:
                read.append((found.table, found.name))
    checks: list[exp.Expr] = []
    for table, name in read:
        kind = kinds.get(table, {}).get(name)
        if kind not in _SQLITE_TYPES:
            continue
        value = column(name, table or None)
        stored = exp.Anonymous(this="typeof", expressions=[value.copy()])
        expected = [exp.Literal.string(_SQLITE_TYPES[kind]), exp.Literal.string("null")]
        checks.append(exp.not_(exp.In(this=stored, expressions=expected)))
        if kind == "bool":
            outside = exp.In(
                this=value.copy(), expressions=[exp.Literal.number(0), exp.Literal.number(1)]
            )
            checks.append(
                exp.and_(
                    exp.not_(exp.Is(this=value.copy(), expression=exp.null())), exp.not_(outside)
                )
            )
    return checks


def batch_bounds(
    conn: Connection, table: sa.Table, after: int, size: int
) -> tuple[int, int | None]:
    """How many rows the next batch of `table` after `_id` `after` holds, and its last `_id`."""
    ids = (
        sa.select(table.c[ROW_ID])
        .where(table.c[ROW_ID] > after)
        .order_by(table.c[ROW_ID])
        .limit(size)
        .subquery()
    )
    count, last = conn.execute(sa.select(sa.func.count(), sa.func.max(ids.c[ROW_ID]))).one()
    return int(count), None if last is None else int(last)
