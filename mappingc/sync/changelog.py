"""Reading the change logs in an order no concurrent writer can overtake.

Each side's triggers log a change with a sequence number and, on PostgreSQL, the writing
transaction's id. A sequence number is taken when the row is written, not when its transaction
commits: T1 can log seq 1, T2 seq 2 and commit first. A reader that moved its cursor past 2
would never see 1. So the log is read in (txid, seq) order and only as far as changes are
final (`Backend.final`): written by transactions older than any still running, which no later
commit can precede. SQLite serializes writers; there txid is 0 and the order is seq's.

A cursor is a `Position`: the last change applied, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.sides import Side
from mappingc.sync.changes import Change
from mappingc.sync.stores import Stores
from mappingc.sync.tables import SYNC

# The cursor columns of each side in the sync state.
_CURSOR = {
    Side.FINANCE_OPERATIONS: ("fo_txid", "fo_seq"),
    Side.DATAVERSE: ("dv_txid", "dv_seq"),
}


class Position(NamedTuple):
    txid: int
    seq: int


START = Position(0, 0)


class ChangeLog:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.state = stores.table(SYNC)

    def cursor(self, state: Any, side: Side) -> Position:
        """The last change of `side` applied, from a row of the sync state."""
        txid, seq = _CURSOR[side]
        return Position(int(state[txid]), int(state[seq]))

    def cursor_values(self, side: Side, position: Position) -> dict[str, int]:
        """The sync-state columns that store `position` as `side`'s cursor."""
        txid, seq = _CURSOR[side]
        return {txid: position.txid, seq: position.seq}

    def move_cursors(self, conn: Connection, positions: Mapping[Side, Position]) -> None:
        values: dict[str, int] = {}
        for side, position in positions.items():
            values.update(self.cursor_values(side, position))
        conn.execute(self.state.update().values(**values))

    def _after(self, side: Side, position: Position) -> list[Any]:
        changes = self.stores.changes(side)
        return [
            self.stores.backend.final(changes),
            sa.tuple_(changes.c.txid, changes.c.seq) > sa.tuple_(*position),
        ]

    def pending(self, conn: Connection, side: Side, after: Position, limit: int) -> list[Change]:
        """Up to `limit` final changes of `side` after `after`, oldest first."""
        changes = self.stores.changes(side)
        query = (
            sa.select(changes)
            .where(*self._after(side, after))
            .order_by(changes.c.txid, changes.c.seq)
            .limit(limit)
        )
        # Read on the driver's own cursor: SQLAlchemy's rows cost more than SQLite's reading
        # here (most of a live sync's time). The bounds are integers of the sync's own state.
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
            return [Change.logged(side, dict(zip(names, row, strict=True))) for row in rows]
        finally:
            cursor.close()

    def count_pending(self, conn: Connection, side: Side, after: Position) -> int:
        """Changes of `side` after `after`, final or still to become so."""
        changes = self.stores.changes(side)
        condition = sa.tuple_(changes.c.txid, changes.c.seq) > sa.tuple_(*after)
        query = sa.select(sa.func.count()).select_from(changes).where(condition)
        return int(conn.execute(query).scalar_one())

    def frontier(self, conn: Connection, side: Side) -> Position:
        """The newest final change of `side`: what the stores already held when it was read.
        Everything after it (logged since, or by transactions still running) is still to come."""
        changes = self.stores.changes(side)
        query = (
            sa.select(changes.c.txid, changes.c.seq)
            .where(self.stores.backend.final(changes))
            .order_by(changes.c.txid.desc(), changes.c.seq.desc())
            .limit(1)
        )
        found = conn.execute(query).first()
        return START if found is None else Position(int(found[0]), int(found[1]))

    def changed_since(
        self, conn: Connection, side: Side, after: Position, since: float
    ) -> list[tuple[str, str, float]]:
        """(table, key JSON, when) of every change of `side` after `after` that happened later
        than `since`: the edits that may supersede changes of the other side, read once per
        batch instead of one query per change."""
        changes = self.stores.changes(side)
        condition = sa.tuple_(changes.c.txid, changes.c.seq) > sa.tuple_(*after)
        query = sa.select(changes.c.tbl, changes.c.row_key, changes.c.at).where(
            condition, changes.c.at > since
        )
        return [(str(t), str(k), float(a)) for t, k, a in conn.execute(query)]
