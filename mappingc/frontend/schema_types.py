"""What the schema snapshots say of each template: which snapshot is each side, which snapshot
field each row reads and writes (through lookups, hop by hop), and the types rows take from them.

Rows without a declared type take the snapshots' type, so the generated models check real
lengths and scales; a declared type must agree with the snapshots (E612). A name a snapshot does
not have is E610 (W619 or N622 for a partial snapshot), a lookup path that does not fit E611, a
name several snapshots fit W601.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic, did_you_mean
from mappingc.frontend.located import at
from mappingc.schemas.index import Schemas, plurals
from mappingc.schemas.snapshot import Field, Snapshot
from mappingc.sides import Side

_KINDS = {
    "string": ir.Kind.STRING,
    "guid": ir.Kind.STRING,
    "int": ir.Kind.INT,
    "int64": ir.Kind.INT64,
    "decimal": ir.Kind.DECIMAL,
    "bool": ir.Kind.BOOL,
    "date": ir.Kind.DATE,
    "datetime": ir.Kind.DATETIME,
}
_DATES = {ir.Kind.DATE, ir.Kind.DATETIME}  # CDM shows FO's utcdatetime as date: both are one


def side_words(side: Side) -> str:
    return "finance and operations entity" if side is Side.FINANCE_OPERATIONS else "Dataverse table"


@dataclass
class RowFields:
    """The snapshot fields one row touches (None: not known)."""

    finance_operations: Field | None = None
    dataverse_column: Field | None = None  # the row's own column (a lookup, for a path)
    dataverse: Field | None = None  # the field at the end of the path


@dataclass
class Resolved:
    """One template against the snapshots."""

    finance_operations: Snapshot | None = None
    dataverse: Snapshot | None = None
    rows: list[RowFields] = field(default_factory=list)


def field_type(item: Field, side: Side) -> ir.FieldType | None:
    """The DSL type of a snapshot field, when it has one (a lookup column holds an id)."""
    if item.type == "choice":
        if side is Side.FINANCE_OPERATIONS:
            return None  # an enum: its symbols, through a value map
        return ir.FieldType(kind=ir.Kind.INT, declared=False, from_schema=True)
    if item.type == "lookup":
        return ir.FieldType(kind=ir.Kind.STRING, declared=False, from_schema=True)
    kind = _KINDS.get(item.type)
    if kind is None:
        return None
    size = (
        item.max_length
        if kind is ir.Kind.STRING
        else item.scale
        if kind is ir.Kind.DECIMAL
        else None
    )
    return ir.FieldType(kind=kind, size=size, declared=False, from_schema=True)


def same_kind(a: ir.Kind, b: ir.Kind) -> bool:
    return a is b or {a, b} <= _DATES


def _type_text(field_type: ir.FieldType) -> str:
    size = f"({field_type.size})" if field_type.size is not None else ""
    return f"{field_type.kind.value}{size}"


def _edits(a: str, b: str, limit: int) -> int:
    """Edits from `a` to `b` (a letter added, dropped, changed, or two swapped), or `limit + 1`
    once it is certainly more."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, start=1):
        current = [i]
        for j, right in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            if i > 1 and j > 1 and left == b[j - 2] and a[i - 2] == right:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _styled(suggested: str, written: str, snapshot: Snapshot) -> str:
    """A suggested FO field in the case the template writes fields (`DESCRIPTION`, as the
    published tables and `mappingc new` do; FO compares names without case)."""
    if snapshot.side is Side.FINANCE_OPERATIONS and written.isupper():
        return suggested.upper()
    return suggested


