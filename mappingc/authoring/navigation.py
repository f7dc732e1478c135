"""What an editor asks about a place in a `.dwmap` file: what is this (hover), where is it
defined (definition), what can be written here (completion), and how to mend a diagnostic (quick
fix). Plain data in and out; mappingc.authoring.server speaks LSP.

Positions are 1-based line and column (a column counts characters), as in diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mappingc import ir
from mappingc.authoring.project import Analysis
from mappingc.diagnostics import Code, Diagnostic, Span
from mappingc.frontend import syntax
from mappingc.frontend.syntax import HEADER_KEYWORDS, PAGE_KEYWORDS, TOP_KEYWORDS
from mappingc.ir import MapType
from mappingc.schemas.snapshot import Snapshot
from mappingc.sides import Side

_DIRECTIONS = {
    MapType.BIDIRECTIONAL: "both ways: finance and operations ⇄ Dataverse",
    MapType.BIDIRECTIONAL_TRANSFORM: "both ways, transformed: finance and operations ⇄ Dataverse",
    MapType.TO_DATAVERSE: "one way: finance and operations → Dataverse",
    MapType.TO_DATAVERSE_TRANSFORM: "one way, transformed: finance and operations → Dataverse",
    MapType.TO_FINANCE_OPERATIONS: "one way: Dataverse → finance and operations",
    MapType.TO_FINANCE_OPERATIONS_TRANSFORM: "one way, transformed: Dataverse → finance and "
    "operations",
}
FIELD_TYPES = (
    "string",
    "string(",
    "int",
    "int64",
    "decimal",
    "decimal(",
    "bool",
    "date",
    "datetime",
)


@dataclass(frozen=True)
class Place:
    """A place in another (or the same) file: a source name and a span."""

    name: str
    span: Span


@dataclass(frozen=True)
class Suggestion:
    label: str
    kind: str  # "keyword" | "operator" | "value map" | "template" | "type" | "symbol" | "table"
    detail: str = ""


def _inside(span: Span, line: int, column: int) -> bool:
    if not span.line <= line <= span.end_line:
        return False
    if line == span.line and column < span.column:
        return False
    return not (line == span.end_line and column >= span.end_column)


def _place(location: ir.Location) -> Place:
    return Place(
        location.path,
        Span(location.line, location.column, location.end_line, location.end_column),
    )


def _template_at(tree: syntax.SourceFile, line: int) -> syntax.TemplateDecl | None:
    return next((t for t in tree.templates if t.span.line <= line <= t.span.end_line), None)


def _row_at(template: syntax.TemplateDecl, line: int) -> syntax.Row | None:
    return next((r for r in template.rows if r.span.line == line), None)


def _catalog_template(analysis: Analysis, name: str) -> ir.Template | None:
    return next((t for t in analysis.catalog.templates if t.name == name), None)


def _ir_row(analysis: Analysis, template: str, line: int) -> ir.Row | None:
    found = _catalog_template(analysis, template)
    if found is None:
        return None
    return next((r for r in found.rows if r.location.line == line), None)


def _type_text(field_type: ir.FieldType) -> str:
    size = f"({field_type.size})" if field_type.size is not None else ""
    return f"{field_type.kind.value}{size}" + ("" if field_type.declared else " (not declared)")


def _value_map_text(value_map: ir.ValueMap) -> str:
    lines = [
        f"**value map `{value_map.name}`**",
        "",
        "| FO symbol | Dataverse value |",
        "|---|---|",
    ]
    for entry in value_map.entries:
        value = "blank" if entry.value is None else (entry.shown or repr(entry.value))
        lines.append(f"| `{entry.symbol}` | `{value}` |")
    return "\n".join(lines)


def _snapshot(analysis: Analysis, template: ir.Template, side: Side) -> Snapshot | None:
    if analysis.schemas is None:
        return None
    named = (
        template.finance_operations_entity
        if side is Side.FINANCE_OPERATIONS
        else template.dataverse_table
    )
    return analysis.schemas.find(side, named)


def _schema_text(analysis: Analysis, template: ir.Template, row: ir.Row) -> list[str]:
    """What the snapshots say of the row's two fields."""
    lines = []
    for side, name in (
        (Side.FINANCE_OPERATIONS, row.finance_operations),
        (Side.DATAVERSE, row.dataverse.column if row.dataverse else None),
    ):
        snapshot = _snapshot(analysis, template, side) if name else None
        item = snapshot.field(name) if snapshot and name else None
        if snapshot is None or item is None:
            continue
        facets = [item.type]
        if item.max_length is not None:
            facets.append(f"up to {item.max_length} characters")
        if item.required:
            facets.append("required")
        if item.read_only:
            facets.append("read-only")
        where = "Finance and operations" if side is Side.FINANCE_OPERATIONS else "Dataverse"
        text = f"{where} `{snapshot.name}.{item.name}`: {', '.join(facets)}"
        lines.append(text + (f". {item.description}" if item.description else "."))
    return ["", *lines] if lines else []


