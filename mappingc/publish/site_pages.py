"""What the site's index pages list: templates grouped by area (the folder of mappings/ they are
in), each with a title a reader can tell apart from its other versions."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from babel.support import NullTranslations

from mappingc import ir
from mappingc.i18n import translate_prose
from mappingc.naming import site_slug

# Where a template version was published (the kind its `origin` line names), in the words the
# site uses; extracted for translation by `make translations`.
_VERSION_KINDS = {
    "include": lambda t: t.gettext("include"),
    "master": lambda t: t.gettext("master"),
    "legacy": lambda t: t.gettext("legacy"),
}
_ORIGIN_KIND = re.compile(r"\((\w+)\)\s*$")


@dataclass(frozen=True)
class AreaTemplate:
    name: str
    title: str  # "<label> to <table>", and the version where another template has that title
    dataverse_table: str
    version: str
    description: str


@dataclass(frozen=True)
class Area:
    name: str
    slug: str
    templates: list[AreaTemplate]


def _version(template: ir.Template, translations: NullTranslations) -> str:
    kinds = []
    for origin in template.origins:
        found = _ORIGIN_KIND.search(origin)
        if found and found.group(1) in _VERSION_KINDS and found.group(1) not in kinds:
            kinds.append(found.group(1))
    return ", ".join(_VERSION_KINDS[k](translations) for k in kinds)


def _area_name(template: ir.Template) -> str:
    parent = PurePosixPath(template.source).parent.name
    return parent or "mappings"


def template_areas(catalog: ir.Catalog, translations: NullTranslations) -> list[Area]:
    """Every template under its area, areas and templates in name order."""
    plain = {
        t.name: translations.gettext("%(label)s to %(table)s")
        % {"label": translations.gettext(t.label), "table": t.dataverse_table}
        for t in catalog.templates
    }
    shared = Counter(plain.values())
    grouped: dict[str, list[AreaTemplate]] = {}
    for template in sorted(catalog.templates, key=lambda t: t.name):
        version = _version(template, translations)
        title = plain[template.name]
        if shared[title] > 1:
            title = f"{title} ({version or template.name})"
        grouped.setdefault(_area_name(template), []).append(
            AreaTemplate(
                name=template.name,
                title=title,
                dataverse_table=template.dataverse_table,
                version=version,
                description=translate_prose(translations, template.description or ""),
            )
        )
    taken: set[str] = set()
    return [
        Area(name=name, slug=site_slug(name, taken), templates=items)
        for name, items in sorted(grouped.items())
    ]
