"""A schema snapshot: what one FO data entity or one Dataverse table looks like, as its metadata
says, in a file of its own that lives in git and is read in review.

The file is JSON written one way only (keys in a fixed order, fields sorted by name, two-space
indents, a final newline), so that importing the same metadata twice gives the same bytes and a
metadata change shows as a small diff. `None` means the metadata does not say; `false` and `[]`
mean it says no.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mappingc.sides import Side

FORMAT = 1

# The types a field can have. `int` is 32-bit and `int64` 64-bit, as both systems store them;
# `choice` is an option set (Dataverse) or an enum (FO); `lookup` points at another table.
TYPES = (
    "string",
    "int",
    "int64",
    "decimal",
    "bool",
    "date",
    "datetime",
    "guid",
    "choice",
    "lookup",
    "binary",
    "unknown",
)


class SnapshotError(ValueError):
    """A snapshot file that is not one; the message says where and what."""


@dataclass(frozen=True)
class Option:
    """An option-set value with its label, or an FO enum member (value: its integer, if known)."""

    value: int | None
    label: str


@dataclass(frozen=True)
class Field:
    name: str  # as the system spells it: `CardTenderType`, `isocurrencycode`
    type: str  # one of TYPES
    max_length: int | None = None
    scale: int | None = None
    required: bool | None = None
    # Who refuses a row without it, where the metadata says: "system" (the platform, on every
    # write) or "application" (forms only: a write through the API, as dual-write's, may omit it).
    required_level: str | None = None
    read_only: bool = False
    description: str | None = None
    options: tuple[Option, ...] | None = None  # for `choice` (and `bool`, when labelled)
    targets: tuple[str, ...] = ()  # for `lookup`: the tables' logical names
    # Where the type was read when not from the field itself (FO entities type every field as
    # text; the type then comes from the backing table's field of the same name).
    type_from: str | None = None


@dataclass(frozen=True)
class Snapshot:
    side: Side
    name: str  # FO: the entity name; Dataverse: the table's logical name
    label: str | None = None  # FO: the entity's label, which templates name it by
    entity_set: str | None = None  # Dataverse: the Web API collection templates name it by
    primary_key: tuple[str, ...] = ()
    alternate_keys: tuple[tuple[str, ...], ...] | None = None
    company_specific: bool | None = None
    sources: tuple[str, ...] = ()  # where it was read, e.g. `DynamicsCRM.xml`
    fields: tuple[Field, ...] = field(default_factory=tuple)
    # Whether `fields` is every field: true for an environment's own `$metadata`; false for a
    # model (CDM) or an export of an environment without the solutions a template relies on.
    complete: bool = True

    @property
    def file_name(self) -> str:
        return f"{self.side.value}/{self.name}.json"

    def field(self, name: str) -> Field | None:
        """The field `name`; FO names compare without case, as dual-write compares them."""
        if self.side is Side.FINANCE_OPERATIONS:
            return _index(self).get(name.casefold())
        return _index(self).get(name)


_INDEXES: dict[int, tuple[Snapshot, dict[str, Field]]] = {}


def _index(snapshot: Snapshot) -> dict[str, Field]:
    """A snapshot's fields by name (folded for FO), built once per snapshot."""
    known = _INDEXES.get(id(snapshot))
    if known is not None and known[0] is snapshot:
        return known[1]
    fold = snapshot.side is Side.FINANCE_OPERATIONS
    index: dict[str, Field] = {}
    for item in snapshot.fields:
        index.setdefault(item.name.casefold() if fold else item.name, item)
    _INDEXES[id(snapshot)] = (snapshot, index)
    return index


