"""Every diagnostic code, declared once: severity, heading, when it is reported, an example message
and an explanation (what `mappingc explain CODE` prints and docs/errors.md is generated from)."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Group(StrEnum):
    """Where a code is reported; the reference lists codes by group."""

    COMPILE = "compile"
    IMPORT = "import"


class Code(StrEnum):
    """A diagnostic code: `Code.UNKNOWN_VALUE_MAP` is "E103" and knows how it is documented."""

    severity: Severity
    group: Group
    heading: str
    summary: str
    example: str
    explanation: str

    def __new__(
        cls,
        value: str,
        severity: Severity,
        group: Group,
        heading: str,
        summary: str,
        example: str,
        explanation: str,
    ) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severity = severity
        member.group = group
        member.heading = heading
        member.summary = summary
        member.example = example
        member.explanation = explanation
        return member

    @classmethod
    def lookup(cls, value: str) -> Code | None:
        """The code written `value` (`E103`, `e103`), or None."""
        return next((code for code in cls if code.value == value.upper()), None)

    SYNTAX = (
        "E100",
        Severity.ERROR,
        Group.COMPILE,
        "syntax error",
        "Syntax error. Each broken line is reported; recovery stops at a broken `{`/`}` line.",
        "unexpected end of line; expected a whole number",
        """The line does not follow the DSL's grammar. The message names what was found and what
