"""Dual-write table-map JSON: export compiled templates to it, import it back into DSL.

Dual-write stores a table map as JSON: legs with `sourceFilter`, `reversedSourceFilter` and
`fieldMappings` (`syncDirection` 1 = FO → Dataverse, 2 = Dataverse → FO, 3 = both, and
`valueTransforms` of `ValueMap` and `Default`). That JSON has no place for field types, template
names, reference ids or keys, so the export carries them under one `x-mappingc` key per object;
an import of JSON without it (a table map saved from dual-write itself) infers what it must.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Mapping
from typing import Any

from mappingc import naming as names
from mappingc.emit.environment import render
from mappingc.frontend import ir
from mappingc.interchange.dsl_writer import (
    Row,
    TemplateView,
    ValueMapView,
    dsl_name,
    dsl_value,
    render_template,
)
from mappingc.naming import template_name

EXTENSION = "x-mappingc"


class TableMapError(ValueError):
    """The JSON is not a dual-write table map this importer understands; says where and why."""


# ---------------------------------------------------------------- export
def _json_value(value: object) -> str | None:
    """Dual-write writes transform values as strings; `blank` is JSON null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_table_map(template: ir.Template, catalog: ir.Catalog) -> dict[str, Any]:
    mappings = []
    for row in template.rows:
        transforms: list[dict[str, Any]] = []
        if row.value_map is not None:
            entries = catalog.value_maps[row.value_map].entries
            transforms.append(
                {
                    "transformType": "ValueMap",
                    "valueMap": {e.symbol: _json_value(e.value) for e in entries},
                }
            )
        if row.default is not None:
            transforms.append(
                {"transformType": "Default", "defaultValue": _json_value(row.default.value)}
            )
        extension: dict[str, Any] = {"mapType": row.map_type.value}
        if row.type.declared and row.value_map is None:  # a value map is the row's type
            extension["type"] = row.type.kind.value
            if row.type.size is not None:
                extension["size"] = row.type.size
        if row.value_map is not None:
            extension["valueMap"] = row.value_map
        if row.default is not None:
            extension["default"] = row.default_text
        mapping: dict[str, Any] = {
            "syncDirection": row.map_type.sync_direction,
            "sourceField": row.finance_operations or "",
            "destinationField": row.dataverse.path if row.dataverse else "",
        }
        target = next(
            (
                t.table
                for t in template.lookups
                if row.dataverse and t.column == row.dataverse.column
            ),
            None,
        )
        if target is not None:
            mapping["destinationLookupFieldRelatedEntity"] = target
        if transforms:
            mapping["valueTransforms"] = transforms
        mapping["isSystemGenerated"] = False
        mapping[EXTENSION] = extension
        mappings.append(mapping)
    return {
        "name": f"[{template.label}] - [{template.dataverse_table}]",
        "legs": [
            {
                "id": "001",
                "sourceSchema": template.finance_operations_entity,
                "sourceEnvironmentType": "AX",
                "destinationSchema": template.dataverse_table,
                "destinationEnvironmentType": "CRM",
                "sourceFilter": template.source_filter.text if template.source_filter else "",
                "reversedSourceFilter": (
                    template.reversed_filter.text if template.reversed_filter else ""
                ),
                "fieldMappings": mappings,
            }
        ],
        EXTENSION: {
            "name": template.name,
            "label": template.label,
            "ref": template.ref,
            "description": template.description,
            "key": [k.path for k in template.keys],
            "company_specific": template.company_specific,
            "origins": list(template.origins),
            "unmapped": [
                {"side": u.side, "name": u.name}
                | ({"type": u.type.kind.value} if u.type.declared else {})
                | ({"size": u.type.size} if u.type.size is not None else {})
                for u in template.unmapped
            ],
            "source": template.source,
        },
    }


def export_json(template: ir.Template, catalog: ir.Catalog) -> str:
    return render("table_map.json.j2", table_map=export_table_map(template, catalog))


