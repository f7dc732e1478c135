"""Live sync set-based: a run of logged changes applied by the database, a statement a template.

Applying a change reads its row as it is now, so a run of changes comes down to the keys it
touched: per table, those keys go into a temporary table, and per template the plan
(mappingc.sync.planned) maps and upserts every source row with one of them, and one DELETE removes
the counterparts of those whose row is gone. The result is the one of applying the changes one
by one, in order, where the changes of a run are independent of each other's order:

- a run holds only changes whose templates have a plan that way (a source filter is part of
  it; polymorphic lookups, lookups through lookups and keys through lookups are not), with a
  complete key; the engine applies any other change one by one, between runs;
- a run never holds changes of a table whose plans look up related rows together with changes
  of the table that writes those rows (`depend`): a new run starts, so the order of a lookup
  target and the rows that point at it is kept;
- a change the other side's later edit supersedes is never in a run: the engine holds it back;
- while changes are held back in the queue, there are no runs at all (settling them is per row);
- a key whose row the plan leaves out (refusals, on SQLite values of another type), or whose
  row is gone and whose key the mapping refuses, has each of its changes of the run applied one
  by one, in order (a delete before a refused insert still deletes), with the reasons queued;
  so does a key deleted and back within the run (its delete removes the counterpart, and the
  row that is back makes a new one, without the fields this way does not write; a source
  filter may leave it out).

Counts are of rows: three changes of one card written are one row written.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlalchemy.engine import Connection
from sqlglot import exp

from mappingc.contract.plan_sql import column, sql_table
from mappingc.runtime import MappingError
from mappingc.sides import Side
from mappingc.sync.apply import ChangeApplier
from mappingc.sync.changes import Change, Outcome
from mappingc.sync.conflicts import LaterEdits
from mappingc.sync.context import SyncContext
from mappingc.sync.errors import RowError
from mappingc.sync.planned import PlannedWrite, planned_write
from mappingc.sync.summary import Summary
from mappingc.sync.tables import ROW_ID


class PlannedChanges:
    def __init__(self, context: SyncContext, applier: ChangeApplier) -> None:
        self.context = context
        self.applier = applier
        self._writes: dict[tuple[Side, str], list[PlannedWrite] | None] = {}
        self._keys: dict[tuple[Side, str], sa.Table] = {}
        self._statements: dict[tuple[Side, str, str], tuple[str, str, str, str, str | None]] = {}
        self._insert_keys: dict[tuple[Side, str], str] = {}
        self._feeds: dict[tuple[Side, str], frozenset[tuple[Side, str]]] = {}

    def writes(self, side: Side, table: str) -> list[PlannedWrite] | None:
        """The plans of every template on `table`, or None if one of them has none."""
        if (side, table) not in self._writes:
            writes = [
                planned_write(self.context.stores, spec, side)
                for spec in self.context.on_table(side, table)
            ]
            found = [w for w in writes if w is not None and _keyed_simply(w)]
            self._writes[side, table] = found if found and len(found) == len(writes) else None
        return self._writes[side, table]

    def feeds(self, side: Side, table: str) -> frozenset[tuple[Side, str]]:
        """The tables whose changes write the related rows `table`'s plans read: FO entities
        whose rows the lookups' Dataverse tables hold."""
        if (side, table) not in self._feeds:
            joined = {name for write in self.writes(side, table) or () for name in write.joined}
            self._feeds[side, table] = frozenset(
                (Side.FINANCE_OPERATIONS, spec.fo_table)
                for spec in self.context.specs
                if spec.dv_table in joined
            )
        return self._feeds[side, table]

    def depend(self, one: tuple[Side, str], other: tuple[Side, str]) -> bool:
        """Whether changes of the two tables must keep their order: one's plans read related
        rows the other's changes write. A run never holds both."""
        return other in self.feeds(*one) or one in self.feeds(*other)

    def takes(self, conn: Connection, change: Change, later: LaterEdits | None) -> bool:
        """Whether `change` can be part of a run (see the module's docstring)."""
        side = change.side
        writes = self.writes(side, change.table)
        if writes is None:
            return False
        key = change.key
        for matched in self.context.stores.key_columns(side, change.table):
            if key.get(matched) is None:
                return False  # one by one: the error, or "nothing to delete", is per row
        if later is None or not later.has_any:
            return True
        for write in writes:
            try:
                other = self.context.rows.counterpart_key(conn, side, write.spec, key)
            except (MappingError, RowError):
                return False
            latest = later.latest(write.spec.table_name(side.other), other)
            if latest is not None and latest > change.at:
                return False
        return True

    def apply(
        self, conn: Connection, run: list[Change], summary: Summary, *, careful: bool
    ) -> None:
        """Apply a run of changes, table by table: set-based, a key once (as its row is now,
        which is what applying each of its changes leaves), except the keys a plan leaves to
        the row functions, whose changes are applied one by one, in order (`careful`: as
        mappingc.sync.apply takes it)."""
        by_table: dict[tuple[Side, str], dict[str, list[Change]]] = {}
        for change in run:
            # One trigger logs a table's keys: one row's logged keys are the same text.
            of_table = by_table.setdefault((change.side, change.table), {})
            of_table.setdefault(change.row_key, []).append(change)
        for (side, table), by_key in by_table.items():
            self._apply_table(conn, side, table, by_key, summary, careful)

    def _apply_table(
        self,
        conn: Connection,
        side: Side,
        table: str,
        by_key: dict[str, list[Change]],
        summary: Summary,
        careful: bool,
    ) -> None:
        writes = self.writes(side, table)
        assert writes is not None
        # The keys whose changes the row functions apply: first, those whose last change is a
        # delete of a row that is back (one by one, that change deletes; the next run
        # writes it again, when what it looks up may have changed).
        one_by_one = self._deleted_but_back(conn, side, table, by_key)
        # Deleted and back within the run: one by one, the delete removes the counterpart, and
        # the row that is back makes a new one (the fields this way does not write are empty
        # again; a filter may leave it out); the run's upsert would keep the old counterpart.
        one_by_one.update(
            row_key
            for row_key, changes in by_key.items()
            if any(change.op == "delete" for change in changes[:-1])
        )
        keys = self._key_table(conn, side, table)
        conn.execute(keys.delete())
        names = [c.name for c in keys.c]
        run_keys = [
            tuple(changes[-1].key.get(c) for c in names)
            for row_key, changes in by_key.items()
            if row_key not in one_by_one
        ]
        if run_keys:  # the driver's own executemany: SQLAlchemy's costs as much again
            conn.exec_driver_sql(self._insert_keys[side, table], run_keys)
        for write in writes:
            upsert, left_out, delete, gone_unmapped, filtered = self._statements_for(write, keys)
            written = conn.exec_driver_sql(upsert).rowcount
            if written > 0:  # a count only where something was (as one by one counts)
                summary.count(Outcome.WRITTEN, write.spec.name, written)
            skipped = int(conn.exec_driver_sql(filtered).scalar_one()) if filtered else 0
            if skipped:
                summary.count(Outcome.SKIPPED, write.spec.name, skipped)
            deleted = conn.exec_driver_sql(delete).rowcount
            if deleted > 0:
                summary.count(Outcome.DELETED, write.spec.name, deleted)
            match = write.spec.match(side)
            ids = [row[0] for row in conn.exec_driver_sql(left_out)]
            refused: set[tuple[Any, ...]] = set()
            if ids:
                source = write.source
                query = sa.select(*(source.c[c] for c in match)).where(source.c[ROW_ID].in_(ids))
                refused.update(tuple(row) for row in conn.execute(query))
            # Rows the plan refuses, and gone rows whose key the mapping refuses (one by one,
            # that is an error: there is no counterpart key to delete by).
            refused.update(tuple(row) for row in conn.exec_driver_sql(gone_unmapped))
            for row_key, changes in by_key.items():
                if tuple(changes[-1].key.get(c) for c in match) in refused:
                    one_by_one.add(row_key)
        # In log order: the changes of a key the plan left out are applied one by one; any other
        # went through in the run and resolves its queue entries where it stands (by key, or by
        # row id, which a changed key keeps), as applying it one by one would have.
        errors = self.context.errors
        if not one_by_one and not errors.is_open(conn):
            return  # the common case: every change went through in the run, nothing to resolve
        logged = sorted(
            (change for changes in by_key.values() for change in changes),
            key=lambda change: (change.txid, change.seq),
        )
        for change in logged:
            if change.row_key in one_by_one:
                self.applier.apply(conn, change, summary, careful=careful)
            elif errors.is_open(conn):
                errors.resolve(conn, side, table, change.key, change.row_id)

    def _deleted_but_back(
        self, conn: Connection, side: Side, table: str, by_key: dict[str, list[Change]]
    ) -> set[str]:
        """The keys whose last change of the run deletes a row that is there again."""
        deleted = {k: c[-1].key for k, c in by_key.items() if c[-1].op == "delete"}
        if not deleted:
            return set()
        source = self.context.stores.tables(side)[table]
        names = self.context.stores.key_columns(side, table)
        logged = {tuple(key.get(c) for c in names): row_key for row_key, key in deleted.items()}
        columns = sa.tuple_(*(source.c[c] for c in names))
        back: set[str] = set()
        found = list(logged)
        for start in range(0, len(found), 500):  # bound parameters: a few hundred at a time
            query = sa.select(*(source.c[c] for c in names)).where(
                columns.in_(found[start : start + 500])
            )
            back.update(logged[tuple(row)] for row in conn.execute(query))
        return back

    def _key_table(self, conn: Connection, side: Side, table: str) -> sa.Table:
        """The temporary table that holds the keys a run touched in `table`."""
        if (side, table) not in self._keys:
            source = self.context.stores.tables(side)[table]
            digest = hashlib.sha256(f"{side.short}.{table}".encode()).hexdigest()[:12]
            columns = self.context.stores.key_columns(side, table)
            self._keys[side, table] = sa.Table(
                f"_mappingc_keys_{digest}",
                sa.MetaData(),
                *(sa.Column(c, source.c[c].type) for c in columns),
                prefixes=["TEMPORARY"],
            )
            marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            preparer = conn.dialect.identifier_preparer
            self._insert_keys[side, table] = (
                f"INSERT INTO {preparer.format_table(self._keys[side, table])} "
                f"({', '.join(preparer.quote(c) for c in columns)}) "
                f"VALUES ({', '.join(marker for _ in columns)})"
            )
        keys = self._keys[side, table]
        keys.create(conn, checkfirst=True)
        return keys

    def _statements_for(
        self, write: PlannedWrite, keys: sa.Table
    ) -> tuple[str, str, str, str, str | None]:
        """(upsert, left out, delete, gone and unmapped, filtered out) of `write` for the rows
        whose keys are in `keys`."""
        cached = (write.side, write.source.name, write.spec.name)
        if cached not in self._statements:
            match = write.spec.match(write.side)
            key_table = sql_table(keys.name)
            touched = exp.In(
                this=_row_of([write.own(c) for c in match]),
                query=sqlglot.select(*(column(c) for c in match))
                .from_(key_table.copy())
                .subquery(),
            )
            source = sql_table(write.source.name, write.source.schema)
            still_there = sqlglot.select(exp.Literal.number(1)).from_(source.as_("now"))
            still_there = still_there.where(
                exp.and_(
                    *(exp.EQ(this=column(c, "now"), expression=column(c, keys.name)) for c in match)
                )
            )
            is_gone = exp.not_(exp.Exists(this=still_there))
            refused = exp.paren(write.key_refused(keys.name))
            gone = sqlglot.select(*write.target_key(keys.name)).from_(key_table.copy())
            gone = gone.where(exp.and_(is_gone.copy(), exp.not_(refused.copy())))
            gone_unmapped = sqlglot.select(*(column(c) for c in match)).from_(key_table.copy())
            gone_unmapped = gone_unmapped.where(exp.and_(is_gone, refused))
            target = write.target
            delete = exp.delete(sql_table(target.name, target.schema)).where(
                exp.In(this=_row_of([column(c) for c in write.match]), query=gone.subquery())
            )
            self._statements[cached] = (
                write.upsert(touched),
                write.left_out(touched),
                delete.sql(dialect=write.dialect),
                gone_unmapped.sql(dialect=write.dialect),
                write.filtered_out(touched),
            )
        return self._statements[cached]


def _keyed_simply(write: PlannedWrite) -> bool:
    """Whether the target key is made of the source key alone, and that holds text or whole
    numbers (as a logged key's JSON does): then a run's keys are all it takes."""
    source_key = write.spec.match(write.side)
    kinds = write.spec.columns(write.side)
    read = {c.name for value in write.target_key() for c in value.find_all(exp.Column)}
    plain = all(kinds.get(c, "string") in ("string", "int", "int64") for c in source_key)
    return plain and read <= set(source_key)


def _row_of(columns: list[exp.Expr]) -> exp.Expr:
    return columns[0] if len(columns) == 1 else exp.Tuple(expressions=columns)
