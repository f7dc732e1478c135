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
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sync.stores import (
    COMPANY_DV,
    COMPANY_FO,
    ERRORS,
    OTHER_SIDE,
    ROW_ID,
    SYNC,
    Stores,
    SyncSetupError,
    TemplateSpec,
)

TO_DATAVERSE = "to-dataverse"
TO_FINANCE_OPERATIONS = "to-finance-operations"
DEFAULT_BATCH = 1000  # dual-write's limit per transaction, FO → Dataverse

Progress = Callable[[str, int], None]  # (template, rows just done)
Fault = Callable[[int], None]  # called after each applied change; raising simulates a crash


class RowError(Exception):
    """This row cannot be applied; the reason goes to the error queue."""


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


def _now() -> float:
    return time.time()


def ordered_templates(specs: Iterable[TemplateSpec]) -> list[TemplateSpec]:
    """Templates with the tables their lookups point at first; a cycle is an error naming it."""
    specs = sorted(specs, key=lambda s: s.name)
    by_table: dict[str, list[TemplateSpec]] = {}
    for spec in specs:
        by_table.setdefault(spec.dv_table, []).append(spec)
    needs = {
        s.name: {
            d.name
            for t in s.lookup_targets.values()
            for d in by_table.get(t, [])
            if d.name != s.name
        }
        for s in specs
    }
    done: list[TemplateSpec] = []
    placed: set[str] = set()
    while len(done) < len(specs):
        ready = [s for s in specs if s.name not in placed and needs[s.name] <= placed]
        if not ready:
            cycle = _cycle({n: d - placed for n, d in needs.items() if n not in placed})
            raise SyncSetupError(f"lookups form a cycle: {' → '.join(cycle)}")
        done.append(ready[0])
        placed.add(ready[0].name)
    return done


def _cycle(needs: Mapping[str, set[str]]) -> list[str]:
    start = sorted(needs)[0]
    path = [start]
    while True:
        following = sorted(needs[path[-1]])[0]
        if following in path:
            return [*path[path.index(following) :], following]
        path.append(following)


