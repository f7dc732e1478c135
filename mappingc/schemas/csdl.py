"""OData CSDL `$metadata` (the document Dataverse's Web API and FO's `/data` both publish) →
snapshots, one per entity type that an entity set exposes.

Read with defusedxml: a document type declaration or an entity is refused outright, so a hostile
document cannot expand a billion laughs or read a local file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field, replace

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from mappingc.schemas.snapshot import Field, Option, Snapshot
from mappingc.sides import Side

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
_TYPES = {
    "Edm.String": "string",
    "Edm.Int16": "int",
    "Edm.Int32": "int",
    "Edm.Byte": "int",
    "Edm.SByte": "int",
    "Edm.Int64": "int64",
    "Edm.Decimal": "decimal",
    "Edm.Double": "decimal",
    "Edm.Single": "decimal",
    "Edm.Boolean": "bool",
    "Edm.Date": "date",
    "Edm.DateTimeOffset": "datetime",
    "Edm.Guid": "guid",
    "Edm.Binary": "binary",
    "Edm.Stream": "binary",
}
DESCRIPTION = "Org.OData.Core.V1.Description"
COMPUTED = "Org.OData.Core.V1.Computed"
PERMISSIONS = "Org.OData.Core.V1.Permissions"
ALTERNATE_KEYS = "OData.Community.Keys.V1.AlternateKeys"


class CsdlError(ValueError):
    """A document that is not CSDL, or that defusedxml refused; the message says which."""


@dataclass
class _EntityType:
    name: str
    base: str | None
    abstract: bool
    key: list[str] = field(default_factory=list)
    properties: list[ElementTree.Element] = field(default_factory=list)
    navigation: list[ElementTree.Element] = field(default_factory=list)
    annotations: list[ElementTree.Element] = field(default_factory=list)


def _local(qualified: str, aliases: dict[str, str]) -> str:
    """`mscrm.account` or `Microsoft.Dynamics.CRM.account` → `account`."""
    for prefix in aliases:
        if qualified.startswith(prefix + "."):
            return qualified[len(prefix) + 1 :]
    return qualified.rsplit(".", 1)[-1]


def _annotation(element: ElementTree.Element, term: str) -> ElementTree.Element | None:
    for child in element.findall(f"{EDM}Annotation"):
        if child.get("Term") == term:
            return child
    return None


def _read_only(element: ElementTree.Element) -> bool:
    computed = _annotation(element, COMPUTED)
    if computed is not None and computed.get("Bool", "true") == "true":
        return True
    permissions = _annotation(element, PERMISSIONS)
    if permissions is None:
        return False
    members = {m.text or "" for m in permissions.iter(f"{EDM}EnumMember")}
    members |= {permissions.get("EnumMember", "")}
    return any(m.endswith("/Read") for m in members) and not any(
        m.endswith(("/ReadWrite", "/Write")) for m in members
    )


def _alternate_keys(annotations: list[ElementTree.Element]) -> tuple[tuple[str, ...], ...] | None:
    for annotation in annotations:
        if annotation.get("Term") != ALTERNATE_KEYS:
            continue
        keys = []
        for record in annotation.iter(f"{EDM}Record"):
            if not (record.get("Type") or "").endswith("AlternateKey"):
                continue
            names = [
                value.get("PropertyPath") or ""
                for value in record.iter(f"{EDM}PropertyValue")
                if value.get("Property") == "Name"
            ]
            keys.append(tuple(n for n in names if n))
        return tuple(sorted(keys))
    return None


def _side(namespaces: list[str]) -> Side | None:
    if any(n.startswith("Microsoft.Dynamics.CRM") for n in namespaces):
        return Side.DATAVERSE
    if any(n.startswith("Microsoft.Dynamics.DataEntities") for n in namespaces):
        return Side.FINANCE_OPERATIONS
    return None


def read(
    data: bytes, source: str, side: Side | None = None, complete: bool = True
) -> list[Snapshot]:
    """Every entity type an entity set exposes, as snapshots; `source` names the document.
    `complete`: the document is the environment's own, listing every field."""
    try:
        root = fromstring(data)
    except DefusedXmlException as error:
        raise CsdlError(
            f"{source}: refused: {type(error).__name__} (no DTDs or entities)"
        ) from None
    except ElementTree.ParseError as error:
        raise CsdlError(f"{source}: not well-formed XML: {error}") from None
    if root.tag != f"{EDMX}Edmx":
        raise CsdlError(f"{source}: not an OData CSDL document (its root is {root.tag})")
    schemas = list(root.iter(f"{EDM}Schema"))
    aliases = {s.get("Namespace", ""): s.get("Alias", "") for s in schemas}
    prefixes = {p: p for p in [*aliases, *aliases.values()] if p}
    side = side or _side(list(aliases))
    if side is None:
        raise CsdlError(
            f"{source}: cannot tell whether this is Dataverse or finance and operations "
            "metadata (neither Microsoft.Dynamics.CRM nor Microsoft.Dynamics.DataEntities)"
        )
    types: dict[str, _EntityType] = {}
    enums: dict[str, tuple[Option, ...]] = {}
    sets: dict[str, str] = {}
    external: dict[str, list[ElementTree.Element]] = {}
    for schema in schemas:
        for element in schema:
            name = element.get("Name", "")
            if element.tag == f"{EDM}EntityType":
                entity = _EntityType(
                    name, element.get("BaseType"), element.get("Abstract") == "true"
                )
                entity.key = [r.get("Name", "") for r in element.iter(f"{EDM}PropertyRef")]
                entity.properties = element.findall(f"{EDM}Property")
                entity.navigation = element.findall(f"{EDM}NavigationProperty")
                entity.annotations = element.findall(f"{EDM}Annotation")
                types[name] = entity
            elif element.tag == f"{EDM}EnumType":
                enums[name] = tuple(
                    Option(_int(m.get("Value")), m.get("Name", ""))
                    for m in element.findall(f"{EDM}Member")
                )
            elif element.tag == f"{EDM}EntityContainer":
                for entity_set in element.findall(f"{EDM}EntitySet"):
                    target = _local(entity_set.get("EntityType", ""), prefixes)
                    sets.setdefault(target, entity_set.get("Name", ""))
            elif element.tag == f"{EDM}Annotations":
                target = _local(element.get("Target", ""), prefixes)
                external.setdefault(target, []).extend(element.findall(f"{EDM}Annotation"))
    snapshots = []
    for name in sorted(sets):
        if name not in types or types[name].abstract:
            continue
        chain = _chain(types, name, prefixes)
        found = _snapshot(side, name, sets[name], chain, enums, external, prefixes, source)
        snapshots.append(replace(found, complete=complete))
    return snapshots


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _chain(types: dict[str, _EntityType], name: str, prefixes: dict[str, str]) -> list[_EntityType]:
    """The entity type and the types it derives from, base first; a cycle ends the chain."""
    chain: list[_EntityType] = []
    current: str | None = name
    while current is not None and current in types and types[current] not in chain:
        chain.insert(0, types[current])
        base = types[current].base
        current = _local(base, prefixes) if base else None
    return chain


