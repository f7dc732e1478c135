"""Dual-write table-map JSON → canonical DSL: the other half of mappingc.interchange.tablemap.

Every value that becomes DSL is checked first, and one that cannot be (a name with spaces,
quotes or line breaks, a filter the grammar cannot read, a boolean where a direction belongs) is
an error naming its JSON path: the JSON is data from outside, never pasted into a template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from mappingc import ir
from mappingc import naming as names
from mappingc.characters import hidden, visible
from mappingc.frontend.parser import FilterSyntaxError, parse_filter
from mappingc.interchange.dsl_writer import (
    Row,
    TemplateView,
    ValueMapView,
    dsl_name,
    dsl_value,
    mark_mapped_twice,
    render_template,
)
from mappingc.interchange.tablemap import EXTENSION, TableMapError
from mappingc.naming import MAX_TEMPLATE_NAME

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*(\([A-Za-z_][A-Za-z0-9_]*\))?)*"
)
_LITERAL = re.compile(
    r'-?[0-9]+(\.[0-9]+)?|True|False|true|false|blank|[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\\n]|\\["\\])*"'
)
_KINDS = ir.WRITABLE_KINDS
_MAX_REF = 2**31 - 1


def _shown(value: object) -> str:
    return visible(str(value)) if isinstance(value, str) else repr(value)


def _string(data: Mapping[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        kind = "nothing" if value is None else f"a JSON {type(value).__name__}"
        raise TableMapError(f"{where}.{key}: expected a string, found {kind}")
    if any(hidden(c) for c in value):
        raise TableMapError(f"{where}.{key}: `{_shown(value)}` holds a character that is not text")
    return value


def _name(value: str, where: str, what: str, limit: int = 200) -> str:
    if not _NAME.fullmatch(value) or len(value) > limit:
        raise TableMapError(f"{where}: `{_shown(value)}` is not a {what} name")
    return value


def _filter(text: str | None, dialect: str, where: str) -> str | None:
    if not text:
        return None
    try:
        parse_filter(text, dialect)
    except FilterSyntaxError:
        raise TableMapError(
            f"{where}: `{_shown(text)}` is not a filter mappingc can read"
        ) from None
    return text


def _require(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise TableMapError(f"{where}: expected `{key}` to be a JSON {kind.__name__}")
    return value


def _strings(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise TableMapError(f"{where}.{key}: expected a list")
    return [
        s
        for i, _ in enumerate(value)
        if (s := _string({"v": value[i]}, "v", f"{where}.{key}[{i}]", True))
    ]


# What a table map holds that a template states, or that is a fact of one environment (ids,
# environment names and types): read, or left out without a word. Anything else is reported.
_MAP_KEYS = {
    "name",
    "legs",
    "leftEnvironmentType",
    "centerEnvironmentType",
    "rightEnvironmentType",
    # Facts of the environment the map was exported from, not of the template.
    *("leftEnvironment", "centerEnvironment", "rightEnvironment", "connectionSetName"),
    *("leftPartitionName", "centerPartitionName", "rightPartitionName", "owningTeamId"),
    "$type",
    EXTENSION,
}
_LEG_KEYS = {
    "id",
    "sourceEnvironment",
    "sourceSchema",
    "sourceEnvironmentType",
    "sourceFilter",
    "destinationEnvironment",
    "destinationSchema",
    "destinationEnvironmentType",
    "reversedSourceFilter",
    "fieldMappings",
    "$type",
}
_FIELD_KEYS = {
    "syncDirection",
    "sourceField",
    "destinationField",
    "valueTransforms",
    "isSystemGenerated",
    "destinationLookupFieldRelatedEntity",
    "$type",
    EXTENSION,
}
_TRANSFORM_KEYS = {"$type", "transformType", "valueMap", "defaultValue"}
# Settings with the value that changes nothing: any other value is reported.
_NEUTRAL = {
    "isSourceFilterEditable": True,
    "deleteNonMatchingData": False,
    "entityFileFormat": "",
    "createValuesOnDestination": False,
}

Notes = list[tuple[str, str]]  # (JSON path, what was not imported)


def _neutral(key: str, value: object) -> bool:
    """A setting that changes nothing: unset (null, "", 0, false, an empty list or object, as the
    UI exports most of a map's settings) or at the exporter's default."""
    if value is None or value == "" or value == [] or value == {}:
        return True
    if value is False or (value == 0 and not isinstance(value, bool)):
        return True
    return key in _NEUTRAL and value == _NEUTRAL[key]


def _not_expressed(
    data: Mapping[str, Any], known: set[str], where: str, notes: Notes, top: bool = False
) -> None:
    """Report every key of `data` that is neither read nor neutral (`where`: its JSON path,
    after the file's name)."""
    for key, value in data.items():
        if key in known or _neutral(key, value):
            continue
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        path = f"{where}: {key}" if top else f"{where}.{key}"
        notes.append((path, f"{shown} is not expressed in a template; not imported"))


# The project's value maps: name → (symbol, value) entries, to reuse where a table map's match.
KnownMaps = Mapping[str, list[tuple[str, object]]]


# The table a Dataverse table's lookup column points at, as the schema snapshots know it.
LookupTables = Callable[[str, str], str | None]


def import_table_map(
    data: object,
    origin: str = "<json>",
    notes: Notes | None = None,
    known_maps: KnownMaps | None = None,
    lookup_table: LookupTables = lambda table, column: None,
) -> tuple[str, str]:
    """(template name, canonical DSL text) for one table map. Raises TableMapError. Settings it
    does not express are added to `notes` (JSON path, message). A value map whose entries are
    those of one of `known_maps` but for the case of the symbols (dual-write writes them in
    lower case: `{"yes": "true"}`) is that map. A lookup whose related table the map does not
    name (UI exports often leave `destinationLookupFieldRelatedEntity` out) gets the one
    `lookup_table` knows."""
    if not isinstance(data, Mapping):
        raise TableMapError(f"{origin}: not a dual-write table map (expected a JSON object)")
    notes = [] if notes is None else notes
    _not_expressed(data, _MAP_KEYS, origin, notes, top=True)
    legs = _require(data, "legs", list, origin)
    if len(legs) != 1 or not isinstance(legs[0], Mapping):
        raise TableMapError(f"{origin}: expected exactly one leg, found {len(legs)}")
    leg = legs[0]
    where = f"{origin}: legs[0]"
    _not_expressed(leg, _LEG_KEYS, where, notes)
    raw_extension = data.get(EXTENSION)
    extension: Mapping[str, Any] = raw_extension if isinstance(raw_extension, Mapping) else {}
    at = f"{origin}: {EXTENSION}"
    fo_entity = _string(leg, "sourceSchema", where, required=True) or ""
    table = _name(
        _string(leg, "destinationSchema", where, required=True) or "",
        f"{where}.destinationSchema",
        "Dataverse table",
    )
    heading = re.fullmatch(r"\[(.*)\] - \[(.*)\]", str(data.get("name", "")))
    label = _string(extension, "label", at) or (heading.group(1) if heading else fo_entity)
    if any(hidden(c) for c in label):
        raise TableMapError(f"{origin}: name: `{_shown(label)}` holds a character that is not text")
    name = _string(extension, "name", at) or names.pair_name(label, table)
    name = _name(name, f"{at}.name", "template", MAX_TEMPLATE_NAME)
    ref = extension.get("ref")
    if ref is not None and (
        not isinstance(ref, int) or isinstance(ref, bool) or not 0 <= ref <= _MAX_REF
    ):
        raise TableMapError(
            f"{at}.ref: expected a reference id (a whole number), not {_shown(ref)}"
        )
    unmapped = []
    raw_unmapped = extension.get("unmapped", [])
    for index, extra in enumerate(raw_unmapped if isinstance(raw_unmapped, list) else []):
        spot = f"{at}.unmapped[{index}]"
        if not isinstance(extra, Mapping) or extra.get("side") not in {s.value for s in ir.Side}:
            raise TableMapError(f"{spot}: expected a side and a field name")
        field = _name(_string(extra, "name", spot, required=True) or "", f"{spot}.name", "field")
        unmapped.append((str(extra["side"]), field + _declared_type(extra, spot)))
    view = TemplateView(
        name=name,
        label=label,
        fo_entity=dsl_name(fo_entity),
        dataverse_table=table,
        ref=ref,
        description=_string(extension, "description", at) or None,
        keys=[_path(k, f"{at}.key[{i}]") for i, k in enumerate(_strings(extension, "key", at))],
        company_specific=extension.get("company_specific") is True,
        origins=_strings(extension, "origins", at),
        unmapped=unmapped,
        source_filter=_filter(
            _string(leg, "sourceFilter", where), "finance_operations", f"{where}.sourceFilter"
        ),
        reversed_filter=_filter(
            _string(leg, "reversedSourceFilter", where), "odata", f"{where}.reversedSourceFilter"
        ),
    )
    if not extension or set(extension) <= {"key"}:  # dual-write's own JSON (key: its record)
        missing = (
            "Field types and the reference id"
            if extension
            else ("Field types, the integration key and the reference id")
        )
        view.comment = [
            f"Imported from the dual-write table map {origin}.",
            f"{missing} are not in that JSON: add them.",
        ]
    value_maps: dict[str, ValueMapView] = {}
    for index, raw in enumerate(_require(leg, "fieldMappings", list, where)):
        spot = f"{where}.fieldMappings[{index}]"
        row = _import_row(raw, spot, name, value_maps, known_maps or {})
        _not_expressed(raw, _FIELD_KEYS, spot, notes)
        for number, transform in enumerate(raw.get("valueTransforms") or []):
            if isinstance(transform, Mapping):
                _not_expressed(
                    transform, _TRANSFORM_KEYS, f"{spot}.valueTransforms[{number}]", notes
                )
        if isinstance(raw, Mapping) and raw.get("isSystemGenerated") is True:
            # A row dual-write adds itself (a lookup's key, say): kept as such, not as ours.
            row.disabled = True
            row.comments.append("added by dual-write itself (isSystemGenerated): not a row of ours")
        view.rows.append(row)
        related = raw.get("destinationLookupFieldRelatedEntity")
        if isinstance(related, str) and related and "." in view.rows[-1].dataverse:
            related = _name(related, f"{spot}.destinationLookupFieldRelatedEntity", "table")
            view.lookups.setdefault(view.rows[-1].dataverse.split(".")[0], related)
    for row in view.rows:
        column = row.dataverse.split(".")[0]
        known = "." in row.dataverse and not row.disabled and column not in view.lookups
        if known and (related := lookup_table(table, column)) is not None:
            view.lookups[column] = related
    mark_mapped_twice(view, "in the table map")
    return name, render_template(view, list(value_maps.values()))


def _path(value: str, where: str) -> str:
    if not _PATH.fullmatch(value):
        raise TableMapError(f"{where}: `{_shown(value)}` is not a Dataverse column or lookup")
    return value


def _declared_type(data: Mapping[str, Any], where: str) -> str:
    kind = data.get("type")
    if kind is None:
        return ""
    if kind not in _KINDS:
        raise TableMapError(f"{where}.type: `{_shown(kind)}` is not a field type")
    size = data.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise TableMapError(f"{where}.size: expected a whole number, not {_shown(size)}")
    return f" : {kind}" + (f"({size})" if size is not None else "")


def _direction(raw: Mapping[str, Any], where: str) -> int:
    """`syncDirection`: 1, 2 or 3, which dual-write often writes as a string ("3")."""
    direction = raw.get("syncDirection")
    if isinstance(direction, str) and direction.strip() in {"1", "2", "3"}:
        return int(direction)
    if isinstance(direction, int) and not isinstance(direction, bool) and direction in (1, 2, 3):
        return direction
    raise TableMapError(f"{where}.syncDirection: must be 1, 2 or 3, not {_shown(direction)}")


def _import_row(
    raw: object,
    where: str,
    template: str,
    value_maps: dict[str, ValueMapView],
    known_maps: KnownMaps,
) -> Row:
    if not isinstance(raw, Mapping):
        raise TableMapError(f"{where}: expected a JSON object")
    direction = _direction(raw, where)
    raw_extension = raw.get(EXTENSION)
    extension: Mapping[str, Any] = raw_extension if isinstance(raw_extension, Mapping) else {}
    source = _string(raw, "sourceField", where) or "none"
    if source != "none":
        _name(source, f"{where}.sourceField", "finance and operations field")
    destination = _string(raw, "destinationField", where) or "none"
    if destination != "none":
        _path(destination, f"{where}.destinationField")
    transforms = raw.get("valueTransforms") or []
    if not isinstance(transforms, list):
        raise TableMapError(f"{where}.valueTransforms: must be a list")
    rest = _declared_type(extension, f"{where}.{EXTENSION}")
    kind = extension.get("type")
    default: str | None = None
    for index, transform in enumerate(transforms):
        spot = f"{where}.valueTransforms[{index}]"
        if not isinstance(transform, Mapping):
            raise TableMapError(f"{spot}: a value transform must be a JSON object")
        if transform.get("transformType") == "ValueMap":
            mapping = transform.get("valueMap")
            if not isinstance(mapping, Mapping):
                raise TableMapError(f"{spot}: ValueMap without a valueMap object")
            known = _known_map(mapping, known_maps) if "valueMap" not in extension else None
            rest += " via " + (
                known or _value_map(mapping, extension, template, source, value_maps, spot)
            )
        elif transform.get("transformType") == "Default":
            value = transform.get("defaultValue")
            if value is not None and not isinstance(value, str | int | float):
                raise TableMapError(f"{spot}.defaultValue: expected a string or a number")
            default = None if value is None else str(value)
            if default is not None and any(hidden(c) for c in default):
                raise TableMapError(f"{spot}.defaultValue: holds a character that is not text")
        else:
            raise TableMapError(
                f"{spot}: unknown transformType {_shown(transform.get('transformType'))}"
            )
    if default is not None:
        written = extension.get("default")
        if isinstance(written, str) and _LITERAL.fullmatch(written):
            rest += f" default {written}"
        else:
            rest += " default " + dsl_value(default, kind if isinstance(kind, str) else None)
    map_type = extension.get("mapType")
    if map_type is not None and map_type not in {m.value for m in ir.MapType}:
        raise TableMapError(f"{where}.{EXTENSION}.mapType: `{_shown(map_type)}` is not a map type")
    if map_type is None:
        map_type = ir.MapType.of(direction, transforms=bool(transforms)).value
    elif map_type in {"><", ">>", "<<"} and not transforms:
        rest += " via unpublished"  # a transform whose value map the source did not publish
    return Row(fo=source, map_type=map_type, dataverse=destination, rest=rest)


def _known_map(mapping: Mapping[str, Any], known_maps: KnownMaps) -> str | None:
    """The project's value map with these entries, symbols compared without case."""

    def same(entries: list[tuple[str, object]]) -> set[tuple[str, str]]:
        return {(str(k).lower(), str(v).lower()) for k, v in entries}

    wanted = same(list(mapping.items()))
    found = [name for name, entries in sorted(known_maps.items()) if same(entries) == wanted]
    return found[0] if len(found) == 1 else None


def _value_map(
    mapping: Mapping[str, Any],
    extension: Mapping[str, Any],
    template: str,
    owner: str,
    value_maps: dict[str, ValueMapView],
    where: str,
) -> str:
    """The DSL for a value map: a named one declared once per file, or inline as exported."""
    for key, value in mapping.items():
        if any(hidden(c) for c in key) or (
            isinstance(value, str) and any(hidden(c) for c in value)
        ):
            raise TableMapError(
                f"{where}.valueMap: `{_shown(key)}` holds a character that is not text"
            )
        if value is not None and not isinstance(value, str | int | float):
            raise TableMapError(f"{where}.valueMap.{_shown(key)}: expected a string or a number")
    values = [v if v is None else str(v) for v in mapping.values()]
    kinds = {"bool" if str(v).lower() in {"true", "false"} else "int" for v in values if v}
    kind = kinds.pop() if len(kinds) == 1 else "str"
    entries = [(dsl_name(str(k)), dsl_value(v, kind)) for k, v in zip(mapping, values, strict=True)]
    name = extension.get("valueMap")
    if isinstance(name, str) and "." in name:  # written inline in the source template
        return "{ " + ", ".join(f"{s}: {v}" for s, v in entries) + " }"
    if name is None:
        name = names.pascal(f"{template}_{owner}")
    name = (
        _name(name, f"{where} ({EXTENSION}.valueMap)", "value map")
        if isinstance(name, str)
        else None
    )
    if name is None:
        raise TableMapError(f"{where}: {EXTENSION}.valueMap must be a name")
    if name not in value_maps:
        value_maps[name] = ValueMapView(name, entries)
    return name
