"""The live sync: the changes logged on both sides since the last run, in the order made.

A batch is one transaction over both stores, with the cursors into both change logs: applied
whole or not at all, and a process killed mid-batch replays exactly that batch. Each side's
changes are read in log order and interleaved by when they happened. Runs of changes the
database can apply set-based go to mappingc.sync.planned_changes; every other change is applied
one by one (`SyncEngine.apply`), in order between the runs.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mappingc.sides import Side
from mappingc.sync.changelog import Position
from mappingc.sync.conflicts import LaterEdits
from mappingc.sync.errors import REFUSED
from mappingc.sync.planned_changes import parsed
from mappingc.sync.summary import Summary
from mappingc.sync.tables import SYNC

if TYPE_CHECKING:
    from mappingc.sync.engine import SyncEngine

Fault = Callable[[int], None]  # called after each change taken; raising simulates a crash
# Changes per transaction. Most are applied set-based (in runs), where a commit costs as much as
# a thousand changes.
LIVE_BATCH = 10_000


class LiveSync:
    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine

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
        self.engine.careful = careful
        with self.engine.batch() as conn:
            state = conn.execute(sa.select(self.engine.stores.table(SYNC))).mappings().one()
            if state["paused"]:
                summary.paused = True
                return summary
            cursors = {side: self.engine.log.cursor(state, side) for side in Side}
            # Each side's changes in log order, interleaved by when they happened: a merge
            # keeps each side's own order, so its cursor only moves forward.
            by_side = [
                self.engine.log.pending(conn, side, cursors[side], batch_size) for side in Side
            ]
            if all(by_side):
                merged = heapq.merge(*by_side, key=lambda c: (c["at"], c["side"] is Side.DATAVERSE))
                pending = list(itertools.islice(merged, batch_size))
            else:  # one side only, as after a load: nothing to interleave
                pending = by_side[0] or by_side[1]
            if not pending:
                return summary
            # Per side, its changes after the earliest change of the other side in this batch:
            # those may supersede a change of the batch (none read when there is none).
            later = {}
            for editor in Side:
                times = [c["at"] for c in pending if c["side"] is editor.other]
                found = (
                    self.engine.log.changed_since(conn, editor, cursors[editor], min(times))
                    if times
                    else []
                )
                later[editor] = LaterEdits(found)
            # Runs of changes the database can apply set-based (mappingc.sync.planned_changes),
            # each other change one by one between them: their order is kept.
            runs = (
                self.engine.set_based
                and not careful
                and not self.engine.errors.holds_back_any(conn)
            )
            run: list[dict[str, Any]] = []
            in_run: set[tuple[Side, str]] = set()  # the tables the run holds changes of
            for count, logged in enumerate(pending, start=1):
                change = parsed(logged)
                side: Side = change["side"]
                if runs and self.engine.planned.takes(
                    conn, change, later[side.other], change["at"]
                ):
                    table = (side, change["tbl"])
                    if table not in in_run:
                        if any(self.engine.planned.depend(table, other) for other in in_run):
                            self.engine.planned.apply(conn, run, summary)
                            run, in_run = [], set()
                        in_run.add(table)
                    run.append(change)
                else:
                    if run:
                        self.engine.planned.apply(conn, run, summary)
                        run, in_run = [], set()
                    self.engine.apply(
                        conn,
                        side,
                        change["tbl"],
                        change["op"],
                        change["key"],
                        summary,
                        row_id=change["row_id"],
                        later=later[side.other],
                        at=change["at"],
                    )
                    # A change held back is settled by a later one, row by row from here on.
                    runs = runs and not summary.held_back
                cursors[side] = Position(change["txid"], change["seq"])
                summary.changes += 1
                if fault is not None:
                    fault(count)
            if run:
                self.engine.planned.apply(conn, run, summary)
            self.engine.log.move_cursors(conn, cursors)
        return summary