def _row_text(row: ir.Row, catalog: ir.Catalog) -> str:
    fo = row.finance_operations or "none"
    dv = row.dataverse.path if row.dataverse else "none"
    lines = [f"**`{fo}` `{row.map_type.value}` `{dv}`**", "", _DIRECTIONS[row.map_type] + "."]
    if row.value_map is not None:
        value_map = catalog.value_maps[row.value_map]
        lines += [
            "",
            f"Types: finance and operations: enum of `{value_map.name}`; Dataverse: "
            f"{value_map.dataverse_kind} (option-set value).",
        ]
        if row.map_type.to_finance_operations:
            lines.append("Towards finance and operations the value map is used inverted.")
        lines += ["", _value_map_text(value_map)]
    elif row.transform_unpublished:
        lines += ["", "Transform not published (`via unpublished`): values pass as they are."]
    else:
        lines += ["", f"Type: {_type_text(row.type)} on both sides."]
    if row.default is not None:
        lines += ["", f"Default: `{row.default_text}` when the source has no value."]
    if row.dataverse is not None and row.dataverse.is_lookup:
        lines += ["", f"Lookup: `{row.dataverse.column}` points at a related row by its key."]
    return "\n".join(lines)


def hover(analysis: Analysis, name: str, line: int, column: int) -> tuple[str, Span] | None:
    """Markdown about what is at (line, column), and the span it covers."""
    tree = analysis.trees.get(name)
    if tree is None:
        return None
    catalog = analysis.catalog
    for decl in tree.value_maps:
        if _inside(decl.name.span, line, column) and decl.name.text in catalog.value_maps:
            return _value_map_text(catalog.value_maps[decl.name.text]), decl.name.span
    for page in tree.pages:
        for entry in page.templates:
            found = _catalog_template(analysis, entry.text)
            if _inside(entry.span, line, column) and found is not None:
                text = (
                    f"**template `{found.name}`**: {found.label}\n\n"
                    f"`{found.finance_operations_entity}` ⇄ `{found.dataverse_table}`"
                )
                return text, entry.span
    template = _template_at(tree, line)
    if template is None:
        return None
    row = _row_at(template, line)
    if row is None:
        return None
    use = row.value_map
    named = use.name if use is not None else None
    if named is not None and _inside(named.span, line, column) and named.text in catalog.value_maps:
        return _value_map_text(catalog.value_maps[named.text]), named.span
    if _inside(row.map_type.span, line, column):
        try:
            return _DIRECTIONS[MapType(row.map_type.text)] + ".", row.map_type.span
        except ValueError:
            return None
    if not _inside(row.span, line, column):
        return None
    lowered = _ir_row(analysis, template.name.text, line)
    if lowered is None:  # the row has an error: say what it reads as
        return _written_row_text(row, catalog), row.span
    owner = _catalog_template(analysis, template.name.text)
    extra = _schema_text(analysis, owner, lowered) if owner is not None else []
    return "\n".join([_row_text(lowered, catalog), *extra]), row.span


def _written_row_text(row: syntax.Row, catalog: ir.Catalog) -> str:
    """What a row that did not lower says, from its words alone; its diagnostic says the rest."""
    fo = row.fo.text if row.fo else "none"
    dv = row.dataverse.text if row.dataverse else "none"
    lines = [f"**`{fo}` `{row.map_type.text}` `{dv}`**"]
    try:
        lines += ["", _DIRECTIONS[MapType(row.map_type.text)] + "."]
    except ValueError:
        lines += ["", f"`{row.map_type.text}` is not a map type."]
    use = row.value_map
    if use is not None and use.name is not None and use.name.text not in catalog.value_maps:
        lines += ["", f"Value map `{use.name.text}`: not defined in this project."]
    if row.field_type is not None:
        size = f"({row.field_type.size})" if row.field_type.size is not None else ""
        lines += ["", f"Type: {row.field_type.name.text}{size} as written."]
    return "\n".join(lines)


def definition(analysis: Analysis, name: str, line: int, column: int) -> list[Place]:
    """Where what is at (line, column) is defined: a value map, a template a page lists, the
    template that syncs the table a lookup points at."""
    tree = analysis.trees.get(name)
    if tree is None:
        return []
    catalog = analysis.catalog
    for page in tree.pages:
        for entry in page.templates:
            found = _catalog_template(analysis, entry.text)
            if _inside(entry.span, line, column) and found is not None:
                return [_place(found.location)]
    template = _template_at(tree, line)
    if template is None:
        return []
    for statement in template.statements:
        if isinstance(statement, syntax.Lookup) and _inside(statement.span, line, column):
            return _syncing(catalog, statement.table.text)
    row = _row_at(template, line)
    if row is None:
        return []
    use = row.value_map
    if use is not None and use.name is not None and _inside(use.name.span, line, column):
        found_map = catalog.value_maps.get(use.name.text)
        return [_place(found_map.location)] if found_map is not None else []
    if row.dataverse is not None and _inside(row.dataverse.span, line, column):
        lowered = _catalog_template(analysis, template.name.text)
        target = next(
            (
                t.table
                for t in (lowered.lookups if lowered else ())
                if t.column == row.dataverse.root.text
            ),
            None,
        )
        return _syncing(catalog, target) if target is not None else []
    return []


