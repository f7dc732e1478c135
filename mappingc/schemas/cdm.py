"""Common Data Model `.cdm.json` documents → snapshots: Dataverse tables (with their layers) and
FO data entities, types resolved through the documents they import.

A corpus path `cdm:/x` or `/x` is relative to the corpus root (the folder holding
`foundations.cdm.json`); any other path is relative to the importing document. Names are looked up
in the document, then in its imports; `moniker/Name` in the import with that moniker.

FO entities type every field as text; where the entity's backing table has a field of the same
name, that field's type is taken instead and the snapshot says so (`type_from`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mappingc.schemas.snapshot import Field, Option, Snapshot
from mappingc.sides import Side

# Data type names at which resolution stops, checked before following `extendsDataType`, so
# `dateTime` (which extends `date`) is a datetime and `bigInteger` (extends `integer`) 64-bit.
_BASE_TYPES = {
    "listLookup": "choice",
    "listLookupCorrelated": "choice",
    "bigInteger": "int64",
    "integer": "int",
    "smallInteger": "int",
    "tinyInteger": "int",
    "decimal": "decimal",
    "double": "decimal",
    "float": "decimal",
    "boolean": "bool",
    "dateTime": "datetime",
    "dateTimeOffset": "datetime",
    "date": "date",
    "time": "string",
    "entityId": "guid",
    "guid": "guid",
    "binary": "binary",
    "image": "binary",
    "string": "string",
    "char": "string",
}
_REQUIRED = {"systemrequired": True, "required": True, "recommended": False, "none": False}
# Who enforces it: the platform on every write, or forms only (Dataverse's ApplicationRequired,
# "business required"); FO's non-nullable fields are the platform's.
_LEVELS = {"systemrequired": "system", "required": "application"}
_MAX_DEPTH = 64  # how deep `extends` chains and attribute groups may nest before it is a cycle


class CdmError(ValueError):
    """A document that cannot be read or resolved; the message names it."""


@dataclass
class _Document:
    path: str  # corpus path, `core/applicationCommon/Currency.cdm.json`
    definitions: dict[str, dict[str, Any]]
    imports: list[tuple[str, str | None]]  # (corpus path, moniker)


@dataclass
class Corpus:
    """The documents of one CDM corpus, read once each, as references need them."""

    root: Path
    _documents: dict[str, _Document | None] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)  # imports that name no document

    @classmethod
    def around(cls, document: Path) -> Corpus:
        """The corpus a document belongs to: the nearest folder above it with foundations."""
        for folder in document.resolve().parents:
            if (folder / "foundations.cdm.json").is_file():
                return cls(folder)
        raise CdmError(
            f"{document}: no folder above it holds foundations.cdm.json, so its imports "
            "cannot be resolved; keep the CDM schemaDocuments folder whole"
        )

    def corpus_path(self, document: Path) -> str:
        return document.resolve().relative_to(self.root).as_posix()

    def document(self, path: str) -> _Document | None:
        if path in self._documents:
            return self._documents[path]
        file = self.root / path
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            self.missing.add(path)
            self._documents[path] = None
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CdmError(f"{path}: {error}") from None
        if not isinstance(data, dict):
            raise CdmError(f"{path}: not a CDM document (not a JSON object)")
        definitions: dict[str, dict[str, Any]] = {}
        for item in data.get("definitions", []):
            if not isinstance(item, dict):
                continue
            for key in ("entityName", "dataTypeName", "attributeGroupName", "traitName"):
                if isinstance(item.get(key), str):
                    definitions.setdefault(item[key], item)
        imports = []
        for entry in data.get("imports", []):
            target = entry.get("corpusPath", "") if isinstance(entry, dict) else ""
            if not isinstance(target, str) or not target:
                continue
            imports.append((_resolve(path, target), entry.get("moniker")))
        # Said now rather than when a name is looked up there: a document that is not there
        # leaves some types unknown, and the import says which.
        self.missing.update(p for p, _ in imports if not (self.root / p).is_file())
        found = _Document(path, definitions, imports)
        self._documents[path] = found
        return found

    def lookup(self, document: _Document, name: str) -> tuple[_Document, dict[str, Any]] | None:
        """The definition `name` (maybe `moniker/Name`) as `document` sees it."""
        if "/" in name:
            moniker, _, rest = name.partition("/")
            for path, alias in document.imports:
                if alias == moniker and (target := self.document(path)) is not None:
                    return self._visible(target, rest)
            return None
        return self._visible(document, name)

    def _visible(self, document: _Document, name: str) -> tuple[_Document, dict[str, Any]] | None:
        seen: set[str] = set()
        queue = [document]
        while queue:
            current = queue.pop(0)
            if current.path in seen:
                continue
            seen.add(current.path)
            if name in current.definitions:
                return current, current.definitions[name]
            for path, alias in current.imports:
                if alias is None and (target := self.document(path)) is not None:
                    queue.append(target)
        return None


def _resolve(importer: str, target: str) -> str:
    if target.startswith("cdm:/"):
        return target[len("cdm:/") :]
    if target.startswith("/"):
        return target[1:]
    return os.path.normpath(os.path.join(os.path.dirname(importer), target)).replace(os.sep, "/")


def _name_of(reference: Any) -> str | None:
    if isinstance(reference, str):
        return reference
    if isinstance(reference, dict):
        for key in ("dataTypeReference", "entityReference", "traitReference", "source"):
            if isinstance(reference.get(key), str):
                return str(reference[key])
    return None


def _traits(node: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    for key in ("appliedTraits", "exhibitsTraits"):
        for trait in node.get(key, []) or []:
            name = _name_of(trait)
            if name is not None:
                args = trait.get("arguments", []) if isinstance(trait, dict) else []
                yield name, args if isinstance(args, list) else []


def _argument(args: list[Any], name: str) -> Any:
    for arg in args:
        if isinstance(arg, dict) and arg.get("name") == name:
            return arg.get("value")
    return None


def _options(data_type: Any) -> tuple[Option, ...] | None:
    if not isinstance(data_type, dict):
        return None
    for trait, args in _traits(data_type):
        if trait != "does.haveDefault":
            continue
        for arg in args:
            reference = arg.get("entityReference") if isinstance(arg, dict) else None
            rows = reference.get("constantValues") if isinstance(reference, dict) else None
            if isinstance(rows, list):
                # {languageTag, displayText, attributeValue, displayOrder[, correlatedValue]}
                found = [
                    Option(_number(row[2]), str(row[1]))
                    for row in rows
                    if isinstance(row, list) and len(row) >= 3 and row[0] == "en"
                ]
                return tuple(found)
    return None


def _number(text: Any) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class _Reader:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def base_type(self, document: _Document, data_type: Any) -> str:
        name = _name_of(data_type)
        for _ in range(_MAX_DEPTH):
            if name is None:
                return "unknown"
            if name in _BASE_TYPES:
                return _BASE_TYPES[name]
            found = self.corpus.lookup(document, name)
            if found is None:
                return "unknown"
            document, definition = found
            name = _name_of(definition.get("extendsDataType"))
        return "unknown"

    def entity(self, document: _Document, name: str) -> tuple[_Document, dict[str, Any]] | None:
        return self.corpus.lookup(document, name)

    def chain(
        self, document: _Document, entity: dict[str, Any]
    ) -> list[tuple[_Document, dict[str, Any]]]:
        """The entity and the entities it extends, most derived first."""
        chain = [(document, entity)]
        for _ in range(_MAX_DEPTH):
            parent = _name_of(chain[-1][1].get("extendsEntity"))
            found = self.entity(chain[-1][0], parent) if parent else None
            if found is None or any(found[1] is e for _, e in chain):
                break
            chain.append(found)
        return chain

    def attributes(
        self, document: _Document, entity: dict[str, Any]
    ) -> Iterator[tuple[_Document, dict[str, Any]]]:
        """Every attribute of the entity, its bases' first, attribute groups opened."""
        for owner, definition in reversed(self.chain(document, entity)):
            yield from self._members(owner, definition.get("hasAttributes", []) or [], 0)

    def _members(
        self, document: _Document, members: list[Any], depth: int
    ) -> Iterator[tuple[_Document, dict[str, Any]]]:
        if depth > _MAX_DEPTH:
            return
        for member in members:
            group: Any = None
            if isinstance(member, str):
                group = member
            elif isinstance(member, dict) and "attributeGroupReference" in member:
                group = member["attributeGroupReference"]
            elif isinstance(member, dict):
                yield document, member
                continue
            if isinstance(group, dict):
                yield from self._members(document, group.get("members", []) or [], depth + 1)
            elif isinstance(group, str) and (found := self.corpus.lookup(document, group)):
                owner, definition = found
                yield from self._members(owner, definition.get("members", []) or [], depth + 1)

    def logical_name(self, document: _Document, entity: dict[str, Any]) -> str | None:
        for _, definition in self.chain(document, entity):
            if isinstance(definition.get("sourceName"), str):
                return str(definition["sourceName"]).lower()
        return None