class SyncEngine:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.specs = stores.specs
        self._queue_open: bool | None = None
        self._select_cache: dict[tuple[str, tuple[str, ...]], sa.Select[Any]] = {}
        self._statement_cache: dict[
            tuple[str, tuple[str, ...], tuple[str, ...]], tuple[sa.Update, sa.Insert]
        ] = {}
        # Per side, the templates whose rows live in each table (several can share one).
        self.by_table: dict[str, dict[str, list[TemplateSpec]]] = {"fo": {}, "dv": {}}
        for spec in self.specs:
            for side, tables in self.by_table.items():
                tables.setdefault(spec.table_name(side), []).append(spec)

    # ---------------------------------------------------------------- one row, FO → Dataverse
    def push(self, conn: Connection, spec: TemplateSpec, fo_row: Mapping[str, Any]) -> bool:
        """Write the Dataverse side of `fo_row`; False when the source filter leaves it out."""
        values = self.dataverse_values(conn, spec, fo_row)
        if values is None:
            return False
        self.upsert(conn, self.stores.table_of(spec, "dv"), spec.dv_match, values, spec.name)
        return True

    def dataverse_values(
        self, conn: Connection, spec: TemplateSpec, fo_row: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The Dataverse columns for `fo_row`, lookups resolved; None when filtered out."""
        if not spec.accepts_from_fo(fo_row):
            return None
        fields = {k: v for k, v in fo_row.items() if k in spec.fo_fields}
        try:
            mapped = spec.module.to_dataverse(fields)
        except MappingError as error:
            raise RowError(str(error)) from None
        values = {
            column: (
                self.resolve(conn, spec, column, value)
                if spec.dv_columns.get(column) == "lookup"
                else value
            )
            for column, value in mapped.items()
        }
        if spec.company:
            values[COMPANY_DV] = fo_row.get(COMPANY_FO)
        return values

    def resolve(
        self, conn: Connection, spec: TemplateSpec, column: str, value: object
    ) -> int | None:
        """The _id of the related row a lookup value names by its alternate key."""
        if value is None:
            return None
        target = spec.lookup_targets.get(column)
        if target is None:
            raise RowError(f"{column}: no `lookup {column} -> table` in template {spec.name}")
        table = self.stores.dv_tables.get(target)
        if table is None:
            raise RowError(f"{column}: table {target} is not synced by any template")
        if not isinstance(value, Mapping):
            raise RowError(f"{column}: expected the related row's key, got {value!r}")
        conditions = []
        for hop, key in value.items():
            if hop not in table.c:
                raise RowError(f"{column}: {target} has no column {hop}")
            if isinstance(key, Mapping):  # a lookup of the related row itself
                owner = next(
                    (s for s in self.by_table["dv"].get(target, []) if hop in s.lookup_targets),
                    None,
                )
                if owner is None:
                    raise RowError(
                        f"{column}.{hop}: no template says which table {target}.{hop} points at"
                    )
                key = self.resolve(conn, owner, hop, key)
            conditions.append(table.c[hop] == key)
        found = conn.execute(sa.select(table.c[ROW_ID]).where(*conditions)).first()
        if found is None:
            shown = ", ".join(f"{hop} = {key!r}" for hop, key in value.items())
            raise RowError(f"{column}: no {target} row with {shown}")
        return int(found[0])

    # ---------------------------------------------------------------- one row, Dataverse → FO
    def pull(self, conn: Connection, spec: TemplateSpec, dv_row: Mapping[str, Any]) -> bool:
        """Write the FO side of `dv_row`; False when the reversed filter leaves it out."""
        values = self.finance_operations_values(conn, spec, dv_row)
        if values is None:
            return False
        self.upsert(conn, self.stores.table_of(spec, "fo"), spec.fo_match, values, spec.name)
        return True

    def finance_operations_values(
        self, conn: Connection, spec: TemplateSpec, dv_row: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The FO fields for `dv_row`, lookups read back as keys; None when filtered out."""
        if not spec.accepts_from_dv(dv_row):
            return None
        columns = {}
        for column, kind in spec.dv_columns.items():
            if column in dv_row:
                value = dv_row[column]
                columns[column] = (
                    self.related(conn, spec, column, value) if kind == "lookup" else value
                )
        try:
            mapped = spec.module.to_finance_operations(columns)
        except MappingError as error:
            raise RowError(str(error)) from None
        if spec.company:
            mapped[COMPANY_FO] = dv_row.get(COMPANY_DV)
        return dict(mapped)

    def related(self, conn: Connection, spec: TemplateSpec, column: str, row_id: object) -> object:
        """A lookup column's related row as the nested alternate-key mapping rows expect."""
        if row_id is None:
            return None
        target = spec.lookup_targets.get(column)
        table = self.stores.dv_tables.get(target or "")
        if table is None:
            raise RowError(f"{column}: table {target} is not synced by any template")
        row = conn.execute(sa.select(table).where(table.c[ROW_ID] == row_id)).mappings().first()
        if row is None:
            raise RowError(f"{column}: the related {target} row {row_id} no longer exists")
        nested: dict[str, object] = {}
        for hops in spec.lookup_paths.get(column, ()):
            first, rest = hops[0], hops[1:]
            if not rest:
                nested[first] = row[first]
                continue
            owner = next(
                (s for s in self.by_table["dv"].get(table.name, []) if first in s.lookup_paths),
                None,
            )
            if owner is None:
                raise RowError(f"{column}.{first}: no template reads {table.name}.{first}")
            nested[first] = self.related(conn, owner, first, row[first])
        return nested

    # ---------------------------------------------------------------- writing
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
        self, side: str, spec: TemplateSpec, key: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The other side's key columns for a row key, through the mapping itself."""
        if side == "fo":
            mapped = spec.module.to_dataverse({k: key.get(k) for k in spec.fo_key})
            other = {c: mapped.get(c) for c in spec.dv_key}
            if spec.company:
                other[COMPANY_DV] = key.get(COMPANY_FO)
        else:
            mapped = spec.module.to_finance_operations({k: key.get(k) for k in spec.dv_key})
            other = {c: mapped.get(c) for c in spec.fo_key}
            if spec.company:
                other[COMPANY_FO] = key.get(COMPANY_DV)
        return other

    def _delete_counterpart(
        self, conn: Connection, side: str, spec: TemplateSpec, key: Mapping[str, Any]
    ) -> None:
        target_key = self._counterpart_key(side, spec, key)
        table = self.stores.table_of(spec, OTHER_SIDE[side])
        conn.execute(table.delete().where(*(table.c[c] == v for c, v in target_key.items())))

    def _superseded(
        self,
        conn: Connection,
        side: str,
        spec: TemplateSpec,
        key: Mapping[str, Any],
        since: tuple[float, int, float],
    ) -> bool:
        """Whether the other side changed the same row later, in a change still to be applied."""
        at, other_cursor, other_latest = since
        if at >= other_latest:
            return False  # nothing pending on the other side happened after this change
        other_side = OTHER_SIDE[side]
        try:
            other_key = self._counterpart_key(side, spec, key)
        except MappingError:
            return False  # the change itself will fail and be queued with the reason
        changes = self.stores.changes(other_side)
        table = spec.table_name(other_side)
        conditions = [changes.c.seq > other_cursor, changes.c.at > at, changes.c.tbl == table]
        for column, value in other_key.items():
            conditions.append(self.stores.backend.key_matches(changes.c.row_key, column, value))
        found = conn.execute(sa.select(changes.c.seq).where(*conditions).limit(1)).first()
        return found is not None

    # ---------------------------------------------------------------- one change
    def apply(
        self,
        conn: Connection,
        side: str,
        table_name: str,
        op: str,
        key: Mapping[str, Any],
        summary: Summary,
        since: tuple[float, int, float] | None = None,
    ) -> None:
        """Apply one logged change (or a retry) for every template on that table.

        `since` is (when the change happened, the other side's cursor, and when its latest pending
        change happened). A change is superseded,
        and left alone, when the other side changed the same row later in a change still to come:
        applying it would overwrite that later edit, so the later one wins on both sides.
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
                elif (self.push if side == "fo" else self.pull)(conn, spec, dict(row)):
                    summary.written[spec.name] += 1
                else:
                    summary.skipped[spec.name] += 1
                self._resolve_errors(conn, side, table_name, key)
            except (RowError, MappingError) as error:
                summary.failed[spec.name] += 1
                self._record_error(conn, side, table_name, key, f"{spec.name}: {error}")

    def _key_text(self, key: Mapping[str, Any]) -> str:
        return json.dumps(dict(sorted(key.items())), default=str, ensure_ascii=False)

    def _errors_open(self, conn: Connection) -> bool:
        """Whether the error queue has open entries: asked once per transaction (see `_batch`),
        it saves a write per synced row when the queue is empty, as it usually is."""
        if self._queue_open is None:
            errors = self.stores.table(ERRORS)
            query = sa.select(errors.c.id).where(errors.c.resolved.is_(False)).limit(1)
            self._queue_open = conn.execute(query).first() is not None
        return self._queue_open

    @contextmanager
    def _batch(self) -> Iterator[Connection]:
        """A transaction over both stores, forgetting what was cached of the previous one."""
        self._queue_open = None
        with self.stores.transaction() as conn:
            yield conn

    def _record_error(
        self, conn: Connection, side: str, table: str, key: Mapping[str, Any], reason: str
    ) -> None:
        self._queue_open = True
        errors = self.stores.table(ERRORS)
        row_key = self._key_text(key)
        where = (
            errors.c.side == side,
            errors.c.tbl == table,
            errors.c.row_key == row_key,
            errors.c.resolved.is_(False),
        )
        updated = conn.execute(
            errors.update().where(*where).values(reason=reason, at=_now())
        ).rowcount
        if not updated:
            conn.execute(
                errors.insert().values(
                    side=side, tbl=table, row_key=row_key, reason=reason, at=_now(), resolved=False
                )
            )

    def _resolve_errors(
        self, conn: Connection, side: str, table: str, key: Mapping[str, Any]
    ) -> None:
        if not self._errors_open(conn):
            return
        errors = self.stores.table(ERRORS)
        conn.execute(
            errors.update()
            .where(
                errors.c.side == side,
                errors.c.tbl == table,
                errors.c.row_key == self._key_text(key),
            )
            .values(resolved=True)
        )

    # ---------------------------------------------------------------- initial sync
    def initial(
        self, direction: str, batch_size: int = DEFAULT_BATCH, progress: Progress | None = None
    ) -> Summary:
        """Push every row of one side to the other: lookup targets first, a batch a transaction."""
        summary = Summary()
        side = "fo" if direction == TO_DATAVERSE else "dv"
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
            conn.execute(
                self.stores.table(SYNC)
                .update()
                .values(fo_seq=self._max_seq(conn, "fo"), dv_seq=self._max_seq(conn, "dv"))
            )
        return summary

    def rows_to_push(self, direction: str) -> int:
        """How many source rows an initial sync in `direction` reads, for a progress bar."""
        side = "fo" if direction == TO_DATAVERSE else "dv"
        total = 0
        with self.stores.engine.connect() as conn:
            for spec in self.specs:
                query = sa.select(sa.func.count()).select_from(self.stores.table_of(spec, side))
                total += int(conn.execute(query).scalar_one())
        return total

    def _initial_batch(
        self,
        conn: Connection,
        side: str,
        spec: TemplateSpec,
        rows: list[dict[str, Any]],
        summary: Summary,
    ) -> None:
        """Map a batch row by row (row errors to the queue), then write it with executemany."""
        source_match, target_match = spec.match(side), spec.match(OTHER_SIDE[side])
        target = self.stores.table_of(spec, OTHER_SIDE[side])
        to_values = self.dataverse_values if side == "fo" else self.finance_operations_values
        by_key: dict[tuple[Any, ...], dict[str, Any]] = {}  # the last row for a key wins
        for row in rows:
            try:
                values = to_values(conn, spec, row)
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
                self._record_error(conn, side, table_name, source_key, f"{spec.name}: {error}")
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

    def _max_seq(self, conn: Connection, side: str) -> int:
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
                    [
                        *self._pending(conn, "fo", state["fo_seq"], batch_size),
                        *self._pending(conn, "dv", state["dv_seq"], batch_size),
                    ],
                    key=lambda c: (c["at"], c["side"] == "dv", c["seq"]),
                )[:batch_size]
                if not pending:
                    return summary
                cursors = {"fo_seq": state["fo_seq"], "dv_seq": state["dv_seq"]}
                latest = {
                    "fo": self._latest_pending(conn, "fo", state["fo_seq"]),
                    "dv": self._latest_pending(conn, "dv", state["dv_seq"]),
                }
                for count, change in enumerate(pending, start=1):
                    other = "dv" if change["side"] == "fo" else "fo"
                    other_cursor = state[f"{other}_seq"]
                    self.apply(
                        conn,
                        change["side"],
                        change["tbl"],
                        change["op"],
                        json.loads(change["row_key"]),
                        summary,
                        since=(change["at"], other_cursor, latest[other]),
                    )
                    cursors[f"{change['side']}_seq"] = change["seq"]
                    summary.changes += 1
                    if fault is not None:
                        fault(count)
                conn.execute(self.stores.table(SYNC).update().values(**cursors))

    def _latest_pending(self, conn: Connection, side: str, after: int) -> float:
        """When the latest change still pending on `side` happened (-inf when there is none)."""
        changes = self.stores.changes(side)
        latest = conn.execute(sa.select(sa.func.max(changes.c.at)).where(changes.c.seq > after))
        value = latest.scalar()
        return float("-inf") if value is None else float(value)

    def _pending(self, conn: Connection, side: str, after: int, limit: int) -> list[dict[str, Any]]:
        changes = self.stores.changes(side)
        rows = conn.execute(
            sa.select(changes).where(changes.c.seq > after).order_by(changes.c.seq).limit(limit)
        ).mappings()
        return [{**row, "side": side} for row in rows]

    # ---------------------------------------------------------------- control
    def retry(self) -> Summary:
        """Apply again every row in the error queue, as the rows are now."""
        summary = Summary()
        errors = self.stores.table(ERRORS)
        with self._batch() as conn:
            queued = (
                conn.execute(
                    sa.select(errors).where(errors.c.resolved.is_(False)).order_by(errors.c.id)
                )
                .mappings()
                .all()
            )
            for error in queued:
                self.apply(
                    conn,
                    error["side"],
                    error["tbl"],
                    "upsert",
                    json.loads(error["row_key"]),
                    summary,
                )
        return summary

    def set_paused(self, paused: bool) -> None:
        with self._batch() as conn:
            conn.execute(self.stores.table(SYNC).update().values(paused=paused))

    def status(self) -> dict[str, Any]:
        with self._batch() as conn:
            state = conn.execute(sa.select(self.stores.table(SYNC))).mappings().one()
            errors = self.stores.table(ERRORS)
            open_errors = (
                conn.execute(
                    sa.select(errors).where(errors.c.resolved.is_(False)).order_by(errors.c.id)
                )
                .mappings()
                .all()
            )
            return {
                "paused": bool(state["paused"]),
                "pending_fo": self._max_seq(conn, "fo") - state["fo_seq"],
                "pending_dv": self._max_seq(conn, "dv") - state["dv_seq"],
                "errors": [dict(e) for e in open_errors],
            }
