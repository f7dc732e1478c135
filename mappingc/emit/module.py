"""IR template → typed Python sync module (source text; `emit.layout` runs black over it).

This module decides *what* the generated code says (names, types, conversions per row and
direction); `templates/module.py.j2` decides how it is laid out.
"""

from __future__ import annotations

import datetime
import decimal
import keyword
from dataclasses import dataclass, field

from mappingc import ir, runtime
from mappingc import naming as names
from mappingc.contract.module import (
    MODULE_INTERFACE,
    SQL_TO_DATAVERSE,
    SQL_TO_FINANCE_OPERATIONS,
)
from mappingc.emit.environment import render
from mappingc.emit.literals import python_literal as _literal
from mappingc.emit.predicates import Predicates, PredicateView
from mappingc.plans.compile import PlanRefused, plan_to_dataverse, plan_to_finance_operations
from mappingc.runtime import filters as runtime_filters
from mappingc.sides import Side

_PYTHON_TYPES = {
    ir.Kind.STRING: "str",
    ir.Kind.INT: "int",
    ir.Kind.INT64: "int",
    ir.Kind.DECIMAL: "decimal.Decimal",
    ir.Kind.BOOL: "bool",
    ir.Kind.DATE: "datetime.date",
    ir.Kind.DATETIME: "datetime.datetime",
}
_CHECKS = {
    ir.Kind.STRING: "check_str",
    ir.Kind.INT: "check_int",
    ir.Kind.INT64: "check_int64",
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
    dataverse_type: str  # of the option-set values; `blank` is the model's None
    members: list[tuple[str, str]]  # (member, FO symbol)
    entries: list[tuple[str, str]]  # (member, Dataverse value literal)
    symbols: dict[str, str]  # FO symbol → member


@dataclass
class ModelField:
    name: str  # the field or column as the template writes it
    annotation: str
    attribute: str = ""  # set once every name of the module is known (see `_name_attributes`)
    alias: str | None = None  # `name`, where the attribute differs from it


@dataclass
class ModelView:
    class_name: str
    doc: str
    fields: list[ModelField]


@dataclass
class RowView:
    """One row of the template as a `Row(...)` of the module's `ROWS` table."""

    arguments: list[str]  # Python expressions, in `Row`'s parameter order
    note: str | None = None  # a comment above the row, where the row alone would mislead


@dataclass
class PolymorphicView:
    constant: str
    column: str
    targets: tuple[tuple[str, str], ...]


@dataclass
class PlanView:
    """One direction's plan (mappingc.plans) as the module keeps it: its SQL, or why none."""

    constant: str
    towards: str  # the system the plan writes, in prose
    text: str | None
    reason: str = ""


@dataclass
class ModuleView:
    template: ir.Template
    source: str
    enums: list[EnumView] = field(default_factory=list)
    polymorphic: list[PolymorphicView] = field(default_factory=list)
    models: list[ModelView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    runtime_imports: list[str] = field(default_factory=list)
    fo_storage: dict[str, str] = field(default_factory=dict)  # FO field → storage kind
    dv_storage: dict[str, str] = field(default_factory=dict)  # Dataverse column → storage kind
    integration_key: tuple[str, ...] = ()
    fo_key: tuple[str, ...] = ()
    lookup_paths: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    lookup_targets: dict[str, str] = field(default_factory=dict)
    predicates: list[PredicateView] = field(default_factory=list)
    plans: list[PlanView] = field(default_factory=list)
    filter_imports: list[str] = field(default_factory=list)
    uses_datetime: bool = False
    uses_decimal: bool = False
    uses_annotated: bool = False
    uses_field: bool = False  # pydantic's Field: sized types and aliases


# Every name a generated module defines or imports whatever its template says (module.py.j2),
# the runtime's names it may import, and the builtins: what a value map or lookup may not be
# called. Data-derived names are allocated around them (mappingc.naming.Scope).
_MODULE_NAMES = frozenset(
    {
        *("annotations", "datetime", "decimal", "enum", "Mapping", "Annotated", "Final"),
        *("BaseModel", "ConfigDict", "Field", "Row", "Rows"),
        *MODULE_INTERFACE,
        *("SOURCE_FILTER", "REVERSED_SOURCE_FILTER", "dataverse_row", "finance_operations_row"),
        *runtime.__all__,
        *(name for name in dir(runtime_filters) if not name.startswith("_")),
        *names.BUILTINS,
        *names.MODEL_NAMES,
        *keyword.kwlist,
    }
)
# The names a model's class body reads besides its module's classes (its annotations, and the
# `Field(…)` and `ConfigDict(…)` of its values): a field must not hide them.
_ANNOTATION_NAMES = frozenset(
    {"str", "int", "bool", "None", "decimal", "datetime", "Annotated", "Field", "ConfigDict"}
)


class _ModuleBuilder:
    def __init__(self, template: ir.Template, catalog: ir.Catalog) -> None:
        self.template = template
        self.catalog = catalog
        self.imports: set[str] = set()
        self.enums: dict[str, EnumView] = {}
        self.polymorphic: dict[str, PolymorphicView] = {}
        self.scope = names.Scope(_MODULE_NAMES)
        self.classes: list[str] = []  # enum and lookup classes, which annotations name
        self.view = ModuleView(template=template, source=template.source)

    # -- value maps
    def enum(self, name: str) -> EnumView:
        if name in self.enums:
            return self.enums[name]
        value_map = self.catalog.value_maps[name]
        preferred = names.pascal(name.split(".")[-1]) if value_map.inline else name
        class_name = self.scope.unique(preferred, lambda n: f"{preferred}Enum{n if n > 1 else ''}")
        self.classes.append(class_name)
        constant = names.constant(class_name)
        constant = self.scope.unique(
            constant, lambda n: f"{constant}_VALUE_MAP" + (f"_{n}" if n > 1 else "")
        )
        taken = names.Scope()
        members = [(names.enum_member(e.symbol, taken), e.symbol) for e in value_map.entries]
        symbols = {symbol: member for member, symbol in members}
        view = EnumView(
            class_name=class_name,
            constant=constant,
            source_name=value_map.name,
            dataverse_type=value_map.dataverse_kind,
            members=members,
            entries=[(symbols[e.symbol], _literal(e.value)) for e in value_map.entries],
            symbols=symbols,
        )
        self.enums[name] = view
        return view

    # -- types
    def python_type(self, row: ir.Row, side: Side) -> str:
        if row.value_map is not None:
            view = self.enum(row.value_map)
            return view.class_name if side is Side.FINANCE_OPERATIONS else view.dataverse_type
        return self.scalar_type(row.type)

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

    def default(self, row: ir.Row) -> str | None:
        """The row's default as finance and operations has it: a value map's symbol is the
        enum member (`Row` looks up its Dataverse value)."""
        if row.default is None:
            return None
        value = row.default.value
        if row.value_map is not None:
            view = self.enum(row.value_map)
            return f"{view.class_name}.{view.symbols[str(value)]}"
        kind = row.type.kind
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
            constant = self.scope.unique(base, lambda n: f"{base}_{n + 1}")
            self.polymorphic[key] = PolymorphicView(
                constant=constant,
                column=dataverse.column,
                targets=tuple((t.table, t.key) for t in dataverse.targets),
            )
        return self.polymorphic[key]

    # -- rows
    def row_view(self, row: ir.Row) -> RowView:
        dataverse = row.dataverse
        if dataverse is None:
            target = "None"
        elif dataverse.targets:
            target = self.polymorphic_lookup(dataverse).constant
        else:
            target = _literal(dataverse.path)
        arguments = [_literal(row.finance_operations), _literal(row.map_type.value), target]
        if row.value_map is not None:
            arguments.append(self.enum(row.value_map).constant)
        elif row.finance_operations is not None and dataverse is not None:
            # A `none` row only writes its default: there is no value to check.
            check = _CHECKS[row.type.kind]
            self.imports.add(check)
            arguments.append(check)
            if row.type.size is not None:
                arguments.append(f"size={row.type.size}")
        default = self.default(row)
        if default is not None:
            arguments.append(f"default={default}")
        arguments.append(f"line={row.location.line}")
        note = None
        if row.transform_unpublished:
            note = "via unpublished: the published table shows no value map, so values pass as is"
        return RowView(arguments, note)

    # -- models
    def models(self) -> list[ModelView]:
        fo_fields: dict[str, ModelField] = {}
        dv_columns: dict[str, ModelField] = {}
        lookup_trees: dict[str, dict[str, object]] = {}
        for row in self.template.rows:
            if row.finance_operations and row.finance_operations not in fo_fields:
                fo_fields[row.finance_operations] = self.model_field(
                    row.finance_operations, self.python_type(row, Side.FINANCE_OPERATIONS)
                )
            dataverse = row.dataverse
            if dataverse is None:
                continue
            if not dataverse.is_lookup:
                dv_columns.setdefault(
                    dataverse.column,
                    self.model_field(dataverse.column, self.python_type(row, Side.DATAVERSE)),
                )
                continue
            # Keep the column's place in row order; its nested model is filled in below.
            dv_columns.setdefault(dataverse.column, self.model_field(dataverse.column, ""))
            tree = lookup_trees.setdefault(dataverse.column, {})
            leaf_type = self.python_type(row, Side.DATAVERSE)
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
            fields = fo_fields if extra.side is Side.FINANCE_OPERATIONS else dv_columns
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
        full = self.scope.unique(f"{class_name}Lookup", lambda n: f"{class_name}Lookup{n + 1}")
        self.classes.append(full)
        out.append(
            ModelView(full, f"The related row `{path}` points at, by its alternate key.", fields)
        )
        return full

    @staticmethod
    def model_field(name: str, annotation: str) -> ModelField:
        return ModelField(name, annotation)

    def _name_attributes(self, models: list[ModelView]) -> None:
        """Each field's attribute, unique in its model and hiding none of the names the
        module's annotations use (pydantic reads an annotation in the class's own namespace,
        where a field `Gender = None` would turn `Gender | None` into `None | None`)."""
        for model in models:
            scope = names.Scope({*_ANNOTATION_NAMES, *self.classes})
            for field_view in model.fields:
                field_view.attribute = names.attribute(field_view.name, scope)
                if field_view.attribute != field_view.name:
                    field_view.alias = field_view.name
                    self.view.uses_field = True

    def storage(self) -> None:
        """Storage kinds of every field and column, for the sync runtime's tables."""
        view = self.view
        view.fo_storage.update(self.catalog.storage_kinds(self.template, Side.FINANCE_OPERATIONS))
        view.dv_storage.update(self.catalog.storage_kinds(self.template, Side.DATAVERSE))
        for row in self.template.rows:
            if row.dataverse is not None and (hops := row.dataverse.hops):
                column = row.dataverse.column
                if hops not in view.lookup_paths.get(column, ()):
                    view.lookup_paths[column] = (*view.lookup_paths.get(column, ()), hops)
        by_path = {f.dataverse.path: f for f in self.template.rows if f.dataverse}
        view.fo_key = tuple(
            fo for key in self.template.keys if (fo := by_path[key.path].finance_operations)
        )
        view.integration_key = tuple(key.path for key in self.template.keys)
        view.lookup_targets = {target.column: target.table for target in self.template.lookups}

    def build(self) -> ModuleView:
        view = self.view
        self.storage()
        view.models = self.models()
        self._name_attributes(view.models)
        view.uses_field = view.uses_field or view.uses_annotated
        view.rows = [self.row_view(row) for row in self.template.rows]
        predicates = Predicates(self.template)
        view.predicates = predicates.views()
        view.filter_imports = sorted(predicates.imports)
        view.uses_decimal = view.uses_decimal or predicates.uses_decimal
        view.plans = self.plans()
        view.enums = list(self.enums.values())
        view.polymorphic = list(self.polymorphic.values())
        if view.enums:
            self.imports.update({"SymbolEnum", "ValueMap"})

        view.runtime_imports = sorted(self.imports)
        return view

    def plans(self) -> list[PlanView]:
        """Each direction's plan as SQL text, or the reason no plan expresses it yet."""
        views = []
        ways = (
            (SQL_TO_DATAVERSE, "Dataverse", plan_to_dataverse),
            (SQL_TO_FINANCE_OPERATIONS, "finance and operations", plan_to_finance_operations),
        )
        for constant, towards, compile_plan in ways:
            try:
                plan = compile_plan(self.template, self.catalog)
            except PlanRefused as refused:
                reason = str(refused).removeprefix(f"{self.template.name}: ")
                views.append(PlanView(constant, towards, None, reason))
                continue
            views.append(PlanView(constant, towards, plan.text()))
        return views


def render_module(template: ir.Template, catalog: ir.Catalog) -> str:
    """The module's source as the template lays it out, before black."""
    return render("module.py.j2", module=_ModuleBuilder(template, catalog).build())
