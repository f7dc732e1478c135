"""The error queue: rows that could not be applied, with the reason, until a retry applies them.

A failing row never stops its batch. Its entry is keyed by where the change came from (side,
table, key), so the same row failing again updates one entry instead of adding another.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.sides import Side
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ERRORS


class RowError(Exception):
    """This row cannot be applied; the reason goes to the error queue."""


def key_text(key: Mapping[str, Any]) -> str:
    """A row key as the queue and the change logs keep it: JSON with sorted names."""
    return json.dumps(dict(sorted(key.items())), default=str, ensure_ascii=False)


class ErrorQueue:
    def __init__(self, stores: Stores) -> None:
        self.table = stores.table(ERRORS)
        self._open: bool | None = None

    def forget(self) -> None:
        """Start a new transaction: whether the queue has open entries is asked again."""
        self._open = None

    def is_open(self, conn: Connection) -> bool:
        """Whether the queue has open entries: asked once per transaction, it saves a write per
        synced row when the queue is empty, as it usually is."""
        if self._open is None:
            query = sa.select(self.table.c.id).where(self.table.c.resolved.is_(False)).limit(1)
            self._open = conn.execute(query).first() is not None
        return self._open

    def record(
        self, conn: Connection, side: Side, table: str, key: Mapping[str, Any], reason: str
    ) -> None:
        self._open = True
        errors = self.table
        row_key = key_text(key)
        where = (
            errors.c.side == side.short,
            errors.c.tbl == table,
            errors.c.row_key == row_key,
            errors.c.resolved.is_(False),
        )
        now = time.time()
        updated = conn.execute(errors.update().where(*where).values(reason=reason, at=now))
        if not updated.rowcount:
            conn.execute(
                errors.insert().values(
                    side=side.short,
                    tbl=table,
                    row_key=row_key,
                    reason=reason,
                    at=now,
                    resolved=False,
                )
            )

    def resolve(self, conn: Connection, side: Side, table: str, key: Mapping[str, Any]) -> None:
        """The row went through: its entry, if any, is resolved."""
        if not self.is_open(conn):
            return
        errors = self.table
        conn.execute(
            errors.update()
            .where(
                errors.c.side == side.short,
                errors.c.tbl == table,
                errors.c.row_key == key_text(key),
            )
            .values(resolved=True)
        )

    def entries(self, conn: Connection) -> list[dict[str, Any]]:
        """The open entries, oldest first."""
        query = sa.select(self.table).where(self.table.c.resolved.is_(False))
        return [dict(e) for e in conn.execute(query.order_by(self.table.c.id)).mappings()]
