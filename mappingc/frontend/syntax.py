"""Typed syntax tree of one DSL file: what was written, where, before any meaning is checked.

The parser turns Lark's parse tree into these nodes; nothing past the parser sees Lark.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from typing import ClassVar
from typing import Literal as TypingLiteral

from mappingc.diagnostics import Span
from mappingc.sides import Side

__all__ = ["Span"]  # re-exported: every node has one


@dataclass(frozen=True, slots=True)
class Name:
    text: str
    span: Span


LiteralKind = TypingLiteral["string", "number", "bool", "symbol", "blank"]


@dataclass(frozen=True, slots=True)
class Literal:
    kind: LiteralKind
    value: str | int | decimal.Decimal | bool | None
    text: str  # as written, for messages and docs
    span: Span


@dataclass(frozen=True, slots=True)
class ValueMapEntry:
    key: Literal
    value: Literal
    span: Span


@dataclass(frozen=True, slots=True)
class ValueMapDecl:
    name: Name
    entries: tuple[ValueMapEntry, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ValueMapUse:
    """`via Name` (reference), `via { … }` (inline, entries set) or `via unpublished`."""

    name: Name | None
    entries: tuple[ValueMapEntry, ...]
    span: Span
    unpublished: bool = False


@dataclass(frozen=True, slots=True)
class PathStep:
    name: Name
    key: Name | None  # set for a polymorphic target `Table(keyfield)`


@dataclass(frozen=True, slots=True)
class DataversePath:
    root: Name
    steps: tuple[PathStep, ...]
    span: Span

    @property
    def text(self) -> str:
        parts = [self.root.text]
        for step in self.steps:
            parts.append(f"{step.name.text}({step.key.text})" if step.key else step.name.text)
        return ".".join(parts)


@dataclass(frozen=True, slots=True)
class FieldTypeDecl:
    name: Name
    size: int | None
    span: Span


@dataclass(frozen=True, slots=True)
class Row:
    """`FO-field map-type Dataverse-field [: type] [via map] [default value]`."""

    fo: Name | None  # None where the row says `none`
    map_type: Name
    dataverse: DataversePath | None
    fo_span: Span
    dataverse_span: Span
    field_type: FieldTypeDecl | None
    value_map: ValueMapUse | None
    default: Literal | None
    span: Span


# Filter expressions, shared by the FO range syntax and the OData subset.
@dataclass(frozen=True, slots=True)
class Compare:
    field: Name
    operator: str
    value: Literal
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    field: Name
    value: Literal
    span: Span


@dataclass(frozen=True, slots=True)
class BoolOp:
    operator: TypingLiteral["and", "or"]
    operands: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span


Expr = Compare | Call | BoolOp | Not
# X++ query ranges (FO source filters) or OData (Dataverse reversed source filters).
Dialect = TypingLiteral["finance_operations", "odata"]


@dataclass(frozen=True, slots=True)
class Filter:
    dialect: Dialect
    expr: Expr
    text: str  # the filter as written, for the docs
    span: Span


@dataclass(frozen=True, slots=True)
class Text:
    """What a string means, and `raw`, how the author wrote it (quotes, escapes, text blocks)."""

    value: str
    raw: str
    span: Span

    @property
    def long(self) -> bool:
        return self.raw.startswith('"""')


# ---------------------------------------------------------------- header statements
# One node per statement kind; `keyword` is how the statement starts.
@dataclass(frozen=True, slots=True)
class Label:
    keyword: ClassVar[str] = "label"
    text: Text
    span: Span


@dataclass(frozen=True, slots=True)
class FinanceOperationsEntity:
    keyword: ClassVar[str] = "finance_operations"
    name: Text  # a bare name, or a string where the entity name has spaces
    span: Span


@dataclass(frozen=True, slots=True)
class DataverseTable:
    keyword: ClassVar[str] = "dataverse"
    name: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Ref:
    keyword: ClassVar[str] = "ref"
    value: int
    span: Span


