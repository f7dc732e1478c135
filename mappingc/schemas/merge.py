"""One snapshot per table from several readings of it: a Dataverse table described by both the
Web API's `$metadata` and its CDM layers, or by several CDM layers.

What one reading knows and another does not is kept (a length, a requiredness, option labels);
where both know a field's type, the more precise one wins (an option set over the whole number
it is stored as, a lookup over the id it holds).
"""

from __future__ import annotations

from dataclasses import replace

from mappingc.schemas.snapshot import Field, Snapshot

# Where two readings type a field differently, one may say more of the same thing: an option
# set is stored as a whole number, a lookup holds an id. Otherwise the first reading's type
# stands (the importer reads `$metadata`, the Web API's own word, before CDM documents).
_MORE_PRECISE = {("int", "choice"), ("guid", "lookup")}


def _kind(old: str, new: str) -> str:
    if old == "unknown" or (old, new) in _MORE_PRECISE:
        return new
    return old


def _field(old: Field, new: Field) -> Field:
    kind = _kind(old.type, new.type) if new.type != "unknown" else old.type
    return Field(
        name=old.name,
        type=kind,
        max_length=old.max_length if old.max_length is not None else new.max_length,
        scale=old.scale if old.scale is not None else new.scale,
        required=old.required if old.required is not None else new.required,
        required_level=old.required_level or new.required_level,
        read_only=old.read_only or new.read_only,
        description=old.description or new.description,
        options=old.options if old.options is not None else new.options,
        targets=tuple(sorted({*old.targets, *new.targets})),
        type_from=old.type_from or new.type_from,
    )


def merge(first: Snapshot, other: Snapshot) -> Snapshot:
    """`first` completed by `other` (the same side and table)."""
    fields = {f.name: f for f in first.fields}
    for item in other.fields:
        fields[item.name] = _field(fields[item.name], item) if item.name in fields else item
    return replace(
        first,
        label=first.label or other.label,
        entity_set=first.entity_set or other.entity_set,
        primary_key=first.primary_key or other.primary_key,
        alternate_keys=(
            first.alternate_keys if first.alternate_keys is not None else other.alternate_keys
        ),
        company_specific=(
            first.company_specific if first.company_specific is not None else other.company_specific
        ),
        sources=tuple(sorted({*first.sources, *other.sources})),
        complete=first.complete or other.complete,
        fields=tuple(fields.values()),
    )


def merge_all(snapshots: list[Snapshot]) -> list[Snapshot]:
    """One snapshot per (side, name), in file-name order."""
    merged: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        key = snapshot.file_name
        merged[key] = merge(merged[key], snapshot) if key in merged else snapshot
    return [merged[k] for k in sorted(merged)]
