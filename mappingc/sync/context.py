"""What every step of the sync shares: both stores, the templates on each table, the mapping of
a row, the writes, the error queue and the change logs, and the transaction a batch runs in.

The initial sync, the live sync, the set-based runs and the one-by-one path each take it; none
of them reaches into another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from mappingc.sides import Side
from mappingc.sync.changelog import ChangeLog
from mappingc.sync.errors import ErrorQueue
from mappingc.sync.mapping import Mapper
from mappingc.sync.spec import TemplateSpec
from mappingc.sync.stores import Stores
from mappingc.sync.writes import RowWriter


class SyncContext:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.specs = stores.specs
        self.mapper = Mapper(stores)
        self.rows = RowWriter(stores, self.mapper)
        self.errors = ErrorQueue(stores)
        self.log = ChangeLog(stores)
        # Per side, the templates whose rows live in each table (several can share one).
        self.by_table: dict[Side, dict[str, list[TemplateSpec]]] = {side: {} for side in Side}
        for spec in self.specs:
            for side, tables in self.by_table.items():
                tables.setdefault(spec.table_name(side), []).append(spec)

    def on_table(self, side: Side, table: str) -> list[TemplateSpec]:
        """The templates whose rows of `side` live in `table`."""
        return self.by_table[side].get(table, [])

    @contextmanager
    def batch(self) -> Iterator[Connection]:
        """A transaction over both stores, forgetting what was cached of the previous one."""
        self.errors.forget()
        with self.stores.transaction() as conn:
            yield conn
