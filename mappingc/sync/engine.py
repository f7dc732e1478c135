"""Initial and live sync between the two stores, through the generated mapping functions: the
entry point the command line and the tests drive.

Every batch is one transaction over both stores, and the cursors into both change logs are
written in that same transaction: a batch is applied completely or not at all, and a process
killed mid-batch replays exactly that batch on restart. A row that cannot be applied (wrong type,
value outside its map, missing lookup target, no key) goes to the error queue; it does not stop
the batch, and it never leaves half a row behind, because each row is one write and every row
error is raised before it.

The work is done by mappingc.sync.initial, mappingc.sync.live (with the set-based runs of
mappingc.sync.planned_changes) and mappingc.sync.apply (one change), on the parts they share
(mappingc.sync.context).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mappingc.sides import Direction, Side
from mappingc.sync.apply import ChangeApplier
from mappingc.sync.changes import ErrorEntry
from mappingc.sync.context import SyncContext
from mappingc.sync.initial import InitialSync, Progress
from mappingc.sync.live import LIVE_BATCH, Fault, LiveSync
from mappingc.sync.planned_changes import PlannedChanges
from mappingc.sync.stores import Stores
from mappingc.sync.summary import Summary
from mappingc.sync.tables import SYNC

__all__ = ["Progress", "Status", "SyncEngine"]


@dataclass(frozen=True)
class Status:
    """Where the sync stands (`sync status`)."""

    paused: bool
    pending: dict[Side, int]  # changes logged and not yet applied, per side
    errors: list[ErrorEntry]  # the open entries of the error queue, oldest first
    conflicts: int  # changes dropped because the other side's later edit won


class SyncEngine:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.specs = stores.specs
        self.context = SyncContext(stores)
        self.applier = ChangeApplier(self.context)
        self.planned = PlannedChanges(self.context, self.applier)
        self.set_based = True  # False: every change one by one (to compare, in tests)
        self.skipped: dict[str, str] = {}  # templates of the build left out, with the reason

    def initial(
        self,
        direction: Direction,
        batch_size: int | None = None,
        progress: Progress | None = None,
        *,
        plans: bool = True,
    ) -> Summary:
        """Push every row of one side to the other (see mappingc.sync.initial); `plans` False
        maps every row with the row functions, even where the database could."""
        return InitialSync(self.context, plans).run(direction, batch_size, progress)

    def rows_to_push(self, direction: Direction) -> int:
        return InitialSync(self.context).rows_to_push(direction)

    def live(self, batch_size: int = LIVE_BATCH, fault: Fault | None = None) -> Summary:
        """Apply every change logged on either side since the last run, in the order made
        (see mappingc.sync.live)."""
        planned = self.planned if self.set_based else None
        return LiveSync(self.context, self.applier, planned).run(batch_size, fault)

    def retry(self) -> Summary:
        """Apply again every row in the error queue, as the rows are now. An entry is resolved
        only when its row went through (or is gone and never had a key to sync)."""
        summary = Summary()
        with self.context.batch() as conn:
            for entry in self.context.errors.entries(conn):
                self.applier.retry(conn, entry, summary)
        return summary

    def set_paused(self, paused: bool) -> None:
        with self.context.batch() as conn:
            conn.execute(self.stores.table(SYNC).update().values(paused=paused))

    def status(self) -> Status:
        """Read only: no write, no lock beyond a reader's, so it never waits behind a writer."""
        log, errors = self.context.log, self.context.errors
        with self.stores.engine.connect() as conn:
            state = conn.execute(sa.select(self.stores.table(SYNC))).mappings().one()
            return Status(
                paused=bool(state["paused"]),
                pending={
                    side: log.count_pending(conn, side, log.cursor(state, side)) for side in Side
                },
                errors=errors.entries(conn),
                conflicts=errors.conflicts(conn),
            )
