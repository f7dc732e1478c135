"""One row of one side → the other side's values, through the generated mapping functions.

Lookups are where the stores differ from the mapping functions: a generated module speaks of a
related row by its alternate key (`{"isocurrencycode": "USD"}`), a store by the row's id. Towards
Dataverse the key is resolved to the id of the related row; back towards FO the id is read out as
the key again. A polymorphic lookup (`customerid.Account(accountnumber).Contact(…)`) is resolved
to the first candidate table that has a row with the key, and the store keeps that table's name
beside the id (`customeridtype`), as Dataverse does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mappingc.runtime import MappingError
from mappingc.sides import COMPANY, Side
from mappingc.sync.errors import RowError
from mappingc.sync.spec import TemplateSpec, candidate_table, type_column
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
        values: dict[str, Any] = {}
        for column, value in mapped.items():
            if spec.dv_columns.get(column) == "lookup":
                values.update(self.stored_lookup(conn, spec, column, value))
            else:
                values[column] = value
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
                columns[column] = (
                    self.related_of(conn, spec, column, dv_row)
                    if kind == "lookup"
                    else dv_row[column]
                )
        try:
            mapped = spec.module.to_finance_operations(columns)
        except MappingError as error:
            raise RowError(str(error)) from None
        if spec.company:
            mapped[COMPANY[Side.FINANCE_OPERATIONS]] = dv_row.get(COMPANY[Side.DATAVERSE])
        return dict(mapped)

    def stored_lookup(
        self, conn: Connection, spec: TemplateSpec, column: str, value: object
    ) -> dict[str, Any]:
        """What the store keeps of a lookup value: the related row's id, and for a polymorphic
        lookup the table it is in."""
        if column not in spec.polymorphic:
            return {column: self.resolve(conn, spec, column, value)}
        if value is None:
            return {column: None, type_column(column): None}
        table, row_id = self.resolve_among(conn, spec, column, value)
        return {column: row_id, type_column(column): table}

    def resolve_among(
        self, conn: Connection, spec: TemplateSpec, column: str, value: object
    ) -> tuple[str, int]:
        """A polymorphic lookup's related row: the first candidate, in the order written, whose
        table has a row with the key."""
        if not isinstance(value, Mapping):
            raise RowError(f"{column}: expected the related row's key per table, got {value!r}")
        tried: list[str] = []
        for name, key in spec.polymorphic[column]:
            target = candidate_table(name, self.stores.dv_tables)
            keyed = value.get(name)
            if target is None or not isinstance(keyed, Mapping) or key not in keyed:
                continue
            table = self.stores.dv_tables[target]
            if key not in table.c:
                raise RowError(f"{column}: {target} has no column {key}")
            condition = table.c[key] == keyed[key]
            found = conn.execute(sa.select(table.c[ROW_ID]).where(condition)).first()
            if found is not None:
                return target, int(found[0])
            tried.append(f"{target} row with {key} = {keyed[key]!r}")
        if not tried:
            written = ", ".join(name for name, _ in spec.polymorphic[column])
            raise RowError(f"{column}: none of its tables ({written}) is synced by any template")
        raise RowError(f"{column}: no {' nor '.join(tried)}")

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

    def related_of(
        self, conn: Connection, spec: TemplateSpec, column: str, row: Mapping[str, Any]
    ) -> object:
        """A Dataverse row's lookup `column` as the nested alternate-key mapping rows expect;
        a polymorphic one names the candidate its related row's table is."""
        if column not in spec.polymorphic:
            return self.related(conn, spec, column, row[column])
        row_id, target = row[column], row.get(type_column(column))
        if row_id is None:
            return None
        candidates = spec.polymorphic[column]
        tables = self.stores.dv_tables
        chosen = next(
            ((n, k) for n, k in candidates if target and candidate_table(n, [target])), None
        )
        if chosen is None or target not in tables:
            written = ", ".join(name for name, _ in candidates)
            raise RowError(f"{column}: {type_column(column)} {target!r} is none of {written}")
        name, key = chosen
        table = tables[target]
        found = conn.execute(sa.select(table.c[key]).where(table.c[ROW_ID] == row_id)).first()
        if found is None:
            raise RowError(f"{column}: the related {target} row {row_id} no longer exists")
        return {name: {key: found[0]}}

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
