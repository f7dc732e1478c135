"""The one canonical layout of a `.dwmap` file: what `mappingc fmt` writes, and what importers
write (they render their text and lay it out here).

Zero options. Statements keep their order; every comment stays with the statement it belongs to
(a full-line comment with the statement below it, a trailing one on its line); a blank line
between statements is kept as one; `\"\"\"` prose is kept as written. Laid out: four spaces of
indentation, one blank line between top-level blocks, rows aligned in columns (FO field, map type
padded to two, Dataverse field where the row goes on), value-map entries aligned at the colon,
trailing comments of consecutive lines aligned two spaces after the longest line.

Formatting never changes meaning, and this module proves it each time: the formatted text must
parse to the same syntax tree, positions aside, or the file is left as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from mappingc.diagnostics import Diagnostic
from mappingc.frontend import parser
from mappingc.frontend import syntax as ast
from mappingc.frontend.comments import Line as _Line
from mappingc.frontend.comments import split_comments as _split_comments

_INDENT = "    "


class FormatterError(AssertionError):
    """The formatted text would not mean what the original does: a bug in the formatter."""


@dataclass
class _Item:
    """One statement, row or entry of a block, or one top-level block."""

    first: int  # 1-based line numbers
    last: int
    node: object
    comments_above: list[str | None] = field(default_factory=list)  # None: a blank line


def _last_line(node: object, first: int) -> int:
    """The last line a statement takes: text blocks run over several lines."""
    text = getattr(node, "text", None)
    if isinstance(text, ast.Text):
        return first + text.raw.count("\n")
    return first


def _type_text(declared: ast.FieldTypeDecl) -> str:
    size = f"({declared.size})" if declared.size is not None else ""
    return f"{declared.name.text}{size}"


def _entries_text(entries: Sequence[ast.ValueMapEntry]) -> str:
    return "{ " + ", ".join(f"{e.key.text}: {e.value.text}" for e in entries) + " }"


def row_parts(row: ast.Row) -> tuple[str, str, str, str]:
    """(FO field, map type, Dataverse field, the rest with its leading space) as laid out."""
    rest = ""
    if row.field_type is not None:
        rest += f" : {_type_text(row.field_type)}"
    if row.value_map is not None:
        use = row.value_map
        shown = (
            "unpublished"
            if use.unpublished
            else use.name.text
            if use.name
            else _entries_text(use.entries)
        )
        rest += f" via {shown}"
    if row.default is not None:
        rest += f" default {row.default.text}"
    dataverse = row.dataverse.text if row.dataverse is not None else "none"
    return (row.fo.text if row.fo else "none", row.map_type.text, dataverse, rest)


def _statement_text(node: object) -> str:
    match node:
        case ast.Label(text=text) | ast.Description(text=text) | ast.Origin(text=text):
            return f"{node.keyword} {text.raw}"
        case ast.Title(text=text) | ast.Intro(text=text):
            return f"{node.keyword} {text.raw}"
        case ast.FinanceOperationsEntity(name=name):
            return f"finance_operations {name.raw}"
        case ast.DataverseTable(name=name):
            return f"dataverse {name.text}"
        case ast.Ref(value=value):
            return f"ref {value}"
        case ast.Key(paths=paths):
            return "key " + ", ".join(p.text for p in paths)
        case ast.SourceFilter(filter=written) | ast.ReversedFilter(filter=written):
            return f"{node.keyword} {written.text}"
        case ast.Lookup(column=column, table=table):
            return f"lookup {column.text} -> {table.text}"
        case ast.CompanySpecific():
            return "company_specific"
        case ast.Unmapped(side=side, name=name, declared=declared):
            typed = f" : {_type_text(declared)}" if declared is not None else ""
            return f"unmapped {side.value} {name.text}{typed}"
        case ast.Templates(names=names):
            return "templates " + ", ".join(n.text for n in names)
    raise FormatterError(f"no layout for {type(node).__name__}")


class _Layout:
    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.out: list[tuple[str, str | None]] = []  # (code with indentation, trailing comment)

    def line(self, number: int) -> _Line:
        return self.lines[number - 1]

    def gap(self, after: int, before: int) -> list[str | None]:
        """Comments and blank lines between two lines: comments as written, each run of blank
        lines as one None."""
        found: list[str | None] = []
        for number in range(after + 1, before):
            line = self.line(number)
            if line.code:
                raise FormatterError(f"line {number} holds code outside any statement")
            if line.comment is not None:
                found.append(line.comment)
            elif not found or found[-1] is not None:
                found.append(None)
        return found

    def emit(self, code: str, comment: str | None = None) -> None:
        self.out.append((code, comment))

    def blank(self) -> None:
        if self.out and self.out[-1] != ("", None):
            self.out.append(("", None))

    def comments(self, gap: list[str | None], indent: str, keep_last_blank: bool = True) -> None:
        for index, comment in enumerate(gap):
            if comment is None:
                if keep_last_blank or index < len(gap) - 1:
                    self.blank()
            else:
                self.emit(indent + comment)

    def block(self, opening: str, first: int, close: int, items: list[_Item], rows: bool) -> None:
        """A `{ … }` block: its items in order, rows or entries aligned per group."""
        self.emit(opening, self.line(first).comment)
        previous = first
        widths = self.widths(items, previous) if rows else {}
        for item in items:
            gap = self.gap(previous, item.first)
            if gap and gap[0] is None and previous == first:
                gap = gap[1:]  # no blank line right after `{`
            self.comments(gap, _INDENT)
            self.item(item, widths)
            previous = item.last
        tail = self.gap(previous, close)
        while tail and tail[-1] is None:
            tail.pop()  # no blank line right before `}`
        self.comments(tail, _INDENT)
        self.emit("}", self.line(close).comment)

    def widths(self, items: list[_Item], start: int) -> dict[int, tuple[int, int]]:
        """Per row or entry (by first line), the column widths of its group: consecutive rows
        or entries with no blank line and no other statement between them."""
        groups: list[list[_Item]] = []
        previous = start
        for item in items:
            aligned = isinstance(item.node, ast.Row | ast.ValueMapEntry)
            joins = groups and None not in self.gap(previous, item.first) and groups[-1]
            if aligned and joins and isinstance(groups[-1][-1].node, type(item.node)):
                groups[-1].append(item)
            elif aligned:
                groups.append([item])
            else:
                groups.append([])
            previous = item.last
        found: dict[int, tuple[int, int]] = {}
        for group in groups:
            if not group:
                continue
            if isinstance(group[0].node, ast.ValueMapEntry):
                width = max(len(i.node.key.text) for i in group)  # type: ignore[attr-defined]
                found.update({i.first: (width, 0) for i in group})
                continue
            parts = [row_parts(i.node) for i in group]  # type: ignore[arg-type]
            fo = max(len(p[0]) for p in parts)
            dv = max((len(p[2]) for p in parts if p[3]), default=0)
            found.update({i.first: (fo, dv) for i in group})
        return found

    def item(self, item: _Item, widths: dict[int, tuple[int, int]]) -> None:
        node = item.node
        comment = self.line(item.last).comment
        if isinstance(node, ast.Row):
            fo, map_type, dataverse, rest = row_parts(node)
            fo_width, dv_width = widths[item.first]
            shown = f"{dataverse.ljust(dv_width)}{rest}" if rest else dataverse
            self.emit(f"{_INDENT}{fo.ljust(fo_width)} {map_type.ljust(2)} {shown}", comment)
        elif isinstance(node, ast.ValueMapEntry):
            width = widths[item.first][0]
            self.emit(f"{_INDENT}{node.key.text.ljust(width)} : {node.value.text}", comment)
        else:
            text = _statement_text(node)
            head, *more = text.split("\n")
            self.emit(_INDENT + head, None if more else comment)
            for index, continued in enumerate(more):
                self.emit(continued, comment if index == len(more) - 1 else None)

    def text(self) -> str:
        """The lines, trailing comments of consecutive lines aligned."""
        rendered: list[str] = []
        run: list[int] = []

        def flush() -> None:
            width = max((len(self.out[i][0]) for i in run if self.out[i][1]), default=0)
            for i in run:
                code, comment = self.out[i]
                if comment is None:
                    rendered.append(code)
                elif not code.strip():
                    rendered.append(code + comment)
                else:
                    rendered.append(f"{code.ljust(width)}  {comment}")
            run.clear()

        for index, (code, _) in enumerate(self.out):
            if code.strip():
                run.append(index)
            else:  # a blank or comment-only line ends a run of aligned comments
                flush()
                run.append(index)
                flush()
        flush()
        return "\n".join(line.rstrip() for line in rendered).rstrip("\n") + "\n"


def _blocks(
    source: ast.SourceFile, lines: list[_Line]
) -> Iterator[tuple[str, _Item, int, list[_Item], bool]]:
    """(opening line, the block, its closing line, its items, whether it aligns rows) in order."""
    declarations: list[ast.TemplateDecl | ast.ValueMapDecl | ast.PageDecl] = sorted(
        [*source.templates, *source.value_maps, *source.pages], key=lambda d: d.name.span.line
    )
    for decl in declarations:
        first = decl.name.span.line
        members: list[object]
        match decl:
            case ast.TemplateDecl(items=nodes):
                keyword, members = "template", list(nodes)
            case ast.ValueMapDecl(entries=entries):
                keyword, members = "valuemap", list(entries)
            case ast.PageDecl(statements=statements):
                keyword, members = "page", list(statements)
        items = [_Item(m.span.line, _last_line(m, m.span.line), m) for m in members]  # type: ignore[attr-defined]
        after = items[-1].last if items else first
        close = next(
            n for n in range(after + 1, len(lines) + 1) if lines[n - 1].code.strip() == "}"
        )
        yield (
            f"{keyword} {decl.name.text} {{",
            _Item(first, close, decl),
            close,
            items,
            keyword != "page",
        )


_POSITIONS = {"span", "fo_span", "dataverse_span"}


def _shape(node: object) -> object:
    """A syntax node without positions: what formatting must keep."""
    if isinstance(node, ast.SourceFile):
        return (_shape(node.templates), _shape(node.value_maps), _shape(node.pages))
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        kept = (f.name for f in dataclasses.fields(node) if f.name not in _POSITIONS)
        return (type(node).__name__, *(_shape(getattr(node, name)) for name in kept))
    if isinstance(node, tuple | list):
        return tuple(_shape(n) for n in node)
    return node


def format_text(path: str, text: str) -> tuple[str | None, list[Diagnostic]]:
    """`text` in the canonical layout, or None with the syntax errors when it does not parse
    (a file that does not parse is not formatted)."""
    source, problems = parser.parse(path, text)
    syntax_errors = [d for d in problems if d.code.value in {"E100", "E107"}]
    if syntax_errors:
        return None, syntax_errors
    lines = _split_comments(source.text.replace("\r\n", "\n"))
    layout = _Layout(lines)
    previous = 0
    for opening, block, close, items, rows in _blocks(source, lines):
        gap = layout.gap(previous, block.first)
        if layout.out:
            layout.blank()
            while gap and gap[0] is None:
                gap = gap[1:]
        layout.comments(gap, "")
        layout.block(opening, block.first, close, items, rows)
        previous = close
    trailing = layout.gap(previous, len(lines) + 1)
    if trailing and layout.out:
        layout.blank()
        while trailing and trailing[0] is None:
            trailing = trailing[1:]
    layout.comments(trailing, "", keep_last_blank=False)
    formatted = layout.text() if layout.out else ""
    if formatted != text:
        again, _ = parser.parse(path, formatted)
        if _shape(again) != _shape(source):
            raise FormatterError(f"formatting {path} would change what it means")
    return formatted, []
