"""`mappingc docs`: the localized reference as a static site, and what each locale lacks."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

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
    from mappingc.publish.i18n import LocaleCatalog


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
    "--check-translations",
    is_flag=True,
    help="List the strings each locale lacks (they fall back to English) instead of building.",
)
@click.option("--strict", is_flag=True, help="With --check-translations: exit 1 if any lack.")
@mappings_option
@guarded
def docs(site_dir: Path, check_translations: bool, strict: bool, mappings: Path | None) -> None:
    """Build the localized reference as a static site with search, plus reference.json."""
    from mappingc.build import compile_directory
    from mappingc.publish.i18n import load_catalogs
    from mappingc.publish.site import SiteError, build_site

    defaults = config()
    mappings, _, locales_dir = folders(mappings, None, defaults)
    catalogs = load_catalogs(locales_dir)
    if check_translations:
        _check_translations(mappings, catalogs, strict)
        return
    ensure_replaceable(site_dir, protected_folders(defaults, mappings))
    result = compile_directory(mappings, locales_dir, ignores=defaults.ignores)
    report_diagnostics(result)
    if not result.ok or result.catalog is None:
        sys.exit(EXIT_FAILED)
    started = time.perf_counter()
    try:
        build_site(result.catalog, result.files, catalogs, site_dir)
    except SiteError as error:
        click.echo(f"mappingc: the site could not be built: {error}", err=True)
        sys.exit(EXIT_FAILED)
    languages = ", ".join(["en", *(c.language for c in catalogs)])
    click.echo(
        f"mappingc: site for {languages} → {display_path(site_dir)}/ "
        f"({time.perf_counter() - started:.2f}s)",
        err=True,
    )


def _check_translations(mappings: Path, catalogs: list[LocaleCatalog], strict: bool) -> None:
    from mappingc.publish.i18n import coverage, extract_messages

    template = extract_messages(mappings)
    lacking = 0
    for report in coverage(template, catalogs):
        total = sum(1 for m in template if m.id)
        done = total - len(report.missing) - len(report.fuzzy)
        click.echo(f"{report.language}: {done}/{total} translated")
        for message in report.missing:
            click.echo(f"  untranslated: {message}")
        for message in report.fuzzy:
            click.echo(f"  fuzzy (needs review): {message}")
        lacking += len(report.missing) + len(report.fuzzy)
    if not catalogs:
        click.echo("mappingc: no catalogs found; every page is English", err=True)
    if strict and lacking:
        sys.exit(EXIT_FAILED)
