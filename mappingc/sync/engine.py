"""Initial and live sync between the two stores, through the generated mapping functions.

Every batch is one transaction over both stores, and the cursors into both change logs are
written in that same transaction: a batch is applied completely or not at all, and a process
killed mid-batch replays exactly that batch on restart. A row that cannot be applied (wrong type,
value outside its map, missing lookup target, no key) goes to the error queue; it does not stop
the batch, and it never leaves half a row behind, because each row is one write and every row
error is raised before it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sides import Direction, Side
from mappingc.sync.changelog import ChangeLog
from mappingc.sync.conflicts import LaterEdits
from mappingc.sync.errors import REFUSED, ErrorQueue, RowError, complete, refusal
from mappingc.sync.initial import InitialSync
from mappingc.sync.live import LIVE_BATCH, Fault, LiveSync
from mappingc.sync.mapping import Mapper
from mappingc.sync.planned_changes import PlannedChanges
from mappingc.sync.spec import TemplateSpec
from mappingc.sync.stores import Stores
from mappingc.sync.summary import Outcome, Summary
from mappingc.sync.tables import SYNC
from mappingc.sync.writes import RowWriter

Progress = Callable[[str, int], None]  # (template, rows just done)


class SyncEngine:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.specs = stores.specs
        self.mapper = Mapper(stores)
        self.rows = RowWriter(stores, self.mapper)
        self.errors = ErrorQueue(stores)
        self.log = ChangeLog(stores)
        self.planned = PlannedChanges(self)
        self.careful = True  # a savepoint per row; `live` runs a batch without one first
        self.set_based = True  # False: every change one by one (to compare, in tests)
        self.skipped: dict[str, str] = {}  # templates of the build left out, with the reason
        # Per side, the templates whose rows live in each table (several can share one).
        self.by_table: dict[Side, dict[str, list[TemplateSpec]]] = {side: {} for side in Side}
        for spec in self.specs:
            for side, tables in self.by_table.items():
                tables.setdefault(spec.table_name(side), []).append(spec)

    # ---------------------------------------------------------------- one change
    def apply(
        self,
        conn: Connection,
        side: Side,
        table_name: str,
        op: str,
        key: Mapping[str, Any],
        summary: Summary,
        *,
        row_id: int | None = None,
        later: LaterEdits | None = None,
        at: float = 0.0,
    ) -> bool:
        """Apply one logged change (or a retry) for every template on that table; True when
        it went through for all of them (its failed entry, if any, is then resolved).

        A change is held back when the other side changed the same row later, in a change
        still to come (`later` says which): applying it would overwrite that later edit.
        """
        outcomes = [
            self.apply_template(conn, spec, side, table_name, op, key, summary, row_id, later, at)
            for spec in self.by_table[side].get(table_name, [])
        ]
        went_through = "failed" not in outcomes
        if went_through:
            self.errors.resolve(conn, side, table_name, key, row_id)
        return went_through

    def apply_template(
        self,
        conn: Connection,
        spec: TemplateSpec,
        side: Side,
        table_name: str,
        op: str,
        key: Mapping[str, Any],
        summary: Summary,
        row_id: int | None,
        later: LaterEdits | None = None,
        at: float = 0.0,
    ) -> Outcome:
        """Apply one change for one template on its table, as `apply` does for each."""
        outcome: Outcome
        try:
            missing = [c for c in spec.match(side) if key.get(c) is None]
            if missing and op == "delete":
                return "unchanged"  # a row without a key never reached the other side
            if missing:
                # Never a delete: `WHERE key IS NULL` would remove rows nobody touched.
                raise RowError(
                    f"{spec.name}: no value for integration key {', '.join(missing)}; "
                    "nothing was written or deleted"
                )
            if later is not None and self._held_back(conn, spec, side, key, later, at):
                summary.held_back[spec.name] += 1
                return "held back"
            if self.careful:  # a row the database refuses must not end the batch
                with conn.begin_nested():
                    outcome = self._write(conn, spec, side, op, key)
            else:
                outcome = self._write(conn, spec, side, op, key)
        except (RowError, MappingError) as error:
            return self._failed(conn, spec, side, table_name, key, row_id, summary, str(error))
        except REFUSED as error:
            if not self.careful:
                raise  # the batch is run again, a savepoint a row (see `live`)
            reason = f"{spec.name}: the database refused the row: {refusal(error)}"
            return self._failed(conn, spec, side, table_name, key, row_id, summary, reason)
        getattr(summary, outcome)[spec.name] += 1
        self._settle_held_back(conn, spec, side, key, outcome, summary)
        return outcome

    def _write(
        self, conn: Connection, spec: TemplateSpec, side: Side, op: str, key: Mapping[str, Any]
    ) -> Outcome:
        source = self.stores.table_of(spec, side)
        row = None
        if op == "upsert":
            match = spec.match(side)
            parameters = {f"key_{c}": key.get(c) for c in match}
            row = conn.execute(self.rows.row_by_key(source, match), parameters).mappings().first()
        if row is None:  # deleted, or gone again since it was logged
            self.rows.delete_counterpart(conn, side, spec, key)
            return "deleted"
        return "written" if self.rows.carry(conn, spec, side, dict(row)) else "skipped"

    def _failed(
        self,
        conn: Connection,
        spec: TemplateSpec,
        side: Side,
        table_name: str,
        key: Mapping[str, Any],
        row_id: int | None,
        summary: Summary,
        reason: str,
    ) -> Outcome:
        summary.failed[spec.name] += 1
        message = reason if reason.startswith(f"{spec.name}:") else f"{spec.name}: {reason}"
        self.errors.record(conn, side, table_name, key, message, row_id=row_id)
        self._settle_held_back(conn, spec, side, key, "failed", summary, reason=message)
        return "failed"

    def _held_back(
        self,
        conn: Connection,
        spec: TemplateSpec,
        side: Side,
        key: Mapping[str, Any],
        later: LaterEdits,
        at: float,
    ) -> bool:
        """Whether the other side changed the same row after `at`; if so the change waits in
        the error queue as superseded until that later change is applied."""
        try:
            other_key = self.rows.counterpart_key(conn, side, spec, key)
        except (MappingError, RowError):
            return False  # the change itself will fail and be queued with the reason
        latest = later.latest(spec.table_name(side.other), other_key)
        if latest is None or latest <= at:
            return False
        self.errors.record(
            conn,
            side,
            spec.table_name(side),
            key,
            f"{spec.name}: held back: {side.other.prose} changed this row later",
            kind="superseded",
            template=spec.name,
        )
        return True

    def _settle_held_back(
        self,
        conn: Connection,
        spec: TemplateSpec,
        side: Side,
        key: Mapping[str, Any],
        outcome: Outcome,
        summary: Summary,
        reason: str = "",
    ) -> None:
        """What a change of `side` means for the changes held back on either side. Applied, it
        carries the row as it is now, so earlier held-back changes of the same row on `side`
        are in it, and those of the other side are dropped (a recorded conflict). Filtered out,
        the other side's are applied after all. Failed, they stay open with the reason."""
        if not self.errors.is_open(conn):
            return  # nothing is held back: the queue is empty
        if outcome in ("written", "deleted"):
            own = {c: key.get(c) for c in spec.match(side)}
            for entry in self._held_back_for(conn, spec, side, own):
                self.errors.resolve_entry(conn, entry["id"])
        try:
            other_key = self.rows.counterpart_key(conn, side, spec, key)
        except (MappingError, RowError):
            return
        for entry in self._held_back_for(conn, spec, side.other, other_key):
            if outcome in ("written", "deleted"):
                self.errors.resolve_entry(conn, entry["id"])
                summary.conflicts[spec.name] += 1
            elif outcome == "skipped":
                self.errors.resolve_entry(conn, entry["id"])
                logged = json.loads(entry["row_key"])
                self.apply(conn, side.other, entry["tbl"], "upsert", logged, summary)
            else:
                conn.execute(
                    self.errors.table.update()
                    .where(self.errors.table.c.id == entry["id"])
                    .values(
                        reason=f"{spec.name}: held back: {side.prose} changed this row later, "
                        f"in a change that failed ({reason}); `sync retry` applies this one"
                    )
                )

    def _held_back_for(
        self, conn: Connection, spec: TemplateSpec, side: Side, key: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """The open held-back changes of `spec` for the row of `side` with `key`."""
        held = self.errors.held_back(conn, side, spec.table_name(side), spec.name)
        return [
            entry
            for entry in held
            if all(str(json.loads(entry["row_key"]).get(c)) == str(v) for c, v in key.items())
        ]

    @contextmanager
    def batch(self) -> Iterator[Connection]:
        """A transaction over both stores, forgetting what was cached of the previous one."""
        self.errors.forget()
        with self.stores.transaction() as conn:
            yield conn

    # ---------------------------------------------------------------- initial sync
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
        return InitialSync(self, plans).run(direction, batch_size, progress)

    def rows_to_push(self, direction: Direction) -> int:
        return InitialSync(self).rows_to_push(direction)

    # ---------------------------------------------------------------- live sync
    def live(self, batch_size: int = LIVE_BATCH, fault: Fault | None = None) -> Summary:
        """Apply every change logged on either side since the last run, in the order made
        (see mappingc.sync.live)."""
        return LiveSync(self).run(batch_size, fault)

    # ---------------------------------------------------------------- control
    def retry(self) -> Summary:
        """Apply again every row in the error queue, as the rows are now. An entry is resolved
        only when its row went through (or is gone and never had a key to sync)."""
        summary = Summary()
        self.careful = True
        with self.batch() as conn:
            for entry in self.errors.entries(conn):
                side = Side.parse(entry["side"])
                key = json.loads(entry["row_key"])
                if entry["row_id"] is not None and not complete(key):
                    found = self.rows.row_by_id(conn, side, entry["tbl"], entry["row_id"])
                    if found is None:  # gone, and it never reached the other side
                        self.errors.resolve_entry(conn, entry["id"])
                        continue
                    key = {c: found.get(c) for c in key}
                row_id = entry["row_id"]
                if self.apply(conn, side, entry["tbl"], "upsert", key, summary, row_id=row_id):
                    self.errors.resolve_entry(conn, entry["id"])
        return summary

    def set_paused(self, paused: bool) -> None:
        with self.batch() as conn:
            conn.execute(self.stores.table(SYNC).update().values(paused=paused))

    def status(self) -> dict[str, Any]:
        """Read only: no write, no lock beyond a reader's, so it never waits behind a writer."""
        with self.stores.engine.connect() as conn:
            state = conn.execute(sa.select(self.stores.table(SYNC))).mappings().one()
            pending = {
                side: self.log.count_pending(conn, side, self.log.cursor(state, side))
                for side in Side
            }
            return {
                "paused": bool(state["paused"]),
                "pending_fo": pending[Side.FINANCE_OPERATIONS],
                "pending_dv": pending[Side.DATAVERSE],
                "errors": self.errors.entries(conn),
                "conflicts": self.errors.conflicts(conn),
            }
