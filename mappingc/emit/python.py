"""IR template → typed Python sync module (source text, formatted by black).

This module decides *what* the generated code says (names, types, conversions per row and
direction); `templates/module.py.j2` decides how it is laid out.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import decimal
import hashlib
import os
from dataclasses import dataclass, field
from importlib import metadata

import black

from mappingc import ir
from mappingc.cache import Cache
from mappingc.emit import names
from mappingc.emit.environment import render

_BLACK_MODE = black.Mode(target_versions={black.mode.TargetVersion.PY311}, line_length=100)

_PYTHON_TYPES = {
    ir.Kind.STRING: "str",
    ir.Kind.INT: "int",
    ir.Kind.DECIMAL: "decimal.Decimal",
    ir.Kind.BOOL: "bool",
    ir.Kind.DATE: "datetime.date",
    ir.Kind.DATETIME: "datetime.datetime",
}
_CHECKS = {
    ir.Kind.STRING: "check_str",
    ir.Kind.INT: "check_int",
    ir.Kind.DECIMAL: "check_decimal",
    ir.Kind.BOOL: "check_bool",
    ir.Kind.DATE: "check_date",
    ir.Kind.DATETIME: "check_datetime",
}


@dataclass
class EnumView:
    class_name: str
    constant: str
    source_name: str
    dataverse_type: str
    members: list[tuple[str, str]]  # (member, FO symbol)
    entries: list[tuple[str, str]]  # (member, Dataverse value literal)
    symbols: dict[str, str]  # FO symbol → member


@dataclass
class ModelField:
    attribute: str
    alias: str | None
    annotation: str


@dataclass
class ModelView:
    class_name: str
    doc: str
    fields: list[ModelField]


@dataclass
class Flow:
    """One row moving in one direction: read `source`, convert, write `target`."""

    row: str  # the row as written, for the comment above its code
    source: str | None  # key in the input row; None for a `none` row (constant)
    convert: str  # expression over `value`
    guard_none: bool  # None passes through unconverted
    default: str | None  # Python literal
    target_kind: str  # "column" | "lookup" | "polymorphic"
    target: str  # output key, or the lookup path tuple literal
    polymorphic: str | None = None  # constant of the PolymorphicLookup


@dataclass
class PolymorphicView:
    constant: str
    column: str
    targets: list[tuple[str, str]]


@dataclass
class FilterNode:
    """A filter as code: `and`/`or` over operands, `not`, or a `test` calling a runtime helper
    on one field of the row (`negate` for `!=` and `ne`)."""

    kind: str
    operands: list[FilterNode] = field(default_factory=list)
    helper: str = ""
    key: str = ""
    literal: str = ""
    negate: bool = False


@dataclass
class PredicateView:
    function: str
    constant: str  # the module constant holding the filter as written
    side: str  # "finance and operations" | "Dataverse"
    filter_text: str | None
    expression: FilterNode | None


# (dialect, operator) → (helper in mappingc.runtime.filters, negated)
_FILTER_HELPERS = {
    ("finance_operations", "=="): ("xpp_equal", False),
    ("finance_operations", "="): ("xpp_equal", False),
    ("finance_operations", "!="): ("xpp_equal", True),
    ("finance_operations", "like"): ("xpp_like", False),
    ("odata", "eq"): ("odata_equal", False),
    ("odata", "ne"): ("odata_equal", True),
    ("odata", "startswith"): ("starts_with", False),
    ("odata", "endswith"): ("ends_with", False),
    ("odata", "contains"): ("contains", False),
    **{
        (dialect, op): (helper, False)
        for dialect, ops in (
            ("finance_operations", ("<", "<=", ">", ">=")),
            ("odata", ("lt", "le", "gt", "ge")),
        )
        for op, helper in zip(
            ops, ("less", "less_or_equal", "greater", "greater_or_equal"), strict=True
        )
    },
}


@dataclass
class ModuleView:
    template: ir.Template
    source: str
    map_type_rows: str
    enums: list[EnumView] = field(default_factory=list)
    polymorphic: list[PolymorphicView] = field(default_factory=list)
    models: list[ModelView] = field(default_factory=list)
    to_dataverse: list[Flow] = field(default_factory=list)
    to_finance_operations: list[Flow] = field(default_factory=list)
    runtime_imports: list[str] = field(default_factory=list)
    fo_storage: dict[str, str] = field(default_factory=dict)  # FO field → storage kind
    dv_storage: dict[str, str] = field(default_factory=dict)  # Dataverse column → storage kind
    fo_key: list[str] = field(default_factory=list)
    lookup_paths: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    predicates: list[PredicateView] = field(default_factory=list)
    filter_imports: list[str] = field(default_factory=list)
    uses_datetime: bool = False
    uses_decimal: bool = False
    uses_annotated: bool = False


def _literal(value: object) -> str:
    if isinstance(value, decimal.Decimal):
        return f'decimal.Decimal("{value}")'
    return repr(value)


class _ModuleBuilder:
    def __init__(self, template: ir.Template, catalog: ir.Catalog) -> None:
        self.template = template
        self.catalog = catalog
        self.imports: set[str] = set()
        self.filter_imports: set[str] = set()
        self.enums: dict[str, EnumView] = {}
        self.polymorphic: dict[str, PolymorphicView] = {}
        self.view = ModuleView(
            template=template,
            source=template.source,
            map_type_rows=", ".join(sorted({f.map_type.value for f in template.fields})),
        )

    # -- value maps
    def enum(self, name: str) -> EnumView:
        if name in self.enums:
            return self.enums[name]
        value_map = self.catalog.value_maps[name]
        class_name = names.pascal(name.split(".")[-1]) if value_map.inline else name
        taken: set[str] = set()
        members = [(names.enum_member(e.symbol, taken), e.symbol) for e in value_map.entries]
        symbols = {symbol: member for member, symbol in members}
        view = EnumView(
            class_name=class_name,
            constant=names.constant(class_name),
            source_name=value_map.name,
            dataverse_type=value_map.dataverse_kind + (" | None" if value_map.has_blank else ""),
            members=members,
            entries=[(symbols[e.symbol], _literal(e.value)) for e in value_map.entries],
            symbols=symbols,
        )
        self.enums[name] = view
        return view

    # -- types
    def python_type(self, mapping: ir.FieldMapping, side: str) -> str:
        if mapping.value_map is not None:
            view = self.enum(mapping.value_map)
            return view.class_name if side == "fo" else view.dataverse_type
        return self.scalar_type(mapping.type)

    def scalar_type(self, field_type: ir.FieldType) -> str:
        kind = field_type.kind
        base = _PYTHON_TYPES[kind]
        if kind is ir.Kind.DATE or kind is ir.Kind.DATETIME:
            self.view.uses_datetime = True
        if kind is ir.Kind.DECIMAL:
            self.view.uses_decimal = True
        size = field_type.size
        if size is not None:
            self.view.uses_annotated = True
            constraint = "max_length" if kind is ir.Kind.STRING else "decimal_places"
            return f"Annotated[{base}, Field({constraint}={size})]"
        return base

    def check(self, mapping: ir.FieldMapping, value: str, field_name: str, towards: str) -> str:
        if mapping.value_map is not None:
            view = self.enum(mapping.value_map)
            method = "to_dataverse" if towards == "dataverse" else "to_finance_operations"
            return f"{view.constant}.{method}({value}, {field_name!r})"
        check = _CHECKS[mapping.type.kind]
        self.imports.add(check)
        size = f", {mapping.type.size}" if mapping.type.size is not None else ""
        return f"{check}({value}, {field_name!r}{size})"

    def default(self, mapping: ir.FieldMapping, towards: str) -> str | None:
        if mapping.default is None:
            return None
        value = mapping.default.value
        if mapping.value_map is not None:
            view = self.enum(mapping.value_map)
            if towards == "finance_operations":
                return f"{view.class_name}.{view.symbols[str(value)]}"
            entry = next(
                e for e in self.catalog.value_maps[mapping.value_map].entries if e.symbol == value
            )
            return _literal(entry.value)
        kind = mapping.type.kind
        if kind is ir.Kind.DATE:
            self.view.uses_datetime = True
            return repr(datetime.date.fromisoformat(str(value)))
        if kind is ir.Kind.DATETIME:
            self.view.uses_datetime = True
            return repr(datetime.datetime.fromisoformat(str(value)))
        if isinstance(value, decimal.Decimal) or kind is ir.Kind.DECIMAL:
            self.view.uses_decimal = True
            return _literal(decimal.Decimal(value))  # type: ignore[arg-type]
        return _literal(value)

    def polymorphic_lookup(self, dataverse: ir.DataverseField) -> PolymorphicView:
        key = dataverse.path
        if key not in self.polymorphic:
            self.imports.add("PolymorphicLookup")
            base = names.constant(dataverse.column) + "_LOOKUP"
            constant, n = base, 2
            while any(p.constant == constant for p in self.polymorphic.values()):
                constant, n = f"{base}_{n}", n + 1
            self.polymorphic[key] = PolymorphicView(
                constant=constant,
                column=dataverse.column,
                targets=[(t.table, t.key) for t in dataverse.targets],
            )
        return self.polymorphic[key]

    # -- flows
    def row_text(self, mapping: ir.FieldMapping) -> str:
        left = mapping.finance_operations or "none"
        right = mapping.dataverse.path if mapping.dataverse else "none"
        extra = ""
        if mapping.value_map is not None:
            value_map = self.catalog.value_maps[mapping.value_map]
            if value_map.inline:
                entries = ", ".join(
                    f"{e.symbol}: {'blank' if e.value is None else repr(e.value)}"
                    for e in value_map.entries
                )
                extra = f" via {{ {entries} }}"
            else:
                extra = f" via {value_map.name}"
        elif mapping.transform_unpublished:
            extra = " via unpublished"
        default = f" default {mapping.default_text}" if mapping.default_text else ""
        return f"{left} {mapping.map_type.value} {right}{extra}{default}"

    def guard_none(self, mapping: ir.FieldMapping) -> bool:
        # A `blank` value-map entry gives None a meaning of its own, so None goes through the map.
        if mapping.value_map is None:
            return True
        return not self.catalog.value_maps[mapping.value_map].has_blank

    def flow_to_dataverse(self, mapping: ir.FieldMapping) -> Flow | None:
        if not mapping.map_type.to_dataverse or mapping.dataverse is None:
            return None
        dataverse = mapping.dataverse
        source = mapping.finance_operations
        flow = Flow(
            row=self.row_text(mapping),
            source=source,
            convert=self.check(mapping, "value", source or "", "dataverse") if source else "",
            guard_none=self.guard_none(mapping),
            default=self.default(mapping, "dataverse"),
            target_kind="column",
            target=repr(dataverse.column),
        )
        if dataverse.targets:
            flow.target_kind = "polymorphic"
            flow.polymorphic = self.polymorphic_lookup(dataverse).constant
        elif dataverse.hops:
            self.imports.add("put_lookup")
            flow.target_kind = "lookup"
            flow.target = repr((dataverse.column, *dataverse.hops))
        return flow

    def flow_to_finance_operations(self, mapping: ir.FieldMapping) -> Flow | None:
        if not mapping.map_type.to_finance_operations or mapping.finance_operations is None:
            return None
        dataverse = mapping.dataverse
        value = "value"
        if dataverse is not None and dataverse.targets:
            polymorphic = self.polymorphic_lookup(dataverse)
            value = f"{polymorphic.constant}.read(value, {dataverse.path!r})"
        elif dataverse is not None and dataverse.hops:
            self.imports.add("read_lookup")
            value = f"read_lookup(value, {dataverse.hops!r}, {dataverse.path!r})"
        field_name = dataverse.path if dataverse else ""
        return Flow(
            row=self.row_text(mapping),
            source=dataverse.column if dataverse else None,
            convert=(
                self.check(mapping, value, field_name, "finance_operations") if dataverse else ""
            ),
            guard_none=self.guard_none(mapping),
            default=self.default(mapping, "finance_operations"),
            target_kind="column",
            target=repr(mapping.finance_operations),
        )

    # -- models
    def models(self) -> list[ModelView]:
        fo_fields: dict[str, ModelField] = {}
        dv_columns: dict[str, ModelField] = {}
        lookup_trees: dict[str, dict[str, object]] = {}
        for mapping in self.template.fields:
            if mapping.finance_operations and mapping.finance_operations not in fo_fields:
                fo_fields[mapping.finance_operations] = self.model_field(
                    mapping.finance_operations, self.python_type(mapping, "fo")
                )
            dataverse = mapping.dataverse
            if dataverse is None:
                continue
            if not dataverse.is_lookup:
                dv_columns.setdefault(
                    dataverse.column,
                    self.model_field(dataverse.column, self.python_type(mapping, "dv")),
                )
                continue
            # Keep the column's place in row order; its nested model is filled in below.
            dv_columns.setdefault(dataverse.column, self.model_field(dataverse.column, ""))
            tree = lookup_trees.setdefault(dataverse.column, {})
            leaf_type = self.python_type(mapping, "dv")
            if dataverse.targets:
                for target in dataverse.targets:
                    branch = tree.setdefault(target.table, {})
                    assert isinstance(branch, dict)
                    branch[target.key] = leaf_type
                continue
            steps = dataverse.hops
            node = tree
            for hop in steps[:-1]:
                child = node.setdefault(hop, {})
                assert isinstance(child, dict)
                node = child
            node[steps[-1]] = leaf_type
        for extra in self.template.unmapped:
            fields = fo_fields if extra.side == "finance_operations" else dv_columns
            fields.setdefault(
                extra.name, self.model_field(extra.name, self.scalar_type(extra.type))
            )
        lookup_models: list[ModelView] = []
        for column, tree in lookup_trees.items():
            class_name = self.lookup_models(names.pascal(column), column, tree, lookup_models)
            dv_columns[column] = self.model_field(column, class_name)
        entity = self.template.finance_operations_entity
        table = self.template.dataverse_table
        return [
            ModelView(
                "FinanceOperationsRow",
                f"A row of finance and operations entity `{entity}`.",
                list(fo_fields.values()),
            ),
            *lookup_models,
            ModelView(
                "DataverseRow", f"A row of Dataverse table `{table}`.", list(dv_columns.values())
            ),
        ]

    def lookup_models(
        self, class_name: str, path: str, tree: dict[str, object], out: list[ModelView]
    ) -> str:
        """Nested models for a lookup, children first; returns the class name for `tree`."""
        fields = []
        for name, node in tree.items():
            if isinstance(node, dict):
                child = self.lookup_models(
                    f"{class_name}{names.pascal(name)}", f"{path}.{name}", node, out
                )
                fields.append(self.model_field(name, child))
            else:
                fields.append(self.model_field(name, str(node)))
        full = f"{class_name}Lookup"
        out.append(
            ModelView(full, f"The related row `{path}` points at, by its alternate key.", fields)
        )
        return full

    @staticmethod
    def model_field(name: str, annotation: str) -> ModelField:
        attribute = names.attribute(name)
        return ModelField(attribute, None if attribute == name else name, annotation)

    def storage(self) -> None:
        """Storage kinds of every field and column, for the sync runtime's tables."""
        view = self.view
        for mapping in self.template.fields:
            kind = mapping.type.kind.value
            if mapping.value_map is not None:
                value_map = self.catalog.value_maps[mapping.value_map]
                fo_kind, dv_kind = "string", value_map.dataverse_kind.replace("str", "string")
            else:
                fo_kind = dv_kind = kind
            if mapping.finance_operations is not None:
                view.fo_storage.setdefault(mapping.finance_operations, fo_kind)
            if mapping.dataverse is not None:
                column = mapping.dataverse.column
                view.dv_storage.setdefault(
                    column, "lookup" if mapping.dataverse.is_lookup else dv_kind
                )
                if mapping.dataverse.hops:
                    paths = view.lookup_paths.setdefault(column, [])
                    if mapping.dataverse.hops not in paths:
                        paths.append(mapping.dataverse.hops)
        for extra in self.template.unmapped:
            storage = view.fo_storage if extra.side == "finance_operations" else view.dv_storage
            storage.setdefault(extra.name, extra.type.kind.value)
        by_path = {f.dataverse.path: f for f in self.template.fields if f.dataverse}
        view.fo_key = [
            fo for key in self.template.keys if (fo := by_path[key.path].finance_operations)
        ]

    # -- filters
    def predicate(self, side: ir.Side, which: ir.Filter | None) -> PredicateView:
        function, constant, shown = {
            "finance_operations": (
                "accepts_from_finance_operations",
                "SOURCE_FILTER",
                "finance and operations",
            ),
            "dataverse": ("accepts_from_dataverse", "REVERSED_SOURCE_FILTER", "Dataverse"),
        }[side]
        if which is None:
            return PredicateView(function, constant, shown, None, None)
        return PredicateView(function, constant, shown, which.text, self.filter_node(side, which))

    def filter_node(self, side: ir.Side, which: ir.Filter) -> FilterNode:
        def build(node: ir.Expression) -> FilterNode:
            if isinstance(node, ir.Logical):
                return FilterNode(node.operator, [build(o) for o in node.operands])
            if isinstance(node, ir.Negation):
                return FilterNode("not", [build(node.operand)])
            operator = node.function if isinstance(node, ir.FunctionCall) else node.operator
            helper, negate = _FILTER_HELPERS[(which.dialect, operator)]
            self.filter_imports.add(helper)
            key = self.template.filter_field(side, node.field)
            assert key is not None, "checked by mappingc.checks"
            value = node.value.value
            if isinstance(value, str) and "::" in value and not node.value_text.startswith('"'):
                value = value.split("::", 1)[1]  # `AccountType::Customer` compares as `Customer`
            if isinstance(value, decimal.Decimal):
                self.view.uses_decimal = True
            return FilterNode(
                "test", helper=helper, key=key, literal=_literal(value), negate=negate
            )

        return build(which.expression)

    def build(self) -> ModuleView:
        view = self.view
        self.storage()
        view.models = self.models()
        for mapping in self.template.fields:
            if (flow := self.flow_to_dataverse(mapping)) is not None:
                view.to_dataverse.append(flow)
            if (flow := self.flow_to_finance_operations(mapping)) is not None:
                view.to_finance_operations.append(flow)
        view.predicates = [
            self.predicate("finance_operations", self.template.source_filter),
            self.predicate("dataverse", self.template.reversed_filter),
        ]
        view.filter_imports = sorted(self.filter_imports)
        view.enums = list(self.enums.values())
        view.polymorphic = list(self.polymorphic.values())
        if view.enums:
            self.imports.add("ValueMap")
        view.runtime_imports = sorted(self.imports)
        return view


