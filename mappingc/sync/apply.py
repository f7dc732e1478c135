"""One change applied, one by one: for every template on its table, the row as it is now
written to the other side (or its counterpart deleted), or the reason queued.

The live sync calls it for each change no set-based run can take, the set-based runs for the
keys their plans leave to the row functions, and `sync retry` for each queued entry. A change is
held back when the other side changed the same row later, in a change still to come: applying
it would overwrite that later edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sides import Side
from mappingc.sync.changes import Change, ErrorEntry, Outcome
from mappingc.sync.conflicts import LaterEdits
from mappingc.sync.context import SyncContext
from mappingc.sync.errors import REFUSED, RowError, complete, refusal
from mappingc.sync.spec import TemplateSpec
from mappingc.sync.summary import Summary


class ChangeApplier:
    def __init__(self, context: SyncContext) -> None:
        self.context = context

    def apply(
        self,
        conn: Connection,
        change: Change,
        summary: Summary,
        *,
        careful: bool = True,
        later: LaterEdits | None = None,
    ) -> bool:
        """Apply `change` for every template on its table; True when it went through for all
        of them (its failed entry, if any, is then resolved).

        `careful`: each row in a savepoint, so a row the database refuses is queued and the
        batch goes on; without (the live sync's first try), such a row raises and the caller
        runs the batch again carefully.
        """
        outcomes = [
            self._apply_template(conn, spec, change, summary, careful, later)
            for spec in self.context.on_table(change.side, change.table)
        ]
        went_through = Outcome.FAILED not in outcomes
        if went_through:
            self.context.errors.resolve(conn, change.side, change.table, change.key, change.row_id)
        return went_through

    def _apply_template(
        self,
        conn: Connection,
        spec: TemplateSpec,
        change: Change,
        summary: Summary,
        careful: bool,
        later: LaterEdits | None,
    ) -> Outcome:
        side, key = change.side, change.key
        outcome: Outcome
        try:
            missing = [c for c in spec.match(side) if key.get(c) is None]
            if missing and change.op == "delete":
                return Outcome.UNCHANGED  # a row without a key never reached the other side
            if missing:
                # Never a delete: `WHERE key IS NULL` would remove rows nobody touched.
                raise RowError(
                    f"{spec.name}: no value for integration key {', '.join(missing)}; "
                    "nothing was written or deleted"
                )
            if later is not None and self._held_back(conn, spec, change, later):
                summary.count(Outcome.HELD_BACK, spec.name)
                return Outcome.HELD_BACK
            if careful:  # a row the database refuses must not end the batch
                with conn.begin_nested():
                    outcome = self._write(conn, spec, change)
            else:
                outcome = self._write(conn, spec, change)
        except (RowError, MappingError) as error:
            return self._failed(conn, spec, change, summary, str(error), careful)
        except REFUSED as error:
            if not careful:
                raise  # the batch is run again, a savepoint a row (see mappingc.sync.live)
            reason = f"{spec.name}: the database refused the row: {refusal(error)}"
            return self._failed(conn, spec, change, summary, reason, careful)
        summary.count(outcome, spec.name)
        self._settle_held_back(conn, spec, change, outcome, summary, careful)
        return outcome

    def _write(self, conn: Connection, spec: TemplateSpec, change: Change) -> Outcome:
        side, key, rows = change.side, change.key, self.context.rows
        source = self.context.stores.table_of(spec, side)
        row = None
        if change.op == "upsert":
            match = spec.match(side)
            parameters = {f"key_{c}": key.get(c) for c in match}
            row = conn.execute(rows.row_by_key(source, match), parameters).mappings().first()
        if row is None:  # deleted, or gone again since it was logged
            rows.delete_counterpart(conn, side, spec, key)
            return Outcome.DELETED
        return Outcome.WRITTEN if rows.carry(conn, spec, side, dict(row)) else Outcome.SKIPPED

    def _failed(
        self,
        conn: Connection,
        spec: TemplateSpec,
        change: Change,
        summary: Summary,
        reason: str,
        careful: bool,
    ) -> Outcome:
        summary.count(Outcome.FAILED, spec.name)
        message = reason if reason.startswith(f"{spec.name}:") else f"{spec.name}: {reason}"
        self.context.errors.record(
            conn, change.side, change.table, change.key, message, row_id=change.row_id
        )
        self._settle_held_back(conn, spec, change, Outcome.FAILED, summary, careful, message)
        return Outcome.FAILED

    def _held_back(
        self, conn: Connection, spec: TemplateSpec, change: Change, later: LaterEdits
    ) -> bool:
        """Whether the other side changed the same row after `change`; if so the change waits
        in the error queue as superseded until that later change is applied."""
        side = change.side
        try:
            other_key = self.context.rows.counterpart_key(conn, side, spec, change.key)
        except (MappingError, RowError):
            return False  # the change itself will fail and be queued with the reason
        latest = later.latest(spec.table_name(side.other), other_key)
        if latest is None or latest <= change.at:
            return False
        self.context.errors.record(
            conn,
            side,
            spec.table_name(side),
            change.key,
            f"{spec.name}: held back: {side.other.prose} changed this row later",
            kind="superseded",
            template=spec.name,
        )
        return True

    def _settle_held_back(
        self,
        conn: Connection,
        spec: TemplateSpec,
        change: Change,
        outcome: Outcome,
        summary: Summary,
        careful: bool,
        reason: str = "",
    ) -> None:
        """What a change of one side means for the changes held back on either side. Applied,
        it carries the row as it is now, so earlier held-back changes of the same row on its
        side are in it, and those of the other side are dropped (a recorded conflict). Filtered
        out, the other side's are applied after all. Failed, they stay open with the reason."""
        errors = self.context.errors
        if not errors.is_open(conn):
            return  # nothing is held back: the queue is empty
        side, applied = change.side, outcome in (Outcome.WRITTEN, Outcome.DELETED)
        if applied:
            own = {c: change.key.get(c) for c in spec.match(side)}
            for entry in self._held_back_for(conn, spec, side, own):
                errors.resolve_entry(conn, entry.id)
        try:
            other_key = self.context.rows.counterpart_key(conn, side, spec, change.key)
        except (MappingError, RowError):
            return
        for entry in self._held_back_for(conn, spec, side.other, other_key):
            if applied:
                errors.resolve_entry(conn, entry.id)
                summary.conflicts[spec.name] += 1
            elif outcome is Outcome.SKIPPED:
                errors.resolve_entry(conn, entry.id)
                again = Change(side.other, entry.table, "upsert", entry.key, entry.row_key)
                self.apply(conn, again, summary, careful=careful)
            else:
                errors.update_reason(
                    conn,
                    entry.id,
                    f"{spec.name}: held back: {side.prose} changed this row later, in a change "
                    f"that failed ({reason}); `sync retry` applies this one",
                )

    def _held_back_for(
        self, conn: Connection, spec: TemplateSpec, side: Side, key: Mapping[str, Any]
    ) -> list[ErrorEntry]:
        """The open held-back changes of `spec` for the row of `side` with `key`."""
        held = self.context.errors.held_back(conn, side, spec.table_name(side), spec.name)
        return [
            entry for entry in held if all(str(entry.key.get(c)) == str(v) for c, v in key.items())
        ]

    def retry(self, conn: Connection, entry: ErrorEntry, summary: Summary) -> None:
        """Apply a queued entry again, as its row is now; resolved when the row went through
        (or is gone and never had a key to sync)."""
        key = entry.key
        if entry.row_id is not None and not complete(key):
            found = self.context.rows.row_by_id(conn, entry.side, entry.table, entry.row_id)
            if found is None:  # gone, and it never reached the other side
                self.context.errors.resolve_entry(conn, entry.id)
                return
            key = {c: found.get(c) for c in key}
        change = Change(entry.side, entry.table, "upsert", key, entry.row_key, entry.row_id)
        if self.apply(conn, change, summary):
            self.context.errors.resolve_entry(conn, entry.id)
