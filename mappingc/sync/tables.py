"""The shape of both stores: one table per FO entity and Dataverse table the templates use, with
the columns the generated modules name, and the sync's own tables (change logs, state, cursors,
error queue).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from mappingc.contract.plan_sql import ROW_ID as ROW_ID  # re-exported: the plans name it too
from mappingc.naming import SYNC_TABLE_PREFIX
from mappingc.sides import COMPANY, Side
from mappingc.sync.spec import SyncSetupError, TemplateSpec, type_column

CHANGES = f"{SYNC_TABLE_PREFIX}changes"
STATE = f"{SYNC_TABLE_PREFIX}state"
SYNC = f"{SYNC_TABLE_PREFIX}sync"
ERRORS = f"{SYNC_TABLE_PREFIX}errors"


def index_name(prefix: str, name: str) -> str:
    """`prefix + name`, or where PostgreSQL would truncate that (63 bytes), `prefix` and a hash
    of `name`: two long names never become one index."""
    full = prefix + name
    if len(full.encode("utf-8")) <= 63:
        return full
    return prefix + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def schema(side: Side) -> str | None:
    """The database schema that holds `side`'s tables: FO is `fo`, Dataverse the default."""
    return "fo" if side is Side.FINANCE_OPERATIONS else None


class DecimalText(sa.types.TypeDecorator[decimal.Decimal]):
    """Decimals kept exactly: SQLite has no decimal type and would round through a float."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(decimal.Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(value)


class LoggedDate(sa.types.TypeDecorator[datetime.date]):
    """A date column that also takes its ISO text: the change log keeps a row's key as JSON, so
    a date in a key comes back as `"2026-01-02"`, which SQLite's own Date type refuses."""

    impl = sa.Date
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime.date | None:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else value


class LoggedDateTime(sa.types.TypeDecorator[datetime.datetime]):
    """A date-and-time column that also takes its ISO text (see LoggedDate)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime.datetime | None:
        return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


_TYPES: dict[str, Any] = {
    "string": sa.String,
    "int": sa.Integer,
    "int64": sa.BigInteger,
    "decimal": DecimalText,
    "bool": sa.Boolean,
    "date": LoggedDate,
    "datetime": LoggedDateTime,
    "lookup": sa.Integer,  # the related row's _id, as Dataverse keeps the related row's id
}


@dataclass
class Tables:
    """SQLAlchemy Core tables for a set of templates."""

    metadata: sa.MetaData
    by_side: dict[Side, dict[str, sa.Table]]

    def table(self, name: str, side: Side = Side.DATAVERSE) -> sa.Table:
        """A table by name; the sync's own tables live on the Dataverse side unless asked."""
        found = schema(side)
        return self.metadata.tables[f"{found}.{name}" if found else name]

    def changes(self, side: Side) -> sa.Table:
        return self.table(CHANGES, side)


def _columns(specs: list[TemplateSpec], side: Side) -> dict[str, dict[str, str]]:
    """Per table, the union of the columns every template puts there, with one kind each."""
    tables: dict[str, dict[str, str]] = {}
    for spec in specs:
        table, columns = spec.table_name(side), spec.columns(side)
        merged = tables.setdefault(table, {})
        company = [(COMPANY[side], "string")] if spec.company else []
        # Beside a polymorphic lookup's row id, the table it is in.
        types = [(type_column(c), "string") for c in spec.polymorphic if side is Side.DATAVERSE]
        for name, kind in [*columns.items(), *company, *types]:
            if merged.setdefault(name, kind) != kind:
                raise SyncSetupError(
                    f"{table}.{name} is {merged[name]} in one template and {kind} in {spec.name}"
                )
    return tables


def build_tables(specs: list[TemplateSpec]) -> Tables:
    metadata = sa.MetaData()
    by_side: dict[Side, dict[str, sa.Table]] = {}
    for side in Side:
        tables = by_side[side] = {}
        for table, columns in _columns(specs, side).items():
            tables[table] = sa.Table(
                table,
                metadata,
                sa.Column(ROW_ID, sa.Integer, primary_key=True, autoincrement=True),
                *(sa.Column(name, _TYPES[kind]) for name, kind in columns.items()),
                schema=schema(side),
                # SQLite would otherwise give a new row the id of the last row deleted, and a
                # lookup still naming the deleted row would point at the new one.
                sqlite_autoincrement=True,
            )
        for spec in specs:
            # The store enforces each integration key, so that a duplicate is refused by the
            # database the same way for every writer, and every match by key is an index lookup.
            keyed = tables[spec.table_name(side)]
            key = [keyed.c[c] for c in spec.match(side)]
            sa.Index(index_name("uq_mappingc_", f"{spec.name}_{side.short}"), *key, unique=True)
        sa.Table(
            CHANGES,
            metadata,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            # The writing transaction on PostgreSQL, where a sequence is not commit-ordered
            # (see mappingc.sync.changelog); 0 on SQLite, whose writers are serialized.
            sa.Column("txid", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("tbl", sa.String, nullable=False),
            sa.Column("op", sa.String, nullable=False),  # "upsert" | "delete"
            sa.Column("row_key", sa.Text, nullable=False),  # JSON of the key columns
            sa.Column("row_id", sa.Integer, nullable=True),  # the row's _id
            sa.Column("at", sa.Float, nullable=False),
            sa.Index(f"ix_mappingc_changes_{side.short}", "tbl", "at"),
            sa.Index(f"ix_mappingc_changes_{side.short}_order", "txid", "seq"),
            schema=schema(side),
            sqlite_autoincrement=True,
        )
        sa.Table(
            STATE,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("applying", sa.Integer, nullable=False, default=0),
            schema=schema(side),
        )
    sa.Table(
        SYNC,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        # Per side, the last change applied: (txid, seq) in the change log's order.
        sa.Column("fo_txid", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("fo_seq", sa.Integer, nullable=False, default=0),
        sa.Column("dv_txid", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("dv_seq", sa.Integer, nullable=False, default=0),
        sa.Column("paused", sa.Boolean, nullable=False, default=False),
        # A fingerprint of the tables and triggers last set up: a build that needs others
        # sets them up again; every other command leaves them alone (no DDL, no locks).
        sa.Column("setup", sa.String, nullable=True),
    )
    sa.Table(
        ERRORS,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("side", sa.String, nullable=False),  # where the change came from: fo or dv
        sa.Column("tbl", sa.String, nullable=False),
        sa.Column("row_key", sa.Text, nullable=False),
        # The source row's _id where it was read: two rows without a key never share an entry.
        sa.Column("row_id", sa.Integer, nullable=True),
        # "failed", or "superseded": a change held back because the other side changed the
        # same row later; resolved (a recorded conflict) once that later change is applied.
        sa.Column("kind", sa.String, nullable=False, server_default="failed"),
        sa.Column("template", sa.String, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False, default=False),
    )
    return Tables(metadata, by_side)