def _field_json(item: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": item.name, "type": item.type}
    for key in ("max_length", "scale", "required", "required_level"):
        if getattr(item, key) is not None:
            out[key] = getattr(item, key)
    if item.read_only:
        out["read_only"] = True
    if item.targets:
        out["targets"] = list(item.targets)
    if item.options is not None:
        out["options"] = [{"value": o.value, "label": o.label} for o in item.options]
    if item.type_from:
        out["type_from"] = item.type_from
    if item.description:
        out["description"] = item.description
    return out


def dumps(snapshot: Snapshot) -> str:
    data: dict[str, Any] = {
        "mappingc_schema": FORMAT,
        "side": snapshot.side.value,
        "name": snapshot.name,
        "label": snapshot.label,
        "entity_set": snapshot.entity_set,
        "primary_key": list(snapshot.primary_key),
        "alternate_keys": (
            None if snapshot.alternate_keys is None else [list(k) for k in snapshot.alternate_keys]
        ),
        "company_specific": snapshot.company_specific,
        "complete": snapshot.complete,
        "sources": list(snapshot.sources),
        "fields": [_field_json(f) for f in sorted(snapshot.fields, key=lambda f: f.name)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _expect(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise SnapshotError(f"{where}: expected {kind.__name__}, found {type(value).__name__}")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = _expect(value, list, where)
    return tuple(_expect(v, str, f"{where}[{i}]") for i, v in enumerate(items))


def _optional(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    return None if value is None else _expect(value, kind, f"{where}.{key}")


def _option(data: Any, where: str) -> Option:
    data = _expect(data, dict, where)
    return Option(_optional(data, "value", int, where), _expect(data.get("label"), str, where))


REQUIRED_LEVELS = ("system", "application")


def _level(data: dict[str, Any], where: str) -> str | None:
    level: str | None = _optional(data, "required_level", str, where)
    if level is not None and level not in REQUIRED_LEVELS:
        raise SnapshotError(f"{where}.required_level: {level!r} is not one of system, application")
    return level


def _field(data: Any, where: str) -> Field:
    data = _expect(data, dict, where)
    unknown = sorted(set(data) - {*Field.__dataclass_fields__, "options"})
    if unknown:
        raise SnapshotError(f"{where}: unknown keys {', '.join(unknown)}")
    kind = _expect(data.get("type"), str, f"{where}.type")
    if kind not in TYPES:
        raise SnapshotError(f"{where}.type: {kind!r} is not one of {', '.join(TYPES)}")
    options = None
    if data.get("options") is not None:
        listed = _expect(data["options"], list, f"{where}.options")
        options = tuple(_option(o, f"{where}.options[{i}]") for i, o in enumerate(listed))
    return Field(
        name=_expect(data.get("name"), str, f"{where}.name"),
        type=kind,
        max_length=_optional(data, "max_length", int, where),
        scale=_optional(data, "scale", int, where),
        required=_optional(data, "required", bool, where),
        required_level=_level(data, where),
        read_only=bool(_optional(data, "read_only", bool, where)),
        description=_optional(data, "description", str, where),
        options=options,
        targets=_strings(data.get("targets", []), f"{where}.targets"),
        type_from=_optional(data, "type_from", str, where),
    )


def loads(text: str, where: str) -> Snapshot:
    """A snapshot from its file's text; `where` names the file in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotError(f"{where}:{error.lineno}:{error.colno}: {error.msg}") from None
    data = _expect(data, dict, where)
    if data.get("mappingc_schema") != FORMAT:
        raise SnapshotError(f"{where}: not a mappingc schema snapshot (format {FORMAT})")
    try:
        side = Side(data.get("side"))
    except ValueError:
        raise SnapshotError(f"{where}: side must be finance_operations or dataverse") from None
    keys = data.get("alternate_keys")
    return Snapshot(
        side=side,
        name=_expect(data.get("name"), str, f"{where}.name"),
        label=_optional(data, "label", str, where),
        entity_set=_optional(data, "entity_set", str, where),
        primary_key=_strings(data.get("primary_key", []), f"{where}.primary_key"),
        alternate_keys=(
            None
            if keys is None
            else tuple(_strings(k, f"{where}.alternate_keys[{i}]") for i, k in enumerate(keys))
        ),
        company_specific=_optional(data, "company_specific", bool, where),
        complete=_expect(data.get("complete", True), bool, f"{where}.complete"),
        sources=_strings(data.get("sources", []), f"{where}.sources"),
        fields=tuple(
            _field(f, f"{where}.fields[{i}]")
            for i, f in enumerate(_expect(data.get("fields", []), list, f"{where}.fields"))
        ),
    )