def _syncing(catalog: ir.Catalog, table: str) -> list[Place]:
    return [_place(t.location) for t in catalog.templates if t.dataverse_table == table]


def _owner(analysis: Analysis, name: str, line: int) -> ir.Template | None:
    """The catalog's template at `line` of file `name` (as it last parsed whole)."""
    tree = analysis.trees.get(name)
    found = _template_at(tree, line) if tree is not None else None
    if found is None and name in analysis.remembered:
        found = _template_at(analysis.remembered[name], line)
    return _catalog_template(analysis, found.name.text) if found is not None else None


def _field_names(analysis: Analysis, template: ir.Template | None, side: Side) -> list[Suggestion]:
    """The fields of the template's entity or table that its snapshot lists (FO names in
    capitals, as dual-write writes them)."""
    snapshot = _snapshot(analysis, template, side) if template is not None else None
    if snapshot is None:
        return []
    found = []
    for item in snapshot.fields:
        label = item.name.upper() if side is Side.FINANCE_OPERATIONS else item.name
        detail = item.type + (f"({item.max_length})" if item.max_length is not None else "")
        found.append(Suggestion(label, "field", detail))
    return found


def _block(lines: list[str], line: int) -> str:
    """`template`, `valuemap`, `page` or "" (top level): the block `line` is in."""
    depth = 0
    for number in range(line - 1, 0, -1):
        code = lines[number - 1].split("#", 1)[0].strip()
        if code == "}":
            depth += 1
        elif code.endswith("{") and code.split()[0] in TOP_KEYWORDS:
            if depth == 0:
                return code.split()[0]
            depth -= 1
    return ""


def completions(
    analysis: Analysis, name: str, text: str, line: int, column: int
) -> list[Suggestion]:
    """What can be written at (line, column) of `text` (the document as the editor has it)."""
    lines = text.split("\n")
    before = lines[line - 1][: column - 1] if line <= len(lines) else ""
    words = before.split()
    if before.endswith((" ", "\t")) or not words:
        words.append("")  # a new word starts here
    typed = len(words) - 1  # how many whole words precede the one being typed
    block = _block(lines, line)
    catalog = analysis.catalog
    value_maps = analysis.value_map_names()
    templates = analysis.template_names()
    if block == "":
        return [Suggestion(k, "keyword") for k in TOP_KEYWORDS] if typed == 0 else []
    if block == "page":
        if typed == 0:
            return [Suggestion(k, "keyword") for k in PAGE_KEYWORDS]
        if words[0] == "templates":
            return [Suggestion(t, "template") for t in templates]
        return []
    if block == "valuemap":
        return []
    owner = _owner(analysis, name, line)
    if typed == 0:
        fields = _field_names(analysis, owner, Side.FINANCE_OPERATIONS)
        return [Suggestion(k, "keyword") for k in (*HEADER_KEYWORDS, "none")] + fields
    first = words[0]
    if first == "unmapped" and typed == 1:
        return [Suggestion(s.value, "keyword") for s in Side]
    if first == "lookup" and typed == 3:
        tables = sorted({t.dataverse_table for t in catalog.templates})
        return [Suggestion(t, "table", "synced by a template") for t in tables]
    if first in HEADER_KEYWORDS:
        return []
    if typed == 1:
        return [Suggestion(m.value, "operator", _DIRECTIONS[m]) for m in MapType]
    if typed == 2:
        return _field_names(analysis, owner, Side.DATAVERSE)
    previous = words[-2]
    if previous == "via":
        return [
            *(Suggestion(v, "value map") for v in value_maps),
            Suggestion("unpublished", "keyword", "the published table shows no value map"),
        ]
    if previous == ":":
        return [Suggestion(t, "type") for t in FIELD_TYPES]
    if previous == "default" and "via" in words:
        used = words[words.index("via") + 1]
        if used in catalog.value_maps:
            return [Suggestion(e.symbol, "symbol") for e in catalog.value_maps[used].entries]
    if typed >= 3 and previous not in {"via", ":", "default"}:
        return [Suggestion(k, "keyword") for k in ("via", "default")] + [
            Suggestion(":", "operator")
        ]
    return []


_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
# The codes whose span is the very word their "did you mean" hint replaces.
_FIXABLE = {
    Code.UNKNOWN_MAP_TYPE,
    Code.UNKNOWN_FIELD_TYPE,
    Code.UNKNOWN_VALUE_MAP,
    Code.LOOKUP_PATH,
    Code.KEY_FIELD,
    Code.DEFAULT_TYPE,
    Code.PAGE,
    Code.FILTER_FIELD,
}


def quick_fix(diagnostic: Diagnostic) -> str | None:
    """The replacement a "did you mean `x`?" hint proposes for the diagnostic's span."""
    if diagnostic.code not in _FIXABLE:
        return None
    match = _DID_YOU_MEAN.search(diagnostic.hint or "")
    return match.group(1) if match else None
