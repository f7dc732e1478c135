"""One row of one side → the other side's values, through the generated mapping functions.

Lookups are where the stores differ from the mapping functions: a generated module speaks of a
related row by its alternate key (`{"isocurrencycode": "USD"}`), a store by the row's id. Towards
Dataverse the key is resolved to the id of the related row; back towards FO the id is read out as
the key again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sides import COMPANY, Side
from mappingc.sync.errors import RowError
from mappingc.sync.spec import TemplateSpec
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ROW_ID


class Mapper:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        # The templates whose Dataverse rows live in each table (several can share one).
        self.dataverse_owners: dict[str, list[TemplateSpec]] = {}
        for spec in stores.specs:
            self.dataverse_owners.setdefault(spec.dv_table, []).append(spec)

    def values(
        self, conn: Connection, spec: TemplateSpec, side: Side, row: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The other side's values for a row of `side`; None when its filter leaves it out."""
        if side is Side.FINANCE_OPERATIONS:
            return self.dataverse_values(conn, spec, row)
        return self.finance_operations_values(conn, spec, row)

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
            values[COMPANY[Side.DATAVERSE]] = fo_row.get(COMPANY[Side.FINANCE_OPERATIONS])
        return values

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
            mapped[COMPANY[Side.FINANCE_OPERATIONS]] = dv_row.get(COMPANY[Side.DATAVERSE])
        return dict(mapped)

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
                    (s for s in self.dataverse_owners.get(target, []) if hop in s.lookup_targets),
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
                (s for s in self.dataverse_owners.get(table.name, []) if first in s.lookup_paths),
                None,
            )
            if owner is None:
                raise RowError(f"{column}.{first}: no template reads {table.name}.{first}")
            nested[first] = self.related(conn, owner, first, row[first])
        return nested
