"""IR → the published reference in every locale: each page, and the full mapping reference.

Layout follows the Microsoft Learn dual-write pages (front matter, anchored headings, the
templates table, the map-type legend, one mapping table per template); wording goes through the
locale's gettext catalog, falling back to English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.support import NullTranslations

from mappingc import ir
from mappingc.emit.docs import DocRow, reference_order, table_rows
from mappingc.emit.environment import render, tidy_markdown
from mappingc.i18n import content_locale

REFERENCE_PAGE = "mapping-reference.md"


@dataclass(frozen=True)
class TemplateView:
    label: str
    anchor: str
    link: str
    dataverse_table: str
    description: str
    source_filter: str | None
    reversed_filter: str | None
    rows: list[DocRow]


@dataclass(frozen=True)
class PageView:
    name: str
    title: str
    description: str | None
    intro: str | None
    anchor: str
    source: str
    templates: list[TemplateView]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def anchor(template: ir.Template) -> str:
    """The stable anchor of a template in the reference: its reference id, else its name."""
    return str(template.ref) if template.ref is not None else template.name


def template_view(template: ir.Template, catalog: ir.Catalog) -> TemplateView:
    return TemplateView(
        label=template.label,
        anchor=anchor(template),
        link=f"{REFERENCE_PAGE}#{anchor(template)}",
        dataverse_table=template.dataverse_table,
        description=template.description or "",
        source_filter=template.source_filter.text if template.source_filter else None,
        reversed_filter=template.reversed_filter.text if template.reversed_filter else None,
        rows=table_rows(template, catalog),
    )


def emit_localized_docs(
    catalog: ir.Catalog, locales: list[tuple[str, NullTranslations]]
) -> dict[str, str]:
    """`docs/<locale>/<page>.md` and `docs/<locale>/mapping-reference.md` for every locale."""
    by_name = {t.name: t for t in catalog.templates}
    views = {t.name: template_view(t, catalog) for t in catalog.templates}
    reference = [views[t.name] for t in reference_order(catalog)]
    pages = [
        PageView(
            name=page.name,
            title=page.title,
            description=page.description,
            intro=page.intro,
            anchor=_slug(page.title),
            source=page.source,
            templates=[views[entry.name] for entry in page.templates if entry.name in by_name],
        )
        for page in catalog.pages
    ]
    files: dict[str, str] = {}
    for language, translations in locales:
        folder = f"docs/{language}"
        context = {"content_locale": content_locale(language)}
        for page in pages:
            files[f"{folder}/{page.name}.md"] = tidy_markdown(
                render("page.md.j2", translations, page=page, **context)
            )
        files[f"{folder}/{REFERENCE_PAGE}"] = tidy_markdown(
            render("mapping_reference.md.j2", translations, templates=reference, **context)
        )
    return files