def _near_miss(name: str, names: list[str]) -> str | None:
    """The name a snapshot lists that `name` is a likely typo of: a few letters apart, case
    aside. Not difflib's ratio: `msdyn_serialid` and `msdyn_customerassetid` share a publisher
    prefix and a suffix, and are two different columns."""
    wanted = name.casefold()
    limit = 1 if len(wanted) < 12 else 2
    best: tuple[int, str] | None = None
    for candidate in names:
        folded = candidate.casefold()
        if abs(len(folded) - len(wanted)) > limit or folded == wanted:
            continue
        if len(wanted) > 5 and folded[:2] != wanted[:2] and folded[-2:] != wanted[-2:]:
            continue  # a cheap pool: a typo rarely touches both ends
        distance = _edits(wanted, folded, limit)
        if distance <= limit and (best is None or (distance, candidate) < best):
            best = (distance, candidate)
    return best[1] if best else None


class _Resolver:
    def __init__(self, schemas: Schemas) -> None:
        self.schemas = schemas
        self.problems: list[Diagnostic] = []

    def snapshot(self, template: ir.Template, side: Side) -> Snapshot | None:
        name = (
            template.finance_operations_entity
            if side is Side.FINANCE_OPERATIONS
            else template.dataverse_table
        )
        found = (
            self.schemas.finance_operations(name)
            if side is Side.FINANCE_OPERATIONS
            else self.schemas.dataverse(name)
        )
        if len(found) > 1:
            names = ", ".join(sorted(s.name for s in found))
            self.problems.append(
                at(
                    template.location,
                    Code.SCHEMA_AMBIGUOUS,
                    f"`{name}` fits {len(found)} snapshots: {names}; its "
                    f"{side_words(side)} is not checked",
                    "keep one of them in the schemas folder, or name the entity by its name",
                )
            )
            return None
        return found[0] if found else None

    def unknown(self, location: ir.Location, name: str, snapshot: Snapshot) -> None:
        names = [f.name for f in snapshot.fields]
        where = f"{side_words(snapshot.side)} `{snapshot.name}`"
        kind = "field" if snapshot.side is Side.FINANCE_OPERATIONS else "column"
        if not snapshot.complete:
            # Most such names are simply not in the model (dual-write's own `msdyn_` columns):
            # a note. Only a near miss, a likely typo, is worth a warning.
            # Not the table's own id: dual-write never maps it, and Microsoft's tables write
            # `msdyn_functionallocation_id`, a text column beside `msdyn_functionallocationid`.
            near = _near_miss(name, [n for n in names if n not in snapshot.primary_key])
            hint = f"did you mean `{_styled(near, name, snapshot)}`?" if near else None
            self.problems.append(
                at(
                    location,
                    Code.NOT_IN_PARTIAL_SCHEMA if hint else Code.UNCHECKED_NAME,
                    f"`{name}` is not in the snapshot of {where}, which does not list every "
                    f"{kind} ({', '.join(snapshot.sources)})",
                    hint,
                )
            )
            return
        self.problems.append(
            at(
                location,
                Code.UNKNOWN_SCHEMA_FIELD,
                f"`{name}` is not a {kind} of {where} (dual-write: DIPV1022/DIPV1025)",
                did_you_mean(name, [_styled(n, name, snapshot) for n in names])
                or f"its snapshot ({', '.join(snapshot.sources)}) lists {len(names)} {kind}s",
            )
        )

    def target(self, template: ir.Template, column: Field) -> Snapshot | None:
        """The table a lookup column points at: as `lookup column -> table` names it, else the
        one table its snapshot names."""
        declared = next((t for t in template.lookups if t.column == column.name), None)
        if declared is not None:
            return self.schemas.find(Side.DATAVERSE, declared.table)
        if len(column.targets) == 1:
            return self.schemas.find(Side.DATAVERSE, column.targets[0])
        return None

    def path(
        self, template: ir.Template, row: ir.Row, table: Snapshot
    ) -> tuple[Field | None, Field | None]:
        """(the row's column, the field its path ends at) in the snapshots."""
        dataverse = row.dataverse
        assert dataverse is not None
        column = table.field(dataverse.column)
        if column is None:
            self.unknown(dataverse.location, dataverse.column, table)
            return None, None
        if not dataverse.is_lookup:
            return column, column
        if column.type not in {"lookup", "unknown"}:
            self.problems.append(
                at(
                    dataverse.location,
                    Code.LOOKUP_SCHEMA,
                    f"`{column.name}` is not a lookup of `{table.name}` but {column.type}, so "
                    f"`{dataverse.path}` cannot read through it (dual-write: DIPV1027/DIPV1028)",
                )
            )
            return column, None
        if dataverse.targets:  # `a.T(k)`: one key per table the lookup can point at
            for option in dataverse.targets:
                found = self.schemas.find(Side.DATAVERSE, option.table)
                if found is not None and found.field(option.key) is None:
                    self._no_key(dataverse.location, option.key, found)
            return column, None
        current: Snapshot | None = self.target(template, column)
        leaf: Field | None = None
        for index, hop in enumerate(dataverse.hops):
            if current is None:
                return column, None
            leaf = current.field(hop)
            if leaf is None:
                self._no_key(dataverse.location, hop, current)
                return column, None
            if index + 1 < len(dataverse.hops):
                current = (
                    self.schemas.find(Side.DATAVERSE, leaf.targets[0])
                    if len(leaf.targets) == 1
                    else None
                )
        return column, leaf

    def _no_key(self, location: ir.Location, key: str, table: Snapshot) -> None:
        if not table.complete:
            self.unknown(location, key, table)
            return
        names = [f.name for f in table.fields]
        self.problems.append(
            at(
                location,
                Code.LOOKUP_SCHEMA,
                f"Dataverse table `{table.name}` has no field `{key}` to find the related row "
                "by (dual-write: DIPV1027/DIPV1028)",
                did_you_mean(key, names),
            )
        )

    def lookups(self, template: ir.Template, table: Snapshot) -> None:
        """`lookup column -> table` against the column's snapshot."""
        for declared in template.lookups:
            column = table.field(declared.column)
            if column is None:
                self.unknown(declared.location, declared.column, table)
                continue
            if column.type != "lookup" or not column.targets:
                continue
            target = self.schemas.find(Side.DATAVERSE, declared.table)
            names = {declared.table} if target is None else {target.name}
            fits = any(
                name in column.targets or any(name in plurals(t) for t in column.targets)
                for name in names
            )
            if not fits:
                self.problems.append(
                    at(
                        declared.location,
                        Code.LOOKUP_SCHEMA,
                        f"`{column.name}` points at {', '.join(f'`{t}`' for t in column.targets)}"
                        f", not at `{declared.table}` (dual-write: DIPV1027/DIPV1028)",
                    )
                )

    def resolve(self, template: ir.Template) -> Resolved:
        resolved = Resolved(
            self.snapshot(template, Side.FINANCE_OPERATIONS),
            self.snapshot(template, Side.DATAVERSE),
        )
        fo, dv = resolved.finance_operations, resolved.dataverse
        if dv is not None:
            self.lookups(template, dv)
        for row in template.rows:
            fields = RowFields()
            if fo is not None and row.finance_operations is not None:
                fields.finance_operations = fo.field(row.finance_operations)
                if fields.finance_operations is None:
                    self.unknown(row.finance_operations_location, row.finance_operations, fo)
            if dv is not None and row.dataverse is not None:
                fields.dataverse_column, fields.dataverse = self.path(template, row, dv)
            resolved.rows.append(fields)
        for extra in template.unmapped:
            snapshot = fo if extra.side is Side.FINANCE_OPERATIONS else dv
            if snapshot is not None and snapshot.field(extra.name) is None:
                self.unknown(extra.location, extra.name, snapshot)
        if dv is not None:
            for key in template.keys:
                column = key.path.split(".", 1)[0]
                if dv.field(column) is None:
                    self.unknown(key.location, column, dv)
        return resolved


