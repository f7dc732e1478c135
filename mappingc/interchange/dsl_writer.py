"""Canonical DSL text for imported templates: what `import-tablemap` and `import-docs` write.

Both importers fill a `TemplateView` and render it through `template.dwmap.j2`, so every imported
file has the same layout: header comment, header statements, aligned rows, then its value maps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mappingc.emit.environment import dsl_string, render

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


@dataclass
class ValueMapView:
    name: str
    entries: list[tuple[str, str]]

    @property
    def width(self) -> int:
        return max((len(symbol) for symbol, _ in self.entries), default=0)


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

    def widths(self) -> tuple[int, int]:
        """How wide the FO and Dataverse columns of the rows are laid out."""
        fo = max((len(r.fo) for r in self.rows if not r.disabled), default=0)
        dv = max((len(r.dataverse) for r in self.rows if not r.disabled and r.rest), default=0)
        return fo, dv


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


def render_template(view: TemplateView, value_maps: list[ValueMapView]) -> str:
    # Widths once, not per row: a table of 100,000 rows is still read in one pass.
    fo_width, dv_width = view.widths()
    text = render(
        "template.dwmap.j2", t=view, value_maps=value_maps, fo_width=fo_width, dv_width=dv_width
    )
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
