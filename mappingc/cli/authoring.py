"""Writing templates: `mappingc fmt` (one canonical layout), `mappingc lsp` (the language server)
and `mappingc new` (a template to start from)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from mappingc.cli import main
from mappingc.cli.common import EXIT_FAILED, config, display_path, guarded
from mappingc.config import Config


def _sources(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and every `.dwmap` below each folder named; the mappings folder when
    nothing is named."""
    from mappingc.sources import discover

    found: list[Path] = []
    for path in paths or (config().mappings,):
        found += discover(path) if path.is_dir() else [path]
    return found


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is not formatted.")
@click.option("--diff", is_flag=True, help="Write nothing; print what would change, as a diff.")
@guarded
def fmt(paths: tuple[Path, ...], check: bool, diff: bool) -> None:
    """Lay .dwmap files out in the one canonical layout (default: the mappings folder).

    Comments, blank-line groups and text blocks are kept; meaning never changes (each formatted
    file is parsed again and compared). A file that does not parse is reported and left alone.
    """
    from mappingc.diagnostics import render
    from mappingc.frontend.formatter import format_text
    from mappingc.output import write_text_atomic

    changed: list[str] = []
    failed = unchanged = 0
    for path in _sources(paths):
        shown = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error
            click.echo(f"{shown}: error[E300]: cannot read: {reason}", err=True)
            failed += 1
            continue
        formatted, errors = format_text(shown, text)
        if formatted is None:
            click.echo("\n".join(render(d, text) for d in errors), err=True)
            failed += 1
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed.append(shown)
        if diff:
            click.echo(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        formatted.splitlines(keepends=True),
                        f"{shown} (as written)",
                        f"{shown} (formatted)",
                    )
                ),
                nl=False,
            )
        elif check:
            click.echo(f"would reformat {shown}", err=True)
        else:
            write_text_atomic(path, formatted)
    verb = "would be reformatted" if check or diff else "reformatted"
    failures = f", {failed} could not be formatted" if failed else ""
    click.echo(
        f"mappingc: {len(changed)} file(s) {verb}, {unchanged} already formatted{failures}",
        err=True,
    )
    if failed or (check and changed):
        sys.exit(EXIT_FAILED)


@main.command()
def lsp() -> None:
    """Run the language server on standard input and output (for an editor to start)."""
    from mappingc.authoring.server import serve

    serve()


@main.command()
@click.argument("name")
@click.option("--fo", "entity", required=True, help="The finance and operations entity.")
@click.option("--dv", "table", required=True, help="The Dataverse table (logical name).")
@click.option(
    "--label",
    help="The template's label (default: the entity's label in the schema snapshots, else "
    "words from its name).",
)
@click.option(
    "--out",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: NAME.dwmap in the mappings folder).",
)
@guarded
def new(name: str, entity: str, table: str, label: str | None, path: Path | None) -> None:
    """Write a template to start from: its header filled in, its rows left to you.

    Never overwrites: an existing file, or a template of that name already in the mappings
    folder, is refused.
    """
    import re

    from mappingc.authoring.scaffold import label_for, problems, scaffold
    from mappingc.output import write_text_atomic
    from mappingc.schemas.index import load
    from mappingc.sides import Side

    settings = config()
    schemas, _ = load(settings.schemas) if settings.schemas is not None else (None, [])
    fo = schemas.find(Side.FINANCE_OPERATIONS, entity) if schemas else None
    dv = schemas.find(Side.DATAVERSE, table) if schemas else None
    # The entity's label as FO shows it ("Customer groups"), where a snapshot knows it.
    label = label or (fo.label if fo is not None and fo.label else label_for(entity))
    found = problems(name, entity, table, label)
    if found:
        raise click.UsageError("; ".join(found))
    path = path or settings.mappings / f"{name}.dwmap"
    if path.exists():
        raise click.UsageError(f"{display_path(path)} exists; mappingc new never overwrites")
    declared = re.compile(rf"^template\s+{name}\s*\{{", re.MULTILINE)
    for source in _sources(()) if settings.mappings.is_dir() else []:
        try:
            if declared.search(source.read_text(encoding="utf-8-sig")):
                raise click.UsageError(f"template `{name}` is already in {display_path(source)}")
        except (OSError, UnicodeDecodeError):
            continue  # `mappingc build` reports an unreadable file
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, scaffold(name, entity, table, label, fo, dv))
    _say_who_maps(settings, entity, table, name)
    used = [f"`{s.name}`" for s in (fo, dv) if s is not None]
    listing = f", listing the fields of {' and '.join(used)}" if used else ""
    click.echo(
        f"wrote {display_path(path)}{listing}: add its rows, then run `mappingc build`", err=True
    )


def _say_who_maps(settings: Config, entity: str, table: str, name: str) -> None:
    """A new template of a table another template maps is often a version of that one: say
    which, so that the author can start from it instead."""
    from mappingc.build import compile_directory, openable

    if not settings.mappings.is_dir():
        return
    result = compile_directory(settings.mappings, ignores=settings.ignores, emit=False)
    for template in result.catalog.templates if result.catalog else ():
        if template.name != name and template.dataverse_table.lower() == table.lower():
            source = openable(settings.mappings, template.location.path)
            same = " (the same FO entity)" if template.finance_operations_entity == entity else ""
            click.echo(
                f"mappingc: note: `{table}` is already mapped by template `{template.name}`"
                f"{same}, {source}:{template.location.line}",
                err=True,
            )