def render_module(template: ir.Template, catalog: ir.Catalog) -> str:
    """The module's source as the template lays it out, before black."""
    return render("module.py.j2", module=_ModuleBuilder(template, catalog).build())


def _black(source: str) -> str:
    return black.format_str(source, mode=_BLACK_MODE)


# Below this many modules to format, starting worker processes costs more than it saves.
_PARALLEL_FROM = 16


def format_modules(sources: dict[str, str], cache: Cache | None = None) -> dict[str, str]:
    """Black over every module (same keys, same order), reusing cached results and spreading
    the rest over the machine's cores."""
    mode = f"{metadata.version('black')} {_BLACK_MODE!r}"
    keys = {
        name: hashlib.sha256(f"{mode}\0{source}".encode()).hexdigest()
        for name, source in sources.items()
    }
    done: dict[str, str] = {}
    if cache is not None:
        for name, key in keys.items():
            if (hit := cache.formatted(key)) is not None:
                done[name] = hit
    missing = [name for name in sources if name not in done]
    workers = min(os.cpu_count() or 1, len(missing) // _PARALLEL_FROM)
    if workers > 1:
        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            results = pool.map(_black, [sources[n] for n in missing], chunksize=4)
            done.update(zip(missing, results, strict=True))
    else:
        done.update((name, _black(sources[name])) for name in missing)
    if cache is not None:
        for name in missing:
            cache.store_formatted(keys[name], done[name])
    return {name: done[name] for name in sources}