def read(corpus: Corpus, document_path: str) -> list[Snapshot]:
    """The Dataverse tables and FO data entities `document_path` defines (FO tables are read only
    to type the entities backed by them)."""
    document = corpus.document(document_path)
    if document is None:
        raise CdmError(f"{document_path}: no such document in {corpus.root}")
    reader = _Reader(corpus)
    snapshots = []
    for name, definition in sorted(document.definitions.items()):
        if "entityName" not in definition or definition.get("entityName") != name:
            continue
        if _is_entity(reader, document, definition):
            snapshots.append(_finance_operations(reader, document, definition))
        elif reader.logical_name(document, definition) is not None:
            snapshots.append(_dataverse(reader, document, definition))
    return snapshots


def _common(reader: _Reader, document: _Document, attribute: dict[str, Any]) -> dict[str, Any]:
    """Type, facets, requiredness and description of a data attribute."""
    data_type = attribute.get("dataType")
    kind = reader.base_type(document, data_type)
    required, level = None, None
    max_length = attribute.get("maximumLength")
    for trait, args in _traits(attribute):
        if trait == "is.requiredAtLevel":
            said = str(_argument(args, "level"))
            required, level = _REQUIRED.get(said), _LEVELS.get(said)
        elif trait == "is.constrained" and max_length is None:
            max_length = _number(_argument(args, "maximumLength"))
    if attribute.get("isNullable") is False:
        required, level = True, "system"
    description = attribute.get("description")
    return {
        "type": kind,
        "max_length": max_length if kind == "string" and isinstance(max_length, int) else None,
        "required": required,
        "required_level": level,
        "read_only": attribute.get("isReadOnly") is True,
        "description": description if isinstance(description, str) and description else None,
        "options": _options(data_type) if kind == "choice" else None,
    }


