"""FO enums: which members an FO field holds, and filters read as FO reads them.

An FO field is an enum when its snapshot says so (an FO `$metadata` lists each enum's members
with their values: `RetailLoyaltyTenderTypeBase` AsCardTender=0, AsContactTender=1, …), or when
its value map's symbols are those of `NoYes` (No=0, Yes=1), the base enum every FO yes/no field
has. X++ compares an enum with a number by the member's value, so a source filter
`(IsB2BProspect == 1)` means `Yes`: the comparison is given that member (`ir.Comparison.member`),
which the generated filter and the plan compare with, as FO sends the symbol.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic, did_you_mean
from mappingc.frontend.located import at
from mappingc.frontend.schema_types import Resolved
from mappingc.schemas.fo_enums import known_enum
from mappingc.schemas.snapshot import Field
from mappingc.sides import Side


@dataclass(frozen=True)
class Enum:
    name: str  # for messages: `NoYes`, or "the enum of `CardTenderType`"
    members: tuple[tuple[str, int | None], ...]  # (symbol, value), as FO declares them
    # Where it is known from: "snapshot", "known" (mappingc/schemas/fo_enums.toml, real
    # metadata the snapshot lacks) or "value map" (NoYes, from a map of {no, yes}).
    source: str = "snapshot"

    def by_value(self, value: int) -> str | None:
        return next((symbol for symbol, v in self.members if v == value), None)

    def symbol(self, text: str) -> str | None:
        """The member `text` names, case aside (X++ symbols compare without case)."""
        folded = text.casefold()
        return next((s for s, _ in self.members if s.casefold() == folded), None)

    def symbols(self) -> list[str]:
        return [s for s, _ in self.members]

    def listed(self) -> str:
        return ", ".join(s if v is None else f"{s}={v}" for s, v in self.members)


NO_YES = Enum("`NoYes`", (("No", 0), ("Yes", 1)), source="value map")


def _of_field(entity: str, field: Field | None, name: str) -> Enum | None:
    if field is not None and field.type == "choice" and field.options:
        return Enum(f"the enum of `{field.name}`", tuple((o.label, o.value) for o in field.options))
    known = known_enum(entity, field.name if field is not None else name)
    if known is not None:
        return Enum(f"`{known.name}`", tuple(known.members), source="known")
    return None


def of_template(
    template: ir.Template, resolved: Resolved | None, value_maps: Mapping[str, ir.ValueMap]
) -> dict[str, Enum]:
    """The enum of each FO field of `template` known to be one, by its name case-folded."""
    found: dict[str, Enum] = {}
    snapshot = resolved.finance_operations if resolved is not None else None
    entity = snapshot.name if snapshot is not None else template.finance_operations_entity
    fields = resolved.rows if resolved is not None else [None] * len(template.rows)
    for row, row_fields in zip(template.rows, fields, strict=True):
        name = row.finance_operations
        if name is None:
            continue
        field = row_fields.finance_operations if row_fields is not None else None
        enum = _of_field(entity, field, name)
        value_map = value_maps.get(row.value_map) if row.value_map else None
        if enum is None and value_map is not None:
            symbols = {e.symbol.casefold() for e in value_map.entries}
            enum = NO_YES if symbols == {"no", "yes"} else None
        if enum is not None:
            found.setdefault(name.casefold(), enum)
    for field in snapshot.fields if snapshot is not None else ():
        # A field the filter reads that no row maps: its snapshot still knows it.
        enum = _of_field(entity, field, field.name)
        if enum is not None:
            found.setdefault(field.name.casefold(), enum)
    return found


def _read(
    expression: ir.Expression, template: ir.Template, known: dict[str, Enum]
) -> ir.Expression:
    if isinstance(expression, ir.Logical):
        operands = tuple(_read(o, template, known) for o in expression.operands)
        return expression.model_copy(update={"operands": operands})
    if isinstance(expression, ir.Negation):
        return expression.model_copy(update={"operand": _read(expression.operand, template, known)})
    if not isinstance(expression, ir.Comparison):
        return expression
    field = template.filter_field(Side.FINANCE_OPERATIONS, expression.field) or expression.field
    enum = known.get(field.casefold())
    value = expression.value.value
    if enum is None or isinstance(value, bool) or not isinstance(value, int):
        return expression
    member = enum.by_value(value)
    return expression if member is None else expression.model_copy(update={"member": member})


def resolve(
    catalog: ir.Catalog, resolutions: Mapping[str, Resolved]
) -> tuple[ir.Catalog, dict[str, dict[str, Enum]]]:
    """The catalog with each FO filter's enum comparisons given their member, and the enums of
    each template's fields (by template name) for the checks."""
    enums: dict[str, dict[str, Enum]] = {}
    templates = []
    for template in catalog.templates:
        known = enums[template.name] = of_template(
            template, resolutions.get(template.name), catalog.value_maps
        )
        which = template.source_filter
        if not known or which is None or which.dialect != "finance_operations":
            templates.append(template)
            continue
        read = which.model_copy(update={"expression": _read(which.expression, template, known)})
        templates.append(template.model_copy(update={"source_filter": read}))
    return catalog.model_copy(update={"templates": tuple(templates)}), enums


