"""Rules over the IR: what a well-formed template must satisfy, and what looks suspicious.

Every rule reports against the user's source; all of them run, so one build shows every problem.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic, did_you_mean
from mappingc.frontend import likely_mistakes, target_checks
from mappingc.frontend.located import at
from mappingc.frontend.values import fits
from mappingc.naming import (
    MAX_TEMPLATE_NAME,
    module_name,
)
from mappingc.sides import Side

_TRANSFORM_TYPES = "`><`, `>>` or `<<`"


# Each rule says which it reports; the severity is the code's own (mappingc.diagnostics.codes).
_error = _warning = at


# ---------------------------------------------------------------- catalog-wide rules
def _unique_templates(catalog: ir.Catalog) -> Iterator[Diagnostic]:
    by_module: dict[str, ir.Template] = {}
    by_ref: dict[int, ir.Template] = {}
    for template in catalog.templates:
        module = module_name(template.name)
        if (first := by_module.get(module)) is not None:
            # Both are reported, each naming the other: which one is the newcomer is not
            # something the order of file names can tell.
            for here, there in ((template, first), (first, template)):
                same = (
                    "is defined twice"
                    if first.name == template.name
                    else f"gives the same module name `{module}` as template `{there.name}`"
                )
                yield _error(
                    here.location,
                    Code.DUPLICATE_TEMPLATE,
                    f"template `{here.name}` {same}",
                    f"the other is at {there.location.path}:{there.location.line}",
                )
        else:
            by_module[module] = template
        if template.ref is None:
            continue
        if (owner := by_ref.get(template.ref)) is not None:
            yield _error(
                template.location,
                Code.DUPLICATE_REF,
                f"reference id {template.ref} is already used by template `{owner.name}`",
                "reference ids are the stable anchors of the published docs; give each its own",
            )
        else:
            by_ref[template.ref] = template


# ---------------------------------------------------------------- per-template rules
def _written_twice(template: ir.Template) -> Iterator[Diagnostic]:
    """Two rows may not write the same Dataverse column in one direction."""
    writers: dict[str, ir.Row] = {}
    plain: dict[str, ir.Row] = {}
    nested: dict[str, ir.Row] = {}
    for row in template.rows:
        if row.dataverse is None or not row.map_type.to_dataverse:
            continue
        path = row.dataverse.path
        if (first := writers.get(path)) is not None:
            yield _error(
                row.dataverse_location,
                Code.DATAVERSE_FIELD_TWICE,
                f"`{path}` is written twice towards Dataverse",
                f"line {first.location.line} writes it from "
                f"`{first.finance_operations or 'none'}` already",
            )
            continue
        writers[path] = row
        column = row.dataverse.column
        group, other = (nested, plain) if row.dataverse.is_lookup else (plain, nested)
        group.setdefault(column, row)
        if (clash := other.get(column)) is not None:
            yield _error(
                row.dataverse_location,
                Code.DATAVERSE_FIELD_TWICE,
                f"`{column}` is written both as a column and as a lookup towards Dataverse",
                f"line {clash.location.line} writes it too",
            )


def _fo_field_twice(template: ir.Template) -> Iterator[Diagnostic]:
    seen: dict[str, ir.Row] = {}
    for row in template.rows:
        name = row.finance_operations
        if name is None:
            continue
        if (first := seen.get(name)) is None:
            seen[name] = row
            continue
        if first.map_type.bidirectional or row.map_type.bidirectional:
            yield _error(
                row.finance_operations_location,
                Code.BIDIRECTIONAL_TWICE,
                f"`{name}` is mapped twice and a row maps it both ways (also on line "
                f"{first.location.line}) (dual-write: DIPV1023)",
                "map it once both ways; a second row may only read it towards Dataverse",
            )
            continue
        # Read twice towards Dataverse is fine (one FO field feeding two columns, as Microsoft's
        # Units and Barcode templates do); written twice towards FO, one value is lost.
        if first.map_type.to_finance_operations and row.map_type.to_finance_operations:
            yield _warning(
                row.finance_operations_location,
                Code.FO_FIELD_TWICE,
                f"`{name}` is written twice towards finance and operations (also on line "
                f"{first.location.line})",
                "the later row wins when both columns have a value: keep one of them `<`",
            )


def _none_sides(template: ir.Template) -> Iterator[Diagnostic]:
    for row in template.rows:
        fo_none = row.finance_operations is None
        dv_none = row.dataverse is None
        if fo_none and dv_none:
            yield _error(row.location, Code.NONE_SIDE, "a row cannot be `none` on both sides")
            continue
        if not (fo_none or dv_none):
            continue
        side, arrows, towards = (
            ("finance and operations", "`>` or `>>`", "Dataverse")
            if fo_none
            else ("Dataverse", "`<` or `<<`", "finance and operations")
        )
        flows_from_none = (
            row.map_type.to_finance_operations if fo_none else row.map_type.to_dataverse
        )
        if flows_from_none:
            yield _error(
                row.map_type_location,
                Code.NONE_SIDE,
                f"`{row.map_type.value}` reads the {side} side, which is `none`",
                f"a `none` row writes its default towards {towards}: use {arrows}",
            )
        if row.default is None:
            yield _error(
                row.location,
                Code.NONE_SIDE,
                f"a row with `none` on the {side} side needs a default value",
                "the default is the constant written to the other side, e.g. `default 3`",
            )


def _transforms(template: ir.Template, catalog: ir.Catalog) -> Iterator[Diagnostic]:
    for row in template.rows:
        if (row.value_map or row.transform_unpublished) and not row.map_type.transforms:
            assert row.value_map_location is not None
            yield _error(
                row.value_map_location,
                Code.VALUE_MAP_WITHOUT_TRANSFORM,
                f"a value map needs a transform map type, not `{row.map_type.value}`",
                f"did you mean `{row.map_type.with_transform.value}`?",
            )
        elif (
            row.map_type.transforms
            and not row.value_map
            and row.default is None
            and not row.transform_unpublished
        ):
            yield _error(
                row.map_type_location,
                Code.TRANSFORM_WITHOUT_EFFECT,
                f"`{row.map_type.value}` transforms, but this row has no value map or default",
                f"add `via ValueMap` or `default …`, use "
                f"`{row.map_type.without_transform.value}`, or say `via unpublished` when the "
                "value map is not known",
            )
        if row.value_map and row.map_type.to_finance_operations:
            yield from _invertible(row, catalog.value_maps[row.value_map])


def _invertible(row: ir.Row, value_map: ir.ValueMap) -> Iterator[Diagnostic]:
    """Towards FO a value map is used inverted, so no Dataverse value may stand for two symbols."""
    symbols: dict[tuple[type, object], list[str]] = defaultdict(list)
    for entry in value_map.entries:
        symbols[(type(entry.value), entry.value)].append(entry.symbol)
    for (_, value), names in symbols.items():
        if len(names) > 1:
            assert row.value_map_location is not None
            shown = "blank" if value is None else repr(value)
            yield _error(
                row.value_map_location,
                Code.VALUE_MAP_NOT_INVERTIBLE,
                f"value map `{value_map.name}` maps {', '.join(f'`{n}`' for n in names)} all to "
                f"{shown}, so `{row.map_type.value}` cannot map {shown} back",
                "use a one-way map type (`>>`) or give each symbol its own value",
            )


def _keys(template: ir.Template) -> Iterator[Diagnostic]:
    if not template.complete:
        return
    by_path = {f.dataverse.path: f for f in template.rows if f.dataverse is not None}
    seen: set[str] = set()
    for key in template.keys:
        if key.path in seen:
            yield _error(key.location, Code.KEY_FIELD, f"`{key.path}` is listed twice in the key")
            continue
        seen.add(key.path)
        row = by_path.get(key.path)
        if row is None:
            yield _error(
                key.location,
                Code.KEY_FIELD,
                f"integration key field `{key.path}` is not mapped in template `{template.name}`",
                did_you_mean(key.path, by_path)
                or "every key field must be a Dataverse field of a row",
            )
        elif template.bidirectional and not row.map_type.bidirectional:
            yield _error(
                key.location,
                Code.KEY_FIELD,
                f"integration key field `{key.path}` is mapped `{row.map_type.value}`, but the "
                "template syncs both ways",
                f"map it `=` (line {row.location.line}) so both sides can match rows by it",
            )


# ---------------------------------------------------------------- defaults
def _defaults(template: ir.Template, catalog: ir.Catalog) -> Iterator[Diagnostic]:
    for row in template.rows:
        if row.default is None or row.default_location is None:
            continue
        value = row.default.value
        if row.value_map is not None:
            value_map = catalog.value_maps[row.value_map]
            symbols = [e.symbol for e in value_map.entries]
            if not isinstance(value, str) or value not in symbols:
                yield _error(
                    row.default_location,
                    Code.DEFAULT_TYPE,
                    f"default {row.default_text} is not a symbol of value map `{value_map.name}`",
                    did_you_mean(str(value), symbols) or f"symbols are {', '.join(symbols)}",
                )
            continue
        if not row.type.declared and not row.type.from_schema:
            continue  # the default itself set the type (see frontend.lower)
        expected = fits(value, row.type)
        if expected is not None:
            size = f"({row.type.size})" if row.type.size is not None else ""
            yield _error(
                row.default_location,
                Code.DEFAULT_TYPE,
                f"default {row.default_text} does not fit `{row.type.kind.value}{size}`",
                f"expected {expected}",
            )


def _filters(template: ir.Template) -> Iterator[Diagnostic]:
    """Every field a filter names is a field of the template (mapped, or declared unmapped)."""
    if not template.complete:
        return
    filters: tuple[tuple[Side, str, ir.Filter | None], ...] = (
        (Side.FINANCE_OPERATIONS, "source_filter", template.source_filter),
        (Side.DATAVERSE, "reversed_filter", template.reversed_filter),
    )
    for side, keyword, which in filters:
        if which is None:
            continue
        fields = template.side_fields(side)
        for term in ir.filter_terms(which.expression):
            if template.filter_field(side, term.field) is None:
                yield _error(
                    term.field_location,
                    Code.FILTER_FIELD,
                    f"`{term.field}` in the {keyword} is not a field of template `{template.name}`",
                    did_you_mean(term.field, fields)
                    or f"map it, or declare it with `unmapped {side} {term.field}`",
                )
    mapped: dict[Side, set[str | None]] = {
        Side.FINANCE_OPERATIONS: {r.finance_operations for r in template.rows},
        Side.DATAVERSE: {r.dataverse.column for r in template.rows if r.dataverse},
    }
    seen: set[tuple[Side, str]] = set()
    for extra in template.unmapped:
        if extra.name in mapped[extra.side] or (extra.side, extra.name) in seen:
            yield _error(
                extra.location,
                Code.FILTER_FIELD,
                f"`{extra.name}` is declared unmapped, but it is "
                + ("mapped by a row" if extra.name in mapped[extra.side] else "declared twice"),
                "remove this line",
            )
        seen.add((extra.side, extra.name))


def _lookup_targets(template: ir.Template) -> Iterator[Diagnostic]:
    """`lookup column -> table` names a column that rows use as a lookup, once."""
    lookup_columns = {
        f.dataverse.column for f in template.rows if f.dataverse and f.dataverse.is_lookup
    }
    seen: set[str] = set()
    for target in template.lookups:
        if target.column in seen:
            yield _error(
                target.location, Code.LOOKUP_PATH, f"lookup `{target.column}` is declared twice"
            )
        elif target.column not in lookup_columns and template.complete:
            yield _error(
                target.location,
                Code.LOOKUP_PATH,
                f"`{target.column}` is not a lookup column of any row in `{template.name}`",
                did_you_mean(target.column, lookup_columns)
                or "declare targets for columns written as `column.key`",
            )
        seen.add(target.column)


_TEMPLATE_RULES: tuple[Callable[[ir.Template, ir.Catalog], Iterator[Diagnostic]], ...] = (
    lambda t, _: _name_length(t),
    lambda t, _: target_checks.store_names(t),
    target_checks.one_type,
    lambda t, _: _none_sides(t),
    _transforms,
    lambda t, _: _filters(t),
    lambda t, _: _written_twice(t),
    lambda t, _: _fo_field_twice(t),
    lambda t, _: _keys(t),
    lambda t, _: _lookup_targets(t),
    _defaults,
    likely_mistakes.no_key,
    likely_mistakes.sides_swapped,
    likely_mistakes.filter_values,
)


def _name_length(template: ir.Template) -> Iterator[Diagnostic]:
    """A template's name is the stem of the files generated for it."""
    if len(template.name) > MAX_TEMPLATE_NAME:
        yield _error(
            template.location,
            Code.NAME_TOO_LONG,
            f"template name is {len(template.name)} characters long; at most {MAX_TEMPLATE_NAME}",
            "it names the generated module, its docs and its site pages: shorten it",
        )