could stand there; the caret points at the first character that does not fit. Every broken
line of a file is reported in one run: the compiler blanks the line and parses again, except
after a line that opens or closes a block, where what follows would only give follow-on errors.

    ref one          # ← `ref` takes a whole number: ref 149""",
    )
    UNKNOWN_MAP_TYPE = (
        "E101",
        Severity.ERROR,
        Group.COMPILE,
        "unknown map type",
        "Unknown map type. Hints for `=>`, `<=`, `<>`, …",
        "unknown map type `=>`",
        """A row's map type is one of `=` (bidirectional), `><` (bidirectional with a transform),
`>` and `>>` (finance and operations → Dataverse, plain or with a transform), `<` and `<<`
(Dataverse → finance and operations). Arrows from other languages get a hint:

    ACCOUNTNUM  =>  accountnumber    # did you mean `>`? (FO → Dataverse)""",
    )
    UNKNOWN_FIELD_TYPE = (
        "E102",
        Severity.ERROR,
        Group.COMPILE,
        "unknown field type",
        "Unknown field type, or a size on a type that takes none.",
        "unknown field type `strng`",
        """Field types are `string`, `string(length)`, `int`, `decimal`, `decimal(scale)`, `bool`,
`date` and `datetime`. Only strings (a maximum length) and decimals (a scale) take a size, and a
string's length is at least 1.

    NAME  =  name  : strng(60)       # did you mean `string`?""",
    )
    UNKNOWN_VALUE_MAP = (
        "E103",
        Severity.ERROR,
        Group.COMPILE,
        "unknown value map",
        "`via Name` names no declared value map.",
        "unknown value map `CardTender`",
        """`via Name` refers to a `valuemap Name { … }` declared in any file of the mappings folder
(value maps are global). Declare it, or correct the name; the hint names the closest one.

    CARDTENDERTYPE  ><  msdyn_cardtendertype  via CardTender   # did you mean `CardTenderType`?""",
    )
    TEMPLATE_PROPERTY = (
        "E104",
        Severity.ERROR,
        Group.COMPILE,
        "template header",
        "A template lacks `label`, `finance_operations` or `dataverse`, or sets one twice.",
        "template `t` has no `dataverse`",
        """Every template says what it syncs: `label "…"` (the FO entity's label, as the published
docs show it), `finance_operations Entity` and `dataverse table_logical_name`. A header statement
other than `lookup`, `origin` and `unmapped` may be given once.""",
    )
    LOOKUP_PATH = (
        "E105",
        Severity.ERROR,
        Group.COMPILE,
        "lookup",
        "A lookup path mixes plain hops and polymorphic `Table(key)` targets, or a `lookup` line "
        "names no lookup column or is given twice.",
        "lookup `a.b.T(k)` mixes plain hops and polymorphic targets",
        """A lookup is written `column.hop.hop` (the related row's alternate key, through one or
more related tables) or, for a polymorphic lookup, `column.Table(key).Table(key)` (candidate tables,
tried in order). One path cannot mix both. `lookup column -> table` names the table a lookup
column points at, once per column, and only for a column some row uses as a lookup.""",
    )
    STRING_CONTENT = (
        "E106",
        Severity.ERROR,
        Group.COMPILE,
        "string content",
        "A string holds a control character (named by its code point) or an escape other than "
        '`\\"` and `\\\\`.',
        "the string holds U+0000 NULL, a control character",
        """Strings are written in double quotes; inside one, `\\"` is a quote and `\\\\` a
backslash, and no other escape exists (`"Gift\\ncard"` is an error, not a line break: write
prose over several lines in a triple-quoted text block). Control characters (U+0000 to U+001F, DEL,
U+0080 to U+009F), line and paragraph separators (U+2028, U+2029), byte-order marks and the
bidirectional overrides that can make text read differently from what it is are refused, named
by their code point: they would end up in generated code, docs and table maps where nobody can
see them.""",
    )
    TOO_DEEP = (
        "E107",
        Severity.ERROR,
        Group.COMPILE,
        "nested too deeply",
        "A filter nests more than 50 levels of parentheses and negations, or a lookup has more "
        "than 10 hops.",
        "the source_filter nests 300 levels deep; at most 50",
        """Real filters nest a few levels and real lookups take one to three hops. A deeper one is
almost certainly generated by mistake, and would make every step of the compiler (and the
generated code) recurse that deep; it is refused with this error instead.""",
    )
    DATAVERSE_FIELD_TWICE = (
        "E200",
        Severity.ERROR,
        Group.COMPILE,
        "Dataverse column written twice",
        "Two rows write the same Dataverse field (or a column both plainly and as a lookup) "
        "towards Dataverse.",
        "`msdyn_x` is written twice towards Dataverse",
        """Towards Dataverse each column gets one value per row; two rows writing it would make the
result depend on row order, and dual-write rejects such a map. Remove one row, or make one of
them one-way towards finance and operations (`<`).""",
    )
    VALUE_MAP_WITHOUT_TRANSFORM = (
        "E201",
        Severity.ERROR,
        Group.COMPILE,
        "value map without a transform",
        "A value map on `=`, `>` or `<`, which do not transform.",
        "a value map needs a transform map type, not `=`",
        """A value map transforms values, so the row's map type must be a transforming one: `><`,
`>>` or `<<`. The hint names the transforming twin of the map type written.

    CARDTENDERTYPE  =  msdyn_cardtendertype  via CardTenderType   # did you mean `><`?""",
    )
    TRANSFORM_WITHOUT_EFFECT = (
        "E202",
        Severity.ERROR,
        Group.COMPILE,
        "transform without effect",
        "`><`, `>>` or `<<` with neither a value map nor a default.",
        "`>>` transforms, but this row has no value map or default",
        """A transforming map type says values change on the way; without a value map or a default
nothing would. Add `via ValueMap` or `default …`, use the plain map type, or write
`via unpublished` when the published table shows a transform without its value map.""",
    )
    VALUE_MAP_NOT_INVERTIBLE = (
        "E203",
        Severity.ERROR,
        Group.COMPILE,
        "value map cannot be inverted",
        "A value map used towards FO (`><`, `<<`) maps two symbols to one value, so it cannot be "
        "inverted.",
        "value map `Flag` maps `on`, `yes` all to 1, so `><` cannot map 1 back",
        """Towards finance and operations a value map is used in reverse: each Dataverse value must
stand for one FO symbol. Give each symbol its own value, or make the row one-way towards
Dataverse (`>>`).""",
    )
    KEY_FIELD = (
        "E204",
        Severity.ERROR,
        Group.COMPILE,
        "integration key",
        "An integration key field is not mapped, is listed twice, or is not bidirectional in a "
        "template that syncs both ways.",
        "integration key field `msdyn_cardnumbr` is not mapped in template `loyalty_card`",
        """`key a, b` lists the Dataverse fields rows are matched by (the table's alternate key).
Each must be the Dataverse side of a row, once; where the template syncs both ways, the key rows
must be `=` so that both sides can find a row by them.""",
    )
    DEFAULT_TYPE = (
        "E205",
        Severity.ERROR,
        Group.COMPILE,
        "default does not fit",
        "A default that does not fit the field's type (or is not a symbol of its value map).",
        'default "many" does not fit `int`',
        """A default is written in the field's type: a whole number for `int`, a number with at
most `scale` decimal places for `decimal(scale)`, `True`/`False` for `bool`, an ISO date or
date-time in quotes, a string of at most `length` characters. On a value-mapped row it is one of
the map's FO symbols.""",
    )
    DUPLICATE_TEMPLATE = (
        "E206",
        Severity.ERROR,
        Group.COMPILE,
        "template defined twice",
        "Two templates with one name (or names that give the same module file).",
        "template `t` is defined twice",
        """Template names are unique across the mappings folder, and so are the file names of their
generated modules (`LoyaltyCard` and `loyalty_card` both give `loyalty_card.py`).""",
    )
    VALUE_MAP_DEFINITION = (
        "E207",
        Severity.ERROR,
        Group.COMPILE,
        "value map definition",
        "A value map defined twice, listing a symbol twice, or mapping to a non-whole number.",
        "value map `M` lists `x` twice",
        """Value maps are global and unique by name. Each lists an FO enum symbol once, and maps it
to a Dataverse option-set value: a whole number, `True`/`False`, `"text"` or `blank`.""",
    )
    NONE_SIDE = (
        "E208",
        Severity.ERROR,
        Group.COMPILE,
        "`none` row",
        "A `none` row that is `none` on both sides, reads its `none` side, or has no default.",
        "a row with `none` on the Dataverse side needs a default value",
        """`none` on one side means the row writes a constant (its default) to the other side:

    none  >>  customertypecode  default 3      # FO writes nothing; Dataverse gets 3

Such a row flows away from its `none` side only (`>`/`>>` when FO is `none`) and needs a
default.""",
    )
    TYPE_WITH_VALUE_MAP = (
        "E209",
        Severity.ERROR,
        Group.COMPILE,
        "type on a value-mapped row",
        "A type written on a value-mapped row (the value map is its type).",
        "a value-mapped field takes its type from the value map",
        """A value-mapped row is typed by its map: the FO side is the map's enum, the Dataverse side
its values. Remove the `: type`.""",
    )
    DUPLICATE_REF = (
        "E210",
        Severity.ERROR,
        Group.COMPILE,
        "reference id used twice",
        "Two templates with one reference id (the docs anchors would collide).",
        "reference id 149 is already used by template `a`",
        """`ref N` is the template's anchor in the published reference (`#149`); two templates
cannot share one.""",
    )
    PAGE = (
        "E211",
        Severity.ERROR,
        Group.COMPILE,
        "page",
        "A page without `title`, setting a property twice, listing an unknown template or one "
        "twice, or defined twice.",
        "page `customer_loyalty` lists unknown template `loyalty_cards`",
        """A `page` groups templates into one published page. It has a `title`, lists templates
that exist, each once, and its name is unique.""",
    )
    FILTER_FIELD = (
        "E212",
        Severity.ERROR,
        Group.COMPILE,
        "filter field",
        "A filter names a field that is not in the template (map it, or declare "
        "`unmapped <side> field`), or an `unmapped` field that a row maps or that is declared "
        "twice.",
        "`msdyn_sellabel` in the reversed_filter is not a field of template `t`",
        """Every field a `source_filter` (finance and operations, X++ names in any case) or a
`reversed_filter` (Dataverse, OData names exactly) reads is a field of the template: mapped by a
row, or declared with `unmapped finance_operations NAME` / `unmapped dataverse name`.""",
    )
    NAME_TOO_LONG = (
        "E213",
        Severity.ERROR,
        Group.COMPILE,
        "template name too long",
        "A template name longer than 120 characters (it names the generated files).",
        "template name is 260 characters long; at most 120",
        """A template's name is the file name of its generated module and docs (and of its pages in
the site); file systems limit a name to 255 bytes. 120 characters leave room for the suffixes
and for the longest names the published catalog needs (88).""",
    )
    FILE = (
        "E300",
        Severity.ERROR,
        Group.COMPILE,
        "file cannot be read",
        "A mapping file cannot be read (not UTF-8, permissions).",
        "cannot read: it is not UTF-8 text",
        """Mapping files are UTF-8 text. A file that cannot be read stops the build, so that nothing
is generated from an incomplete catalog.""",
    )
    FO_FIELD_TWICE = (
        "W400",
        Severity.WARNING,
        Group.COMPILE,
        "FO field mapped twice",
        "The same FO field mapped by two rows (real templates do this).",
        "`BARCODE` is mapped twice (also on line 12)",
        """Published templates sometimes read one FO field into two Dataverse columns; that is fine,
but where both rows also write it back, the later row wins when both columns have a value.""",
    )
    UNUSED_VALUE_MAP = (
        "W401",
        Severity.WARNING,
        Group.COMPILE,
        "value map not used",
        "A declared value map no template uses.",
        "value map `Status` is not used by any template",
        """A value map that no row uses is probably left over, or the row that should use it names
another one.""",
    )
    TABLE_MAP = (
        "E500",
        Severity.ERROR,
        Group.IMPORT,
        "table map cannot be imported",
        "A table-map JSON file that is not JSON, not a table map, or holds a value the DSL cannot "
        "take (the message names its JSON path).",
        "legs[0].destinationSchema: `msdyn_x\\n}` is not a Dataverse table name",
        """`mappingc import-tablemap` reads dual-write's table-map JSON. A file that is not JSON, is
nested too deeply, or holds a name that is not a name (a template, table or field name with
spaces, quotes or line breaks) is refused with the JSON path of the value; nothing is written.""",
    )
    SUPPRESSION = (
        "W402",
        Severity.WARNING,
        Group.COMPILE,
        "suppression",
        "A `# mappingc: ignore[…]` comment that suppresses nothing on its line, names a code that "
        "does not exist, or names an error (errors cannot be suppressed).",
        "`# mappingc: ignore[W400]` suppresses nothing on this line",
        """A warning is silenced where it is meant to be, as ruff's `noqa` does: a comment
`# mappingc: ignore[W400]` (several codes: `ignore[W400, W401]`; words may follow the closing
bracket) on the line the warning points at, or per path in `pyproject.toml`:

    [tool.mappingc.lint]
    per-path-ignores = { "mappings/dual-write/*" = ["W400"] }

(paths as generated files name sources: `<mappings folder name>/<path inside it>`). An error
means the build would be wrong, so it cannot be silenced; a suppression that silences nothing is
reported, so that none outlives its reason.""",
    )
    NOT_A_MAPPING_TABLE = (
        "W500",
        Severity.WARNING,
        Group.IMPORT,
        "no mapping table",
        "A file has no dual-write mapping table (its second column is not `Map type`); it is "
        "skipped.",
        "no dual-write mapping table in this file; skipped",
        """`mappingc import-docs` reads tables whose second column is `Map type`, in every layout
Microsoft published. A file without one is skipped.""",
    )
    ROW_NOT_IMPORTED = (
        "W501",
        Severity.WARNING,
        Group.IMPORT,
        "row kept as a comment",
        "A row the DSL cannot express; it is written as a comment in the template.",
        "row kept as a comment: the Dataverse field is blank",
        """A published row that the DSL cannot express (a blank field, an empty map type, a `none`
row without a default…) is never dropped: it is written as a comment in the template, so that a
person can decide what it means.""",
    )
    TABLE_NOT_STATED = (
        "W502",
        Severity.WARNING,
        Group.IMPORT,
        "table not stated",
        "A heading that names no Dataverse table; the template says `dataverse unstated_table`.",
        "the heading `Company` names no Dataverse table",
        """Older pages sometimes give a heading without the Dataverse table. The template is written
with `dataverse unstated_table`: replace it with the table's logical name.""",
    )
    FILTER_NOT_IMPORTED = (
        "W503",
        Severity.WARNING,
        Group.IMPORT,
        "filter kept as a comment",
        "A filter line the grammar cannot read; kept as a comment.",
        "the source filter `…` is not one the compiler can read",
        """A `Source filter:` or `Reversed source filter:` line that the filter grammar cannot read
is kept as a comment above the template's filters.""",
    )
    ROWS_NOT_IN_TABLE = (
        "W506",
        Severity.WARNING,
        Group.IMPORT,
        "rows Markdown does not read as a table",
        "Lines that look like rows of a mapping table but are not part of one: after a blank line "
        "that ends the table, indented into a code block, inside an HTML block or comment, or "
        "under a header whose delimiter row does not match.",
        "lines 9-10 look like rows of the mapping table above, but a blank line (line 8) ended it",
        """Markdown ends a table at a blank line, reads lines indented by four spaces as code, and
lets an unclosed `<div>` or `<!--` swallow everything after it; a header with no matching
`---|---` line is no table at all. The published page then does not show those rows as a
table either. The importer does not guess what was meant: it names the lines and the reason,
so that the source can be mended.""",
    )
    CELLS_NOT_READ = (
        "W507",
        Severity.WARNING,
        Group.IMPORT,
        "cells not read",
        "A row with more cells than its table's header: Markdown drops the cells after the last "
        "column.",
        "cells after the 4th are not read: `extra note`",
        """A Markdown table has as many columns as its header. Cells after the last one are dropped
by every renderer, so they are not part of the mapping; the importer names them so that nothing
goes missing unseen.""",
    )
    ALREADY_IN_PROJECT = (
        "W505",
        Severity.WARNING,
        Group.IMPORT,
        "already in the project",
        "An imported template whose name or reference id a template of the project outside the "
        "import folder already has; it is not imported.",
        "`loyalty_card__msdyn_loyaltycards` (ref 149) is already in the project as `loyalty_card`",
        """When the import folder is inside the mappings folder, the import is compiled with the
rest of the project before anything is written. A published template the project already holds
(the same reference id or name, typically a curated copy elsewhere in the mappings folder) is
left out, so that the curated one stays the only one and the build does not break.""",
    )
    IMPORT_READING = (
        "W504",
        Severity.WARNING,
        Group.IMPORT,
        "cell read one of two ways",
        "A cell read in one of two possible ways, e.g. an unquoted `blank` as an FO symbol.",
        "an unquoted `blank` on the finance and operations side is read as the enum symbol "
        "`blank`",
        """Some cells can be read two ways; the importer says which it chose.""",
    )
