"""The initial sync: every row of one side pushed to the other, lookup targets first, one
transaction per batch, written with executemany.

Where the change logs stood when it started is where the live sync goes on from: a change made
while it ran may or may not be in what it read, so it is applied again (applying a change reads
the row as it is now, so twice is harmless; never is not).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sides import Direction, Side
from mappingc.sync.context import SyncContext
from mappingc.sync.errors import REFUSED, RowError, refusal
from mappingc.sync.planned import PlannedBatches, batch_bounds, planned_batches
from mappingc.sync.spec import TemplateSpec, ordered_templates
from mappingc.sync.summary import Summary
from mappingc.sync.tables import ROW_ID, SYNC

Progress = Callable[[str, int], None]  # (template, rows just done)

DEFAULT_BATCH = 1000  # dual-write's limit per transaction, FO → Dataverse
# Where the database maps a batch (a plan), a transaction costs more than its rows do: 1,000
# rows a commit runs at a third of the speed. Asked for, 1,000 it is.
PLANNED_BATCH = 100_000


class InitialSync:
    def __init__(self, context: SyncContext, plans: bool = True) -> None:
        self.context = context
        self.plans = plans  # False: every row through the row functions (for comparison)

    def run(
        self,
        direction: Direction,
        batch_size: int | None = None,
        progress: Progress | None = None,
    ) -> Summary:
        """Push every row of one side to the other: lookup targets first, a batch a transaction
        (`batch_size` rows, by default DEFAULT_BATCH row by row and PLANNED_BATCH planned).

        Where the change logs stood when it started is where the live sync goes on from: a
        change made while it ran may or may not be in what it read, so it is applied again
        (applying a change reads the row as it is now, so twice is harmless; never is not).
        """
        summary = Summary()
        side = direction.source
        with self.context.stores.engine.connect() as conn:
            started = {s: self.context.log.frontier(conn, s) for s in Side}
        for spec in ordered_templates(self.context.specs):
            planned = planned_batches(self.context.stores, spec, side) if self.plans else None
            if planned is not None:
                size = batch_size or PLANNED_BATCH
                self._run_planned(spec, side, planned, size, summary, progress)
                continue
            table = self.context.stores.table_of(spec, side)
            last = 0
            while True:
                with self.context.batch() as conn:
                    rows = (
                        conn.execute(
                            sa.select(table)
                            .where(table.c[ROW_ID] > last)
                            .order_by(table.c[ROW_ID])
                            .limit(batch_size or DEFAULT_BATCH)
                        )
                        .mappings()
                        .all()
                    )
                    self._batch(conn, side, spec, [dict(r) for r in rows], summary)
                if not rows:
                    break
                last = rows[-1][ROW_ID]
                if progress:
                    progress(spec.name, len(rows))
        with self.context.batch() as conn:
            state = conn.execute(sa.select(self.context.stores.table(SYNC))).mappings().one()
            cursors = {s: max(self.context.log.cursor(state, s), started[s]) for s in Side}
            self.context.log.move_cursors(conn, cursors)
        return summary

    def _run_planned(
        self,
        spec: TemplateSpec,
        side: Side,
        planned: PlannedBatches,
        batch_size: int,
        summary: Summary,
        progress: Progress | None,
    ) -> None:
        """A batch a transaction, mapped and written by the database (mappingc.sync.planned);
        the rows the plan leaves out go row by row, in the same transaction."""
        table = self.context.stores.table_of(spec, side)
        last = 0
        while True:
            with self.context.batch() as conn:
                count, high = batch_bounds(conn, table, last, batch_size)
                if high is None:
                    return
                upsert, left_out = planned.statements(last, high)
                rows_left: sa.ColumnElement[bool] | None
                try:
                    with conn.begin_nested():
                        written = conn.exec_driver_sql(upsert).rowcount
                    if written:
                        summary.written[spec.name] += written
                    if (filtered := planned.filtered(last, high)) is not None:
                        skipped = int(conn.exec_driver_sql(filtered).scalar_one())
                        if skipped:
                            summary.skipped[spec.name] += skipped
                    # Each row written once: then none was left out (the common case).
                    ids = [] if written == count else [r[0] for r in conn.exec_driver_sql(left_out)]
                    rows_left = table.c[ROW_ID].in_(ids) if ids else None
                except REFUSED:  # a constraint the plan knows nothing of: all row by row
                    rows_left = sa.true()
                if rows_left is not None:
                    rows = conn.execute(
                        sa.select(table)
                        .where(table.c[ROW_ID] > last, table.c[ROW_ID] <= high, rows_left)
                        .order_by(table.c[ROW_ID])
                    )
                    self._batch(conn, side, spec, [dict(r) for r in rows.mappings()], summary)
            last = high
            if progress:
                progress(spec.name, count)

    def rows_to_push(self, direction: Direction) -> int:
        """How many source rows an initial sync in `direction` reads, for a progress bar."""
        total = 0
        with self.context.stores.engine.connect() as conn:
            for spec in self.context.specs:
                table = self.context.stores.table_of(spec, direction.source)
                total += int(
                    conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                )
        return total

    def _batch(
        self,
        conn: Connection,
        side: Side,
        spec: TemplateSpec,
        rows: list[dict[str, Any]],
        summary: Summary,
    ) -> None:
        """Map a batch row by row (row errors to the queue), then write it with executemany;
        if the database refuses that, row by row, so that only the refused rows are queued."""
        target_match = spec.match(side.other)
        target = self.context.stores.table_of(spec, side.other)
        # The last source row for a key wins, as it does when the live sync applies both.
        by_key: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
        for row in rows:
            try:
                values = self.context.mapper.values(conn, spec, side, row)
                if values is None:
                    summary.skipped[spec.name] += 1
                    continue
                key = tuple(values.get(c) for c in target_match)
                if any(v is None for v in key):
                    raise RowError(
                        f"{spec.name}: no value for integration key {', '.join(target_match)}"
                    )
                by_key[key] = ({k: v for k, v in values.items() if k in target.c}, row)
            except (RowError, MappingError) as error:
                self._failed(conn, side, spec, row, str(error), summary)
        if not by_key:
            return
        try:
            with conn.begin_nested():
                self.context.rows.write_batch(conn, target, target_match, list(by_key.items()))
            summary.written[spec.name] += len(by_key)
        except REFUSED:
            for key, (values, row) in by_key.items():
                try:
                    with conn.begin_nested():
                        self.context.rows.write_batch(
                            conn, target, target_match, [(key, (values, row))]
                        )
                    summary.written[spec.name] += 1
                except REFUSED as error:
                    reason = f"{spec.name}: the database refused the row: {refusal(error)}"
                    self._failed(conn, side, spec, row, reason, summary)

    def _failed(
        self,
        conn: Connection,
        side: Side,
        spec: TemplateSpec,
        row: Mapping[str, Any],
        reason: str,
        summary: Summary,
    ) -> None:
        summary.failed[spec.name] += 1
        message = reason if reason.startswith(f"{spec.name}:") else f"{spec.name}: {reason}"
        key = {c: row.get(c) for c in self.context.stores.key_columns(side, spec.table_name(side))}
        self.context.errors.record(
            conn, side, spec.table_name(side), key, message, row_id=row.get(ROW_ID)
        )
