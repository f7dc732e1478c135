"""Syntax trees → IR: resolve names (map types, field types, value maps) and normalise values.

Reports what cannot be given a meaning at all; rules about meanings live in mappingc.checks.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Sequence

from mappingc import ast, ir
from mappingc.diagnostics import Code, Diagnostic, Severity, did_you_mean

_MAP_TYPES = {m.value for m in ir.MapType}
_REQUIRED_PROPERTIES = ("label", "finance_operations", "dataverse")
_REPEATABLE = {"lookup", "origin", "unmapped"}  # one line per lookup column, per publication


class _Lowering:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.value_maps: dict[str, ir.ValueMap] = {}
        self.referenced: set[str] = set()
        self.declarations: dict[str, tuple[str, ast.Span]] = {}

    # -- reporting
    def error(
        self, path: str, span: ast.Span, code: Code, message: str, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(path, span, Severity.ERROR, code, message, hint))

    @staticmethod
    def location(path: str, span: ast.Span) -> ir.Location:
        return ir.Location(
            path=path,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
        )

    # -- value maps
    def value_map(
        self,
        path: str,
        name: str,
        entries: Sequence[ast.ValueMapEntry],
        span: ast.Span,
        *,
        inline: bool,
    ) -> ir.ValueMap:
        lowered: list[ir.ValueMapEntry] = []
        seen: dict[str, ast.ValueMapEntry] = {}
        for entry in entries:
            symbol = str(entry.key.value)
            if symbol in seen:
                self.error(
                    path,
                    entry.key.span,
                    Code.VALUE_MAP_DEFINITION,
                    f"value map `{name}` lists `{symbol}` twice",
                    f"the first is on line {seen[symbol].span.line}",
                )
                continue
            seen[symbol] = entry
            value = entry.value.value
            if isinstance(value, decimal.Decimal):
                self.error(
                    path,
                    entry.value.span,
                    Code.VALUE_MAP_DEFINITION,
                    f"value map `{name}` maps `{symbol}` to {entry.value.text}, which is not an "
                    "option-set value",
                    "Dataverse option sets take whole numbers, True/False or text",
                )
                continue
            lowered.append(
                ir.ValueMapEntry(
                    symbol=symbol,
                    value=value,
                    # `true` and `True` are one value; the docs show the one the author wrote.
                    shown=entry.value.text if isinstance(value, bool) else None,
                    location=self.location(path, entry.span),
                )
            )
        return ir.ValueMap(
            name=name, entries=tuple(lowered), inline=inline, location=self.location(path, span)
        )

    def declare_value_maps(self, files: Iterable[ast.SourceFile]) -> None:
        declared: dict[str, tuple[str, ast.ValueMapDecl]] = {}
        for source in files:
            for decl in source.value_maps:
                name = decl.name.text
                if name in declared:
                    first_path, first = declared[name]
                    self.error(
                        source.path,
                        decl.name.span,
                        Code.VALUE_MAP_DEFINITION,
                        f"value map `{name}` is defined twice",
                        f"the first is at {first_path}:{first.name.span.line}",
                    )
                    continue
                declared[name] = (source.path, decl)
                self.declarations[name] = (source.path, decl.name.span)
                self.value_maps[name] = self.value_map(
                    source.path, name, decl.entries, decl.span, inline=False
                )

    def unique_properties(
        self, path: str, owner: str, found: Sequence[ast.Property], code: Code
    ) -> dict[str, ast.Property]:
        """Header lines by keyword; a keyword given twice is reported and the first one kept."""
        properties: dict[str, ast.Property] = {}
        for prop in found:
            if prop.keyword in _REPEATABLE:
                continue
            if (first := properties.get(prop.keyword)) is not None:
                self.error(
                    path,
                    prop.span,
                    code,
                    f"{owner} sets `{prop.keyword}` twice",
                    f"the first is on line {first.span.line}",
                )
                continue
            properties[prop.keyword] = prop
        return properties

    # -- fields
    def dataverse_field(self, path: str, node: ast.DataversePath) -> ir.DataverseField | None:
        hops = [s for s in node.steps if s.key is None]
        targets = [s for s in node.steps if s.key is not None]
        if hops and targets:
            self.error(
                path,
                node.span,
                Code.LOOKUP_PATH,
                f"lookup `{node.text}` mixes plain hops and polymorphic targets",
                "write either `column.hop.hop` or `column.Table(key).Table(key)`",
            )
            return None
        return ir.DataverseField(
            column=node.root.text,
            hops=tuple(h.name.text for h in hops),
            targets=tuple(
                ir.PolymorphicTarget(table=t.name.text, key=t.key.text)
                for t in targets
                if t.key is not None
            ),
            location=self.location(path, node.span),
        )

    def field_type(self, path: str, pair: ast.Pair) -> ir.FieldType | None:
        declared = pair.field_type
        if pair.value_map is not None and not pair.value_map.unpublished:
            if declared is not None:
                self.error(
                    path,
                    declared.span,
                    Code.TYPE_WITH_VALUE_MAP,
                    "a value-mapped field takes its type from the value map",
                    "remove the type: the FO side is the map's enum, the Dataverse side its values",
                )
            return ir.FieldType(kind=ir.Kind.ENUM)
        if declared is None:
            # No type stated: text, unless the row's own default says otherwise (`default 3`).
            literal = pair.default
            if literal is not None and isinstance(literal.value, bool):
                return ir.FieldType(kind=ir.Kind.BOOL, declared=False)
            if literal is not None and isinstance(literal.value, int):
                return ir.FieldType(kind=ir.Kind.INT, declared=False)
            if literal is not None and isinstance(literal.value, decimal.Decimal):
                return ir.FieldType(kind=ir.Kind.DECIMAL, declared=False)
            return ir.FieldType(kind=ir.Kind.STRING, declared=False)
        return self.declared_type(path, declared)

    def declared_type(self, path: str, declared: ast.FieldTypeDecl) -> ir.FieldType | None:
        name = declared.name.text
        if name not in ir.WRITABLE_KINDS:
            self.error(
                path,
                declared.name.span,
                Code.UNKNOWN_FIELD_TYPE,
                f"unknown field type `{name}`",
                did_you_mean(name, ir.WRITABLE_KINDS)
                or f"field types are {', '.join(sorted(ir.WRITABLE_KINDS))}",
            )
            return None
        if declared.size is not None and name not in ir.SIZED_KINDS:
            self.error(
                path,
                declared.span,
                Code.UNKNOWN_FIELD_TYPE,
                f"`{name}` takes no size",
                "only string(length) and decimal(scale) have one",
            )
            return None
        if name == "string" and declared.size == 0:
            self.error(path, declared.span, Code.UNKNOWN_FIELD_TYPE, "a string length must be > 0")
            return None
        return ir.FieldType(kind=ir.Kind(name), size=declared.size)

    def resolve_value_map(
        self, path: str, template: str, pair: ast.Pair
    ) -> tuple[str | None, bool]:
        """The name of the pair's value map (registering an inline one); False if unresolved."""
        use = pair.value_map
        if use is None or use.unpublished:
            return None, True
        if use.name is not None:
            name = use.name.text
            self.referenced.add(name)
            if name not in self.value_maps:
                self.error(
                    path,
                    use.name.span,
                    Code.UNKNOWN_VALUE_MAP,
                    f"unknown value map `{name}`",
                    did_you_mean(name, self.value_maps)
                    or "declare it with `valuemap Name { symbol : value }` in any file",
                )
                return None, False
            return name, True
        owner = pair.fo.text if pair.fo else (pair.dataverse.root.text if pair.dataverse else "x")
        name = f"{template}.{owner}"
        self.value_maps[name] = self.value_map(path, name, use.entries, use.span, inline=True)
        return name, True

    def pair(self, path: str, template: str, pair: ast.Pair) -> ir.FieldMapping | None:
        ok = True
        symbol = pair.map_type.text
        if symbol not in _MAP_TYPES:
            hint = (
                did_you_mean(symbol, _MAP_TYPES) or f"map types are {' '.join(sorted(_MAP_TYPES))}"
            )
            if symbol in {"=>", "->"}:
                hint = "did you mean `>`? (FO → Dataverse)"
            elif symbol in {"<=", "<-"}:
                hint = "did you mean `<`? (Dataverse → FO)"
            elif symbol in {"<>", "<=>", "=="}:
                hint = "did you mean `=` (bidirectional) or `><` (bidirectional with a transform)?"
            self.error(
                path,
                pair.map_type.span,
                Code.UNKNOWN_MAP_TYPE,
                f"unknown map type `{symbol}`",
                hint,
            )
            ok = False
        dataverse = None
        if pair.dataverse is not None:
            dataverse = self.dataverse_field(path, pair.dataverse)
            ok = ok and dataverse is not None
        field_type = self.field_type(path, pair)
        value_map, resolved = self.resolve_value_map(path, template, pair)
        if not (ok and field_type and resolved):
            return None
        default = pair.default
        return ir.FieldMapping(
            finance_operations=pair.fo.text if pair.fo else None,
            finance_operations_location=self.location(path, pair.fo_span),
            map_type=ir.MapType(symbol),
            map_type_location=self.location(path, pair.map_type.span),
            dataverse=dataverse,
            dataverse_location=self.location(path, pair.dataverse_span),
            type=field_type,
            value_map=value_map,
            transform_unpublished=pair.value_map is not None and pair.value_map.unpublished,
            value_map_location=self.location(path, pair.value_map.span) if pair.value_map else None,
            default=ir.Scalar(value=default.value) if default else None,
            default_text=default.text if default else None,
            default_location=self.location(path, default.span) if default else None,
            location=self.location(path, pair.span),
        )

    # -- filters
    def expression(
        self, path: str, node: ast.Expr
    ) -> ir.Comparison | ir.FunctionCall | ir.Logical | ir.Negation:
        if isinstance(node, ast.BoolOp):
            return ir.Logical(
                operator=node.operator,
                operands=tuple(self.expression(path, o) for o in node.operands),
            )
        if isinstance(node, ast.Not):
            return ir.Negation(operand=self.expression(path, node.operand))
        if isinstance(node, ast.Call):
            return ir.FunctionCall(
                function=node.function,
                field=node.field.text,
                field_location=self.location(path, node.field.span),
                value=ir.Scalar(value=node.value.value),
                value_text=node.value.text,
            )
        return ir.Comparison(
            field=node.field.text,
            field_location=self.location(path, node.field.span),
            operator=node.operator,
            value=ir.Scalar(value=node.value.value),
            value_text=node.value.text,
        )

    def filter(self, path: str, node: ast.Filter) -> ir.Filter:
        return ir.Filter(
            dialect=node.dialect,
            expression=self.expression(path, node.expr),
            text=node.text,
            location=self.location(path, node.span),
        )

    # -- templates
    def template(self, source: ast.SourceFile, decl: ast.TemplateDecl) -> ir.Template | None:
        path = source.path
        properties = self.unique_properties(
            path, f"template `{decl.name.text}`", decl.properties, Code.TEMPLATE_PROPERTY
        )
        missing = [p for p in _REQUIRED_PROPERTIES if p not in properties]
        for keyword in missing:
            self.error(
                path,
                decl.name.span,
                Code.TEMPLATE_PROPERTY,
                f"template `{decl.name.text}` has no `{keyword}`",
                {
                    "label": 'add `label "Loyalty card"` (the FO entity label)',
                    "finance_operations": "add `finance_operations LoyaltyCard` (the FO entity)",
                    "dataverse": "add `dataverse msdyn_loyaltycards` (the table logical name)",
                }[keyword],
            )
        fields = [self.pair(path, decl.name.text, p) for p in decl.pairs]
        if missing:
            return None

        def text(keyword: str) -> str | None:
            prop = properties.get(keyword)
            return str(prop.value) if prop else None

        key_prop = properties.get("key")
        keys = key_prop.value if key_prop else ()
        assert isinstance(keys, tuple)
        filters = {
            k: self.filter(path, v)
            for k in ("source_filter", "reversed_filter")
            if (found := properties.get(k)) and isinstance(v := found.value, ast.Filter)
        }
        lookups = []
        for prop in decl.properties:
            if prop.keyword == "lookup" and isinstance(prop.value, tuple):
                column, table = prop.value
                assert isinstance(column, ast.Name) and isinstance(table, ast.Name)
                lookups.append(
                    ir.LookupTarget(
                        column=column.text,
                        table=table.text,
                        location=self.location(path, column.span),
                    )
                )
        unmapped = []
        for prop in decl.properties:
            if isinstance(extra := prop.value, ast.Unmapped):
                field_type = (
                    ir.FieldType(kind=ir.Kind.STRING, declared=False)
                    if extra.declared is None
                    else self.declared_type(path, extra.declared)
                )
                if field_type is not None:
                    unmapped.append(
                        ir.UnmappedField(
                            side=extra.side,
                            name=extra.name.text,
                            type=field_type,
                            location=self.location(path, extra.name.span),
                        )
                    )
        ref = properties.get("ref")
        return ir.Template(
            name=decl.name.text,
            label=text("label") or "",
            finance_operations_entity=text("finance_operations") or "",
            dataverse_table=text("dataverse") or "",
            ref=int(ref.value) if ref and isinstance(ref.value, int) else None,
            description=text("description"),
            keys=tuple(
                ir.KeyField(path=k.text, location=self.location(path, k.span)) for k in keys
            ),
            source_filter=filters.get("source_filter"),
            reversed_filter=filters.get("reversed_filter"),
            fields=tuple(f for f in fields if f is not None),
            lookups=tuple(lookups),
            unmapped=tuple(unmapped),
            origins=tuple(str(p.value) for p in decl.properties if p.keyword == "origin"),
            company_specific="company_specific" in properties,
            complete=all(f is not None for f in fields),
            source=path,
            location=self.location(path, decl.name.span),
        )


