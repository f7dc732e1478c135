"""The writes of rows: read one by key or id, upsert by integration key, delete the counterpart
of a deleted row, and write a batch with executemany. Statements are built once per table and
set of columns, so SQLAlchemy reuses their compiled form instead of building one per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.sides import COMPANY, Side
from mappingc.sync.errors import RowError, complete
from mappingc.sync.mapping import Mapper
from mappingc.sync.spec import TemplateSpec
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ROW_ID

# A batch to write: per target key, the target values and the source row they came from.
Batch = list[tuple[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]]]


class RowWriter:
    def __init__(self, stores: Stores, mapper: Mapper) -> None:
        self.stores = stores
        self.mapper = mapper
        self._select_cache: dict[tuple[str, tuple[str, ...]], sa.Select[Any]] = {}
        self._statement_cache: dict[
            tuple[str, tuple[str, ...], tuple[str, ...]], tuple[sa.Update, sa.Insert]
        ] = {}

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
        update, insert = self.statements(table, match, tuple(values))
        parameters = {**values, **{f"key_{c}": v for c, v in key.items()}}
        if conn.execute(update, parameters).rowcount == 0:
            conn.execute(insert, values)

    def statements(
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

    def counterpart_key(
        self, conn: Connection, side: Side, spec: TemplateSpec, key: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The other side's key columns for a row key, through the mapping itself; a key through
        a lookup goes through the related row (its key read back, or its id found)."""
        source = {k: key.get(k) for k in spec.key(side)}
        lookups = spec.keyed_lookups
        if lookups and side is Side.DATAVERSE:
            for column in lookups:
                source[column] = self.mapper.related_of(conn, spec, column, source)
        mapped = spec.to_other_side(side, source)
        other = {c: mapped.get(c) for c in spec.key(side.other)}
        if lookups and side is Side.FINANCE_OPERATIONS:
            for column in lookups:
                other[column] = self.mapper.resolve(conn, spec, column, other[column])
        if spec.company:
            other[COMPANY[side.other]] = key.get(COMPANY[side])
        return other

    def delete_counterpart(
        self, conn: Connection, side: Side, spec: TemplateSpec, key: Mapping[str, Any]
    ) -> None:
        target_key = self.counterpart_key(conn, side, spec, key)
        if not complete(target_key):  # `col = NULL` would match rows nobody meant to delete
            raise RowError(f"{spec.name}: the deleted row had no integration key; nothing deleted")
        table = self.stores.table_of(spec, side.other)
        conn.execute(table.delete().where(*(table.c[c] == v for c, v in target_key.items())))

    def write_batch(
        self,
        conn: Connection,
        target: sa.Table,
        match: tuple[str, ...],
        batch: list[tuple[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]]],
    ) -> None:
        existing = self.existing_keys(conn, target, match, [key for key, _ in batch])
        groups: dict[tuple[bool, tuple[str, ...]], list[dict[str, Any]]] = {}
        for key, (values, _row) in batch:
            groups.setdefault((key in existing, tuple(values)), []).append(values)
        for (exists, columns), group in groups.items():
            update, insert = self.statements(target, match, columns)
            if exists:
                conn.execute(update, [{**v, **{f"key_{c}": v[c] for c in match}} for v in group])
            else:
                conn.execute(insert, group)

    def row_by_key(self, table: sa.Table, match: tuple[str, ...]) -> sa.Select[Any]:
        """SELECT of the row with a given key, built once per table and key (see `_statements`)."""
        cache_key = (table.fullname, match)
        if cache_key not in self._select_cache:
            condition = [table.c[c] == sa.bindparam(f"key_{c}") for c in match]
            self._select_cache[cache_key] = sa.select(table).where(*condition)
        return self._select_cache[cache_key]

    def existing_keys(
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

    def row_by_id(
        self, conn: Connection, side: Side, table_name: str, row_id: int
    ) -> dict[str, Any] | None:
        table = self.stores.tables(side).get(table_name)
        if table is None:
            return None
        row = conn.execute(sa.select(table).where(table.c[ROW_ID] == row_id)).mappings().first()
        return None if row is None else dict(row)
