"""The shapes table maps arrive in, unwrapped to single maps for `import_table_map`.

A table map is `{"name": …, "legs": [...]}`. Dual-write keeps each one in Dataverse table
`msdyn_dualwriteentitymaps`, as a record whose `msdyn_mapping` is that JSON as a string and whose
`msdyn_properties` (a JSON string too) holds the integration key; the Web API returns records in
an OData page (`{"value": [...]}`); tools save a list of maps or of records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from mappingc.interchange.tablemap import EXTENSION, TableMapError


def table_maps(data: object, origin: str) -> Iterator[tuple[str, object]]:
    """(where it is, the map) for every table map in `data`."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from table_maps(item, f"{origin}[{index}]")
    elif isinstance(data, Mapping) and isinstance(data.get("value"), list) and "legs" not in data:
        for index, item in enumerate(data["value"]):  # an OData page of records
            yield from table_maps(item, f"{origin}: value[{index}]")
    elif isinstance(data, Mapping) and "msdyn_mapping" in data:
        yield origin, _from_record(data, origin)
    else:
        yield origin, data


def _from_record(record: Mapping[str, Any], origin: str) -> object:
    """The table map of an `msdyn_dualwriteentitymaps` record, with the integration key of its
    properties where the map itself does not say it."""
    inner = _json_string(record, "msdyn_mapping", origin)
    if not isinstance(inner, Mapping):
        raise TableMapError(f"{origin}: msdyn_mapping: expected a table map (a JSON object)")
    table_map = dict(inner)
    properties = (
        _json_string(record, "msdyn_properties", origin) if record.get("msdyn_properties") else {}
    )
    key = properties.get("IntegrationKey") if isinstance(properties, Mapping) else None
    if isinstance(key, str):
        key = [part.strip() for part in key.split(",") if part.strip()]
    if isinstance(key, list) and all(isinstance(k, str) for k in key) and key:
        extension = dict(table_map.get(EXTENSION) or {})
        extension.setdefault("key", key)
        table_map[EXTENSION] = extension
    elif key is not None:
        raise TableMapError(
            f"{origin}: msdyn_properties.IntegrationKey: expected column names, not {key!r}"
        )
    return table_map


def _json_string(record: Mapping[str, Any], key: str, origin: str) -> object:
    text = record.get(key)
    if not isinstance(text, str):
        raise TableMapError(f"{origin}: {key}: expected the JSON as a string")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deep"
        raise TableMapError(f"{origin}: {key}: not JSON ({reason})") from None
