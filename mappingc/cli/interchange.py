"""Formats outside mappingc: published Markdown and dual-write table-map JSON, in and out."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    config,
    display_path,
    ensure_replaceable,
    folders,
    guarded,
    mappings_option,
    no_such_template,
    protected_folders,
    read_input,
    report_diagnostics,
    required_out,
)

if TYPE_CHECKING:
    from mappingc.diagnostics import Diagnostic
    from mappingc.schemas.index import Schemas


@main.command("export-tablemap")
@click.argument("names", nargs=-1)
@required_out("Folder for one <template>.json table map per template.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["tablemap", "msdyn"]),
    default="tablemap",
    show_default=True,
    help="tablemap: the table-map JSON; msdyn: records of Dataverse table "
    "msdyn_dualwriteentitymaps (the map and its integration key as JSON strings).",
)
@mappings_option
@guarded
def export_tablemap(
    names: tuple[str, ...], out_dir: Path, output_format: str, mappings: Path | None
) -> None:
    """Export compiled templates (all, or NAMES) as dual-write table-map JSON.

    The output folder is replaced whole, like `build`'s: it must be new, empty or written by
    mappingc.
    """
    from mappingc.build import compile_directory
    from mappingc.interchange.tablemap import export_json, export_record
    from mappingc.output import write_tree

    defaults = config()
    mappings, _, locales = folders(mappings, None, defaults)
    ensure_replaceable(out_dir, protected_folders(defaults, mappings))
    # The front end only: a table map needs the checked templates, not modules or docs.
    result = compile_directory(
        mappings, locales, ignores=defaults.ignores, schemas_dir=defaults.schemas, emit=False
    )
    known = {t.name: t for t in result.catalog.templates} if result.catalog else {}
    unknown = [n for n in names if n not in known]
    if unknown and result.ok:
        raise no_such_template(unknown, known)
    chosen = names or tuple(known)
    # Its own warnings: those of the files it exports (every error, wherever it is).
    exported = {_openable_source(mappings, known[n].source) for n in chosen if n in known}
    result.diagnostics = [d for d in result.diagnostics if d.is_error or d.path in exported]
    report_diagnostics(result)
    if not result.ok or result.catalog is None:
        sys.exit(EXIT_FAILED)
    export = export_record if output_format == "msdyn" else export_json
    write_tree(out_dir, {f"{n}.json": export(known[n], result.catalog) for n in chosen})
    click.echo(f"mappingc: {len(chosen)} table map(s) → {display_path(out_dir)}/", err=True)


def _project_value_maps(replaced: Iterable[Path] = ()) -> dict[str, list[tuple[str, object]]]:
    """The value maps of the project's templates, for an import to reuse, but those of the files
    the import replaces (they go with them); none when the mappings folder is missing or does
    not compile (the import then reports that)."""
    from mappingc.build import compile_directory
    from mappingc.sources import source_name

    mappings = config().mappings
    if not mappings.is_dir():
        return {}
    result = compile_directory(mappings, ignores=config().ignores, emit=False)
    if result.catalog is None:
        return {}
    going = {
        source_name(mappings, path.resolve())
        for path in replaced
        if path.resolve().is_relative_to(mappings.resolve())
    }
    return {
        name: [(e.symbol, e.value) for e in value_map.entries]
        for name, value_map in result.catalog.value_maps.items()
        if not value_map.inline and value_map.location.path not in going
    }


def _project_schemas() -> Schemas | None:
    """The project's schema snapshots (`mappingc build` reports unreadable ones), read once per
    command: what the import names by, and what it is checked against."""
    from mappingc.schemas.index import load as load_schemas

    schemas_dir = config().schemas
    return load_schemas(schemas_dir)[0] if schemas_dir is not None else None


def _schema_lookup_tables(schemas: Schemas | None) -> Callable[[str, str], str | None]:
    """The table a lookup column points at, by the project's schema snapshots: the one target
    of the column, named as templates name tables (its entity set)."""
    from mappingc.sides import Side

    def lookup_table(table: str, column: str) -> str | None:
        found = schemas.find(Side.DATAVERSE, table) if schemas else None
        field = next((f for f in found.fields if f.name == column), None) if found else None
        if schemas is None or field is None or len(field.targets) != 1:
            return None
        target = schemas.find(Side.DATAVERSE, field.targets[0])
        return (target.entity_set or target.name) if target else field.targets[0]

    return lookup_table


def _openable_source(mappings: Path, source: str) -> str:
    """A template's source as diagnostics name it (see mappingc.build)."""
    from mappingc.build import openable

    return openable(mappings, source)


def _markdown_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and every `.md` file below each folder named (no shell globbing
    needed), in a fixed order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob("*.md"), key=lambda p: p.relative_to(path).as_posix())
        else:
            found.append(path)
    return found