def _dataverse(reader: _Reader, document: _Document, entity: dict[str, Any]) -> Snapshot:
    fields: dict[str, Field] = {}
    primary: list[str] = []
    for owner, attribute in reader.attributes(document, entity):
        if "entity" in attribute:
            item = _lookup(reader, owner, attribute)
        else:
            name = attribute.get("sourceName") or str(attribute.get("name", "")).lower()
            item = Field(name=str(name), **_common(reader, owner, attribute))
            if _name_of(attribute.get("purpose")) == "identifiedBy":
                primary.append(item.name)
        if item is not None and item.name:
            fields[item.name] = item
    return Snapshot(
        side=Side.DATAVERSE,
        name=reader.logical_name(document, entity) or "",
        label=entity.get("displayName") if isinstance(entity.get("displayName"), str) else None,
        primary_key=tuple(primary[-1:]),  # the table's own id (a base's comes first)
        company_specific=None,
        sources=(f"cdm:{document.path}",),
        fields=tuple(fields.values()),
        complete=False,  # the standard model: an environment adds solutions' columns
    )


def _lookup(reader: _Reader, document: _Document, attribute: dict[str, Any]) -> Field | None:
    """An entity attribute: the foreign-key column it adds, pointing at the tables it names."""
    guidance = attribute.get("resolutionGuidance")
    by_reference = guidance.get("entityByReference") if isinstance(guidance, dict) else None
    foreign = by_reference.get("foreignKeyAttribute") if isinstance(by_reference, dict) else None
    if not isinstance(foreign, dict):
        return None
    name = foreign.get("sourceName") or str(foreign.get("name", "")).lower()
    reference = attribute.get("entity", {})
    reference = (
        reference.get("entityReference", reference) if isinstance(reference, dict) else reference
    )
    names: list[str] = []
    if isinstance(reference, dict):  # polymorphic: a throwaway entity with one option per table
        names = [n for a in reference.get("hasAttributes", []) if (n := _name_of(a.get("entity")))]
    elif isinstance(reference, str):
        names = [reference]
    targets = []
    for target in names:
        found = reader.entity(document, target)
        logical = reader.logical_name(*found) if found else None
        targets.append(logical or target.lower())
    common = _common(reader, document, foreign)
    return Field(
        name=str(name),
        type="lookup",
        required=common["required"],
        required_level=common["required_level"],
        read_only=common["read_only"],
        description=common["description"],
        targets=tuple(sorted(set(targets))),
    )


