"""`mappingc import-schema`: real metadata (OData `$metadata`, CDM documents) → snapshots the
build checks templates against."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mappingc.cli import main
from mappingc.cli.common import EXIT_FAILED, Refused, config, display_path, guarded


@main.command("import-schema")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the snapshots go (default: [tool.mappingc] schemas, else schemas/).",
)
@click.option(
    "--side",
    type=click.Choice(["dataverse", "finance_operations"]),
    help="Which system a CSDL document describes, when its namespace does not say.",
)
@click.option(
    "--used",
    is_flag=True,
    help="Only the entities and tables the templates of the mappings folder name "
    "(and the tables their lookups point at).",
)
@click.option(
    "--partial",
    is_flag=True,
    help="The CSDL is not the environment's own (e.g. one without dual-write's solutions): a "
    "name it lacks is a note (N622), a likely typo of a name it lists a warning (W619), never "
    "an error.",
)
@click.option("--dry-run", is_flag=True, help="Write nothing; say what would change.")
@guarded
def import_schema(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    side: str | None,
    used: bool,
    partial: bool,
    dry_run: bool,
) -> None:
    """Read metadata and write one snapshot per FO entity and Dataverse table.

    PATHS are OData CSDL documents (`$metadata`, .xml), Common Data Model documents (.cdm.json,
    inside their corpus folder so that imports resolve) or folders of them. Readings of one
    table (its `$metadata` and its CDM layers) are merged. CDM documents describe the standard
    model, not an environment, so their snapshots are partial (see --partial). A snapshot
    already there is replaced; a file there that is not a snapshot stops the import, with
    nothing written.
    """
    from mappingc.schemas import importing
    from mappingc.sides import Side

    settings = config()
    out = out_dir or settings.schemas or Path("schemas")
    if out.resolve() in {settings.mappings.resolve(), settings.locales.resolve()}:
        raise Refused(
            f"{display_path(out)} is a source folder; snapshots go in a folder of their own"
        )
    reading = importing.read(list(paths), Side(side) if side else None, partial)
    for problem in reading.problems:
        click.echo(f"mappingc: error: {problem}", err=True)
    if reading.unresolved:
        shown = ", ".join(sorted(reading.unresolved)[:5])
        more = len(reading.unresolved) - 5
        click.echo(
            f"mappingc: warning: {len(reading.unresolved)} imported CDM document(s) are not in "
            f"the corpus folder ({shown}{f', and {more} more' if more > 0 else ''}); types "
            "and lookups defined there are unknown",
            err=True,
        )
    if reading.problems:
        click.echo("mappingc: nothing was written", err=True)
        sys.exit(EXIT_FAILED)
    snapshots = reading.snapshots
    if used:
        entities, tables = _named(settings.mappings)
        snapshots = importing.used(snapshots, entities, tables)
    written = importing.write(snapshots, out, dry_run)
    if written.refused:
        for path in written.refused:
            click.echo(f"mappingc: refused: {path} is not a snapshot; move it away", err=True)
        raise Refused(f"{len(written.refused)} file(s) in {display_path(out)} are not snapshots")
    verb = "would write" if dry_run else "wrote"
    for name in written.new + written.changed:
        click.echo(f"{'new' if name in written.new else 'changed'}: {display_path(out / name)}")
    click.echo(
        f"mappingc: {len(snapshots)} snapshot(s) from {len(paths)} path(s): {verb} "
        f"{len(written.new)} new, {len(written.changed)} changed; {written.unchanged} unchanged "
        f"in {display_path(out)}/",
        err=True,
    )


def _named(mappings: Path) -> tuple[set[str], set[str]]:
    """The FO entities and Dataverse tables the templates name, lookup targets included."""
    from mappingc.frontend import analyse
    from mappingc.sources import read_sources

    sources, _ = read_sources(mappings)
    catalog, _ = analyse(sources)
    entities = {t.finance_operations_entity for t in catalog.templates}
    tables = {t.dataverse_table for t in catalog.templates}
    tables |= {lookup.table for t in catalog.templates for lookup in t.lookups}
    return entities, tables