def _filter_terms(template: ir.Template) -> list[ir.Comparison]:
    which = template.source_filter
    if which is None or which.dialect != "finance_operations":
        return []
    return [t for t in ir.filter_terms(which.expression) if isinstance(t, ir.Comparison)]


def check(catalog: ir.Catalog, enums: Mapping[str, Mapping[str, Enum]]) -> Iterator[Diagnostic]:
    """Value-map symbols, filter values and defaults that an enum of real metadata has no member
    for (E616, W406). An enum known only from its value map (NoYes) is the value map's own
    concern: mappingc.frontend.likely_mistakes."""
    for template in catalog.templates:
        yield from _numbers(template, catalog, enums.get(template.name, {}))
        known = {k: e for k, e in enums.get(template.name, {}).items() if e.source != "value map"}
        if not known:
            continue
        yield from _value_maps(template, catalog, known)
        for term in _filter_terms(template):
            field = template.filter_field(Side.FINANCE_OPERATIONS, term.field) or term.field
            enum = known.get(field.casefold())
            value = term.literal
            if enum is None or term.member is not None or value is None:
                continue
            if is_number(value):
                continue  # _numbers
            if isinstance(value, str) and enum.symbol(value) is None:
                yield at(
                    term.field_location,
                    Code.FILTER_NEVER_MATCHES,
                    f"`{value}` is not a member of {enum.name}, so comparing `{term.field}` "
                    "with it never matches",
                    did_you_mean(value, enum.symbols()) or f"its members: {enum.listed()}",
                )
        for row in template.rows:
            enum = known.get((row.finance_operations or "").casefold())
            default = row.default.value if row.default is not None else None
            if enum is None or row.value_map is not None or not isinstance(default, str):
                continue
            if row.map_type.to_finance_operations and enum.symbol(default) is None:
                yield at(
                    row.default_location or row.location,
                    Code.VALUE_OUTSIDE_OPTIONS,
                    f"default `{default}` is not a member of {enum.name}, which "
                    f"`{row.finance_operations}` holds",
                    did_you_mean(default, enum.symbols()) or f"its members: {enum.listed()}",
                )


def _value_maps(
    template: ir.Template, catalog: ir.Catalog, known: Mapping[str, Enum]
) -> Iterator[Diagnostic]:
    for row in template.rows:
        enum = known.get((row.finance_operations or "").casefold())
        value_map = catalog.value_maps.get(row.value_map) if row.value_map else None
        if enum is None or value_map is None:
            continue
        for entry in value_map.entries:
            if enum.symbol(entry.symbol) is None:
                yield at(
                    entry.location,
                    Code.VALUE_OUTSIDE_OPTIONS,
                    f"`{entry.symbol}` is not a member of {enum.name}, which "
                    f"`{row.finance_operations}` holds (its members: {enum.listed()})",
                    did_you_mean(entry.symbol, enum.symbols()),
                )


def is_number(value: object) -> bool:
    """A whole number, not a bool (True == 1 in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def holds_words(row: ir.Row) -> bool:
    """A text field whose default is a word: what FO sends for an enum field it has no map of."""
    default = row.default.value if row.default else None
    return isinstance(default, str) and bool(re.fullmatch(r"[A-Za-z]\w*", default))


def _numbers(
    template: ir.Template, catalog: ir.Catalog, known: Mapping[str, Enum]
) -> Iterator[Diagnostic]:
    """FO filters that compare an enum field with a number no member has, or that mappingc
    cannot read as a member (W406)."""
    rows = {r.finance_operations.casefold(): r for r in template.rows if r.finance_operations}
    for term in _filter_terms(template):
        value = term.value.value
        if term.member is not None or not is_number(value):
            continue
        field = template.filter_field(Side.FINANCE_OPERATIONS, term.field) or term.field
        enum = known.get(field.casefold())
        if enum is not None:
            yield at(
                term.field_location,
                Code.FILTER_NEVER_MATCHES,
                f"no member of {enum.name} has the value {value}, so comparing "
                f"`{term.field}` with it never matches (its members: {enum.listed()})",
            )
            continue
        row = rows.get(field.casefold())
        value_map = catalog.value_maps.get(row.value_map) if row and row.value_map else None
        if value_map is not None:
            words = ", ".join(f"`{e.symbol}`" for e in value_map.entries[:3])
        elif row is not None and holds_words(row):
            words = f'`"{row.default.value if row.default else ""}"`'
        else:
            continue
        # FO itself compares an enum with a member's value; mappingc, not knowing the enum's
        # values, cannot, and FO sends the symbol: the sync's filter would let no row through.
        yield at(
            term.field_location,
            Code.FILTER_NEVER_MATCHES,
            f"`{term.field}` holds enum symbols ({words}), and mappingc does not know which "
            f"member {value} is: the sync's filter compares the symbol with {value} and lets no "
            "row through",
            "compare with the symbol, or import the entity's `$metadata` "
            "(`mappingc import-schema`) so that its enum's values are known",
        )
