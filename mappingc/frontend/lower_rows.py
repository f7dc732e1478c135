"""Lowering what rows say: map types, Dataverse paths and lookups, field types, value maps (declared
and inline) and defaults, and the filter expressions of a template's header.

`RowLowering` keeps what a whole lowering shares (diagnostics, the value maps by name);
mappingc.frontend.lower builds templates, pages and the catalog on it.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic, Severity, did_you_mean
from mappingc.frontend import syntax as ast

_MAP_TYPES = {m.value for m in ir.MapType}
# Real lookups take one to three hops; every step after lowering recurses once per hop.
MAX_LOOKUP_HOPS = 10


class RowLowering:
    def __init__(self, every_file_parsed: bool = True) -> None:
        # False when some file of the build did not parse: what it declares is unknown, so a name
        # not found is no error of its own (the syntax error is what to fix).
        self.every_file_parsed = every_file_parsed
        self.diagnostics: list[Diagnostic] = []
        self.value_maps: dict[str, ir.ValueMap] = {}
        self.referenced: set[str] = set()
        self.inline: dict[str, ir.ValueMap] = {}  # inline maps of the file being lowered
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
            # FO symbols compare without case (X++, and the runtime's ValueMap): `Yes` and `yes`
            # are one symbol.
            folded = symbol.lower() if symbol.isascii() else symbol
            if folded in seen:
                first = seen[folded]
                written = str(first.key.value)
                self.error(
                    path,
                    entry.key.span,
                    Code.VALUE_MAP_DEFINITION,
                    f"value map `{name}` lists `{symbol}` twice"
                    + (
                        ""
                        if written == symbol
                        else f" (as `{written}`: symbols compare without case)"
                    ),
                    f"the first is on line {first.span.line}",
                )
                continue
            seen[folded] = entry
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
        examples: dict[type, str] = {}
        for e in lowered:
            if e.value is not None:
                examples.setdefault(type(e.value), e.shown or str(e.value))
        mixed = tuple(
            f"{what} ({examples[kind]})" if kind is not str else f'{what} ("{examples[kind]}")'
            for kind, what in ((int, "numbers"), (bool, "booleans"), (str, "text"))
            if kind in examples
        )
        if len(mixed) > 1:
            # A Dataverse column holds one type: values of several kinds are all text, as
            # written (W405 says so), in the row functions and the plans alike.
            lowered = [
                e.model_copy(update={"value": e.shown or str(e.value), "shown": None})
                if not isinstance(e.value, str) and e.value is not None
                else e
                for e in lowered
            ]
        return ir.ValueMap(
            name=name,
            entries=tuple(lowered),
            inline=inline,
            mixed=mixed if len(mixed) > 1 else (),
            location=self.location(path, span),
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

    # -- fields
    def dataverse_field(self, path: str, node: ast.DataversePath) -> ir.DataverseField | None:
        if len(node.steps) > MAX_LOOKUP_HOPS:
            self.error(
                path,
                node.span,
                Code.TOO_DEEP,
                f"lookup `{node.root.text}…` has {len(node.steps)} hops; at most {MAX_LOOKUP_HOPS}",
            )
            return None
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

    def field_type(self, path: str, row: ast.Row) -> ir.FieldType | None:
        declared = row.field_type
        if row.value_map is not None and not row.value_map.unpublished:
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
            literal = row.default
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
        largest = ir.LARGEST_SIZE.get(ir.Kind(name))
        if largest is not None and declared.size is not None and declared.size > largest:
            what = "length" if name == "string" else "scale"
            self.error(
                path,
                declared.span,
                Code.UNKNOWN_FIELD_TYPE,
                f"a {name} {what} must be at most {largest:,}",
                "no store holds more"
                + (" (write `string` for text of any length)" if name == "string" else ""),
            )
            return None
        return ir.FieldType(kind=ir.Kind(name), size=declared.size)

    def resolve_value_map(self, path: str, template: str, row: ast.Row) -> tuple[str | None, bool]:
        """The name of the row's value map (registering an inline one); False if unresolved."""
        use = row.value_map
        if use is None or use.unpublished:
            return None, True
        if use.name is not None:
            name = use.name.text
            self.referenced.add(name)
            if name not in self.value_maps:
                if not self.every_file_parsed:
                    return None, False  # it may be declared in the file that did not parse
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
        owner = row.fo.text if row.fo else (row.dataverse.root.text if row.dataverse else "x")
        # Named after its row; a second inline map on the same field gets a name of its own.
        name, n = f"{template}.{owner}", 2
        while name in self.value_maps:
            name, n = f"{template}.{owner}_{n}", n + 1
        lowered = self.value_map(path, name, use.entries, use.span, inline=True)
        self.value_maps[name] = self.inline[name] = lowered
        return name, True

    def row(self, path: str, template: str, row: ast.Row) -> ir.Row | None:
        ok = True
        symbol = row.map_type.text
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
                row.map_type.span,
                Code.UNKNOWN_MAP_TYPE,
                f"unknown map type `{symbol}`",
                hint,
            )
            ok = False
        dataverse = None
        if row.dataverse is not None:
            dataverse = self.dataverse_field(path, row.dataverse)
            ok = ok and dataverse is not None
        field_type = self.field_type(path, row)
        value_map, resolved = self.resolve_value_map(path, template, row)
        if not (ok and field_type and resolved):
            return None
        default = row.default
        return ir.Row(
            finance_operations=row.fo.text if row.fo else None,
            finance_operations_location=self.location(path, row.fo_span),
            map_type=ir.MapType(symbol),
            map_type_location=self.location(path, row.map_type.span),
            dataverse=dataverse,
            dataverse_location=self.location(path, row.dataverse_span),
            type=field_type,
            value_map=value_map,
            transform_unpublished=row.value_map is not None and row.value_map.unpublished,
            value_map_location=self.location(path, row.value_map.span) if row.value_map else None,
            default=ir.Scalar(value=default.value) if default else None,
            default_text=default.text if default else None,
            default_location=self.location(path, default.span) if default else None,
            location=self.location(path, row.span),
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
