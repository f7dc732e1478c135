"""`mappingc docs`: the published reference as a static site (Material for MkDocs, one build per
language, each with its own `lang` and search) and as one JSON document.

Each locale is its own MkDocs project in `<site>/<lang>/`, with the same pages at the same paths,
so the language switch can stay on the page being read. The menu holds a handful of entries
(home, the reference, the pages, the template areas); templates are reached through their
area's index page, so no page carries the whole catalog. The locales build in parallel; with a
cache folder, a locale whose inputs did not change is linked from the last build, and a page
whose Markdown did not change is not converted again (mappingc.publish.render_cache).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations

from mappingc import ir
from mappingc.emit.docs import table_rows
from mappingc.emit.environment import render, tidy_markdown
from mappingc.emit.reference import REFERENCE_PAGE, TemplateView, anchor, template_view
from mappingc.i18n import (
    SOURCE_LOCALE,
    LocaleCatalog,
    content_locale,
    published_locales,
    translate_prose,
)
from mappingc.output import staging_folder, swap_in
from mappingc.publish.site_manual import MANUAL_FOLDER, MANUAL_TITLE, read_manual
from mappingc.publish.site_pages import template_areas

SITE_NAME = "Dual-write mapping reference"
_THEME_OVERRIDES = {  # file of the theme → ours, in mappingc/templates
    "partials/alternate.html": "site_language_switch.html",
    "main.html": "site_main.html",
}
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_THEME_VERSIONS = "|".join(version(p) for p in ("mkdocs", "mkdocs-material"))
# Languages whose lunr stemmer Material for MkDocs ships; others are indexed word for word.
_STEMMED = {
    "da",
    "de",
    "en",
    "es",
    "fi",
    "fr",
    "hu",
    "it",
    "nl",
    "no",
    "pt",
    "ro",
    "ru",
    "sv",
    "tr",
}


class SiteError(Exception):
    """MkDocs could not build the site; the message says why."""


@dataclass
class SiteLocale:
    code: str
    name: str
    reference_title: str
    pages: list[dict[str, str]] = field(default_factory=list)


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


def _locale_docs(
    catalog: ir.Catalog,
    views: dict[str, TemplateView],
    files: dict[str, str],
    site_locale: SiteLocale,
    translations: NullTranslations,
    docs_dir: Path,
) -> None:
    """Write one locale's Markdown: the build's pages and reference, a home page, an index page
    per template area (`areas/`) and a page per template (`template/`: MkDocs leaves out a
    folder named `templates`)."""
    code = site_locale.code
    for name, text in files.items():
        if name.startswith(f"docs/{code}/"):
            if name.endswith(f"/{REFERENCE_PAGE}"):
                # Its templates are searched on their own pages; found twice, they would double
                # the search index.
                text = text.replace("---\n", "---\nsearch:\n  exclude: true\n", 1)
            _write(docs_dir / name.removeprefix(f"docs/{code}/"), text)
    areas = template_areas(catalog, translations)
    home = render("site_home.md.j2", translations, pages=site_locale.pages, areas=areas)
    _write(docs_dir / "index.md", tidy_markdown(home))
    _write(
        docs_dir / "areas" / "index.md",
        tidy_markdown(render("site_areas.md.j2", translations, areas=areas)),
    )
    for area in areas:
        _write(
            docs_dir / "areas" / f"{area.slug}.md",
            tidy_markdown(render("site_area.md.j2", translations, area=area)),
        )
        for entry in area.templates:
            page = render(
                "template_page.md.j2",
                translations,
                t=views[entry.name],
                title=entry.title,
                content_locale=content_locale(code),
            )
            _write(docs_dir / "template" / f"{entry.name}.md", tidy_markdown(page))


def build_site(
    catalog: ir.Catalog,
    files: dict[str, str],
    catalogs: list[LocaleCatalog],
    site_dir: Path,
    cache_dir: Path | None = None,
    manual_dir: Path | None = None,
) -> None:
    """Build the site into `site_dir`, replacing it whole: the caller has checked that mappingc
    may (mappingc.output.check_replaceable). `files` is a successful build's output; pages
    rendered before are reused from `cache_dir` when given. `manual_dir`'s pages are published
    in English under "Using mappingc" (mappingc.publish.site_manual)."""
    manual = read_manual(manual_dir) if manual_dir is not None else None
    if manual is not None and not manual.pages:
        raise SiteError(f"{manual_dir} holds no Markdown page for the manual")
    locales = published_locales(catalogs)
    site_locales = [
        SiteLocale(
            code=code,
            name=_language_name(code),
            reference_title=translations.gettext(SITE_NAME),
            pages=[
                {"name": p.name, "title": translate_prose(translations, p.title)}
                for p in catalog.pages
            ],
        )
        for code, translations in locales
    ]
    views = {t.name: template_view(t, catalog) for t in catalog.templates}
    with tempfile.TemporaryDirectory(prefix="mappingc-site-") as work:
        overrides = Path(work) / "overrides"
        for theme_file, ours in _THEME_OVERRIDES.items():
            _write(overrides / theme_file, (_TEMPLATES / ours).read_text(encoding="utf-8"))
        with staging_folder(site_dir) as staging:
            jobs = []
            for (code, translations), site_locale in zip(locales, site_locales, strict=True):
                job = _LocaleJob(
                    catalog,
                    views,
                    files,
                    site_locale,
                    translations,
                    docs_dir=Path(work) / code,
                    site_dir=staging / code,
                    cache=cache_dir / code if cache_dir else None,
                )
                if manual is not None and code == SOURCE_LOCALE:
                    manual.write(job.docs_dir / MANUAL_FOLDER)
                _write(
                    job.config_file,
                    render(
                        "site_mkdocs.yml.j2",
                        translations,
                        site_name=site_locale.reference_title,
                        docs_dir=str(job.docs_dir),
                        site_dir=str(staging / code),
                        overrides_dir=str(overrides),
                        language=code,
                        search_language=code if code in _STEMMED else "en",
                        stemmer=code in _STEMMED,
                        locales=site_locales,
                        pages=site_locale.pages,
                        manual=manual.nav(code) if manual is not None else None,
                        manual_title=MANUAL_TITLE,
                        render_cache=str(cache_dir / code / "pages") if cache_dir else "",
                    ),
                )
                jobs.append(job)
            _build_all(jobs)
            _write(
                staging / "index.html",
                render("site_root.html.j2", site_name=SITE_NAME, locales=site_locales),
            )
            _write(
                staging / "reference.json",
                json.dumps(reference_json(catalog), indent=2, ensure_ascii=False) + "\n",
            )
            swap_in(staging, site_dir)


@dataclass(frozen=True)
class _LocaleJob:
    catalog: ir.Catalog
    views: dict[str, TemplateView]  # the same in every locale: made once, before the workers
    files: dict[str, str]
    locale: SiteLocale
    translations: NullTranslations
    docs_dir: Path
    site_dir: Path
    cache: Path | None  # this locale's folder of the site cache

    @property
    def config_file(self) -> Path:
        return self.docs_dir.parent / f"mkdocs-{self.locale.code}.yml"

    def _inputs(self) -> str:
        """The digest of what this locale's site is made of: its Markdown, its configuration
        (without the paths of this run's temporary folders) and the theme's versions."""
        digest = hashlib.sha256(_THEME_VERSIONS.encode())
        for ours in sorted(_THEME_OVERRIDES.values()):
            digest.update((_TEMPLATES / ours).read_bytes())
        config = self.config_file.read_text(encoding="utf-8")
        for folder in (self.site_dir, self.docs_dir.parent):
            config = config.replace(str(folder), "")
        digest.update(config.encode())
        for path in sorted(p for p in self.docs_dir.rglob("*") if p.is_file()):
            digest.update(f"\0{path.relative_to(self.docs_dir).as_posix()}\0".encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def run(self) -> str | None:
        """Write the pages and build them, or copy the site built from the same inputs before."""
        _locale_docs(
            self.catalog, self.views, self.files, self.locale, self.translations, self.docs_dir
        )
        if self.cache is None:
            return _mkdocs_build(self.config_file)
        inputs, built = self.cache / "inputs.sha256", self.cache / "site"
        key = self._inputs()
        if built.is_dir() and inputs.is_file() and inputs.read_text(encoding="utf-8") == key:
            shutil.copytree(built, self.site_dir, copy_function=_link_or_copy)
            return None
        failed = _mkdocs_build(self.config_file)
        if failed is None:
            inputs.unlink(missing_ok=True)  # the key is written last: a killed copy is no hit
            shutil.rmtree(built, ignore_errors=True)
            shutil.copytree(self.site_dir, built, copy_function=_link_or_copy)
            inputs.write_text(key, encoding="utf-8")
        return failed


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where both are on one file system (a site is never changed in place: every
    build writes a new one), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


# The jobs of the build under way, read by the worker processes it forks (which inherit them
# rather than receive a pickled copy of the catalog and every page).
_JOBS: list[_LocaleJob] = []


def _run_job(index: int) -> str | None:
    return _JOBS[index].run()


def _build_all(jobs: list[_LocaleJob]) -> None:
    """Each locale's pages and MkDocs build, as many at a time as there are processors."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        errors = [job.run() for job in jobs]
    else:
        _JOBS[:] = jobs
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                errors = list(pool.map(_run_job, range(len(jobs))))
        finally:
            _JOBS.clear()
    failed = [e for e in errors if e]
    if failed:
        raise SiteError("; ".join(failed))


@contextmanager
def _fixed_build_date() -> Iterator[None]:
    # MkDocs stamps the build date into sitemap.xml(.gz); a fixed one keeps the site the same
    # bytes on every run.
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = before or "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def _prune_assets(site_dir: Path, language: str) -> None:
    """Leave out what the theme ships but this locale's pages never load: source maps, the
    word segmenters of Thai and Japanese, and the search languages of other locales."""
    assets = site_dir / "assets" / "javascripts" / "lunr"
    keep = {"lunr.stemmer.support.min.js", "lunr.multi.min.js", f"lunr.{language}.min.js"}
    for path in sorted((site_dir / "assets").rglob("*")):
        unused = path.suffix == ".map" or path.name in {"wordcut.js", "tinyseg.js"}
        unused = unused or (path.parent == assets / "min" and path.name not in keep)
        if path.is_file() and unused:
            path.unlink()


def _mkdocs_build(config_file: Path) -> str | None:
    """Build one locale; the error's text when MkDocs refuses (it runs in a worker process)."""
    from mkdocs.commands.build import build  # imported here: MkDocs is only needed for the site
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    try:
        with _fixed_build_date():
            config = load_config(config_file=str(config_file))
            build(config)
    except MkDocsException as error:
        return f"{config_file.stem.removeprefix('mkdocs-')}: {error}"
    _prune_assets(Path(config["site_dir"]), config["theme"]["language"])
    return None
