"""Published dual-write Markdown → drafts: each mapping table as it was published.

Three layouts are read (see the corpus README): include files (`## <label> to <table>`), the master
reference (`### <a name="N"></a><label> (<table>)`, value maps inside the map-type cell) and older
pages (3-column tables, `FO.X--CDS.y` headings, escapes, several tables on one page). A row the
DSL cannot express is marked with the reason (W501), never dropped; mappingc.interchange.docs_import
turns drafts into templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum

from mappingc import ir
from mappingc.characters import describe, hidden, visible
from mappingc.diagnostics import Code, Diagnostic, Severity
from mappingc.frontend import syntax as ast
from mappingc.frontend.parser import FilterSyntaxError, parse_filter
from mappingc.interchange.dsl_writer import dsl_name
from mappingc.interchange.languages import Language, of_header
from mappingc.interchange.markdown import Cell, Heading, Table, TableRow, normalized, read_page

UNSTATED_TABLE = "unstated_table"

_INCLUDE_HEADING = re.compile(r"^(?P<label>.+?) to (?P<table>[A-Za-z_][A-Za-z0-9_]*)$")
_MASTER_HEADING = re.compile(r"^(?P<label>.+?) \((?P<table>[A-Za-z_][A-Za-z0-9_]*)\)$")
_LEGACY_HEADING = re.compile(r"^FO\.(?P<entity>[A-Za-z0-9_]+)--CDS\.(?P<table>[A-Za-z0-9_]+)$")
_FILTER = re.compile(r"^(?P<which>reversed source filter|source filter)\s*:\s*(?P<text>.*)$", re.I)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*(\([A-Za-z_][A-Za-z0-9_]*\))?)*"
)


class Layout(IntEnum):
    """Where a table was published; the order is the order versions are named in."""

    MASTER = 0
    INCLUDE = 1
    LEGACY = 2


@dataclass(frozen=True)
class Entry:
    symbol: str
    value: str | None  # None for `blank`
    value_quoted: bool  # written in backticks: kept as text whatever it looks like


@dataclass
class RowDraft:
    fo: str
    map_type: str
    dataverse: str
    entries: list[Entry]
    default: str | None
    line: int
    problem: str | None = None  # why the DSL cannot express it
    notes: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """One table as published, before naming."""

    label: str
    table: str | None
    fo_entity: str
    ref: int | None
    description: str | None
    source_filter: str | None
    reversed_filter: str | None
    rows: list[RowDraft]
    layout: Layout
    path: str
    line: int
    filter_notes: dict[str, list[str]] = field(default_factory=dict)
    language: str | None = None  # a localized page's (`de-de`); None for English
    # What names the template where the label is translated: the English label of the
    # heading's anchor (`<a name="loyalty-card-to-msdyn_loyaltycards">`).
    name_label: str | None = None
    refused: bool = False  # a translation left the table uncertain (an error says why)

    def content(self) -> tuple[object, ...]:
        """What makes two publications of a template the same template."""
        return (
            self.source_filter,
            self.reversed_filter,
            tuple((r.fo, r.map_type, r.dataverse, tuple(r.entries), r.default) for r in self.rows),
        )


# ---------------------------------------------------------------- reading one table
def _span(line: int, text: str) -> ast.Span:
    return ast.Span(line, 1, line, max(2, len(text) + 1))


_BILINGUAL = re.compile(
    r'<span data-ttu-id="(?P<id>[^"]+)">(?P<target>.*?)</span>'
    r'<span class="sxs-lookup"><span data-stu-id="(?P=id)">(?P<english>.*?)</span></span>'
)


def english_of_bilingual(text: str) -> str:
    """A bilingual ("side by side") page as its English: Microsoft's translators' builds give
    each sentence as `<span data-ttu-id>translation</span><span class="sxs-lookup">…English
    …</span>`, and the English is what the page was translated from."""
    return _BILINGUAL.sub(lambda m: m["english"], text) if "sxs-lookup" in text else text


class Reader:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = normalized(text).split("\n")
        self.diagnostics: list[Diagnostic] = []
        self.language: Language | None = None  # of the table being read

    def report(
        self,
        line: int,
        code: Code,
        message: str,
        hint: str | None = None,
        last: int = 0,
        word: str | None = None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        """A warning (or `severity`) at `line` (through `last`, for a run of lines; at `word`
        where it is on that line, so that the caret points at the cell)."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        span = _span(line, text)
        if word and (found := text.find(word)) >= 0:
            span = ast.Span(line, found + 1, line, found + 1 + len(word))
        if last > line:
            end = self.lines[last - 1] if last <= len(self.lines) else ""
            span = ast.Span(line, 1, last, max(2, len(end) + 1))
        self.diagnostics.append(Diagnostic(self.path, span, severity, code, message, hint))

    def text(self, value: str, line: int, what: str) -> str:
        """Prose from the page (a label, a description) without the characters a template
        cannot hold, each removal reported."""
        kept = "".join(c for c in value if not hidden(c))
        if kept != value:
            removed = ", ".join(sorted({describe(c) for c in value if hidden(c)}))
            self.report(line, Code.IMPORT_READING, f"{removed} removed from the {what}")
        return kept

    def draft(self, table: Table) -> Draft:
        heading = table.heading or Heading("", None, table.line)
        self.language = of_header(table.header)
        name_label: str | None = None
        table_name: str | None
        if (localized := self._localized(heading)) is not None:
            label, table_name, name_label = localized
            fo_entity, layout = dsl_name(label), Layout.INCLUDE
        else:
            label, table_name, fo_entity, layout = self._identity(heading, table)
        label = self.text(label, heading.line, "label")
        draft = Draft(
            label=label,
            table=table_name,
            fo_entity=fo_entity,
            # `²` is a digit to str.isdigit(), and a 40-digit anchor is no reference id.
            ref=(
                int(anchor) if re.fullmatch(r"[0-9]{1,9}", anchor := heading.anchor or "") else None
            ),
            description=None,
            source_filter=None,
            reversed_filter=None,
            rows=[],
            layout=layout,
            path=self.path,
            line=heading.line if table.heading else table.line,
            language=self.language.code if self.language else None,
            name_label=name_label,
        )
        self._prose(table, draft)
        draft.rows = [self._row(row) for row in table.rows]
        return draft

    def _localized(self, heading: Heading) -> tuple[str, str, str] | None:
        """(label as published, table, English label) of a localized include's heading: its
        anchor is the English heading's (`loyalty-card-to-msdyn_loyaltycards`), and its text
        the translated one (`Treuekarte zu msdyn_loyaltycards`)."""
        found = re.fullmatch(
            r"(?P<label>[a-z0-9-]+?)-to-(?P<table>[a-z_][a-z0-9_]*)", heading.anchor or ""
        )
        if found is None or self.language is None or _INCLUDE_HEADING.match(heading.text):
            return None
        label = heading.text
        for word in self.language.to:
            if f" {word} " in label:
                label = label.split(f" {word} ")[0]
                break
        return label.strip(), found["table"], found["label"].replace("-", " ")

    def _identity(self, heading: Heading, table: Table) -> tuple[str, str | None, str, Layout]:
        if heading.anchor is not None and (m := _MASTER_HEADING.match(heading.text)):
            return m["label"], m["table"], dsl_name(m["label"]), Layout.MASTER
        if m := _LEGACY_HEADING.match(heading.text):
            return m["entity"], m["table"], m["entity"], Layout.LEGACY
        if len(table.header) >= 4 and (m := _INCLUDE_HEADING.match(heading.text)):
            return m["label"], m["table"], dsl_name(m["label"]), Layout.INCLUDE
        label = heading.text or "Untitled"
        self.report(
            heading.line,
            Code.TABLE_NOT_STATED,
            f"the heading `{label}` names no Dataverse table",
            f"the template is written with `dataverse {UNSTATED_TABLE}`: replace it",
        )
        return label, None, dsl_name(label), Layout.LEGACY

    def _prose(self, table: Table, draft: Draft) -> None:
        description: list[str] = []
        for line in table.prose:
            if found := self._filter_line(line.text.strip()):
                self._filter(*found, line.line, draft)
            elif not description and not line.text.lstrip().startswith(("!", "<", "[!")):
                description.append(line.text.strip())
        draft.description = self.text(" ".join(description), table.line, "description") or None

    def _filter_line(self, line: str) -> tuple[str, str] | None:
        """(which filter, its text) of a `Source filter: …` line, or of a localized page's
        (`Quellfilter: …`)."""
        if match := _FILTER.match(line):
            return match["which"].lower(), match["text"]
        if self.language is None:
            return None
        for which, prefixes in (
            ("reversed source filter", self.language.reversed_filter),
            ("source filter", self.language.source_filter),
        ):
            for prefix in prefixes:
                found = re.match(rf"{re.escape(prefix)}\s*[:\uff1a]\s*(?P<text>.*)$", line)
                if found:
                    return which, found["text"]
        return None

    def _filter(self, which: str, text: str, line: int, draft: Draft) -> None:
        text = text.strip()
        if len(text) > 1 and text.startswith("`") and text.endswith("`"):
            text = text[1:-1].strip()
        dialect, slot = (
            ("odata", "reversed_filter")
            if which.startswith("reversed")
            else ("finance_operations", "source_filter")
        )
        if self.language is not None:
            english, why = self.language.english_filter(text)
            if why is None:
                try:
                    parse_filter(english, dialect)
                except FilterSyntaxError:
                    why = "with its words mapped back it still does not read as a filter"
            if why is not None:
                # A filter decides which rows sync: a guess would sync other rows.
                self.report(
                    line,
                    Code.FILTER_TRANSLATED,
                    f"the {which} `{text}` of this {self.language.code} page is translated and "
                    f"cannot be mapped back with certainty: {why}; the template is not written",
                    "import Microsoft's English page of this table, or write the filter in "
                    "English in the page and import again",
                    severity=Severity.ERROR,
                )
                draft.refused = True
                return
            text = english
        try:
            parse_filter(text, dialect)
        except FilterSyntaxError:
            self.report(
                line,
                Code.FILTER_NOT_IMPORTED,
                f"the {which} `{text}` is not one the compiler can read; kept as a comment",
            )
            draft.filter_notes.setdefault(slot, []).append(
                f"mappingc import-docs: {self.path}:{line} has a {which} it cannot read: {text}"
            )
            return
        setattr(draft, slot, text)

    def _row(self, row: TableRow) -> RowDraft:
        cells = [*row.cells, *(Cell(((),)) for _ in range(4 - len(row.cells)))]
        fo, map_cell, dataverse, default = cells[0].text, cells[1], cells[2].text, cells[3].text
        map_type = map_cell.line_text(0).strip()
        notes: list[str] = []
        if self.language is not None:
            fo, dataverse, default = self._in_english(fo, dataverse, default, row.line, notes)
        draft = RowDraft(
            fo=fo,
            map_type=map_type,
            dataverse=dataverse,
            entries=[],
            default=default or None,
            line=row.line,
            notes=notes,
        )
        for index in range(1, len(map_cell.lines)):
            entry = self._entry(map_cell, index, row.line, draft)
            if entry is not None:
                draft.entries.append(entry)
        if row.pipe_in_code:
            # GFM splits the cell there, so the row's cells are not what its author meant.
            draft.problem = "a `|` inside backticks splits a cell in a Markdown table (write `\\|`)"
        elif row.dropped:
            shown = ", ".join(f"`{visible(c)}`" for c in row.dropped)
            self.report(
                row.line,
                Code.CELLS_NOT_READ,
                f"cells after the 4th are not read: {shown}",
                "a Markdown table has as many columns as its header",
            )
        draft.problem = self._problem(draft)
        if draft.problem is not None:
            self.report(row.line, Code.ROW_NOT_IMPORTED, f"row kept as a comment: {draft.problem}")
        return draft

    def _in_english(
        self, fo: str, dataverse: str, default: str, line: int, notes: list[str]
    ) -> tuple[str, str, str]:
        """A localized row's cells as the English page writes them where that is certain (a
        translated `none`, a translated `True`, a field name Microsoft's pages of the language
        translated); a default that may be translated is said."""
        language = self.language
        assert language is not None

        def english(cell: str) -> str:
            if cell in language.none:
                return "none"
            if cell in language.names:
                notes.append(
                    f"mappingc import-docs: `{cell}` on the {language.code} page is "
                    f"`{language.names[cell]}`"
                )
                return language.names[cell]
            return cell

        fo, dataverse = english(fo), english(dataverse)
        if default in language.booleans:
            return fo, dataverse, language.booleans[default]
        if default and (default in language.values or not default.isascii()):
            said = language.values.get(default)
            known = f" (Microsoft's English page has `{said}` there)" if said else ""
            self.report(
                line,
                Code.VALUE_TRANSLATED,
                f"the default `{default}` may be a translation{known}; imported as written",
                "check it against the field's enum or type: a translated value is refused "
                "by finance and operations",
                word=default,
            )
        return fo, dataverse, default

    def _entry(self, cell: Cell, index: int, line: int, row: RowDraft) -> Entry | None:
        text = cell.line_text(index, backticks=True).strip()
        if not text:
            return None
        match = re.fullmatch(r"(`[^`]*`|[^:`]+?)\s*:\s*(`[^`]*`|[^`]+?)", text)
        if match is None:
            row.problem = f"value-map entry `{text}` is not `symbol : value`"
            return None
        key, value = match.group(1), match.group(2)
        if key == "blank":
            self.report(
                line,
                Code.IMPORT_READING,
                "an unquoted `blank` on the finance and operations side is read as the enum "
                "symbol `blank`",
                word=text[: text.index(":")].rstrip() if ":" in text else "blank",
            )
        if value == "blank":
            return Entry(key.strip("`"), None, value_quoted=False)
        return Entry(key.strip("`"), value.strip("`"), value_quoted=value.startswith("`"))

    @staticmethod
    def _problem(row: RowDraft) -> str | None:
        if row.problem is not None:
            return row.problem
        if not row.fo:
            return "the finance and operations field is blank"
        if not row.dataverse:
            return "the Dataverse field is blank"
        if not row.map_type:
            return "the map type is empty"
        if row.map_type not in {m.value for m in ir.MapType}:
            return f"`{row.map_type}` is not a map type"
        if not _NAME.fullmatch(row.fo):
            return f"`{row.fo}` is not a field name"
        if not _PATH.fullmatch(row.dataverse):
            return f"`{row.dataverse}` is not a Dataverse column or lookup path"
        return None


