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
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sides import Direction, Side
from mappingc.sync.errors import ErrorQueue, RowError
from mappingc.sync.mapping import Mapper
from mappingc.sync.spec import COMPANY, TemplateSpec, ordered_templates
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ROW_ID, SYNC

DEFAULT_BATCH = 1000  # dual-write's limit per transaction, FO → Dataverse

Progress = Callable[[str, int], None]  # (template, rows just done)
Fault = Callable[[int], None]  # called after each applied change; raising simulates a crash
# When a change happened, the other side's cursor, and when its latest pending change happened.
Since = tuple[float, int, float]
# The cursor column of each side's change log in the sync state.
_CURSOR = {Side.FINANCE_OPERATIONS: "fo_seq", Side.DATAVERSE: "dv_seq"}


@dataclass
class Summary:
    written: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # filtered out
    failed: Counter[str] = field(default_factory=Counter)
    changes: int = 0
    paused: bool = False

    def lines(self) -> list[str]:
        names = sorted(set(self.written) | set(self.deleted) | set(self.skipped) | set(self.failed))
        return [
            f"{name}: {self.written[name]} written, {self.deleted[name]} deleted, "
            f"{self.skipped[name]} filtered out, {self.failed[name]} failed"
            for name in names
        ]


class SyncEngine:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.specs = stores.specs
        self.mapper = Mapper(stores)
        self.errors = ErrorQueue(stores)
        self._select_cache: dict[tuple[str, tuple[str, ...]], sa.Select[Any]] = {}
        self._statement_cache: dict[
            tuple[str, tuple[str, ...], tuple[str, ...]], tuple[sa.Update, sa.Insert]
        ] = {}
        # Per side, the templates whose rows live in each table (several can share one).
        self.by_table: dict[Side, dict[str, list[TemplateSpec]]] = {side: {} for side in Side}
        for spec in self.specs:
            for side, tables in self.by_table.items():
                tables.setdefault(spec.table_name(side), []).append(spec)

    # ---------------------------------------------------------------- one row
    def carry(
        self, conn: Connection, spec: TemplateSpec, side: Side, row: Mapping[str, Any]
    ) -> bool:
        """Write the other side of a row of `side`; False when its filter leaves it out."""
        values = self.mapper.values(conn, spec, side, row)
        if values is None:
            return False
        target = side.other
        self.upsert(conn, self.stores.table_of(spec, target), spec.match(target), values, spec.name)
        return True

    def upsert(
        self,
        conn: Connection,
        table: sa.Table,
        match: tuple[str, ...],
        values: dict[str, Any],
        template: str,
    ) -> None:
        """Update the row with the same integration key, or insert one.

        This is the only write of a row, and every RowError is raised before it: a failing row
        never leaves half its values behind, without a savepoint per row.
        """
        key = {column: values.get(column) for column in match}
        missing = [column for column, value in key.items() if value is None]
        if missing:
            raise RowError(f"{template}: no value for integration key {', '.join(missing)}")
        values = {k: v for k, v in values.items() if k in table.c}
        update, insert = self._statements(table, match, tuple(values))
        parameters = {**values, **{f"key_{c}": v for c, v in key.items()}}
        if conn.execute(update, parameters).rowcount == 0:
            conn.execute(insert, values)

    def _statements(
        self, table: sa.Table, match: tuple[str, ...], columns: tuple[str, ...]
    ) -> tuple[sa.Update, sa.Insert]:
        """The UPDATE and INSERT for a set of columns, built once: SQLAlchemy then reuses the
        compiled form instead of building a statement per row."""
        cache_key = (table.fullname, match, columns)
        if cache_key not in self._statement_cache:
            update = (
                table.update()
                .where(*(table.c[c] == sa.bindparam(f"key_{c}") for c in match))
                .values({c: sa.bindparam(c) for c in columns})
            )
            insert = table.insert().values({c: sa.bindparam(c) for c in columns})
            self._statement_cache[cache_key] = (update, insert)
        return self._statement_cache[cache_key]

    def _counterpart_key(
        self, side: Side, spec: TemplateSpec, key: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The other side's key columns for a row key, through the mapping itself."""
        mapped = spec.to_other_side(side, {k: key.get(k) for k in spec.key(side)})
        other = {c: mapped.get(c) for c in spec.key(side.other)}
        if spec.company:
            other[COMPANY[side.other]] = key.get(COMPANY[side])
        return other

    def _delete_counterpart(
        self, conn: Connection, side: Side, spec: TemplateSpec, key: Mapping[str, Any]
    ) -> None:
        target_key = self._counterpart_key(side, spec, key)
        table = self.stores.table_of(spec, side.other)
        conn.execute(table.delete().where(*(table.c[c] == v for c, v in target_key.items())))

    def _superseded(
        self, conn: Connection, side: Side, spec: TemplateSpec, key: Mapping[str, Any], since: Since
    ) -> bool:
        """Whether the other side changed the same row later, in a change still to be applied."""
        at, other_cursor, other_latest = since
        if at >= other_latest:
            return False  # nothing pending on the other side happened after this change
        try:
            other_key = self._counterpart_key(side, spec, key)
        except MappingError:
            return False  # the change itself will fail and be queued with the reason
        changes = self.stores.changes(side.other)
        table = spec.table_name(side.other)
        conditions = [changes.c.seq > other_cursor, changes.c.at > at, changes.c.tbl == table]
        for column, value in other_key.items():
            conditions.append(self.stores.backend.key_matches(changes.c.row_key, column, value))
        found = conn.execute(sa.select(changes.c.seq).where(*conditions).limit(1)).first()
        return found is not None

    # ---------------------------------------------------------------- one change
    def apply(
        self,
        conn: Connection,
        side: Side,
        table_name: str,
        op: str,
        key: Mapping[str, Any],
        summary: Summary,
        since: Since | None = None,
    ) -> None:
        """Apply one logged change (or a retry) for every template on that table.

        A change is superseded, and left alone, when the other side changed the same row later
        in a change still to come (`since` says when): applying it would overwrite that later
        edit, so the later one wins on both sides.
        """
        specs = self.by_table[side].get(table_name, [])
        source = self.stores.tables(side).get(table_name)
        for spec in specs:
            assert source is not None
            if since is not None and self._superseded(conn, side, spec, key, since):
                continue
            try:
                row = None
                if op == "upsert":
                    match = spec.match(side)
                    lookup = self._row_by_key(source, match)
                    parameters = {f"key_{c}": key.get(c) for c in match}
                    row = conn.execute(lookup, parameters).mappings().first()
                if row is None:  # deleted, or gone again since it was logged
                    self._delete_counterpart(conn, side, spec, key)
                    summary.deleted[spec.name] += 1
                elif self.carry(conn, spec, side, dict(row)):
                    summary.written[spec.name] += 1
                else:
                    summary.skipped[spec.name] += 1
                self.errors.resolve(conn, side, table_name, key)
            except (RowError, MappingError) as error:
                summary.failed[spec.name] += 1
                self.errors.record(conn, side, table_name, key, f"{spec.name}: {error}")

    @contextmanager
    def _batch(self) -> Iterator[Connection]:
        """A transaction over both stores, forgetting what was cached of the previous one."""
        self.errors.forget()
        with self.stores.transaction() as conn:
            yield conn

    # ---------------------------------------------------------------- initial sync
    def initial(
        self,
        direction: Direction,
        batch_size: int = DEFAULT_BATCH,
        progress: Progress | None = None,
    ) -> Summary:
        """Push every row of one side to the other: lookup targets first, a batch a transaction."""
        summary = Summary()
        side = direction.source
        for spec in ordered_templates(self.specs):
            table = self.stores.table_of(spec, side)
            last = 0
            while True:
                with self._batch() as conn:
                    rows = (
                        conn.execute(
                            sa.select(table)
                            .where(table.c[ROW_ID] > last)
                            .order_by(table.c[ROW_ID])
                            .limit(batch_size)
                        )
                        .mappings()
                        .all()
                    )
                    self._initial_batch(conn, side, spec, [dict(r) for r in rows], summary)
                if not rows:
                    break
                last = rows[-1][ROW_ID]
                if progress:
                    progress(spec.name, len(rows))
        # What the initial sync covered must not come back through the change logs.
        with self._batch() as conn:
            cursors = {_CURSOR[s]: self._max_seq(conn, s) for s in Side}
            conn.execute(self.stores.table(SYNC).update().values(**cursors))
        return summary

    def rows_to_push(self, direction: Direction) -> int:
        """How many source rows an initial sync in `direction` reads, for a progress bar."""
        total = 0
        with self.stores.engine.connect() as conn:
            for spec in self.specs:
                table = self.stores.table_of(spec, direction.source)
                total += int(
                    conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                )
        return total

    def _initial_batch(
        self,
        conn: Connection,
        side: Side,
        spec: TemplateSpec,
        rows: list[dict[str, Any]],
        summary: Summary,
    ) -> None:
        """Map a batch row by row (row errors to the queue), then write it with executemany."""
        source_match, target_match = spec.match(side), spec.match(side.other)
        target = self.stores.table_of(spec, side.other)
        by_key: dict[tuple[Any, ...], dict[str, Any]] = {}  # the last row for a key wins
        for row in rows:
            try:
                values = self.mapper.values(conn, spec, side, row)
                if values is None:
                    summary.skipped[spec.name] += 1
                    continue
                key = tuple(values.get(c) for c in target_match)
                if any(v is None for v in key):
                    raise RowError(
                        f"{spec.name}: no value for integration key {', '.join(target_match)}"
                    )
                by_key[key] = {k: v for k, v in values.items() if k in target.c}
            except (RowError, MappingError) as error:
                summary.failed[spec.name] += 1
                source_key = {c: row.get(c) for c in source_match}
                table_name = spec.table_name(side)
                self.errors.record(conn, side, table_name, source_key, f"{spec.name}: {error}")
        existing = self._existing_keys(conn, target, target_match, list(by_key))
        groups: dict[tuple[bool, tuple[str, ...]], list[dict[str, Any]]] = {}
        for key, values in by_key.items():
            groups.setdefault((key in existing, tuple(values)), []).append(values)
        for (exists, columns), batch in groups.items():
            update, insert = self._statements(target, target_match, columns)
            if exists:
                conn.execute(
                    update, [{**v, **{f"key_{c}": v[c] for c in target_match}} for v in batch]
                )
            else:
                conn.execute(insert, batch)
        if by_key:
            summary.written[spec.name] += len(by_key)

    def _row_by_key(self, table: sa.Table, match: tuple[str, ...]) -> sa.Select[Any]:
        """SELECT of the row with a given key, built once per table and key (see `_statements`)."""
        cache_key = (table.fullname, match)
        if cache_key not in self._select_cache:
            condition = [table.c[c] == sa.bindparam(f"key_{c}") for c in match]
            self._select_cache[cache_key] = sa.select(table).where(*condition)
        return self._select_cache[cache_key]

    def _existing_keys(
        self, conn: Connection, table: sa.Table, match: tuple[str, ...], keys: list[tuple[Any, ...]]
    ) -> set[tuple[Any, ...]]:
        """Which of `keys` already have a row in `table`, in one query per batch."""
        if not keys:
            return set()
        columns = [table.c[c] for c in match]
        condition = (
            columns[0].in_([k[0] for k in keys])
            if len(columns) == 1
            else sa.tuple_(*columns).in_(keys)
        )
        return {tuple(r) for r in conn.execute(sa.select(*columns).where(condition))}

    def _max_seq(self, conn: Connection, side: Side) -> int:
        changes = self.stores.changes(side)
        return int(
            conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0))).scalar_one()
        )

    # ---------------------------------------------------------------- live sync
    def live(self, batch_size: int = DEFAULT_BATCH, fault: Fault | None = None) -> Summary:
        """Apply every change logged on either side since the last run, in the order made."""
        summary = Summary()
        while True:
            with self._batch() as conn:
                state = conn.execute(sa.select(self.stores.table(SYNC))).mappings().one()
                if state["paused"]:
                    summary.paused = True
                    return summary
                pending = sorted(
                    (
                        change
                        for side in Side
                        for change in self._pending(conn, side, state[_CURSOR[side]], batch_size)
                    ),
                    key=lambda c: (c["at"], c["side"] is Side.DATAVERSE, c["seq"]),
                )[:batch_size]
                if not pending:
                    return summary
                cursors = {_CURSOR[side]: state[_CURSOR[side]] for side in Side}
                latest = {
                    side: self._latest_pending(conn, side, state[_CURSOR[side]]) for side in Side
                }
                for count, change in enumerate(pending, start=1):
                    side: Side = change["side"]
                    self.apply(
                        conn,
                        side,
                        change["tbl"],
                        change["op"],
                        json.loads(change["row_key"]),
                        summary,
                        since=(change["at"], state[_CURSOR[side.other]], latest[side.other]),
                    )
                    cursors[_CURSOR[side]] = change["seq"]
                    summary.changes += 1
                    if fault is not None:
                        fault(count)
                conn.execute(self.stores.table(SYNC).update().values(**cursors))

    def _latest_pending(self, conn: Connection, side: Side, after: int) -> float:
        """When the latest change still pending on `side` happened (-inf when there is none)."""
        changes = self.stores.changes(side)
        latest = conn.execute(sa.select(sa.func.max(changes.c.at)).where(changes.c.seq > after))
        value = latest.scalar()
        return float("-inf") if value is None else float(value)

    def _pending(
        self, conn: Connection, side: Side, after: int, limit: int
    ) -> list[dict[str, Any]]:
        changes = self.stores.changes(side)
        rows = conn.execute(
            sa.select(changes).where(changes.c.seq > after).order_by(changes.c.seq).limit(limit)
        ).mappings()
        return [{**row, "side": side} for row in rows]

    # ---------------------------------------------------------------- control
    def retry(self) -> Summary:
        """Apply again every row in the error queue, as the rows are now."""
        summary = Summary()
        with self._batch() as conn:
            for error in self.errors.entries(conn):
                side = Side.parse(error["side"])
                key = json.loads(error["row_key"])
                self.apply(conn, side, error["tbl"], "upsert", key, summary)
        return summary

    def set_paused(self, paused: bool) -> None:
        with self._batch() as conn:
            conn.execute(self.stores.table(SYNC).update().values(paused=paused))

    def status(self) -> dict[str, Any]:
        with self._batch() as conn:
            state = conn.execute(sa.select(self.stores.table(SYNC))).mappings().one()
            pending = {side: self._max_seq(conn, side) - state[_CURSOR[side]] for side in Side}
            return {
                "paused": bool(state["paused"]),
                "pending_fo": pending[Side.FINANCE_OPERATIONS],
                "pending_dv": pending[Side.DATAVERSE],
                "errors": self.errors.entries(conn),
            }
