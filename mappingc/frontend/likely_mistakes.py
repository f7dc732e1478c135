"""Rules for what builds but is almost always a mistake: a template without a key, a row with its
sides swapped, a value map that mixes types, and filter values that can never match.

They are separate from `checks` because they judge intent, not well-formedness: most are
warnings, each with a code that a template published that way can suppress.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic, did_you_mean
from mappingc.frontend import enums
from mappingc.frontend.located import at
from mappingc.sides import Side

# How names look in every published template: FO fields in capitals, Dataverse columns in lower
# case with a publisher prefix (`msdyn_`, `cdm_`, `mserp_`).
_FO_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_DATAVERSE_NAME = re.compile(r"[a-z][a-z0-9]*_[a-z0-9_]+")


def no_key(template: ir.Template, _catalog: ir.Catalog) -> Iterator[Diagnostic]:
    if template.keys:
        return
    if template.origins:
        # Microsoft's tables state no keys (dual-write takes the table's alternate key): a
        # published template without one is as published, not a mistake.
        yield at(
            template.location,
            Code.UNSTATED_KEY,
            f"template `{template.name}` has no key; its published table states none",
            "`mappingc sync` leaves it out until it has one: add `key <column>`",
        )
        return
    yield at(
        template.location,
        Code.NO_KEY,
        f"template `{template.name}` has no key",
        "the sync matches rows by it and dual-write needs one: add `key <column>`",
    )


def sides_swapped(template: ir.Template, _catalog: ir.Catalog) -> Iterator[Diagnostic]:
    for row in template.rows:
        fo, dataverse = row.finance_operations, row.dataverse
        if fo is None or dataverse is None or dataverse.is_lookup:
            continue
        if _DATAVERSE_NAME.fullmatch(fo) and _FO_NAME.fullmatch(dataverse.column):
            yield at(
                row.location,
                Code.SIDES_SWAPPED,
                f"`{fo} {row.map_type.value} {dataverse.column}` looks swapped: "
                "the FO field comes first",
                f"write `{dataverse.column} {_mirrored(row.map_type).value} {fo}`",
            )


def _mirrored(map_type: ir.MapType) -> ir.MapType:
    """The map type that says the same with the sides exchanged."""
    mirror = {">": "<", "<": ">", ">>": "<<", "<<": ">>"}
    return ir.MapType(mirror.get(map_type.value, map_type.value))


def mixed_value_maps(catalog: ir.Catalog) -> Iterator[Diagnostic]:
    """Reported once per value map that some template uses, at the value map (a catalog-wide
    rule: which templates use a map is found in one pass, not per template)."""
    used = {r.value_map for t in catalog.templates for r in t.rows if r.value_map is not None}
    for name in sorted(used):
        value_map = catalog.value_maps.get(name)
        if value_map is None or not value_map.mixed:
            continue
        yield at(
            value_map.location,
            Code.MIXED_VALUE_MAP,
            f"value map `{name}` mixes {' and '.join(value_map.mixed)}: every value is "
            "written as text",
            "Dataverse keeps one type per column: write every value as a number, or as text",
        )


def filter_values(template: ir.Template, catalog: ir.Catalog) -> Iterator[Diagnostic]:
    """Values an FO source filter compares a field with that the field can never hold."""
    which = template.source_filter
    if which is None or not template.complete:
        return
    rows = {r.finance_operations.lower(): r for r in template.rows if r.finance_operations}
    for term in ir.filter_terms(which.expression):
        field = template.filter_field(Side.FINANCE_OPERATIONS, term.field)
        row = rows.get(field.lower()) if field else None
        value = term.value.value
        if row is None or value is None or not isinstance(term, ir.Comparison):
            continue
        if term.member is not None:  # a number FO reads as a known enum's member
            continue
        value_map = catalog.value_maps.get(row.value_map) if row.value_map else None
        if enums.is_number(value) and (value_map is not None or enums.holds_words(row)):
            continue  # an enum compared with a number: mappingc.frontend.enums
        if value_map is not None:
            yield from _against_symbols(term, value_map, value)
        elif row.type.declared and (expected := _cannot_hold(row.type.kind, value)):
            yield at(
                term.field_location,
                Code.FILTER_VALUE,
                f"`{term.field}` is {row.type.kind.value}, and is compared with {term.value_text}",
                f"compare it with {expected}",
            )


def _cannot_hold(kind: ir.Kind, value: object) -> str | None:
    """What a field of `kind` holds, if `value` is not such a thing even as X++ text compares
    (`"12"` equals 12)."""
    text = str(value).strip()
    if kind in (ir.Kind.INT, ir.Kind.INT64, ir.Kind.DECIMAL):
        return None if re.fullmatch(r"-?\d+(\.\d+)?", text) else "a number"
    if kind is ir.Kind.BOOL:
        known = {"true", "false", "yes", "no", "1", "0"}
        return None if text.lower() in known else "True or False"
    if kind in (ir.Kind.DATE, ir.Kind.DATETIME):
        return None if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text) else 'an ISO date ("2024-01-31")'
    return None


def _against_symbols(
    term: ir.Comparison, value_map: ir.ValueMap, value: object
) -> Iterator[Diagnostic]:
    symbols = [e.symbol for e in value_map.entries]
    if isinstance(value, str) and value.lower() not in {s.lower() for s in symbols}:
        yield at(
            term.field_location,
            Code.FILTER_VALUE,
            f"`{term.field}` is compared with {term.value_text}, which is not a symbol of "
            f"value map `{value_map.name}`",
            did_you_mean(value, symbols) or f"its symbols: {', '.join(symbols)}",
        )