def _snapshot(
    side: Side,
    name: str,
    entity_set: str,
    chain: list[_EntityType],
    enums: dict[str, tuple[Option, ...]],
    external: dict[str, list[ElementTree.Element]],
    prefixes: dict[str, str],
    source: str,
) -> Snapshot:
    fields: dict[str, Field] = {}
    lookups: dict[str, list[str]] = {}  # `_x_value` → the tables its navigation points at
    for entity in chain:
        for nav in entity.navigation:
            target = nav.get("Type", "")
            if target.startswith("Collection("):
                continue
            for constraint in nav.findall(f"{EDM}ReferentialConstraint"):
                lookups.setdefault(constraint.get("Property", ""), []).append(
                    _local(target, prefixes)
                )
    for entity in chain:
        for prop in entity.properties:
            item = _field(prop, side, enums, lookups, prefixes)
            if item is not None:
                fields[item.name] = item
    key = tuple(chain[-1].key) if chain else ()
    for entity in chain:
        key = tuple(entity.key) or key
    annotations = [a for e in chain for a in e.annotations] + external.get(name, [])
    names = {f.casefold() for f in fields}
    return Snapshot(
        side=side,
        name=name,
        entity_set=entity_set,
        primary_key=key,
        alternate_keys=_alternate_keys(annotations),
        company_specific=("dataareaid" in names) if side is Side.FINANCE_OPERATIONS else None,
        sources=(source,),
        fields=tuple(fields.values()),
    )


def _field(
    prop: ElementTree.Element,
    side: Side,
    enums: dict[str, tuple[Option, ...]],
    lookups: dict[str, list[str]],
    prefixes: dict[str, str],
) -> Field | None:
    name = prop.get("Name", "")
    edm = prop.get("Type", "")
    description_element = _annotation(prop, DESCRIPTION)
    description = description_element.get("String") if description_element is not None else None
    if side is Side.DATAVERSE and name.startswith("_") and name.endswith("_value"):
        column = name[1:-6]  # `_organizationid_value` is the lookup column `organizationid`
        targets = tuple(sorted(set(lookups.get(name, []))))
        return Field(column, "lookup", targets=targets, description=description or None)
    kind = _TYPES.get(edm)
    options = None
    if kind is None:
        enum = enums.get(_local(edm, prefixes))
        if enum is None:
            kind = "unknown"
        else:
            kind, options = "choice", enum
    scale = prop.get("Scale")
    return Field(
        name=name,
        type=kind,
        max_length=_int(prop.get("MaxLength")) if kind == "string" else None,
        scale=_int(scale) if kind == "decimal" and scale != "Variable" else None,
        # Nullable="false" says the value is never empty once stored, not that a create must
        # supply it (Dataverse sets many such columns itself): requiredness stays unknown.
        required=None,
        read_only=_read_only(prop),
        description=description or None,
        options=options,
    )