@dataclass(frozen=True, slots=True)
class Description:
    keyword: ClassVar[str] = "description"
    text: Text
    span: Span


@dataclass(frozen=True, slots=True)
class Key:
    keyword: ClassVar[str] = "key"
    paths: tuple[DataversePath, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SourceFilter:
    keyword: ClassVar[str] = "source_filter"
    filter: Filter
    span: Span


@dataclass(frozen=True, slots=True)
class ReversedFilter:
    keyword: ClassVar[str] = "reversed_filter"
    filter: Filter
    span: Span


@dataclass(frozen=True, slots=True)
class Lookup:
    """`lookup column -> table`: the Dataverse table a lookup column points at."""

    keyword: ClassVar[str] = "lookup"
    column: Name
    table: Name
    span: Span


@dataclass(frozen=True, slots=True)
class CompanySpecific:
    keyword: ClassVar[str] = "company_specific"
    span: Span


@dataclass(frozen=True, slots=True)
class Origin:
    keyword: ClassVar[str] = "origin"
    text: Text
    span: Span


@dataclass(frozen=True, slots=True)
class Unmapped:
    """`unmapped dataverse msdyn_sellable : bool`: a field no row maps but a filter reads."""

    keyword: ClassVar[str] = "unmapped"
    side: Side
    name: Name
    declared: FieldTypeDecl | None
    span: Span


TemplateStatement = (
    Label
    | FinanceOperationsEntity
    | DataverseTable
    | Ref
    | Description
    | Key
    | SourceFilter
    | ReversedFilter
    | Lookup
    | CompanySpecific
    | Origin
    | Unmapped
)


@dataclass(frozen=True, slots=True)
class Title:
    keyword: ClassVar[str] = "title"
    text: Text
    span: Span


@dataclass(frozen=True, slots=True)
class Intro:
    keyword: ClassVar[str] = "intro"
    text: Text
    span: Span


@dataclass(frozen=True, slots=True)
class Templates:
    keyword: ClassVar[str] = "templates"
    names: tuple[Name, ...]
    span: Span


PageStatement = Title | Description | Intro | Templates

# Every keyword, said once (from the nodes above): the hints for a misspelt one and the editor's
# completion take them from here, and tests/test_parser.py holds the grammar to them.
HEADER_KEYWORDS: tuple[str, ...] = tuple(
    node.keyword
    for node in (
        Label,
        FinanceOperationsEntity,
        DataverseTable,
        Ref,
        Description,
        Origin,
        Key,
        Lookup,
        CompanySpecific,
        Unmapped,
        SourceFilter,
        ReversedFilter,
    )
)
PAGE_KEYWORDS: tuple[str, ...] = tuple(n.keyword for n in (Title, Description, Intro, Templates))
TOP_KEYWORDS = ("template", "valuemap", "page")
# Statements that may be given more than once: one per lookup column, publication, unmapped
# field, and a page's template list over several lines.
REPEATABLE = (Lookup, Origin, Unmapped, Templates)


@dataclass(frozen=True, slots=True)
class TemplateDecl:
    name: Name
    items: tuple[TemplateStatement | Row, ...]  # in the order written
    span: Span

    @property
    def statements(self) -> tuple[TemplateStatement, ...]:
        return tuple(i for i in self.items if not isinstance(i, Row))

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(i for i in self.items if isinstance(i, Row))


@dataclass(frozen=True, slots=True)
class PageDecl:
    """A documentation page grouping templates: `page customer_loyalty { … }`."""

    name: Name
    statements: tuple[PageStatement, ...]
    span: Span

    @property
    def templates(self) -> tuple[Name, ...]:
        return tuple(n for s in self.statements if isinstance(s, Templates) for n in s.names)


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    text: str
    templates: tuple[TemplateDecl, ...] = field(default=())
    value_maps: tuple[ValueMapDecl, ...] = field(default=())
    pages: tuple[PageDecl, ...] = field(default=())
