"""IR → Markdown in the published mapping-reference format, and the index page."""

from __future__ import annotations

from dataclasses import dataclass

from mappingc import ir
from mappingc.emit.environment import code_in_cell, render, tidy_markdown

# The legend lists map types in the order the published docs do, with `<` (which they omit) last.
_LEGEND_ORDER = (
    ir.MapType.TO_DATAVERSE,
    ir.MapType.TO_DATAVERSE_TRANSFORM,
    ir.MapType.BIDIRECTIONAL,
    ir.MapType.BIDIRECTIONAL_TRANSFORM,
    ir.MapType.TO_FINANCE_OPERATIONS_TRANSFORM,
    ir.MapType.TO_FINANCE_OPERATIONS,
)


@dataclass(frozen=True)
class DocRow:
    finance_operations: str
    map_type: str  # Markdown: the map type, and its value map as mapping-tables.md shows one
    dataverse: str
    default: str  # as written, not yet escaped for Markdown


@dataclass(frozen=True)
class IndexEntry:
    label: str
    link: str
    dataverse_table: str
    description: str
    origins: str  # where the template was published: tells versions of one template apart


def _cell(value: object) -> str:
    """A constant as the published tables write it: bare text, `True`, `3` (escaped for
    Markdown where it is laid out)."""
    if value is None:
        return "blank"
    return str(value)


def _map_type_cell(field: ir.Row, catalog: ir.Catalog) -> str:
    """The map type, followed by its value map the way mapping-tables.md shows one."""
    if field.value_map is None:
        return field.map_type.value
    entries = catalog.value_maps[field.value_map].entries
    shown = "".join(
        f"<br>{code_in_cell(e.symbol)} : "
        + ("blank" if e.value is None else code_in_cell(e.shown or _cell(e.value)))
        for e in entries
    )
    return f"{field.map_type.value}{shown}"


def table_rows(template: ir.Template, catalog: ir.Catalog) -> list[DocRow]:
    """The rows of a template's published mapping table, in template order."""
    return [
        DocRow(
            finance_operations=field.finance_operations or "none",
            map_type=_map_type_cell(field, catalog),
            dataverse=field.dataverse.path if field.dataverse else "none",
            default=(
                "" if field.default is None else field.default.written or _cell(field.default.value)
            ),
        )
        for field in template.rows
    ]


def emit_template_doc(template: ir.Template, catalog: ir.Catalog) -> str:
    doc = {
        "source": template.source,
        "ref": template.ref,
        "label": template.label,
        "dataverse_table": template.dataverse_table,
        "source_filter": template.source_filter.text if template.source_filter else None,
        "reversed_filter": template.reversed_filter.text if template.reversed_filter else None,
        "rows": table_rows(template, catalog),
        "origins": template.origins,
    }
    return tidy_markdown(render("template_doc.md.j2", doc=doc))


def reference_order(catalog: ir.Catalog) -> list[ir.Template]:
    """Templates as the published index lists them: alphabetical by label."""
    return sorted(catalog.templates, key=lambda t: (t.label.lower(), t.dataverse_table, t.name))


def emit_index(catalog: ir.Catalog, doc_links: dict[str, str]) -> str:
    """`doc_links` maps a template name to its doc's path relative to the index."""
    entries = [
        IndexEntry(
            label=t.label,
            link=doc_links[t.name] + (f"#{t.ref}" if t.ref is not None else ""),
            dataverse_table=t.dataverse_table,
            description=t.description or "",
            origins=", ".join(t.origins),
        )
        for t in reference_order(catalog)
    ]
    return tidy_markdown(render("index.md.j2", map_types=_LEGEND_ORDER, entries=entries))
