"""`mappingc docs`: the published reference as a static site (MkDocs, with its search index) and as
one JSON document.

The site is built from a finished build in memory: the localized pages and references that
`mappingc build` writes, plus a page per template per locale.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale

from mappingc.emit.docs import table_rows
from mappingc.emit.environment import render, tidy_markdown
from mappingc.emit.reference import anchor, template_view
from mappingc.frontend import ir
from mappingc.output import staging_folder, swap_in
from mappingc.publish.i18n import LocaleCatalog, content_locale, published_locales, translate_prose

SITE_NAME = "Dual-write mapping reference"


class SiteError(Exception):
    """MkDocs could not build the site; the message says why."""


@dataclass
class SiteLocale:
    code: str
    name: str
    reference_title: str
    pages: list[dict[str, str]] = field(default_factory=list)
    templates: list[dict[str, str]] = field(default_factory=list)


def _language_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def reference_json(catalog: ir.Catalog) -> dict[str, object]:
    """The whole reference as data: templates with their rows, value maps, pages."""
    return {
        "templates": [
            {
                "name": t.name,
                "label": t.label,
                "ref": t.ref,
                "anchor": anchor(t),
                "fo_entity": t.finance_operations_entity,
                "dataverse_table": t.dataverse_table,
                "description": t.description,
                "key": [k.path for k in t.keys],
                "source_filter": t.source_filter.text if t.source_filter else None,
                "reversed_filter": t.reversed_filter.text if t.reversed_filter else None,
                "fields": [
                    {
                        "finance_operations": f.finance_operations,
                        "map_type": f.map_type.value,
                        "dataverse": f.dataverse.path if f.dataverse else None,
                        "type": f.type.kind.value,
                        "size": f.type.size,
                        "value_map": f.value_map,
                        "default": row.default or None,
                    }
                    for f, row in zip(t.rows, table_rows(t, catalog), strict=True)
                ],
            }
            for t in catalog.templates
        ],
        "value_maps": {
            name: [{"symbol": e.symbol, "value": e.value} for e in value_map.entries]
            for name, value_map in catalog.value_maps.items()
        },
        "pages": [
            {
                "name": p.name,
                "title": p.title,
                "description": p.description,
                "templates": [e.name for e in p.templates],
            }
            for p in catalog.pages
        ],
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def build_site(
    catalog: ir.Catalog, files: dict[str, str], catalogs: list[LocaleCatalog], site_dir: Path
) -> None:
    """Build the site into `site_dir`, replacing it whole: the caller has checked that mappingc
    may (mappingc.output.check_replaceable). `files` is a successful build's output."""
    views = {t.name: template_view(t, catalog) for t in catalog.templates}
    with tempfile.TemporaryDirectory(prefix="mappingc-site-") as work:
        docs_dir = Path(work) / "docs"
        site_locales = []
        for code, translations in published_locales(catalogs):
            for name, text in files.items():
                if name.startswith(f"docs/{code}/"):
                    _write(docs_dir / name.removeprefix("docs/"), text)
            site_locale = SiteLocale(
                code=code,
                name=_language_name(code),
                reference_title=translations.gettext("Dual-write mapping reference"),
                pages=[
                    {"name": p.name, "title": translate_prose(translations, p.title)}
                    for p in catalog.pages
                ],
            )
            for template in catalog.templates:
                page = render(
                    "template_page.md.j2",
                    translations,
                    t=views[template.name],
                    content_locale=content_locale(code),
                )
                _write(docs_dir / code / "templates" / f"{template.name}.md", tidy_markdown(page))
                site_locale.templates.append(
                    {"name": template.name, "title": translations.gettext(template.label)}
                )
            site_locales.append(site_locale)
        _write(docs_dir / "index.md", render("site_index.md.j2", locales=site_locales))
        _write(
            docs_dir / "reference.json",
            json.dumps(reference_json(catalog), indent=2, ensure_ascii=False) + "\n",
        )
        config_file = Path(work) / "mkdocs.yml"
        # MkDocs builds beside the site folder, which is then swapped in whole (mappingc.output).
        with staging_folder(site_dir) as staging:
            _write(
                config_file,
                render(
                    "mkdocs.yml.j2",
                    site_name=SITE_NAME,
                    docs_dir=str(docs_dir),
                    site_dir=str(staging),
                    locales=site_locales,
                ),
            )
            _mkdocs_build(config_file)
            swap_in(staging, site_dir)


def _mkdocs_build(config_file: Path) -> None:
    from mkdocs.commands.build import build  # imported here: MkDocs is only needed for the site
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    try:
        build(load_config(config_file=str(config_file)))
    except MkDocsException as error:
        raise SiteError(str(error)) from None
