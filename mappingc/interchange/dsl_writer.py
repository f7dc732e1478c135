"""DSL text for imported templates: what `import-tablemap` and `import-docs` write.

Both importers fill a `TemplateView`; `template.dwmap.j2` says what the file holds (header
comment, header statements, rows, then its value maps) and mappingc.frontend.formatter lays it
out, the same way `mappingc fmt` does: an imported file is a formatted file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mappingc.emit.environment import dsl_string, render
from mappingc.frontend.formatter import format_text

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass
class Row:
    fo: str
    map_type: str
    dataverse: str
    rest: str = ""  # type, value map and default, each with its leading space
    comments: list[str] = field(default_factory=list)  # `# …` lines written above the row
    disabled: bool = False  # the row cannot be expressed: written as a comment only
    trailing: str | None = None  # a comment at the end of the row's line


@dataclass
class ValueMapView:
    name: str
    entries: list[tuple[str, str]]


@dataclass
class TemplateView:
    name: str
    label: str
    fo_entity: str
    dataverse_table: str
    ref: int | None = None
    description: str | None = None
    keys: list[str] = field(default_factory=list)
    company_specific: bool = False
    source_filter: str | None = None
    reversed_filter: str | None = None
    rows: list[Row] = field(default_factory=list)
    lookups: dict[str, str] = field(default_factory=dict)  # column → related table
    comment: list[str] = field(default_factory=list)
    property_comments: dict[str, list[str]] = field(default_factory=dict)  # property → lines
    origins: list[str] = field(default_factory=list)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (side, field) filters read


def dsl_name(text: str) -> str:
    """A DSL name as written, or a quoted string where the text is not one."""
    return text if _NAME.fullmatch(text) else dsl_string(text)


def dsl_value(text: str | None, kind: str | None) -> str:
    """A value-map value or default as DSL: `blank`, `True`, `806380000` or `"text"`.
    `kind` is the kind the value must have (`str` keeps numbers and booleans quoted)."""
    if text is None:
        return "blank"
    if text.lower() in {"true", "false"} and kind in {None, "bool"}:
        return text
    if _NUMBER.fullmatch(text) and kind in {None, "int", "decimal"}:
        return text
    return dsl_string(text)


def mark_mapped_twice(view: TemplateView, source: str) -> None:
    """A field the source maps more than once is meant so: the rows after the first say it
    (`source`: "as published"), so that W400 (both write it back), or E617 where a row maps it
    both ways (which dual-write would reject), is silenced at the source and nowhere else. A
    field read into two columns is fine and gets no comment."""
    first: dict[str, str] = {}  # FO field → the map type of its first row
    both_ways = {"=", "><"}
    towards_fo = {"<", "<<"}
    for row in view.rows:
        row.trailing = None
        if row.disabled or row.fo == "none":
            continue
        if row.fo in first:
            if first[row.fo] in both_ways or row.map_type in both_ways:
                row.trailing = (
                    f"mappingc: ignore[E617] mapped twice {source}; dual-write rejects it "
                    "(DIPV1023)"
                )
            elif first[row.fo] in towards_fo and row.map_type in towards_fo:
                row.trailing = f"mappingc: ignore[W400] written twice {source}"
        first.setdefault(row.fo, row.map_type)


def render_template(view: TemplateView, value_maps: list[ValueMapView]) -> str:
    """The template as a formatted DSL file (as it is when it does not parse: the importers
    compile what they write and report what does not)."""
    text = render("template.dwmap.j2", t=view, value_maps=value_maps)
    formatted, _ = format_text(view.name, text)
    return formatted if formatted is not None else text
