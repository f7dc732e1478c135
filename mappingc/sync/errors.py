"""The error queue: rows that could not be applied, with the reason, until a retry applies them.

A failing row never stops its batch. Its entry is keyed by where the change came from (side,
table, key, or the row's _id where the key is incomplete), so the same row failing again updates
one entry instead of adding another, and two rows never share one.

The queue also holds changes held back by a conflict (kind "superseded"): the other side changed
the same row later. Once that later change is applied, the held-back one is resolved and stays
as the record of the conflict; if it fails, the held-back change stays open for `sync retry`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.sides import Side
from mappingc.sync.changes import ErrorEntry, ErrorKind
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ERRORS


class RowError(Exception):
    """This row cannot be applied; the reason goes to the error queue."""


# A row the database itself refuses (a constraint a DBA added, a value too long for a column):
# queued like a RowError, inside a savepoint so that the rest of the batch goes on.
REFUSED = (sa.exc.IntegrityError, sa.exc.DataError)


def refusal(error: sa.exc.DBAPIError) -> str:
    """The database's own message, without SQLAlchemy's statement and parameters."""
    return str(error.orig).strip().splitlines()[0] if error.orig else str(error)


def complete(key: Mapping[str, Any]) -> bool:
    """Whether every column of a row key has a value."""
    return bool(key) and all(value is not None for value in key.values())


def key_text(key: Mapping[str, Any]) -> str:
    """A row key as the queue and the change logs keep it: JSON with sorted names."""
    return json.dumps(dict(sorted(key.items())), default=str, ensure_ascii=False)


class ErrorQueue:
    def __init__(self, stores: Stores) -> None:
        self.table = stores.table(ERRORS)
        self._has_open: bool | None = None

    def forget(self) -> None:
        """Start a new transaction: whether the queue has open entries is asked again."""
        self._has_open = None

    def is_open(self, conn: Connection) -> bool:
        """Whether the queue has open entries: asked once per transaction, it saves a write per
        synced row when the queue is empty, as it usually is."""
        if self._has_open is None:
            query = sa.select(self.table.c.id).where(self.table.c.resolved.is_(False)).limit(1)
            self._has_open = conn.execute(query).first() is not None
        return self._has_open

    def _open(self, side: Side, table: str, kind: str) -> list[Any]:
        """SQL: the open entries of one kind for rows of `table` on `side`."""
        errors = self.table
        return [
            errors.c.side == side.short,
            errors.c.tbl == table,
            errors.c.kind == kind,
            errors.c.resolved.is_(False),
        ]

    def _entry(
        self, side: Side, table: str, key: Mapping[str, Any], row_id: int | None, kind: str
    ) -> list[Any]:
        """The open entry of one row: by its key, or by its _id where the key is incomplete
        (two rows without a key must never share an entry)."""
        if row_id is not None and not complete(key):
            return [*self._open(side, table, kind), self.table.c.row_id == row_id]
        return [*self._open(side, table, kind), self.table.c.row_key == key_text(key)]

    def record(
        self,
        conn: Connection,
        side: Side,
        table: str,
        key: Mapping[str, Any],
        reason: str,
        *,
        row_id: int | None = None,
        kind: ErrorKind = "failed",
        template: str | None = None,
    ) -> None:
        self._has_open = True
        errors = self.table
        values: dict[str, Any] = {"reason": reason, "at": time.time(), "template": template}
        if row_id is not None:  # an entry made by key keeps the _id it was first read with
            values["row_id"] = row_id
        where = self._entry(side, table, key, row_id, kind)
        if not conn.execute(errors.update().where(*where).values(**values)).rowcount:
            conn.execute(
                errors.insert().values(
                    side=side.short, tbl=table, row_key=key_text(key), kind=kind, **values
                )
            )

    def resolve(
        self, conn: Connection, side: Side, table: str, key: Mapping[str, Any], row_id: int | None
    ) -> None:
        """The row went through: its failed entry, if any, is resolved."""
        if not self.is_open(conn):
            return
        errors = self.table
        # By key, and by _id for an entry made while the row had no key; an incomplete key
        # says nothing of which row it was.
        same_row = errors.c.row_key == key_text(key) if complete(key) else sa.false()
        if row_id is not None:
            same_row = sa.or_(same_row, errors.c.row_id == row_id)
        where = [*self._open(side, table, "failed"), same_row]
        conn.execute(errors.update().where(*where).values(resolved=True))

    def holds_back_any(self, conn: Connection) -> bool:
        """Whether some change waits in the queue for a later one (rare: conflicts)."""
        if not self.is_open(conn):
            return False
        errors = self.table
        query = sa.select(errors.c.id).where(
            errors.c.kind == "superseded", errors.c.resolved.is_(False)
        )
        return conn.execute(query.limit(1)).first() is not None

    def resolve_entry(self, conn: Connection, entry_id: int) -> None:
        conn.execute(self.table.update().where(self.table.c.id == entry_id).values(resolved=True))

    def update_reason(self, conn: Connection, entry_id: int, reason: str) -> None:
        conn.execute(self.table.update().where(self.table.c.id == entry_id).values(reason=reason))

    def held_back(
        self, conn: Connection, side: Side, table: str, template: str
    ) -> list[ErrorEntry]:
        """The open superseded entries of one template's rows on `side` (rare: conflicts)."""
        if not self.is_open(conn):
            return []
        where = [*self._open(side, table, "superseded"), self.table.c.template == template]
        query = sa.select(self.table).where(*where)
        return [ErrorEntry.stored(dict(e)) for e in conn.execute(query).mappings()]

    def entries(self, conn: Connection) -> list[ErrorEntry]:
        """The open entries, oldest first."""
        query = sa.select(self.table).where(self.table.c.resolved.is_(False))
        found = conn.execute(query.order_by(self.table.c.id)).mappings()
        return [ErrorEntry.stored(dict(e)) for e in found]

    def conflicts(self, conn: Connection) -> int:
        """Changes dropped because the other side's later edit of the row was applied."""
        errors = self.table
        query = sa.select(sa.func.count()).where(
            errors.c.kind == "superseded", errors.c.resolved.is_(True)
        )
        return int(conn.execute(query).scalar_one())
