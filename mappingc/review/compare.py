"""Two checked catalogs compared: every change of a template, classified by `Rule`.

Templates are matched by their pair (FO entity, Dataverse table), as dual-write tells maps apart
(`matched`: a template renamed keeps its pair; one whose pair changed keeps its name), rows by
their field pair (`CARDNUMBER`, `msdyn_cardnumber`; `none`
for a side a row leaves out). A change is reported at its place in the new templates, or, for
what is gone, at its place in the old ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mappingc import ir
from mappingc.review.rules import Rule


@dataclass(frozen=True)
class Change:
    rule: Rule
    template: str
    location: ir.Location
    message: str
    old: bool = False  # where it points: the old templates (for what was removed)


RowKey = tuple[str, str]


def _row_key(row: ir.Row) -> RowKey:
    return (row.finance_operations or "none", row.dataverse.column if row.dataverse else "none")


def _folded(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def same_name(before: str, after: str) -> bool:
    """Two ways of writing one FO entity without metadata: its label and its name fold alike
    (`"Loyalty card"`, `LoyaltyCard`)."""
    return _folded(before) == _folded(after)


def compare(
    old: ir.Catalog, new: ir.Catalog, same_entity: Callable[[str, str], bool] = same_name
) -> list[Change]:
    """Every change from `old` to `new`, in the order of the new templates' sources.
    `same_entity` says whether two FO entity names name one entity (the schema snapshots know
    that `"Loyalty card"` is `RetailLoyaltyCardEntity`)."""
    changes: list[Change] = []
    pairs, removed, added = matched(old.templates, new.templates, same_entity)
    for before, after in pairs:
        if before.name != after.name:
            changes.append(
                Change(
                    Rule.TEMPLATE_REMOVED,
                    before.name,
                    before.location,
                    f"template `{before.name}` was renamed to `{after.name}`: its module and "
                    "docs move",
                    old=True,
                )
            )
        changes.extend(template_changes(before, after, old, new, same_entity))
    for template in removed:
        message = f"template `{template.name}` was removed: its rows stop syncing"
        changes.append(
            Change(Rule.TEMPLATE_REMOVED, template.name, template.location, message, old=True)
        )
    for template in added:
        message = f"template `{template.name}` was added"
        changes.append(Change(Rule.TEMPLATE_ADDED, template.name, template.location, message))
    return sorted(changes, key=lambda c: (c.old, c.location.path, c.location.line, c.rule))


def matched(
    old: tuple[ir.Template, ...],
    new: tuple[ir.Template, ...],
    same_entity: Callable[[str, str], bool],
) -> tuple[list[tuple[ir.Template, ir.Template]], list[ir.Template], list[ir.Template]]:
    """(old, new) templates that are one, and the removed and the added ones. A template is its
    pair (FO entity, Dataverse table), as dual-write tells maps apart: first by name with the
    same pair, then by the pair where it is one template on each side (a rename), then by name
    (the pair itself changed)."""

    def same_pair(a: ir.Template, b: ir.Template) -> bool:
        return a.dataverse_table.lower() == b.dataverse_table.lower() and same_entity(
            a.finance_operations_entity, b.finance_operations_entity
        )

    after = {t.name: t for t in new}
    pairs: list[tuple[ir.Template, ir.Template]] = []
    left = []
    for template in old:
        twin = after.get(template.name)
        if twin is not None and same_pair(template, twin):
            pairs.append((template, twin))
            del after[template.name]
        else:
            left.append(template)
    unmatched = list(after.values())
    still = []
    for template in left:
        same = [t for t in unmatched if same_pair(template, t)]
        others = [t for t in left if same_pair(t, same[0])] if len(same) == 1 else []
        if len(same) == 1 and len(others) == 1:
            pairs.append((template, same[0]))
            unmatched.remove(same[0])
        else:
            still.append(template)
    removed = []
    for template in still:
        twin = next((t for t in unmatched if t.name == template.name), None)
        if twin is not None:
            pairs.append((template, twin))
            unmatched.remove(twin)
        else:
            removed.append(template)
    return pairs, removed, unmatched


def template_changes(
    old: ir.Template,
    new: ir.Template,
    old_catalog: ir.Catalog,
    new_catalog: ir.Catalog,
    same_entity: Callable[[str, str], bool],
    defaults_as_text: bool = False,
) -> Iterator[Change]:
    """The changes of one template. `defaults_as_text`: a default is compared as the text
    dual-write keeps it (`"3"` and `3` are one), as a table map says defaults."""
    name = new.name

    def change(rule: Rule, message: str, location: ir.Location | None = None) -> Change:
        return Change(rule, name, location or new.location, message)

    old_entity, new_entity = old.finance_operations_entity, new.finance_operations_entity
    if old_entity != new_entity:
        same = same_entity(old_entity, new_entity)
        yield change(
            Rule.ENTITY_WRITTEN_DIFFERENTLY if same else Rule.TABLE_CHANGED,
            f"the FO entity `{old_entity}` is now written `{new_entity}`"
            if same
            else f"the FO entity changed from `{old_entity}` to `{new_entity}`",
        )
    if old.dataverse_table != new.dataverse_table:
        yield change(
            Rule.TABLE_CHANGED,
            f"the Dataverse table changed from `{old.dataverse_table}` to `{new.dataverse_table}`",
        )

    old_key, new_key = [k.path for k in old.keys], [k.path for k in new.keys]
    if old_key != new_key:
        yield change(
            Rule.KEY_CHANGED,
            f"the integration key changed from {_listed(old_key)} to {_listed(new_key)}",
            new.keys[0].location if new.keys else None,
        )
    if old.company_specific != new.company_specific:
        now = "company_specific" if new.company_specific else "not company_specific"
        yield change(Rule.COMPANY_CHANGED, f"the template is now {now}")
    for keyword, before, after in (
        ("source_filter", old.source_filter, new.source_filter),
        ("reversed_filter", old.reversed_filter, new.reversed_filter),
    ):
        if _filter_text(before) != _filter_text(after):
            yield change(
                Rule.FILTER_CHANGED,
                f"the {keyword} changed from {_filter_text(before) or 'none'} to "
                f"{_filter_text(after) or 'none'}",
                after.location if after else None,
            )
    old_targets = {t.column: t.table for t in old.lookups}
    for target in new.lookups:
        if target.column in old_targets and old_targets[target.column] != target.table:
            yield change(
                Rule.LOOKUP_CHANGED,
                f"lookup `{target.column}` now targets `{target.table}`, not "
                f"`{old_targets[target.column]}`",
                target.location,
            )
    if (old.label, old.description) != (new.label, new.description):
        yield change(Rule.DESCRIBED_DIFFERENTLY, "the label or description changed")
    old_rows = {_row_key(r): r for r in old.rows}
    new_rows = {_row_key(r): r for r in new.rows}
    for key, row in old_rows.items():
        if key not in new_rows:
            yield Change(
                Rule.ROW_REMOVED,
                name,
                row.location,
                f"row `{key[0]} {row.map_type.value} {key[1]}` was removed",
                old=True,
            )
    for key, row in new_rows.items():
        if key not in old_rows:
            yield change(
                Rule.ROW_ADDED,
                f"row `{key[0]} {row.map_type.value} {key[1]}` was added",
                row.location,
            )
        else:
            yield from _row(name, old_rows[key], row, old_catalog, new_catalog, defaults_as_text)
    yield from _model_fields(old, new)


def _row(
    template: str,
    old: ir.Row,
    new: ir.Row,
    old_catalog: ir.Catalog,
    new_catalog: ir.Catalog,
    defaults_as_text: bool = False,
) -> Iterator[Change]:
    pair = f"`{_row_key(new)[0]}` / `{_row_key(new)[1]}`"

    def change(rule: Rule, message: str, location: ir.Location | None = None) -> Change:
        return Change(rule, template, location or new.location, f"{pair}: {message}")

    if old.map_type != new.map_type:
        lost = (old.map_type.to_dataverse and not new.map_type.to_dataverse) or (
            old.map_type.to_finance_operations and not new.map_type.to_finance_operations
        )
        gained = (new.map_type.to_dataverse and not old.map_type.to_dataverse) or (
            new.map_type.to_finance_operations and not old.map_type.to_finance_operations
        )
        rule = (
            Rule.MAP_TYPE_CHANGED
            if (lost and gained) or old.map_type.transforms != new.map_type.transforms
            else Rule.DIRECTION_NARROWED
            if lost
            else Rule.DIRECTION_WIDENED
        )
        yield change(
            rule,
            f"map type `{old.map_type.value}` became `{new.map_type.value}`",
            new.map_type_location,
        )
    if (old.dataverse and old.dataverse.path) != (new.dataverse and new.dataverse.path):
        yield change(
            Rule.LOOKUP_CHANGED,
            f"the lookup path `{old.dataverse.path if old.dataverse else 'none'}` became "
            f"`{new.dataverse.path if new.dataverse else 'none'}`",
            new.dataverse_location,
        )
    differs = (
        _default_value(old) != _default_value(new)
        if defaults_as_text
        else _default(old) != _default(new)
    )
    if differs:
        yield change(
            Rule.DEFAULT_CHANGED,
            f"the default {_default(old) or 'none'} became {_default(new) or 'none'}",
            new.default_location,
        )
    widened = _type_change(old.type, new.type)
    if widened is not None:
        rule = Rule.TYPE_WIDENED if widened else Rule.TYPE_NARROWED
        yield change(rule, f"type {_type(old.type)} became {_type(new.type)}")
    yield from _value_maps(template, pair, old, new, old_catalog, new_catalog)


def _value_maps(
    template: str,
    pair: str,
    old: ir.Row,
    new: ir.Row,
    old_catalog: ir.Catalog,
    new_catalog: ir.Catalog,
) -> Iterator[Change]:
    before = old_catalog.value_maps.get(old.value_map) if old.value_map else None
    after = new_catalog.value_maps.get(new.value_map) if new.value_map else None
    if before is None or after is None:
        return
    location = new.value_map_location or new.location
    old_entries = {e.symbol: e for e in before.entries}
    new_entries = {e.symbol: e for e in after.entries}
    for symbol, entry in old_entries.items():
        if symbol not in new_entries:
            yield Change(
                Rule.VALUE_MAP_ENTRY_REMOVED,
                template,
                location,
                f"{pair}: symbol `{symbol}` left value map `{after.name}`",
            )
        elif new_entries[symbol].value != entry.value:
            yield Change(
                Rule.VALUE_MAP_VALUE_CHANGED,
                template,
                new_entries[symbol].location,
                f"{pair}: `{symbol}` now maps to {new_entries[symbol].value!r}, "
                f"not {entry.value!r}",
            )
    for symbol in new_entries.keys() - old_entries.keys():
        yield Change(
            Rule.VALUE_MAP_ENTRY_ADDED,
            template,
            new_entries[symbol].location,
            f"{pair}: symbol `{symbol}` joined value map `{after.name}`",
        )


def _model_fields(old: ir.Template, new: ir.Template) -> Iterator[Change]:
    """Fields of the generated row models (`FinanceOperationsRow`, `DataverseRow`) gone."""

    def fields(template: ir.Template, side: str) -> set[str]:
        if side == "FinanceOperationsRow":
            return {r.finance_operations for r in template.rows if r.finance_operations}
        return {r.dataverse.column for r in template.rows if r.dataverse}

    for side in ("FinanceOperationsRow", "DataverseRow"):
        for name in sorted(fields(old, side) - fields(new, side)):
            yield Change(
                Rule.MODEL_FIELD_REMOVED,
                new.name,
                new.location,
                f"`{side}.{name}` of module `{new.name}` is gone",
            )


def _type_change(old: ir.FieldType, new: ir.FieldType) -> bool | None:
    """None when the types are the same, True when `new` is wider, False otherwise."""
    before, after = _plain(old), _plain(new)
    if before == after:
        return None
    (old_kind, old_size), (new_kind, new_size) = before, after
    if (old_kind, new_kind) == ("int", "int64"):
        return True
    if old_kind != new_kind:
        return False
    if new_size is None:
        return True  # unbounded now
    return old_size is not None and new_size >= old_size


def _plain(field_type: ir.FieldType) -> tuple[str, int | None]:
    if not field_type.declared and not field_type.from_schema:
        return ("string", None)  # no type written: text
    return (field_type.kind.value, field_type.size)


def _type(field_type: ir.FieldType) -> str:
    kind, size = _plain(field_type)
    return f"{kind}({size})" if size is not None else kind


def _default(row: ir.Row) -> str | None:
    return row.default_text if row.default is not None else None


def _default_value(row: ir.Row) -> str | None:
    return None if row.default is None else str(row.default.value)


def _filter_text(which: ir.Filter | None) -> str:
    return re.sub(r"\s+", " ", which.text).strip() if which else ""


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "none"