def _is_entity(reader: _Reader, document: _Document, definition: dict[str, Any]) -> bool:
    """An FO data entity (it extends DataEntityView), not a table."""
    names = {
        str(_name_of(d.get("extendsEntity")) or "") for _, d in reader.chain(document, definition)
    }
    return any(n.rsplit("/", 1)[-1] == "DataEntityView" for n in names)


# A backing table's field: (its document, the attribute, the table's name).
_TableField = tuple[_Document, dict[str, Any], str]


def _backing_fields(
    reader: _Reader, document: _Document, entity: dict[str, Any], depth: int = 0
) -> dict[str, _TableField]:
    """The typed fields behind an FO entity, by folded name: its backing table's, or, for an
    entity backed by another entity (`SalesOrderHeaderCDSEntity` → `SalesOrderHeaderV2Entity`),
    that entity's backing table's."""
    found: dict[str, _TableField] = {}
    if depth > 8:
        return found
    for owner, attribute in reader.attributes(document, entity):
        if not str(attribute.get("name", "")).startswith("BackingTable_"):
            continue
        target = _name_of(attribute.get("entity"))
        backing = reader.entity(owner, target) if target else None
        if backing is None:
            continue
        if _is_entity(reader, *backing):
            for folded, item in _backing_fields(reader, *backing, depth + 1).items():
                found.setdefault(folded, item)
            continue
        table_name = str(backing[1].get("entityName"))
        for table_owner, table_attribute in reader.attributes(*backing):
            field_name = table_attribute.get("name")
            if "entity" not in table_attribute and isinstance(field_name, str):
                found.setdefault(field_name.casefold(), (table_owner, table_attribute, table_name))
    return found


def _finance_operations(reader: _Reader, document: _Document, entity: dict[str, Any]) -> Snapshot:
    table = _backing_fields(reader, document, entity)
    fields = []
    for owner, attribute in reader.attributes(document, entity):
        name = attribute.get("name")
        if "entity" in attribute or not isinstance(name, str) or name == "RecId":
            continue
        common = _common(reader, owner, attribute)
        type_from = None
        if name.casefold() in table:
            table_owner, table_attribute, table_name = table[name.casefold()]
            typed = _common(reader, table_owner, table_attribute)
            common.update(type=typed["type"], max_length=typed["max_length"])
            type_from = f"backing table {table_name}"
        else:
            common.update(type="unknown")  # the entity's own `string` says nothing
        fields.append(Field(name=name, type_from=type_from, **common))
    label = entity.get("displayName")
    return Snapshot(
        side=Side.FINANCE_OPERATIONS,
        name=str(entity.get("entityName")),
        label=label if isinstance(label, str) else None,
        sources=(f"cdm:{document.path}",),
        fields=tuple(fields),
        complete=False,
    )
