"""Both sides of a sync behind one connection, so that one transaction spans them.

With SQLite (the default) the FO file is attached to the Dataverse file's connection; with
PostgreSQL the FO tables are schema `fo` of the same database (see mappingc.sync.backends). Every
sync batch is therefore all-or-nothing on both sides, and the sync cursors commit with it.

Change capture is a log table per side filled by triggers. A trigger logs only while the side's
`applying` flag is 0; the sync sets it to 1 inside its own transaction, so its writes never come
back as changes (loop prevention), while other writers are logged as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mappingc.sides import Side
from mappingc.sync.backends import backend_for, store_url
from mappingc.sync.spec import TemplateSpec
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
        """Every column any template matches rows of `table` by (logged with each change)."""
        found: list[str] = []
        for spec in self.specs:
            if spec.table_name(side) == table:
                for column in spec.match(side):
                    if column not in found:
                        found.append(column)
        return found

    def create(self) -> None:
        """Create missing tables, change logs and triggers; safe to run again."""
        with self.engine.begin() as connection:
            self.backend.prepare(connection)
            self.metadata.create_all(connection)
            for side in Side:
                state = self.table(STATE, side)
                if connection.execute(sa.select(state.c.id)).first() is None:
                    connection.execute(state.insert().values(id=1, applying=0))
            sync = self.table(SYNC)
            if connection.execute(sa.select(sync.c.id)).first() is None:
                connection.execute(sync.insert().values(id=1, fo_seq=0, dv_seq=0, paused=False))
            for side in Side:
                database_schema = "fo" if side is Side.FINANCE_OPERATIONS else "main"
                for name in self.tables(side):
                    keys = self.key_columns(side, name)
                    for statement in self.backend.triggers(database_schema, name, keys):
                        connection.exec_driver_sql(statement)

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
