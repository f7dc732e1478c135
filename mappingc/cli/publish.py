"""`mappingc docs`: the localized reference as a static site, and what each locale lacks."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    FOLDER,
    config,
    display_path,
    ensure_replaceable,
    folders,
    guarded,
    mappings_option,
    protected_folders,
    report_diagnostics,
)

if TYPE_CHECKING:
    from mappingc.i18n import LocaleCatalog


@main.command()
@click.option(
    "--site",
    "site_dir",
    type=FOLDER,
    default=Path("site"),
    show_default=True,
    help="Folder to build the static site into.",
)
@click.option(
    "--manual",
    "manual_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A folder of Markdown pages (index.md first, in the order its links give) to publish "
    "in English under 'Using mappingc'.",
)
@click.option(
    "--check-translations",
    is_flag=True,
    help="List the strings each locale lacks (they fall back to English) instead of building.",
)
@click.option("--strict", is_flag=True, help="With --check-translations: exit 1 if any lack.")
@click.option(
    "-v", "--verbose", is_flag=True, help="With --check-translations: list every string lacking."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="With --check-translations: text for people, json for tools.",
)
@click.option(
    "--page",
    "page_name",
    default=None,
    help="With --check-translations: only the strings of this page (its templates and the "
    "page chrome).",
)
@mappings_option
@guarded
def docs(
    site_dir: Path,
    manual_dir: Path | None,
    check_translations: bool,
    strict: bool,
    verbose: bool,
    output_format: str,
    page_name: str | None,
    mappings: Path | None,
) -> None:
    """Build the localized reference as a static site with search, plus reference.json."""
    from mappingc.build import compile_directory
    from mappingc.i18n import load_catalogs
    from mappingc.publish.site import SiteError, build_site

    defaults = config()
    mappings, _, locales_dir = folders(mappings, None, defaults)
    catalogs = load_catalogs(locales_dir)
    if check_translations:
        _check_translations(mappings, catalogs, strict, verbose, output_format, page_name)
        return
    ensure_replaceable(site_dir, protected_folders(defaults, mappings))
    result = compile_directory(mappings, locales_dir, ignores=defaults.ignores)
    report_diagnostics(result)
    if not result.ok or result.catalog is None:
        sys.exit(EXIT_FAILED)
    started = time.perf_counter()
    try:
        cache = defaults.cache / "site" if defaults.cache is not None else None
        build_site(
            result.catalog, result.files, catalogs, site_dir, cache_dir=cache, manual_dir=manual_dir
        )
    except SiteError as error:
        click.echo(f"mappingc: the site could not be built: {error}", err=True)
        sys.exit(EXIT_FAILED)
    languages = ", ".join(["en", *(c.language for c in catalogs)])
    click.echo(
        f"mappingc: site for {languages} → {display_path(site_dir)}/ "
        f"({time.perf_counter() - started:.2f}s)",
        err=True,
    )


def _check_translations(
    mappings: Path,
    catalogs: list[LocaleCatalog],
    strict: bool,
    verbose: bool,
    output_format: str,
    page_name: str | None,
) -> None:
    """A summary per locale first; every string lacking with --verbose (or as JSON)."""
    from mappingc.i18n import coverage
    from mappingc.publish.extract import extract_messages

    template = extract_messages(mappings)
    if page_name is not None:
        template = _page_messages(template, mappings, page_name)
    total = sum(1 for m in template if m.id)
    reports = coverage(template, catalogs)
    lacking = sum(len(r.missing) + len(r.fuzzy) for r in reports)
    if output_format == "json":
        records = [
            {
                "language": r.language,
                "total": total,
                "translated": total - len(r.missing) - len(r.fuzzy),
                "missing": r.missing,
                "fuzzy": r.fuzzy,
            }
            for r in reports
        ]
        click.echo(json.dumps({"page": page_name, "locales": records}, indent=2))
    else:
        for report in reports:
            done = total - len(report.missing) - len(report.fuzzy)
            click.echo(
                f"{report.language}: {done}/{total} translated, {len(report.missing)} missing, "
                f"{len(report.fuzzy)} fuzzy"
            )
        for report in reports if verbose else []:
            for message in report.missing:
                click.echo(f"  {report.language} untranslated: {message}")
            for message in report.fuzzy:
                click.echo(f"  {report.language} fuzzy (needs review): {message}")
        if lacking and not verbose:
            click.echo(
                "mappingc: `--verbose` lists the strings, `--format json` for tools", err=True
            )
    if not catalogs:
        click.echo("mappingc: no catalogs found; every page is English", err=True)
    if strict and lacking:
        sys.exit(EXIT_FAILED)


def _page_messages(template: Any, mappings: Path, page_name: str) -> Any:
    """The messages of one page: those of its own file, of the templates it lists, and of the
    page chrome (the Jinja2 templates every page is rendered with)."""
    from babel.messages.catalog import Catalog

    from mappingc.build import compile_directory
    from mappingc.publish.extract import TEMPLATES_DIR

    result = compile_directory(mappings)
    catalog = result.catalog
    pages = {p.name: p for p in catalog.pages} if catalog else {}
    if page_name not in pages:
        known = ", ".join(sorted(pages)) or "none"
        raise click.UsageError(f"no page named {page_name} (pages: {known})")
    page = pages[page_name]
    assert catalog is not None
    sources = {t.name: t.source for t in catalog.templates}
    files = {Path(page.source).name} | {
        Path(sources[t.name]).name for t in page.templates if t.name in sources
    }
    files |= {p.name for p in TEMPLATES_DIR.glob("*.j2")}
    chosen = Catalog(domain=template.domain, project="mappingc")
    for message in template:
        if message.id and any(name in files for name, _line in message.locations):
            chosen.add(message.id, locations=message.locations, auto_comments=message.auto_comments)
    return chosen