def _page(lowering: _Lowering, source: ast.SourceFile, decl: ast.PageDecl) -> ir.Page | None:
    properties = lowering.unique_properties(
        source.path, f"page `{decl.name.text}`", decl.properties, Code.PAGE
    )
    if "title" not in properties:
        lowering.error(
            source.path,
            decl.name.span,
            Code.PAGE,
            f"page `{decl.name.text}` has no `title`",
            'add `title "Customer loyalty cards and reward points"`',
        )
        return None
    return ir.Page(
        name=decl.name.text,
        title=str(properties["title"].value),
        description=str(properties["description"].value) if "description" in properties else None,
        intro=str(properties["intro"].value) if "intro" in properties else None,
        templates=tuple(
            ir.PageTemplate(name=n.text, location=lowering.location(source.path, n.span))
            for n in decl.templates
        ),
        source=source.path,
        location=lowering.location(source.path, decl.name.span),
    )


def module_name(template_name: str) -> str:
    """The file stem of a template's generated module and doc: snake_case of its name."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", template_name)
    return snake.lower()


def lower(files: Sequence[ast.SourceFile]) -> tuple[ir.Catalog, list[Diagnostic]]:
    """All parsed files of a build → one catalog, plus what could not be resolved."""
    lowering = _Lowering()
    lowering.declare_value_maps(files)
    templates = [
        template
        for source in files
        for decl in source.templates
        if (template := lowering.template(source, decl)) is not None
    ]
    # A map left unused because a reference to it is misspelt is already explained by that error.
    misspelt = any(d.code is Code.UNKNOWN_VALUE_MAP for d in lowering.diagnostics)
    for name, (path, span) in sorted(lowering.declarations.items()):
        if name not in lowering.referenced and not misspelt:
            lowering.diagnostics.append(
                Diagnostic(
                    path,
                    span,
                    Severity.WARNING,
                    Code.UNUSED_VALUE_MAP,
                    f"value map `{name}` is not used by any template",
                )
            )
    pages = [
        page
        for source in files
        for decl in source.pages
        if (page := _page(lowering, source, decl)) is not None
    ]
    catalog = ir.Catalog(
        templates=tuple(sorted(templates, key=lambda t: (t.name, t.source))),
        value_maps=dict(sorted(lowering.value_maps.items())),
        pages=tuple(sorted(pages, key=lambda p: (p.name, p.source))),
    )
    return catalog, lowering.diagnostics