def _place(files: dict[str, str], out_dir: Path, force: bool, schemas: Schemas | None) -> int:
    """Write imported files into `out_dir` as mappingc.interchange.placement allows (checked
    against `schemas`); returns how many were written, or exits 1 (nothing written)."""
    from mappingc.interchange.placement import place

    mappings = config().mappings
    placement = place(files, out_dir, mappings if mappings.is_dir() else None, schemas)
    if placement.diagnostics:
        click.echo(placement.render_diagnostics(), err=True)
    if placement.errors:
        click.echo(
            f"mappingc: the import does not build with {display_path(mappings)}/ "
            f"({len(placement.errors)} error(s)); nothing was written",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    if placement.replaced and not force:
        shown = ", ".join(placement.replaced[:5]) + (" …" if len(placement.replaced) > 5 else "")
        click.echo(
            f"mappingc: {len(placement.replaced)} file(s) in {display_path(out_dir)}/ would be "
            f"replaced ({shown}); nothing was written. Pass --force to replace them",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    placement.write(out_dir)
    return len(placement.files)


_force_option = click.option(
    "--force", is_flag=True, help="Replace .dwmap files that exist in the output folder."
)


@main.command("import-docs")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@required_out("Folder for one <template>.dwmap file per imported template.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) when anything could not be imported as written, not only on errors.",
)
@_force_option
@guarded
def import_docs(paths: tuple[Path, ...], out_dir: Path, strict: bool, force: bool) -> None:
    """Import dual-write mapping tables from published Markdown (files, or folders of .md
    files) as canonical .dwmap files.

    Rows the DSL cannot express are kept as comments and reported with their file and line.
    Nothing is written unless the result builds, with the project when --out is inside it.
    """
    from mappingc.interchange.docs_import import Known, import_files
    from mappingc.sides import Side

    schemas = _project_schemas()

    def entity_name(label: str) -> str | None:
        found = schemas.find(Side.FINANCE_OPERATIONS, label) if schemas else None
        return found.name if found is not None else None

    def alternate_keys(table: str) -> tuple[tuple[str, ...], ...]:
        found = schemas.find(Side.DATAVERSE, table) if schemas else None
        return (found.alternate_keys or ()) if found is not None else ()

    result = import_files(_markdown_files(paths), Known(entity_name, alternate_keys))
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
    written = _place({t.file_name: t.text for t in result.templates}, out_dir, force, schemas)
    click.echo(
        f"mappingc: {written} template(s) from {len(result.sources)} file(s) → "
        f"{display_path(out_dir)}/" + (f"; {warnings} warning(s)" if warnings else ""),
        err=True,
    )


@main.command("import-tablemap")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
)
@required_out("Folder for one <template>.dwmap file per table map.")
@_force_option
@guarded
def import_tablemap(files: tuple[Path, ...], out_dir: Path, force: bool) -> None:
    """Import dual-write table-map JSON files (`-`: standard input) as canonical .dwmap
    files."""
    from mappingc.diagnostics import Code, Diagnostic, Severity, Span, render

    schemas = _project_schemas()
    lookup_table = _schema_lookup_tables(schemas)
    texts, problems = _read_table_maps(files)
    imported, found, notes = _table_maps(texts, _project_value_maps(), lookup_table)
    problems += found
    replaced = [out_dir / name for name in imported if (out_dir / name).exists()]
    if replaced and not problems:  # their value maps are not the project's to reuse
        imported, problems, notes = _table_maps(texts, _project_value_maps(replaced), lookup_table)
    if problems:
        click.echo("\n".join(render(d, None) for d in problems), err=True)
        click.echo(
            f"mappingc: {len(problems)} file(s) could not be imported; nothing was written",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    for where, message in notes:
        file_name, _, json_path = where.partition(": ")
        note = Diagnostic(
            file_name,
            Span(1, 1, 1, 2),
            Severity.WARNING,
            Code.TABLE_MAP_NOT_EXPRESSED,
            f"{json_path}: {message}",
            "set it again where the map is deployed",
        )
        click.echo(render(note, None), err=True)
    written = _place(imported, out_dir, force, schemas)
    click.echo(f"mappingc: {written} template(s) → {display_path(out_dir)}/", err=True)


def _read_table_maps(files: tuple[Path, ...]) -> tuple[dict[str, str], list[Diagnostic]]:
    """Each file's text by the name diagnostics give it, read once (standard input can only
    be), and an error for each that cannot be read."""
    from mappingc.diagnostics import Code, Diagnostic, Severity, Span

    texts: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path in files:
        shown = display_path(path)
        try:
            texts[shown] = read_input(path)
        except (OSError, UnicodeDecodeError) as error:
            reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error
            problems.append(
                Diagnostic(
                    shown, Span(1, 1, 1, 2), Severity.ERROR, Code.FILE, f"cannot read: {reason}"
                )
            )
    return texts, problems


def _table_maps(
    texts: dict[str, str],
    known_maps: dict[str, list[tuple[str, object]]],
    lookup_table: Callable[[str, str], str | None],
) -> tuple[dict[str, str], list[Diagnostic], list[tuple[str, str]]]:
    """(file name → DSL, problems, settings the templates do not express) of the table maps in
    `texts` (shown name → JSON text)."""
    from mappingc.diagnostics import Code, Diagnostic, Severity, Span
    from mappingc.interchange.tablemap import TableMapError, load_json
    from mappingc.interchange.tablemap_import import import_table_map
    from mappingc.interchange.tablemap_shapes import table_maps

    imported: dict[str, str] = {}
    importer: dict[str, str] = {}  # file name → the table map that imported it
    problems: list[Diagnostic] = []
    notes: list[tuple[str, str]] = []
    for shown, text in texts.items():
        try:
            maps = list(table_maps(load_json(text, shown), shown))
            found = [
                import_table_map(table_map, where, notes, known_maps, lookup_table)
                for where, table_map in maps
            ]
        except TableMapError as error:
            message = str(error).removeprefix(f"{shown}: ")
            problems.append(
                Diagnostic(shown, Span(1, 1, 1, 2), Severity.ERROR, Code.TABLE_MAP, message)
            )
            continue
        for (name, dsl), (where, _) in zip(found, maps, strict=True):
            file_name = f"{name}.dwmap"
            if (first := importer.get(file_name)) is not None:
                message = (
                    f"the table map {where} and {first} are one template, `{name}` (one FO "
                    "entity and Dataverse table): give one of them"
                )
                problems.append(
                    Diagnostic(shown, Span(1, 1, 1, 2), Severity.ERROR, Code.TABLE_MAP, message)
                )
                continue
            imported[file_name], importer[file_name] = dsl, where
    return imported, problems, notes
