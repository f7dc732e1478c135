"""Lark's parse tree → syntax.py's typed nodes, one method per grammar rule (run by
mappingc.frontend.parser). What a string may not hold is collected as problems (E106)."""

from __future__ import annotations

import decimal
import re
from typing import Any

from lark import Token, Transformer, v_args
from lark.tree import Meta

from mappingc.characters import describe, hidden
from mappingc.diagnostics import Code, Diagnostic, Severity
from mappingc.frontend import syntax as ast
from mappingc.sides import Side


def _span(meta: Meta | Token) -> ast.Span:
    return ast.Span(meta.line, meta.column, meta.end_line, meta.end_column)  # type: ignore[arg-type]


def _name(token: Token) -> ast.Name:
    return ast.Name(str(token), _span(token))


def _number(text: str) -> int | decimal.Decimal:
    return decimal.Decimal(text) if "." in text else int(text)


# The escapes a DSL string knows: `\"` and `\\`; any other is an error (E106).
_ESCAPES = {'"': '"', "\\": "\\"}


@v_args(inline=True)
class ToSyntax(Transformer[Token, Any]):
    """Bottom-up rewrite of Lark's tree into syntax nodes. What a string may not hold is
    collected in `problems` (the tree is still built, so later steps report too)."""

    def __init__(self, text: str, path: str = "") -> None:
        super().__init__()
        # Only "\n" ends a line, as for Lark (`splitlines` also splits at form feeds, U+2028…).
        self._lines = text.split("\n")
        self.path = path
        self.problems: list[Diagnostic] = []

    def _problem(self, token: Token, offset: int, width: int, message: str, hint: str) -> None:
        before = str(token)[:offset]
        line = token.line + before.count("\n")  # type: ignore[operator]
        column = offset - before.rfind("\n") if "\n" in before else token.column + offset  # type: ignore[operator]
        span = ast.Span(line, column, line, column + width)
        self.problems.append(
            Diagnostic(self.path, span, Severity.ERROR, Code.STRING_CONTENT, message, hint)
        )

    def _check_hidden(self, token: Token, allow: str = "") -> None:
        for offset, char in enumerate(str(token)):
            if hidden(char, allow):
                self._problem(
                    token,
                    offset,
                    1,
                    f"the string holds {describe(char)}, a character that cannot be seen",
                    "remove it; strings hold no control characters, separators or overrides",
                )

    def unquote(self, token: Token) -> str:
        """The value of a STRING: `\\"` and `\\\\` unescaped, anything else reported."""
        self._check_hidden(token)
        body = str(token)[1:-1]
        out: list[str] = []
        index = 0
        while index < len(body):
            char = body[index]
            if char == "\\":
                escaped = body[index + 1 : index + 2]
                if escaped in _ESCAPES:
                    out.append(_ESCAPES[escaped])
                else:
                    self._problem(
                        token,
                        index + 1,
                        2,
                        f"unknown escape `\\{escaped}` in a string",
                        'strings know `\\"` and `\\\\` only; write prose over several lines '
                        'in a """text block"""',
                    )
                index += 2
                continue
            out.append(char)
            index += 1
        return "".join(out)

    def text(self, token: Token) -> ast.Text:
        """A STRING, a bare NAME, or a LONG_STRING folded into paragraphs separated by one
        blank line."""
        raw = str(token)
        if token.type == "STRING":
            value = self.unquote(token)
        elif token.type == "LONG_STRING":
            self._check_hidden(token, allow="\n\r\t")
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", raw[3:-3])]
            value = "\n\n".join(p for p in paragraphs if p)
        else:
            value = raw
        return ast.Text(value, raw, _span(token))

    # -- literals
    def string(self, token: Token) -> ast.Literal:
        return ast.Literal("string", self.unquote(token), str(token), _span(token))

    def number(self, token: Token) -> ast.Literal:
        return ast.Literal("number", _number(str(token)), str(token), _span(token))

    def boolean(self, token: Token) -> ast.Literal:
        return ast.Literal("bool", str(token).lower() == "true", str(token), _span(token))

    def symbol(self, token: Token) -> ast.Literal:
        return ast.Literal("symbol", str(token), str(token), _span(token))

    def blank(self, token: Token) -> ast.Literal:
        return ast.Literal("blank", None, str(token), _span(token))

    # -- value maps
    @v_args(meta=True, inline=True)
    def vm_entry(self, meta: Meta, key: ast.Literal, value: ast.Literal) -> ast.ValueMapEntry:
        return ast.ValueMapEntry(key, value, _span(meta))

    @v_args(meta=True, inline=False)
    def valuemap(self, meta: Meta, children: list[Any]) -> ast.ValueMapDecl:
        return ast.ValueMapDecl(_name(children[0]), tuple(children[1:]), _span(meta))

    @v_args(meta=True, inline=False)
    def inline_value_map(self, meta: Meta, entries: list[ast.ValueMapEntry]) -> ast.ValueMapUse:
        return ast.ValueMapUse(None, tuple(entries), _span(meta))

    @v_args(meta=True, inline=True)
    def value_map_ref(self, meta: Meta, name: Token) -> ast.ValueMapUse:
        return ast.ValueMapUse(_name(name), (), _name(name).span)

    @v_args(meta=True, inline=True)
    def value_map_unpublished(self, meta: Meta, keyword: Token) -> ast.ValueMapUse:
        return ast.ValueMapUse(None, (), _span(keyword), unpublished=True)

    def value_map(self, inline: ast.ValueMapUse) -> ast.ValueMapUse:
        return inline

    # -- rows
    def hop(self, name: Token) -> ast.PathStep:
        return ast.PathStep(_name(name), None)

    def target(self, table: Token, key: Token) -> ast.PathStep:
        return ast.PathStep(_name(table), _name(key))

    @v_args(meta=True, inline=True)
    def dv_path(self, meta: Meta, root: Token, *steps: ast.PathStep) -> ast.DataversePath:
        return ast.DataversePath(_name(root), steps, _span(meta))

    def fo_side(self, token: Token) -> Token:
        return token

    def dv_side(self, side: Token | ast.DataversePath) -> Token | ast.DataversePath:
        return side

    @v_args(meta=True, inline=True)
    def field_type(self, meta: Meta, name: Token, size: Token | None = None) -> ast.FieldTypeDecl:
        return ast.FieldTypeDecl(_name(name), int(size) if size else None, _span(meta))

    def default(self, literal: ast.Literal) -> ast.Literal:
        return literal

    @v_args(meta=True, inline=True)
    def row(
        self, meta: Meta, fo: Token, map_type: Token, dv: Token | ast.DataversePath, *rest: Any
    ) -> ast.Row:
        field_type = next((r for r in rest if isinstance(r, ast.FieldTypeDecl)), None)
        value_map = next((r for r in rest if isinstance(r, ast.ValueMapUse)), None)
        default = next((r for r in rest if isinstance(r, ast.Literal)), None)
        dataverse = dv if isinstance(dv, ast.DataversePath) else None
        dataverse_span = dataverse.span if dataverse else _span(dv)  # type: ignore[arg-type]
        # The row ends with its last word, not with the line break the grammar consumes.
        last = next((p.span for p in (default, value_map, field_type) if p), dataverse_span)
        return ast.Row(
            fo=None if fo.type == "NONE" else _name(fo),
            map_type=_name(map_type),
            dataverse=dataverse,
            fo_span=_span(fo),
            dataverse_span=dataverse_span,
            field_type=field_type,
            value_map=value_map,
            default=default,
            span=ast.Span(meta.line, meta.column, last.end_line, last.end_column),
        )

    # -- template header: one node per statement
    @v_args(meta=True, inline=True)
    def label(self, meta: Meta, value: Token) -> ast.Label:
        return ast.Label(self.text(value), _span(meta))

    @v_args(meta=True, inline=True)
    def description(self, meta: Meta, value: Token) -> ast.Description:
        return ast.Description(self.text(value), _span(meta))

    @v_args(meta=True, inline=True)
    def unmapped_fo(
        self, meta: Meta, name: Token, declared: ast.FieldTypeDecl | None = None
    ) -> ast.Unmapped:
        return ast.Unmapped(Side.FINANCE_OPERATIONS, _name(name), declared, _span(meta))

    @v_args(meta=True, inline=True)
    def unmapped_dv(
        self, meta: Meta, name: Token, declared: ast.FieldTypeDecl | None = None
    ) -> ast.Unmapped:
        return ast.Unmapped(Side.DATAVERSE, _name(name), declared, _span(meta))

    @v_args(meta=True, inline=True)
    def origin(self, meta: Meta, value: Token) -> ast.Origin:
        return ast.Origin(self.text(value), _span(meta))

    @v_args(meta=True, inline=True)
    def fo_entity(self, meta: Meta, value: Token) -> ast.FinanceOperationsEntity:
        return ast.FinanceOperationsEntity(self.text(value), _span(meta))

    @v_args(meta=True, inline=True)
    def dataverse_table(self, meta: Meta, value: Token) -> ast.DataverseTable:
        return ast.DataverseTable(_name(value), _span(meta))

    @v_args(meta=True, inline=True)
    def ref(self, meta: Meta, value: Token) -> ast.Ref:
        return ast.Ref(int(value), _span(meta))

    @v_args(meta=True, inline=True)
    def key(self, meta: Meta, *paths: ast.DataversePath) -> ast.Key:
        return ast.Key(paths, _span(meta))

    @v_args(meta=True, inline=True)
    def lookup_target(self, meta: Meta, column: Token, table: Token) -> ast.Lookup:
        return ast.Lookup(_name(column), _name(table), _span(meta))

    @v_args(meta=True, inline=True)
    def company_specific(self, meta: Meta) -> ast.CompanySpecific:
        return ast.CompanySpecific(_span(meta))

    @v_args(meta=True, inline=True)
    def source_filter(self, meta: Meta, expr: ast.Expr) -> ast.SourceFilter:
        filter_ = self._filter("finance_operations", expr, meta, "source_filter")
        return ast.SourceFilter(filter_, _span(meta))

    @v_args(meta=True, inline=True)
    def reversed_filter(self, meta: Meta, expr: ast.Expr) -> ast.ReversedFilter:
        filter_ = self._filter("odata", expr, meta, "reversed_filter")
        return ast.ReversedFilter(filter_, _span(meta))

    def _filter(self, dialect: Any, expr: ast.Expr, meta: Meta, keyword: str) -> ast.Filter:
        # The expression's own span leaves out outer parentheses; the docs show them as written.
        line = self._lines[meta.line - 1]
        start = meta.column - 1 + len(keyword)
        start += len(line[start:]) - len(line[start:].lstrip())
        end = expr.span.end_column - 1
        while end < len(line) and line[end] in ") \t":
            end += 1
        text = line[start:end].rstrip()
        span = ast.Span(meta.line, start + 1, meta.line, start + 1 + len(text))
        return ast.Filter(dialect, expr, text, span)

    @v_args(meta=True, inline=False)
    def template(self, meta: Meta, children: list[Any]) -> ast.TemplateDecl:
        return ast.TemplateDecl(
            name=_name(children[0]), items=tuple(children[1:]), span=_span(meta)
        )

    # -- pages
    @v_args(meta=True, inline=True)
    def page_title(self, meta: Meta, value: Token) -> ast.Title:
        return ast.Title(self.text(value), _span(meta))

    @v_args(meta=True, inline=True)
    def page_description(self, meta: Meta, value: Token) -> ast.Description:
        return ast.Description(self.text(value), _span(meta))

    @v_args(meta=True, inline=True)
    def page_intro(self, meta: Meta, value: Token) -> ast.Intro:
        return ast.Intro(self.text(value), _span(meta))

    @v_args(meta=True, inline=False)
    def page_templates(self, meta: Meta, names: list[Token]) -> ast.Templates:
        return ast.Templates(tuple(_name(n) for n in names), _span(meta))

    @v_args(meta=True, inline=False)
    def page(self, meta: Meta, children: list[Any]) -> ast.PageDecl:
        return ast.PageDecl(
            name=_name(children[0]), statements=tuple(children[1:]), span=_span(meta)
        )

    # -- filters; `(a)` keeps the span of the parentheses so the docs show them as written
    def _bool(self, operator: Any, meta: Meta, operands: tuple[ast.Expr, ...]) -> ast.Expr:
        if len(operands) == 1:
            return operands[0]
        return ast.BoolOp(operator, operands, _span(meta))

    @v_args(meta=True, inline=True)
    def fo_or(self, meta: Meta, *operands: ast.Expr) -> ast.Expr:
        return self._bool("or", meta, operands)

    @v_args(meta=True, inline=True)
    def fo_all(self, meta: Meta, *operands: ast.Expr) -> ast.Expr:
        return self._bool("and", meta, operands)

    od_any = fo_or
    od_all = fo_all

    @v_args(meta=True, inline=True)
    def fo_negate(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        return ast.Not(operand, _span(meta))

    od_negate = fo_negate

    @v_args(meta=True, inline=True)
    def fo_compare(self, meta: Meta, field: Token, op: Token, value: ast.Literal) -> ast.Expr:
        return ast.Compare(_name(field), str(op), value, _span(meta))

    od_compare = fo_compare

    @v_args(meta=True, inline=True)
    def od_call(self, meta: Meta, fn: Token, field: Token, value: ast.Literal) -> ast.Expr:
        return ast.Call(str(fn), _name(field), value, _span(meta))

    def fo_value(self, token: Token) -> ast.Literal:
        text = str(token)
        if token.type == "STRING":
            return ast.Literal("string", self.unquote(token), text, _span(token))
        if token.type == "SIGNED_NUMBER":
            return ast.Literal("number", _number(text), text, _span(token))
        return ast.Literal("symbol", text, text, _span(token))  # NAME or Enum::Literal

    def od_value(self, token: Token) -> ast.Literal:
        text = str(token)
        span = _span(token)
        if token.type == "OD_STRING":
            self._check_hidden(token)
            return ast.Literal("string", text[1:-1].replace("''", "'"), text, span)
        if token.type == "SIGNED_NUMBER":
            return ast.Literal("number", _number(text), text, span)
        if token.type == "NULL":
            return ast.Literal("blank", None, text, span)
        return ast.Literal("bool", text == "true", text, span)
