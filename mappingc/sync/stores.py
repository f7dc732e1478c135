"""Both sides of a sync behind one connection, so that one transaction spans them.

With SQLite (the default) the FO file is attached to the Dataverse file's connection; with
PostgreSQL the FO tables are schema `fo` of the same database (see mappingc.sync.backends). Every
sync batch is therefore all-or-nothing on both sides, and the sync cursors commit with it.

Change capture is a log table per side filled by triggers. A trigger logs only while the side's
`applying` flag is 0; the sync sets it to 1 inside its own transaction, so its writes never come
back as changes (loop prevention), while other writers are logged as usual.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable

from mappingc.sides import Side
from mappingc.sync.backends import backend_for, store_url
from mappingc.sync.spec import SyncSetupError, TemplateSpec
from mappingc.sync.tables import STATE, SYNC, build_tables


class Stores:
    """The FO and Dataverse stores of one sync, with their tables and change logs."""

    def __init__(self, fo_location: str, dv_location: str, specs: list[TemplateSpec]) -> None:
        self.specs = specs
        self.backend = backend_for(store_url(fo_location), store_url(dv_location))
        self.engine: Engine = self.backend.engine()
        self.schema = build_tables(specs)
        self.metadata = self.schema.metadata
        self.fo_tables = self.schema.by_side[Side.FINANCE_OPERATIONS]
        self.dv_tables = self.schema.by_side[Side.DATAVERSE]
        self._fingerprint: str | None = None
        self._key_columns: dict[tuple[Side, str], list[str]] = {}

    def table(self, name: str, side: Side = Side.DATAVERSE) -> sa.Table:
        return self.schema.table(name, side)

    def tables(self, side: Side) -> dict[str, sa.Table]:
        return self.schema.by_side[side]

    def table_of(self, spec: TemplateSpec, side: Side) -> sa.Table:
        """The table that holds `spec`'s rows on `side`."""
        return self.tables(side)[spec.table_name(side)]

    def changes(self, side: Side) -> sa.Table:
        """The change log of `side`."""
        return self.schema.changes(side)

    def key_columns(self, side: Side, table: str) -> list[str]:
        """Every column any template matches rows of `table` by (logged with each change);
        worked out once per table, as the live sync asks it of every change."""
        if (side, table) not in self._key_columns:
            found: list[str] = []
            for spec in self.specs:
                if spec.table_name(side) == table:
                    for column in spec.match(side):
                        if column not in found:
                            found.append(column)
            self._key_columns[side, table] = found
        return self._key_columns[side, table]

    def trigger_statements(self) -> list[str]:
        statements = []
        for side in Side:
            database_schema = "fo" if side is Side.FINANCE_OPERATIONS else "main"
            for name in self.tables(side):
                keys = self.key_columns(side, name)
                statements.extend(self.backend.triggers(database_schema, name, keys))
        return statements

    def fingerprint(self) -> str:
        """What `set_up` makes of the stores, as a hash: tables, indexes and triggers."""
        if self._fingerprint is None:
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        dialect = self.engine.dialect
        parts = []
        for table in sorted(self.metadata.tables.values(), key=lambda t: t.fullname):
            parts.append(str(CreateTable(table).compile(dialect=dialect)))
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                parts.append(str(CreateIndex(index).compile(dialect=dialect)))
        parts.extend(self.trigger_statements())
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    def setup_state(self, connection: Connection) -> str:
        """ "missing" (never set up), "current" (set up for these templates) or "outdated"."""
        if not sa.inspect(connection).has_table(SYNC):
            return "missing"
        sync = self.table(SYNC)
        columns = {c["name"] for c in sa.inspect(connection).get_columns(SYNC)}
        if "setup" not in columns:
            return "outdated"
        found = connection.execute(sa.select(sync.c.setup)).scalar()
        return "current" if found == self.fingerprint() else "outdated"

    def set_up(self) -> bool:
        """Create what is missing (tables, columns, indexes, change logs, triggers) unless the
        stores are set up for these templates already; True when something was done.

        Setting up takes exclusive locks on PostgreSQL (DROP/CREATE TRIGGER), so it runs once
        per change of the templates, never on a command that only reads.
        """
        with self.engine.begin() as connection:
            if self.setup_state(connection) == "current":
                return False
            self.backend.prepare(connection)
            inspector = sa.inspect(connection)
            existing = {
                (schema, name)
                for schema in ("fo", None)
                for name in inspector.get_table_names(schema=schema)
            }
            self.metadata.create_all(connection)
            # Tables that were there before (a user's, or an older build's): what they lack.
            before = [t for t in self.metadata.tables.values() if (t.schema, t.name) in existing]
            self._add_missing_columns(connection, before)
            self._create_key_indexes(connection, before)
            for side in Side:
                state = self.table(STATE, side)
                if connection.execute(sa.select(state.c.id)).first() is None:
                    connection.execute(state.insert().values(id=1, applying=0))
            sync = self.table(SYNC)
            if connection.execute(sa.select(sync.c.id)).first() is None:
                connection.execute(sync.insert().values(id=1, fo_seq=0, dv_seq=0, paused=False))
            for statement in self.trigger_statements():
                connection.exec_driver_sql(statement)
            connection.execute(sync.update().values(setup=self.fingerprint()))
        return True

    def _add_missing_columns(self, connection: Connection, tables: list[sa.Table]) -> None:
        """Columns a newer build or mappingc added to a table that exists already."""
        inspector = sa.inspect(connection)
        preparer = connection.dialect.identifier_preparer
        for table in tables:
            present = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
            for column in table.columns:
                if column.name not in present:
                    definition = CreateColumn(column).compile(dialect=connection.dialect)
                    connection.exec_driver_sql(
                        f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {definition}"
                    )

    def _create_key_indexes(self, connection: Connection, tables: list[sa.Table]) -> None:
        """The unique index of every integration key, on tables that existed before it did."""
        for table in tables:
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                if not index.unique:
                    continue
                try:
                    with connection.begin_nested():
                        index.create(connection, checkfirst=True)
                except sa.exc.IntegrityError:
                    columns = ", ".join(c.name for c in index.columns)
                    raise SyncSetupError(
                        f"table {table.fullname} has rows that share an integration key "
                        f"({columns}); the sync enforces the key, so remove the duplicates "
                        "first"
                    ) from None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction over both stores, with change capture off for what it writes."""
        with self.engine.begin() as connection:
            for side in Side:
                connection.execute(self.table(STATE, side).update().values(applying=1))
            yield connection
            for side in Side:
                connection.execute(self.table(STATE, side).update().values(applying=0))

    def dispose(self) -> None:
        self.engine.dispose()
