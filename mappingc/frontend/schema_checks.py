"""Rules that need both systems' metadata: what dual-write's validation decides from it, checked
against the schema snapshots (codes E612 to E618; mappingc.frontend.schema_types resolves the
snapshots and reports names that are not there).

A rule runs only where the snapshots know what it needs: an unknown type, requiredness or key
list is not a finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic
from mappingc.frontend.located import at
from mappingc.frontend.schema_types import (
    Resolved,
    RowFields,
    field_type,
    rows_with_fields,
    same_kind,
    side_words,
)
from mappingc.schemas.filled import filled
from mappingc.schemas.index import Schemas
from mappingc.schemas.snapshot import Field, Snapshot
from mappingc.sides import Side

# Columns Dataverse fills itself on create: not required of a template however the metadata
# marks them (the owner is the caller, the status starts active).
SYSTEM_COLUMNS = frozenset(
    {
        "ownerid",
        "owneridtype",
        "owninguser",
        "owningteam",
        "owningbusinessunit",
        "statecode",
        "statuscode",
        "createdby",
        "createdon",
        "modifiedby",
        "modifiedon",
        "versionnumber",
        "organizationid",
    }
)
COMPANY_COLUMNS = frozenset({"cdm_company", "msdyn_company"})
_NUMBERS = {ir.Kind.INT, ir.Kind.INT64, ir.Kind.DECIMAL}
# (from, to) of different kinds that carry every value across.
_WIDENING = {
    (ir.Kind.INT, ir.Kind.INT64),
    (ir.Kind.INT, ir.Kind.DECIMAL),
    (ir.Kind.INT64, ir.Kind.DECIMAL),
}


def _why_not(source: ir.FieldType, target: ir.FieldType) -> str | None:
    """Why a value of `source` does not fit `target`, or None when it does."""
    if same_kind(source.kind, target.kind):
        if source.size is None or target.size is None or source.size <= target.size:
            return None
        if source.kind is ir.Kind.STRING:
            return f"text of up to {source.size} characters into {target.size}"
        return f"{source.size} decimal places into {target.size}, which loses digits"
    if (source.kind, target.kind) in _WIDENING or target.kind is ir.Kind.STRING:
        return None
    if (source.kind, target.kind) == (ir.Kind.INT64, ir.Kind.INT):
        return "a 64-bit whole number into a 32-bit one"
    if source.kind is ir.Kind.DECIMAL and target.kind in _NUMBERS:
        return "a decimal into a whole number, which loses digits"
    if source.kind is ir.Kind.STRING:
        return f"text into {target.kind.value}"
    return f"{source.kind.value} into {target.kind.value}"


def _directions(row: ir.Row) -> Iterator[Side]:
    """The sides a row writes."""
    if row.map_type.to_dataverse:
        yield Side.DATAVERSE
    if row.map_type.to_finance_operations:
        yield Side.FINANCE_OPERATIONS


def _sides_fit(row: ir.Row, fields: RowFields, resolved: Resolved) -> Iterator[Diagnostic]:
    fo, dv = fields.finance_operations, fields.dataverse
    if fo is None or dv is None or row.value_map is not None or row.transform_unpublished:
        return
    fo_type = field_type(fo, Side.FINANCE_OPERATIONS)
    dv_type = field_type(dv, Side.DATAVERSE)
    if fo_type is None or dv_type is None:
        return
    for side in _directions(row):
        source, target = (fo_type, dv_type) if side is Side.DATAVERSE else (dv_type, fo_type)
        reason = _why_not(source, target)
        if reason is None:
            continue
        names = (fo.name, dv.name) if side is Side.DATAVERSE else (dv.name, fo.name)
        yield at(
            row.map_type_location,
            Code.SCHEMA_TYPE,
            f"`{names[0]}` → `{names[1]}`: {reason} (dual-write: DIPV1030)",
            "map it one way only, or to a field of a type that holds it",
        )


def _value_map_fits(row: ir.Row, fields: RowFields, catalog: ir.Catalog) -> Iterator[Diagnostic]:
    if row.value_map is None:
        return
    value_map = catalog.value_maps[row.value_map]
    dv = fields.dataverse
    if dv is not None:
        kinds = {"int": {"choice", "int", "int64"}, "bool": {"bool", "choice"}, "str": {"string"}}
        if dv.type != "unknown" and dv.type not in kinds[value_map.dataverse_kind]:
            yield at(
                row.value_map_location or row.location,
                Code.SCHEMA_TYPE,
                f"value map `{value_map.name}` gives {value_map.dataverse_kind} values, but "
                f"`{dv.name}` is {dv.type} (dual-write: DIPV1030)",
            )
        elif dv.options and value_map.dataverse_kind == "int":
            allowed = {o.value for o in dv.options}
            for entry in value_map.entries:
                if entry.value is not None and entry.value not in allowed:
                    shown = ", ".join(str(v) for v in sorted(v for v in allowed if v is not None))
                    yield at(
                        entry.location,
                        Code.VALUE_OUTSIDE_OPTIONS,
                        f"value map `{value_map.name}` gives {entry.value}, which is not an "
                        f"option of `{dv.name}` (its options: {shown})",
                    )
    # Its FO symbols against the field's enum: mappingc.frontend.enums.


def _read_only(row: ir.Row, fields: RowFields, dataverse: Snapshot | None) -> Iterator[Diagnostic]:
    for side in _directions(row):
        item = fields.dataverse_column if side is Side.DATAVERSE else fields.finance_operations
        if item is None or not item.read_only:
            continue
        to_dataverse = side is Side.DATAVERSE
        location = row.dataverse_location if to_dataverse else row.finance_operations_location
        fill = filled(dataverse.name, item.name) if to_dataverse and dataverse else None
        if fill is not None and fill.by == "computed":
            yield at(
                location,
                Code.COMPUTED_DESTINATION,
                f"`{item.name}` is computed by Dataverse; the value this "
                f"`{row.map_type.value}` row writes there is dropped",
                "map it towards finance and operations only (`<`), or leave it out",
            )
            continue
        system = "Dataverse" if to_dataverse else "finance and operations"
        yield at(
            location,
            Code.READ_ONLY_DESTINATION,
            f"`{item.name}` is read-only in {system}; "
            f"this `{row.map_type.value}` row writes it (dual-write: DIPV1011)",
            "map it one way only, away from the side where it is read-only",
        )


def _written(template: ir.Template, side: Side) -> set[str]:
    """The fields of `side` some row writes (Dataverse: the row's own column)."""
    found: set[str] = set()
    for row in template.rows:
        if side is Side.DATAVERSE and row.map_type.to_dataverse and row.dataverse is not None:
            found.add(row.dataverse.column)
        writes_fo = side is Side.FINANCE_OPERATIONS and row.map_type.to_finance_operations
        if writes_fo and row.finance_operations is not None:
            found.add(row.finance_operations.casefold())
    return found


def _required(template: ir.Template, side: Side, snapshot: Snapshot | None) -> Iterator[Diagnostic]:
    """E614 for what the destination certainly refuses a row without; W620 where the snapshot
    says a column is required but not by whom. A Dataverse column required by forms only
    (ApplicationRequired) is not enforced on a write through the API, which is how dual-write
    writes: no finding (docs/schemas.md)."""
    if snapshot is None or not any(side in _directions(r) for r in template.rows):
        return
    written = _written(template, side)

    def missing(item: Field) -> bool:
        if not item.required or item.read_only or item.name in snapshot.primary_key:
            return False
        if item.type == "bool":
            return False  # a yes/no column always has a default value
        if side is Side.FINANCE_OPERATIONS:
            return item.name.casefold() not in written
        if item.name in SYSTEM_COLUMNS or item.name.endswith("_base"):
            return False
        if template.company_specific and item.name in COMPANY_COLUMNS:
            return False  # the sync writes the row's company itself
        if item.required_level == "application" or filled(snapshot.name, item.name):
            return False
        return item.name not in written

    found = sorted((f for f in snapshot.fields if missing(f)), key=lambda f: f.name)
    certain = [f.name for f in found if side is Side.FINANCE_OPERATIONS or f.required_level]
    unsure = [f.name for f in found if f.name not in certain]
    if certain:
        yield at(
            template.location,
            Code.REQUIRED_DESTINATION,
            f"{side_words(side)} `{snapshot.name}` requires {_names(certain)}, which no row "
            "writes (dual-write: DIPV1010/DIPV1031)",
            "map each, or write it with a default: `none > column default value`",
        )
    if unsure:
        yield at(
            template.location,
            Code.REQUIRED_UNKNOWN,
            f"{side_words(side)} `{snapshot.name}` marks {_names(unsure)} required, and no row "
            f"writes {'it' if len(unsure) == 1 else 'them'}; its snapshot "
            f"({', '.join(snapshot.sources)}) does not say whether the platform enforces that",
            "import the environment's own metadata (`mappingc import-schema`), which says; or "
            "map it",
        )


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _integration_key(template: ir.Template, snapshot: Snapshot | None) -> Iterator[Diagnostic]:
    if snapshot is None or snapshot.alternate_keys is None or not template.keys:
        return
    location = template.keys[0].location
    if not snapshot.alternate_keys:
        yield at(
            location,
            Code.KEY_NOT_ALTERNATE,
            f"Dataverse table `{snapshot.name}` has no alternate key, so no integration key "
            "(dual-write: DIPV1003/DIPV1014)",
            "define an alternate key on the table, then import its metadata again",
        )
        return
    columns = {k.path.split(".", 1)[0] for k in template.keys}
    if not any(set(key) == columns for key in snapshot.alternate_keys):
        listed = "; ".join(", ".join(key) for key in snapshot.alternate_keys)
        yield at(
            location,
            Code.KEY_NOT_ALTERNATE,
            f"key {', '.join(f'`{c}`' for c in sorted(columns))} is not an alternate key of "
            f"`{snapshot.name}` (its alternate keys: {listed}) (dual-write: DIPV1003/DIPV1014)",
        )


def _company(template: ir.Template, resolved: Resolved) -> Iterator[Diagnostic]:
    for snapshot in (resolved.finance_operations, resolved.dataverse):
        if snapshot is None or snapshot.company_specific is None:
            continue
        if snapshot.company_specific == template.company_specific:
            continue
        said = "is company-specific" if snapshot.company_specific else "is shared by all companies"
        yield at(
            template.location,
            Code.COMPANY_CONTEXT,
            f"{side_words(snapshot.side)} `{snapshot.name}` {said}; the template "
            f"{'says' if template.company_specific else 'does not say'} `company_specific` "
            "(dual-write: DIPV1002)",
        )


def check(
    catalog: ir.Catalog, resolutions: dict[str, Resolved], schemas: Schemas
) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for template in catalog.templates:
        resolved = resolutions.get(template.name)
        if resolved is None:
            continue
        for row, fields in rows_with_fields(template, resolved):
            found += _sides_fit(row, fields, resolved)
            found += _value_map_fits(row, fields, catalog)
            found += _read_only(row, fields, resolved.dataverse)
        if template.complete:
            found += _required(template, Side.DATAVERSE, resolved.dataverse)
            found += _required(template, Side.FINANCE_OPERATIONS, resolved.finance_operations)
        found += _integration_key(template, resolved.dataverse)
        found += _company(template, resolved)
    return found