def _pages(catalog: ir.Catalog, every_file_parsed: bool) -> Iterator[Diagnostic]:
    """A page names templates that exist, each once, and its name is unique."""
    names = {t.name for t in catalog.templates}
    seen_pages: dict[str, ir.Page] = {}
    for page in catalog.pages:
        if (first := seen_pages.get(page.name)) is not None:
            yield _error(
                page.location,
                Code.PAGE,
                f"page `{page.name}` is defined twice",
                f"the first is at {first.location.path}:{first.location.line}",
            )
        seen_pages.setdefault(page.name, page)
        listed: set[str] = set()
        for entry in page.templates:
            if entry.name in listed:
                yield _error(entry.location, Code.PAGE, f"page lists `{entry.name}` twice")
            elif entry.name not in names and every_file_parsed:
                yield _error(
                    entry.location,
                    Code.PAGE,
                    f"page `{page.name}` lists unknown template `{entry.name}`",
                    did_you_mean(entry.name, names),
                )
            listed.add(entry.name)


class CheckCache:
    """What the per-template rules said of each template, reused while it is the same template
    (the lowering cache hands back the same object for an unchanged file) and the value maps
    it uses are unchanged: the other rules read nothing else."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[ir.Template, list[ir.ValueMap], list[Diagnostic]]] = {}


def _template_diagnostics(
    template: ir.Template, catalog: ir.Catalog, cache: CheckCache | None
) -> list[Diagnostic]:
    used = sorted({r.value_map for r in template.rows if r.value_map is not None})
    maps = [catalog.value_maps[name] for name in used]
    if cache is not None and (entry := cache.entries.get(id(template))) is not None:
        kept, kept_maps, diagnostics = entry
        if kept is template and kept_maps == maps:
            return diagnostics
    diagnostics = [d for rule in _TEMPLATE_RULES for d in rule(template, catalog)]
    if cache is not None:
        cache.entries[id(template)] = (template, maps, diagnostics)  # holds it: ids stay unique
    return diagnostics


def check(
    catalog: ir.Catalog, every_file_parsed: bool = True, cache: CheckCache | None = None
) -> list[Diagnostic]:
    """Every rule over the whole catalog; diagnostics in source order. With a file that did not
    parse, a page's unknown template may be in it: not reported."""
    found = [
        *_unique_templates(catalog),
        *_pages(catalog, every_file_parsed),
        *target_checks.file_names(catalog),
        *target_checks.store_tables(catalog),
        *target_checks.tables_mapped_twice(catalog),
        *likely_mistakes.mixed_value_maps(catalog),
    ]
    for template in catalog.templates:
        found.extend(_template_diagnostics(template, catalog, cache))
    if cache is not None:
        alive = {id(t) for t in catalog.templates}
        cache.entries = {k: v for k, v in cache.entries.items() if k in alive}
    return sorted(found, key=Diagnostic.sort_key)
