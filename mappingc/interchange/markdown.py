"""Markdown → the mapping tables it contains, with their headings, filter lines and line numbers.

markdown-it-py does the Markdown (GFM tables, escapes such as `\\>` and `msdyn\\_name`, inline
code, `<br>` and `<a name>` HTML); this module only picks out what a dual-write page says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MARKDOWN = MarkdownIt("commonmark").enable("table")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.DOTALL)
_ANCHOR = re.compile(r'<a\s+name="([^"]*)"\s*>', re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    """A run of cell text: `code` when it was written in backticks."""

    text: str
    code: bool = False


@dataclass(frozen=True)
class Cell:
    """A table cell as lines (split at `<br>`), each a list of pieces."""

    lines: tuple[tuple[Piece, ...], ...]

    @property
    def text(self) -> str:
        return "\n".join("".join(p.text for p in line) for line in self.lines).strip()

    def line_text(self, index: int, backticks: bool = False) -> str:
        return "".join(f"`{p.text}`" if p.code and backticks else p.text for p in self.lines[index])


@dataclass(frozen=True)
class TableRow:
    line: int  # 1-based line in the Markdown file
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Heading:
    text: str  # without HTML
    anchor: str | None  # `<a name="149">` → "149"
    line: int


@dataclass(frozen=True)
class TextLine:
    text: str  # as written, Markdown and all
    line: int


@dataclass
class Table:
    header: tuple[str, ...]
    line: int
    heading: Heading | None
    prose: list[TextLine]  # paragraph lines between the heading and the table
    rows: list[TableRow] = field(default_factory=list)

    @property
    def is_mapping_table(self) -> bool:
        """Dual-write tables name their second column `Map type`, in every layout."""
        return len(self.header) >= 3 and self.header[1].strip().lower() == "map type"


def _blank_front_matter(text: str) -> str:
    """YAML front matter as blank lines, so that line numbers stay those of the file."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return text
    return "\n" * match.group(0).count("\n") + text[match.end() :]


def _cell(inline: Token) -> Cell:
    lines: list[list[Piece]] = [[]]
    for child in inline.children or []:
        if child.type == "html_inline" and re.fullmatch(r"<br\s*/?>", child.content, re.I):
            lines.append([])
        elif child.type == "code_inline":
            lines[-1].append(Piece(child.content, code=True))
        elif child.type in {"text", "text_special"}:
            lines[-1].append(Piece(child.content))
        elif child.type == "softbreak":
            lines[-1].append(Piece(" "))
        elif child.type == "html_inline":
            continue  # an anchor or a comment: not cell text
        else:  # emphasis, links: keep their text
            lines[-1].append(Piece(child.content))
    return Cell(tuple(tuple(line) for line in lines))


def _heading(inline: Token, line: int) -> Heading:
    anchor = None
    parts: list[str] = []
    for child in inline.children or []:
        if child.type == "html_inline":
            if (match := _ANCHOR.match(child.content)) is not None:
                anchor = match.group(1)
        else:
            parts.append(child.content)
    return Heading(" ".join("".join(parts).split()), anchor, line)


def read_tables(text: str) -> list[Table]:
    """Every table of a Markdown page with the heading and prose above it, in page order."""
    tokens = _MARKDOWN.parse(_blank_front_matter(text))
    tables: list[Table] = []
    heading: Heading | None = None
    prose: list[TextLine] = []
    table: Table | None = None
    row: list[Cell] | None = None
    row_line = 0
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            assert token.map is not None
            heading = _heading(tokens[index + 1], token.map[0] + 1)
            prose = []
        elif token.type == "paragraph_open" and table is None:
            assert token.map is not None
            inline = tokens[index + 1]
            for offset, line in enumerate(inline.content.splitlines()):
                prose.append(TextLine(line, token.map[0] + 1 + offset))
        elif token.type == "table_open":
            assert token.map is not None
            table = Table(header=(), line=token.map[0] + 1, heading=heading, prose=list(prose))
        elif token.type == "tr_open":
            assert token.map is not None
            row, row_line = [], token.map[0] + 1
        elif token.type == "inline" and row is not None:
            row.append(_cell(token))
        elif token.type == "tr_close" and table is not None and row is not None:
            if not table.header:
                table.header = tuple(cell.text for cell in row)
            else:
                table.rows.append(TableRow(row_line, tuple(row)))
            row = None
        elif token.type == "table_close" and table is not None:
            tables.append(table)
            table = None
            prose = []  # filter lines belong to the table that follows them
    return tables
