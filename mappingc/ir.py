"""The typed intermediate representation: what a template means, independent of how it was written.

Built by frontend.lower from the syntax tree, validated by frontend.checks, read by the emitters.
Locations are kept so that checks can point at the user's source.
"""

from __future__ import annotations

import decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mappingc.sides import Side

__all__ = ["Side"]  # re-exported: the IR speaks of sides


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Model):
    path: str
    line: int
    column: int
    end_line: int
    end_column: int


class MapType(StrEnum):
    """Dual-write map types; FO is always the left side."""

    BIDIRECTIONAL = "="
    BIDIRECTIONAL_TRANSFORM = "><"
    TO_DATAVERSE = ">"
    TO_DATAVERSE_TRANSFORM = ">>"
    TO_FINANCE_OPERATIONS = "<"
    TO_FINANCE_OPERATIONS_TRANSFORM = "<<"

    @property
    def to_dataverse(self) -> bool:
        return self.value in {"=", "><", ">", ">>"}

    @property
    def to_finance_operations(self) -> bool:
        return self.value in {"=", "><", "<", "<<"}

    @property
    def bidirectional(self) -> bool:
        return self.to_dataverse and self.to_finance_operations

    @property
    def transforms(self) -> bool:
        return self.value in {"><", ">>", "<<"}

    @property
    def description(self) -> str:
        return _MAP_TYPE_DESCRIPTIONS[self]

    @property
    def sync_direction(self) -> int:
        """Dual-write's `syncDirection`: 1 FO → Dataverse, 2 Dataverse → FO, 3 both."""
        return (1 if self.to_dataverse else 0) + (2 if self.to_finance_operations else 0)

    @classmethod
    def of(cls, sync_direction: int, transforms: bool) -> MapType:
        """The map type with this `syncDirection` that does (or does not) transform."""
        return next(
            m for m in cls if m.sync_direction == sync_direction and m.transforms == transforms
        )

    @property
    def with_transform(self) -> MapType:
        return MapType.of(self.sync_direction, transforms=True)

    @property
    def without_transform(self) -> MapType:
        return MapType.of(self.sync_direction, transforms=False)


_MAP_TYPE_DESCRIPTIONS = {
    MapType.TO_DATAVERSE: "One-way",
    MapType.TO_DATAVERSE_TRANSFORM: "One-way, and data is transformed in the process.",
    MapType.BIDIRECTIONAL: "Bidirectional",
    MapType.BIDIRECTIONAL_TRANSFORM: "Bidirectional, and data is transformed in the process.",
    MapType.TO_FINANCE_OPERATIONS: "One-way, from Dataverse to finance and operations apps.",
    MapType.TO_FINANCE_OPERATIONS_TRANSFORM: "One-way, and data is transformed in the process.",
}


class Kind(StrEnum):
    STRING = "string"
    INT = "int"  # 32-bit, as both systems' whole numbers
    INT64 = "int64"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    ENUM = "enum"  # set by a value map, never written as a type


# Types a user can write after `:`; `size` is a string's length or a decimal's scale.
WRITABLE_KINDS = {"string", "int", "int64", "decimal", "bool", "date", "datetime"}
SIZED_KINDS = {"string", "decimal"}
# The largest size each store holds: text of 2**31 - 1 characters (SQL Server's and Spark's
# limit), and 38 decimal places (DuckDB's and Spark's DECIMAL have 38 digits in all).
LARGEST_SIZE = {Kind.STRING: 2**31 - 1, Kind.DECIMAL: 38}


class FieldType(_Model):
    kind: Kind
    size: int | None = None
    declared: bool = True  # False when the template states no type and text is assumed
    from_schema: bool = False  # not declared, but taken from the schema snapshots


class Scalar(_Model):
    """A constant: a default value or a value-map entry. `None` is a `blank` entry."""

    value: str | int | decimal.Decimal | bool | None
    # The text it was written as, where a text default was converted to the field's type
    # (`"true"` into a bool column): the docs show what the template says.
    written: str | None = None


