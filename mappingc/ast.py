"""Typed syntax tree of one DSL file: what was written, where, before any meaning is checked.

The parser module turns Lark's parse tree into these nodes; nothing past the parser sees Lark.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column of the first character, and of the one just past the end."""

    line: int
    column: int
    end_line: int
    end_column: int


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
class Pair:
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


@dataclass(frozen=True, slots=True)
class Filter:
    dialect: TypingLiteral["finance_operations", "odata"]
    expr: Expr
    text: str  # the filter as written, for the docs
    span: Span


@dataclass(frozen=True, slots=True)
class Property:
    """A header line of a template: `label "…"`, `ref 149`, `key a, b`, …"""

    keyword: str
    value: str | int | bool | tuple[DataversePath, ...] | tuple[Name, Name] | Filter | Unmapped
    span: Span


@dataclass(frozen=True, slots=True)
class Unmapped:
    """`unmapped dataverse msdyn_sellable : bool`."""

    side: TypingLiteral["finance_operations", "dataverse"]
    name: Name
    declared: FieldTypeDecl | None


@dataclass(frozen=True, slots=True)
class TemplateDecl:
    name: Name
    properties: tuple[Property, ...]
    pairs: tuple[Pair, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class PageDecl:
    """A documentation page grouping templates: `page customer_loyalty { … }`."""

    name: Name
    properties: tuple[Property, ...]
    templates: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    text: str
    templates: tuple[TemplateDecl, ...] = field(default=())
    value_maps: tuple[ValueMapDecl, ...] = field(default=())
    pages: tuple[PageDecl, ...] = field(default=())