# ---------------------------------------------------------------- import
def _require(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise TableMapError(f"{where}: expected `{key}` to be a JSON {kind.__name__}")
    return value


def import_table_map(data: object, origin: str = "<json>") -> tuple[str, str]:
    """(template name, canonical DSL text) for one table map. Raises TableMapError."""
    if not isinstance(data, Mapping):
        raise TableMapError(f"{origin}: not a dual-write table map (expected a JSON object)")
    legs = _require(data, "legs", list, origin)
    if len(legs) != 1 or not isinstance(legs[0], Mapping):
        raise TableMapError(f"{origin}: expected exactly one leg, found {len(legs)}")
    leg = legs[0]
    where = f"{origin}: legs[0]"
    extension = data.get(EXTENSION) if isinstance(data.get(EXTENSION), Mapping) else {}
    assert isinstance(extension, Mapping)
    fo_entity = _require(leg, "sourceSchema", str, where)
    table = _require(leg, "destinationSchema", str, where)
    match = re.fullmatch(r"\[(.*)\] - \[(.*)\]", str(data.get("name", "")))
    label = str(extension.get("label") or (match.group(1) if match else fo_entity))
    name = str(extension.get("name") or template_name(label, table))
    view = TemplateView(
        name=name,
        label=label,
        fo_entity=dsl_name(fo_entity),
        dataverse_table=table,
        ref=extension.get("ref") if isinstance(extension.get("ref"), int) else None,
        description=extension.get("description") or None,
        keys=[str(k) for k in extension.get("key", []) if isinstance(k, str)],
        company_specific=extension.get("company_specific") is True,
        origins=[str(o) for o in extension.get("origins", []) if isinstance(o, str)],
        unmapped=[
            (
                str(u["side"]),
                str(u["name"])
                + (f" : {u['type']}" if isinstance(u.get("type"), str) else "")
                + (f"({u['size']})" if isinstance(u.get("size"), int) else ""),
            )
            for u in extension.get("unmapped", [])
            if isinstance(u, Mapping) and u.get("side") in {"finance_operations", "dataverse"}
        ],
        source_filter=str(leg.get("sourceFilter") or "") or None,
        reversed_filter=str(leg.get("reversedSourceFilter") or "") or None,
    )
    if not extension:
        view.comment = [
            f"Imported from the dual-write table map {origin}.",
            "Field types, the integration key and the reference id are not in that JSON: add them.",
        ]
    value_maps: dict[str, ValueMapView] = {}
    for index, raw in enumerate(_require(leg, "fieldMappings", list, where)):
        view.rows.append(_import_row(raw, f"{where}.fieldMappings[{index}]", name, value_maps))
        related = raw.get("destinationLookupFieldRelatedEntity")
        if isinstance(related, str) and related and "." in view.rows[-1].dataverse:
            view.lookups.setdefault(view.rows[-1].dataverse.split(".")[0], related)
    return name, render_template(view, list(value_maps.values()))


def _import_row(raw: object, where: str, template: str, value_maps: dict[str, ValueMapView]) -> Row:
    if not isinstance(raw, Mapping):
        raise TableMapError(f"{where}: expected a JSON object")
    direction = raw.get("syncDirection")
    if direction not in (1, 2, 3):
        raise TableMapError(f"{where}: syncDirection must be 1, 2 or 3, not {direction!r}")
    extension = raw.get(EXTENSION) if isinstance(raw.get(EXTENSION), Mapping) else {}
    assert isinstance(extension, Mapping)
    source = str(raw.get("sourceField") or "") or "none"
    destination = str(raw.get("destinationField") or "") or "none"
    transforms = raw.get("valueTransforms") or []
    if not isinstance(transforms, list):
        raise TableMapError(f"{where}: valueTransforms must be a list")
    kind = extension.get("type") if isinstance(extension.get("type"), str) else None
    rest = ""
    if kind is not None:
        size = extension.get("size")
        rest += f" : {kind}" + (f"({size})" if isinstance(size, int) else "")
    default: str | None = None
    for transform in transforms:
        if not isinstance(transform, Mapping):
            raise TableMapError(f"{where}: a value transform must be a JSON object")
        if transform.get("transformType") == "ValueMap":
            mapping = transform.get("valueMap")
            if not isinstance(mapping, Mapping):
                raise TableMapError(f"{where}: ValueMap without a valueMap object")
            rest += " via " + _value_map(mapping, extension, template, source, value_maps)
        elif transform.get("transformType") == "Default":
            value = transform.get("defaultValue")
            default = None if value is None else str(value)
        else:
            raise TableMapError(
                f"{where}: unknown transformType {transform.get('transformType')!r}"
            )
    if default is not None:
        written = extension.get("default")
        rest += " default " + (
            str(written) if isinstance(written, str) else dsl_value(default, kind)
        )
    map_type = extension.get("mapType")
    if not isinstance(map_type, str):
        map_type = ir.MapType.of(direction, transforms=bool(transforms)).value
    elif map_type in {"><", ">>", "<<"} and not transforms:
        rest += " via unpublished"  # a transform whose value map the source did not publish
    return Row(fo=source, map_type=map_type, dataverse=destination, rest=rest)


def _value_map(
    mapping: Mapping[str, Any],
    extension: Mapping[str, Any],
    template: str,
    owner: str,
    value_maps: dict[str, ValueMapView],
) -> str:
    """The DSL for a value map: a named one declared once per file, or inline as exported."""
    values = [v if v is None else str(v) for v in mapping.values()]
    kinds = {"bool" if str(v).lower() in {"true", "false"} else "int" for v in values if v}
    kind = kinds.pop() if len(kinds) == 1 else "str"
    entries = [(dsl_name(str(k)), dsl_value(v, kind)) for k, v in zip(mapping, values, strict=True)]
    name = extension.get("valueMap")
    if isinstance(name, str) and "." in name:  # written inline in the source template
        return "{ " + ", ".join(f"{s}: {v}" for s, v in entries) + " }"
    if not isinstance(name, str):
        name = names.pascal(f"{template}_{owner}")
    if name not in value_maps:
        value_maps[name] = ValueMapView(name, entries)
    return name


def load_json(text: str, origin: str) -> object:
    try:
        return json.loads(text, parse_float=decimal.Decimal)
    except json.JSONDecodeError as error:
        raise TableMapError(
            f"{origin}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
