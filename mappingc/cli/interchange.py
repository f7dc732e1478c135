"""Formats outside mappingc: published Markdown and dual-write table-map JSON, in and out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    display_path,
    folders,
    guarded,
    mappings_option,
    report_diagnostics,
    required_out,
)


@main.command("export-tablemap")
@click.argument("names", nargs=-1)
@required_out("Folder for one <template>.json table map per template.")
@mappings_option
@guarded
def export_tablemap(names: tuple[str, ...], out_dir: Path, mappings: Path | None) -> None:
    """Export compiled templates (all, or NAMES) as dual-write table-map JSON."""
    from mappingc.build import compile_directory
    from mappingc.interchange.tablemap import export_json

    mappings, _, locales = folders(mappings, None)
    result = compile_directory(mappings, locales)
    report_diagnostics(result)
    if not result.ok or result.catalog is None:
        sys.exit(EXIT_FAILED)
    known = {t.name: t for t in result.catalog.templates}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.UsageError(f"no template named {', '.join(unknown)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names or tuple(known):
        (out_dir / f"{name}.json").write_text(
            export_json(known[name], result.catalog), encoding="utf-8"
        )
    click.echo(f"mappingc: {len(names or known)} table map(s) → {display_path(out_dir)}/", err=True)


@main.command("import-docs")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@required_out("Folder for one <template>.dwmap file per imported template.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) when anything could not be imported as written, not only on errors.",
)
@guarded
def import_docs(files: tuple[Path, ...], out_dir: Path, strict: bool) -> None:
    """Import dual-write mapping tables from published Markdown as canonical .dwmap files.

    Rows the DSL cannot express are kept as comments and reported with their file and line.
    """
    from mappingc.interchange.docs_import import import_files
    from mappingc.output import write_text_atomic

    result = import_files(files)
    if result.diagnostics:
        click.echo(result.render_diagnostics(), err=True)
    warnings = len(result.diagnostics) - len(result.errors)
    if result.errors or not result.templates or (strict and warnings):
        why = "no mapping table found" if not result.templates else "see above"
        click.echo(
            f"mappingc: {len(result.errors)} error(s), {warnings} warning(s) ({why}); "
            "nothing was written",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    out_dir.mkdir(parents=True, exist_ok=True)
    for template in result.templates:
        write_text_atomic(out_dir / template.file_name, template.text)
    click.echo(
        f"mappingc: {len(result.templates)} template(s) from {len(result.sources)} file(s) → "
        f"{display_path(out_dir)}/" + (f"; {warnings} warning(s)" if warnings else ""),
        err=True,
    )


@main.command("import-tablemap")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@required_out("Folder for one <template>.dwmap file per table map.")
@guarded
def import_tablemap(files: tuple[Path, ...], out_dir: Path) -> None:
    """Import dual-write table-map JSON files as canonical .dwmap files."""
    from mappingc.interchange.tablemap import TableMapError, import_table_map, load_json

    written: dict[str, str] = {}
    failures = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            name, dsl = import_table_map(load_json(text, display_path(path)), display_path(path))
        except (OSError, UnicodeDecodeError) as error:
            click.echo(f"{display_path(path)}: error: cannot read: {error}", err=True)
            failures += 1
            continue
        except TableMapError as error:
            click.echo(f"error: {error}", err=True)
            failures += 1
            continue
        written[f"{name}.dwmap"] = dsl
    if failures:
        click.echo(
            f"mappingc: {failures} file(s) could not be imported; nothing was written", err=True
        )
        sys.exit(EXIT_FAILED)
    out_dir.mkdir(parents=True, exist_ok=True)
    for filename, dsl in written.items():
        (out_dir / filename).write_text(dsl, encoding="utf-8")
    click.echo(f"mappingc: {len(written)} template(s) → {display_path(out_dir)}/", err=True)