class ValueMapEntry(_Model):
    symbol: str
    value: str | int | bool | None
    shown: str | None = None  # the value as written where spellings differ (`true`, `True`)
    location: Location


class ValueMap(_Model):
    name: str
    entries: tuple[ValueMapEntry, ...]
    inline: bool  # written `via { … }` on one row rather than shared by name
    # Written with values of several kinds, the kinds with an example each (`numbers (1)`,
    # `text ("a")`): the values are all text, as written.
    mixed: tuple[str, ...] = ()
    location: Location

    @property
    def dataverse_kind(self) -> Literal["int", "bool", "str"]:
        values = [e.value for e in self.entries if e.value is not None]
        if values and all(isinstance(v, bool) for v in values):
            return "bool"
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "int"
        return "str"

    @property
    def has_blank(self) -> bool:
        return any(e.value is None for e in self.entries)


class PolymorphicTarget(_Model):
    table: str
    key: str


class DataverseField(_Model):
    """A Dataverse column, or a lookup through related rows by their alternate key."""

    column: str
    hops: tuple[str, ...] = ()  # `a.b.c` → column "a", hops ("b", "c")
    targets: tuple[PolymorphicTarget, ...] = ()  # `a.T(k).U(m)` → column "a", two targets
    location: Location

    @property
    def path(self) -> str:
        if self.targets:
            return ".".join([self.column, *(f"{t.table}({t.key})" for t in self.targets)])
        return ".".join([self.column, *self.hops])

    @property
    def is_lookup(self) -> bool:
        return bool(self.hops or self.targets)


class Row(_Model):
    """One row of a template: FO field, map type, Dataverse field, transform, default."""

    finance_operations: str | None  # None where the row says `none`
    finance_operations_location: Location
    map_type: MapType
    map_type_location: Location
    dataverse: DataverseField | None
    dataverse_location: Location
    type: FieldType
    value_map: str | None
    # `via unpublished`: the table shows a transform without its value map; values pass as is.
    transform_unpublished: bool = False
    value_map_location: Location | None
    default: Scalar | None
    default_text: str | None  # the default as written, for the docs
    default_location: Location | None
    location: Location

    def name_on(self, side: Side) -> str | None:
        """The FO field, or the Dataverse column (a lookup's own), the row names on `side`."""
        if side is Side.FINANCE_OPERATIONS:
            return self.finance_operations
        return self.dataverse.column if self.dataverse is not None else None


class _Term(_Model):
    field: str
    field_location: Location
    value: Scalar
    value_text: str
    # The FO enum member a number stands for (`IsB2BProspect == 1` is `Yes`), where the enum is
    # known (mappingc.frontend.enums): FO compares by the member's value, and sends the symbol.
    member: str | None = None

    @property
    def literal(self) -> str | int | decimal.Decimal | bool | None:
        """The value compared with: X++'s `AccountType::Customer` compares as `Customer`, a
        number compared with a known enum as its member."""
        if self.member is not None:
            return self.member
        value = self.value.value
        if isinstance(value, str) and "::" in value and not self.value_text.startswith('"'):
            return value.split("::", 1)[1]
        return value


class Comparison(_Term):
    kind: Literal["compare"] = "compare"
    operator: str


class FunctionCall(_Term):
    kind: Literal["call"] = "call"
    function: str


class Logical(_Model):
    kind: Literal["logical"] = "logical"
    operator: Literal["and", "or"]
    operands: tuple[Expression, ...]


class Negation(_Model):
    kind: Literal["not"] = "not"
    operand: Expression


Expression = Annotated[Comparison | FunctionCall | Logical | Negation, Field(discriminator="kind")]


def filter_terms(expression: Expression) -> list[Comparison | FunctionCall]:
    """The comparisons and calls of a filter, left to right."""
    if isinstance(expression, Logical):
        return [term for operand in expression.operands for term in filter_terms(operand)]
    if isinstance(expression, Negation):
        return filter_terms(expression.operand)
    return [expression]


class Filter(_Model):
    dialect: Literal["finance_operations", "odata"]
    expression: Expression
    text: str
    location: Location


class KeyField(_Model):
    path: str
    location: Location


