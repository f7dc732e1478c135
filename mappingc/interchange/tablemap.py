"""Dual-write table-map JSON: export compiled templates to it (import: tablemap_import.py).

Dual-write stores a table map as JSON: legs with `sourceFilter`, `reversedSourceFilter` and
`fieldMappings` (`syncDirection` 1 = FO → Dataverse, 2 = Dataverse → FO, 3 = both, and
`valueTransforms` of `ValueMap` and `Default`). That JSON has no place for field types, template
names, reference ids or keys, so the export carries them under one `x-mappingc` key per object;
an import of JSON without it (a table map saved from dual-write itself) infers what it must.
"""

from __future__ import annotations

import decimal
import json
from typing import Any

from mappingc import ir
from mappingc.emit.environment import render

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
        "leftEnvironmentType": "AX",
        "centerEnvironmentType": "CRM",
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
                # The settings dual-write's own maps carry, at the values that change nothing
                # (import reports any other value: W508).
                "isSourceFilterEditable": True,
                "entityFileFormat": "",
                "deleteNonMatchingData": False,
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


def export_record(template: ir.Template, catalog: ir.Catalog) -> str:
    """The template as a record of Dataverse table `msdyn_dualwriteentitymaps`: the table map
    and its properties as JSON strings, the integration key in the properties."""
    table_map = export_table_map(template, catalog)
    properties = {"IntegrationKey": ",".join(k.path for k in template.keys), "IsActive": True}
    record = {
        "msdyn_name": table_map["name"],
        "msdyn_displayname": template.label,
        "msdyn_mapping": json.dumps(table_map, ensure_ascii=False, separators=(",", ":")),
        "msdyn_properties": json.dumps(properties, separators=(",", ":")),
    }
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def load_json(text: str, origin: str) -> object:
    """JSON from outside: an error with a position for anything that is not plain JSON, too
    deep (the decoder recurses) or a number too long to read."""
    try:
        return json.loads(text, parse_float=decimal.Decimal)
    except json.JSONDecodeError as error:
        raise TableMapError(
            f"{origin}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    except RecursionError:
        raise TableMapError(f"{origin}: the JSON is nested too deeply to be a table map") from None
    except ValueError as error:  # an integer of thousands of digits
        raise TableMapError(f"{origin}: a number in the JSON cannot be read: {error}") from None
