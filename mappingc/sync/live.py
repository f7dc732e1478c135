"""The live sync: the changes logged on both sides since the last run, in the order made.

A batch is one transaction over both stores, with the cursors into both change logs: applied
whole or not at all, and a process killed mid-batch replays exactly that batch. Each side's
changes are read in log order and interleaved by when they happened. Runs of changes the
database can apply set-based go to mappingc.sync.planned_changes; every other change is applied
one by one (mappingc.sync.apply), in order between the runs.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

import sqlalchemy as sa

from mappingc.sides import Side
from mappingc.sync.apply import ChangeApplier
from mappingc.sync.changelog import Position
from mappingc.sync.changes import Change
from mappingc.sync.conflicts import LaterEdits
from mappingc.sync.context import SyncContext
from mappingc.sync.errors import REFUSED
from mappingc.sync.planned_changes import PlannedChanges
from mappingc.sync.summary import Summary
from mappingc.sync.tables import SYNC

Fault = Callable[[int], None]  # called after each change taken; raising simulates a crash
# Changes per transaction. Most are applied set-based (in runs), where a commit costs as much as
# a thousand changes.
LIVE_BATCH = 10_000


class LiveSync:
    """`planned` None: every change one by one (to compare, in tests)."""

    def __init__(
        self, context: SyncContext, applier: ChangeApplier, planned: PlannedChanges | None
    ) -> None:
        self.context = context
        self.applier = applier
        self.planned = planned

    def run(self, batch_size: int = LIVE_BATCH, fault: Fault | None = None) -> Summary:
        """Apply every change logged on either side since the last run, in the order made.

        A batch runs without a savepoint per row (they halve the speed); if the database
        refuses a row, the batch is rolled back and run again with one, so that only that row
        goes to the error queue.
        """
        summary = Summary()
        while True:
            try:
                done = self._batch(batch_size, fault, careful=False)
            except REFUSED:
                done = self._batch(batch_size, fault, careful=True)
            summary.add(done)
            if done.paused or not done.changes:
                return summary

    def _batch(self, batch_size: int, fault: Fault | None, *, careful: bool) -> Summary:
        summary = Summary()
        log = self.context.log
        with self.context.batch() as conn:
            state = conn.execute(sa.select(self.context.stores.table(SYNC))).mappings().one()
            if state["paused"]:
                summary.paused = True
                return summary
            cursors = {side: log.cursor(state, side) for side in Side}
            # Each side's changes in log order, interleaved by when they happened: a merge
            # keeps each side's own order, so its cursor only moves forward.
            by_side = [log.pending(conn, side, cursors[side], batch_size) for side in Side]
            pending: list[Change]
            if all(by_side):
                merged = heapq.merge(*by_side, key=lambda c: (c.at, c.side is Side.DATAVERSE))
                pending = list(itertools.islice(merged, batch_size))
            else:  # one side only, as after a load: nothing to interleave
                pending = by_side[0] or by_side[1]
            if not pending:
                return summary
            # Per side, its changes after the earliest change of the other side in this batch:
            # those may supersede a change of the batch (none read when there is none).
            later = {}
            for editor in Side:
                times = [c.at for c in pending if c.side is editor.other]
                found = (
                    log.changed_since(conn, editor, cursors[editor], min(times)) if times else []
                )
                later[editor] = LaterEdits(found)
            # Runs of changes the database can apply set-based (mappingc.sync.planned_changes),
            # each other change one by one between them: their order is kept.
            planned = self.planned
            runs = (
                planned is not None and not careful and not self.context.errors.holds_back_any(conn)
            )
            run: list[Change] = []
            in_run: set[tuple[Side, str]] = set()  # the tables the run holds changes of
            for count, change in enumerate(pending, start=1):
                side = change.side
                if runs and planned is not None and planned.takes(conn, change, later[side.other]):
                    table = (side, change.table)
                    if table not in in_run:
                        if any(planned.depend(table, other) for other in in_run):
                            planned.apply(conn, run, summary, careful=careful)
                            run, in_run = [], set()
                        in_run.add(table)
                    run.append(change)
                else:
                    if run and planned is not None:
                        planned.apply(conn, run, summary, careful=careful)
                        run, in_run = [], set()
                    self.applier.apply(
                        conn, change, summary, careful=careful, later=later[side.other]
                    )
                    # A change held back is settled by a later one, row by row from here on.
                    runs = runs and not summary.held_back
                cursors[side] = Position(change.txid, change.seq)
                summary.changes += 1
                if fault is not None:
                    fault(count)
            if run and planned is not None:
                planned.apply(conn, run, summary, careful=careful)
            log.move_cursors(conn, cursors)
        return summary