class LookupTarget(_Model):
    column: str
    table: str
    location: Location


class UnmappedField(_Model):
    """`unmapped dataverse msdyn_sellable`: a field no row maps but a filter reads."""

    side: Side
    name: str
    type: FieldType
    location: Location


class Template(_Model):
    name: str
    label: str
    finance_operations_entity: str
    dataverse_table: str
    ref: int | None
    description: str | None
    keys: tuple[KeyField, ...]
    source_filter: Filter | None
    reversed_filter: Filter | None
    rows: tuple[Row, ...]
    lookups: tuple[LookupTarget, ...] = ()
    unmapped: tuple[UnmappedField, ...] = ()
    origins: tuple[str, ...] = ()  # where it was published, e.g. `mapping-tables.md:67 (master)`
    company_specific: bool = False
    source: str  # DSL path as given to the compiler, with `/` separators
    # False when some rows could not be resolved (already reported); checks that need every row
    # (is each key field mapped?) skip such a template rather than report follow-on errors.
    complete: bool = True
    location: Location

    def side_fields(self, side: Side) -> list[str]:
        """Names a filter on `side` can read: mapped fields (lookup columns too), then unmapped
        ones, each once, in template order."""
        found: dict[str, None] = {}
        for row in self.rows:
            if side is Side.FINANCE_OPERATIONS and row.finance_operations:
                found.setdefault(row.finance_operations)
            elif side is Side.DATAVERSE and row.dataverse:
                found.setdefault(row.dataverse.column)
        for extra in self.unmapped:
            if extra.side == side:
                found.setdefault(extra.name)
        return list(found)

    def filter_field(self, side: Side, name: str) -> str | None:
        """The field a filter's `name` reads. X++ names fields in any case (`CurrencyCode` is
        `CURRENCYCODE`); OData names are exact."""
        fields = self.side_fields(side)
        if name in fields:
            return name
        if side is Side.FINANCE_OPERATIONS:
            return next((f for f in fields if f.lower() == name.lower()), None)
        return None

    @property
    def bidirectional(self) -> bool:
        return any(f.map_type.to_dataverse for f in self.rows) and any(
            f.map_type.to_finance_operations for f in self.rows
        )


class PageTemplate(_Model):
    name: str
    location: Location


class Page(_Model):
    """A documentation page that groups templates, published in every locale."""

    name: str
    title: str
    description: str | None
    intro: str | None  # paragraphs separated by a blank line
    templates: tuple[PageTemplate, ...]
    source: str
    location: Location


class Catalog(_Model):
    """Everything one build compiles: templates and pages in name order, value maps by name."""

    templates: tuple[Template, ...]
    value_maps: dict[str, ValueMap]
    pages: tuple[Page, ...] = ()

    def stored_kind(self, row: Row, side: Side) -> str | None:
        """What the field or column `row` names on `side` holds in a store: its kind, a value
        map's symbols as text on the FO side and its values' kind on the Dataverse side, a
        lookup column the related row's id ("lookup"); None where the row names none."""
        value_map = self.value_maps.get(row.value_map) if row.value_map is not None else None
        if side is Side.FINANCE_OPERATIONS:
            if row.finance_operations is None:
                return None
            return "string" if value_map is not None else row.type.kind.value
        if row.dataverse is None:
            return None
        if row.dataverse.is_lookup:
            return "lookup"
        if value_map is not None:
            return value_map.dataverse_kind.replace("str", "string")
        return row.type.kind.value

    def storage_kinds(self, template: Template, side: Side) -> dict[str, str]:
        """What each field of `side` holds in a store (the sync's tables), by `stored_kind`.
        The first row to name a field says."""
        kinds: dict[str, str] = {}
        for row in template.rows:
            kind, name = self.stored_kind(row, side), row.name_on(side)
            if kind is not None and name is not None:
                kinds.setdefault(name, kind)
        for extra in template.unmapped:
            if extra.side is side:
                kinds.setdefault(extra.name, extra.type.kind.value)
        return kinds


Logical.model_rebuild()
Negation.model_rebuild()