def _contradiction(declared: ir.FieldType, found: ir.FieldType) -> bool:
    if not same_kind(declared.kind, found.kind):
        return True
    return declared.size is not None and found.size is not None and declared.size != found.size


def _typed_row(
    row: ir.Row, fields: RowFields, resolved: Resolved, problems: list[Diagnostic]
) -> ir.Row:
    if row.value_map is not None or row.transform_unpublished:
        return row
    sides = []
    if fields.finance_operations is not None and resolved.finance_operations is not None:
        sides.append(
            (Side.FINANCE_OPERATIONS, fields.finance_operations, resolved.finance_operations)
        )
    if fields.dataverse is not None and resolved.dataverse is not None:
        sides.append((Side.DATAVERSE, fields.dataverse, resolved.dataverse))
    known = [
        (side, t, snapshot, item) for side, item, snapshot in sides if (t := field_type(item, side))
    ]
    if not known:
        return row
    if row.type.declared:
        for side, found, snapshot, item in known:
            if _contradiction(row.type, found):
                location = (
                    row.finance_operations_location
                    if side is Side.FINANCE_OPERATIONS
                    else row.dataverse_location
                )
                problems.append(
                    at(
                        location,
                        Code.SCHEMA_TYPE,
                        f"the row says `{_type_text(row.type)}`, but `{item.name}` of "
                        f"{side_words(side)} `{snapshot.name}` is {_type_text(found)} "
                        "(dual-write: DIPV1030)",
                        f"write `: {_type_text(found)}`, or leave the type out to take the "
                        "snapshot's",
                    )
                )
        return row
    # The destination's type where the sides differ; where they agree, the tighter size.
    chosen = known[-1][1] if row.map_type.to_dataverse else known[0][1]
    if len(known) == 2 and same_kind(known[0][1].kind, known[1][1].kind):
        sizes = [t.size for _, t, _, _ in known if t.size is not None]
        chosen = chosen.model_copy(update={"size": min(sizes) if sizes else None})
    update: dict[str, object] = {"type": chosen}
    if row.default is not None and isinstance(row.default.value, str):
        converted = _converted(row.default.value, chosen.kind)
        if converted is not None:
            update["default"] = ir.Scalar(value=converted, written=row.default.value)
    return row.model_copy(update=update)