def read_drafts(path: str, text: str) -> tuple[list[Draft], Reader]:
    """The mapping tables of one Markdown file (a W500 when it has none), and the reader that
    reports against the file, later also for rows the compiler rejects."""
    text = english_of_bilingual(text)
    reader = Reader(path, text)
    page = read_page(text)
    tables = [t for t in page.tables if t.is_mapping_table or of_header(t.header)]
    for table in page.tables:
        mentions = re.search(r"map[\s_-]*type", " ".join(table.header), re.IGNORECASE)
        if table.is_mapping_table or mentions is None:
            continue
        reader.report(
            table.line,
            Code.ROWS_NOT_IN_TABLE,
            f"the table at line {table.line} names `Map type` in its header, but its second "
            f"column is `{visible(table.header[1] if len(table.header) > 1 else '')}`: its "
            "rows are not read as a mapping table",
            "a `|` inside backticks splits a header cell too (write `\\|`)",
            last=table.rows[-1].line if table.rows else table.line + 1,
        )
    for unread in page.unread:
        lines = (
            f"lines {unread.first}-{unread.last}"
            if unread.last > unread.first
            else (f"line {unread.first}")
        )
        reader.report(
            unread.first,
            Code.ROWS_NOT_IN_TABLE,
            f"{lines} look like rows of a mapping table, but {unread.reason}; not imported",
            "mend the Markdown so that the page shows them as a table, then import again",
            last=unread.last,
        )
    if not tables:
        reader.report(
            1,
            Code.NOT_A_MAPPING_TABLE,
            "no dual-write mapping table in this file; skipped",
            "a mapping table has `Map type` as its second column, e.g. "
            "`Finance and Operations field | Map type | Customer engagement field`",
        )
    return [reader.draft(t) for t in tables], reader
