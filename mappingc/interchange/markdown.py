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
    dropped: tuple[str, ...] = ()  # cells after the header's last column, which Markdown drops
    pipe_in_code: bool = False  # a `|` inside backticks, which GFM reads as a cell boundary


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
        return is_mapping_header(self.header)


def is_mapping_header(cells: tuple[str, ...] | list[str]) -> bool:
    """Dual-write tables name their second column `Map type` (`Map-type` on some pages), in
    every layout."""
    return len(cells) >= 3 and re.sub(r"[\s_-]+", " ", cells[1].lower()).strip() == "map type"


@dataclass(frozen=True)
class Unread:
    """Lines that look like rows of a mapping table but that Markdown does not read as one."""

    first: int
    last: int
    reason: str


@dataclass
class Page:
    tables: list[Table]
    unread: list[Unread]


def normalized(text: str) -> str:
    """One text for every way a file was saved: no byte-order mark, `\n` line ends (a CR-only
    or CRLF file keeps its line numbers)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_cells(line: str) -> list[str]:
    """A table line's cells as GFM splits them: at every `|` not escaped by a backslash (also
    inside backticks), without the outer pipes."""
    body = line.strip()
    cells, current, index = [], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            current.append(body[index : index + 2])
            index += 2
            continue
        if char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    cells.append("".join(current))
    if body.startswith("|"):
        cells = cells[1:]
    if body.endswith("|") and not body.endswith("\\|") and cells:
        cells = cells[:-1]
    return [c.strip() for c in cells]


_DELIMITER = re.compile(r":?-+:?")


def _row_like(line: str) -> bool:
    """Whether a reader would take `line` for a table row: two pipes outside code spans (prose
    that quotes a table line in backticks has them inside), and not a delimiter row."""
    body = line.lstrip(" \t>")
    outside_code = re.sub(r"`[^`]*`", "", line)
    cells = split_cells(body)
    delimiter = bool(cells) and all(_DELIMITER.fullmatch(c) for c in cells if c)
    return outside_code.count("|") >= 2 and not delimiter


_MENTIONS_MAP_TYPE = re.compile(r"(^|\|)\s*map[\s_-]*type\s*(\||$)", re.IGNORECASE)


def _names_map_type(line: str) -> bool:
    """A header a reader takes for a mapping table's: `Map type` as a cell of its own, as
    written or with code spans taken out (a table line quoted in prose is not one)."""
    body = line.lstrip(" \t>")
    stripped = re.sub(r"`[^`]*`", "", body)
    return "|" in stripped and any(_MENTIONS_MAP_TYPE.search(t) for t in (body, stripped))


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
    return read_page(text).tables


def read_page(text: str) -> Page:
    """The tables of a page, and what looks like mapping rows but is not part of a table."""
    text = normalized(text)
    tokens = _MARKDOWN.parse(_blank_front_matter(text))
    lines = text.split("\n")
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
                table.rows.append(_checked_row(row_line, row, lines, len(table.header)))
            row = None
        elif token.type == "table_close" and table is not None:
            tables.append(table)
            table = None
            prose = []  # filter lines belong to the table that follows them
    return Page(tables, _unread(tokens, lines, tables))


def _checked_row(line: int, cells: list[Cell], lines: list[str], columns: int) -> TableRow:
    """A row with what its raw line says that markdown-it does not: cells it dropped, and a
    `|` inside backticks that split a cell."""
    raw = lines[line - 1].lstrip(" \t>") if 0 < line <= len(lines) else ""
    dropped = tuple(c for c in split_cells(raw)[columns:] if c)
    pipe_in_code = any("|" in span for span in re.findall(r"`[^`]*`", raw.replace("\\|", "")))
    return TableRow(line, tuple(cells), dropped, pipe_in_code)


def _unread(tokens: list[Token], lines: list[str], tables: list[Table]) -> list[Unread]:
    """Runs of lines that look like rows of a mapping table (a mapping header, or rows after one
    in the same section) but that are not rows of a mapping table Markdown reads, with why."""
    context: dict[int, tuple[str, int]] = {}  # 0-based line → (what holds it, where that starts)
    for table in tables:
        which = "table" if table.is_mapping_table else "other table"
        first = table.line - 1
        for number in (first, first + 1, *(row.line - 1 for row in table.rows)):
            context[number] = (which, first)
    headings: set[int] = set()
    for token in tokens:
        if token.map is None:
            continue
        start, end = token.map
        if token.type == "heading_open":
            headings.add(start)
        kind = {
            "fence": "fence",
            "code_block": "code",
            "html_block": "html",
            "paragraph_open": "paragraph",
            "heading_open": "heading",
        }.get(token.type)
        if kind is not None:
            for number in range(start, end):
                context.setdefault(number, (kind, start))
    found: list[Unread] = []
    run: list[int] = []
    section_has_mapping = False

    def close() -> None:
        if run:
            found.append(Unread(run[0] + 1, run[-1] + 1, _why(run[0], context, lines)))
            run.clear()

    for number, line in enumerate(lines):
        held = context.get(number, ("", 0))[0]
        header = _names_map_type(line)
        if number in headings and line.lstrip().startswith("#"):
            close()
            section_has_mapping = False  # a `#` heading starts a section
            continue
        if number in headings and not header:
            continue  # a line underlined `---`: a heading to Markdown, not a section to people
        if held == "table":
            close()
            section_has_mapping = True
            continue
        if not line.strip():
            continue  # a blank line may sit inside a run (that is often why it is one)
        if header or (_row_like(line) and (section_has_mapping or run)):
            run.append(number)
            section_has_mapping = section_has_mapping or header
        elif not line.lstrip().startswith(("|", "-", ":")):
            close()
    close()
    return found


def _why(number: int, context: dict[int, tuple[str, int]], lines: list[str]) -> str:
    kind, start = context.get(number, ("", number))
    if kind == "other table":
        header = split_cells(lines[start])
        second = header[1] if len(header) > 1 else ""
        return (
            f"Markdown reads them as a table whose header (line {start + 1}) has `{second}`, "
            "not `Map type`, as its second column"
        )
    if kind == "heading":
        return "the line under the header makes it a heading (`---` under a line is an underline)"
    if kind == "fence":
        return f"they are inside a fenced code block (line {start + 1})"
    if kind == "code":
        return "they are indented four spaces or more, which makes them a code block"
    if kind == "html":
        opened = lines[start].strip()[:20]
        return (
            f"they are inside an HTML block that starts at line {start + 1} (`{opened}`): "
            "an unclosed tag or comment swallows what follows"
        )
    if not _names_map_type(lines[number]):
        above = [n for n, (k, _) in context.items() if k == "table" and n < number]
        blank = next(
            (n for n in range(max(above, default=number), number) if not lines[n].strip()), None
        )
        if above and blank is not None:
            return f"a blank line (line {blank + 1}) ended the table above them"
    return "their header has no matching `---|---` delimiter row, so Markdown reads no table"