def _converted(text: str, kind: ir.Kind) -> int | decimal.Decimal | bool | None:
    """A default written as text (as dual-write's defaults are, and as importers write them
    where the type was unknown) converted as dual-write converts it to the field's type; None
    when it is text or does not convert (E205 then says so)."""
    if kind in {ir.Kind.INT, ir.Kind.INT64} and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if kind is ir.Kind.DECIMAL and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return decimal.Decimal(text)
    if kind is ir.Kind.BOOL and text.casefold() in {"true", "false"}:
        return text.casefold() == "true"
    return None


def resolve(
    catalog: ir.Catalog, schemas: Schemas
) -> tuple[ir.Catalog, dict[str, Resolved], list[Diagnostic]]:
    """The catalog with rows typed from the snapshots, each template's resolution by name, and
    what did not fit."""
    resolver = _Resolver(schemas)
    resolutions: dict[str, Resolved] = {}
    templates = []
    for template in catalog.templates:
        resolved = resolver.resolve(template)
        resolutions[template.name] = resolved
        rows = tuple(
            _typed_row(row, fields, resolved, resolver.problems)
            for row, fields in zip(template.rows, resolved.rows, strict=True)
        )
        templates.append(
            template if rows == template.rows else template.model_copy(update={"rows": rows})
        )
    return (
        catalog.model_copy(update={"templates": tuple(templates)}),
        resolutions,
        resolver.problems,
    )


def rows_with_fields(
    template: ir.Template, resolved: Resolved
) -> Iterator[tuple[ir.Row, RowFields]]:
    yield from zip(template.rows, resolved.rows, strict=True)
