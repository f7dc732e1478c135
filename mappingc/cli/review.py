"""`mappingc breaking`, `mappingc diff` and `mappingc drift`: what a change to the templates does
to a running integration, and whether an environment runs what git holds, for review and CI."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    config,
    display_path,
    folders,
    guarded,
    is_stdio,
    mappings_option,
    read_input,
)

if TYPE_CHECKING:
    from mappingc import ir
    from mappingc.review.compare import Change
    from mappingc.review.drift import TemplateDrift


def _catalog(folder: Path, what: str) -> ir.Catalog:
    """The checked templates of `folder`, or exit 1 with their errors."""
    from mappingc.build import compile_directory
    from mappingc.cli.common import report_diagnostics

    result = compile_directory(folder, ignores=config().ignores, emit=False)
    if not result.ok or result.catalog is None:
        result.diagnostics = [d for d in result.diagnostics if d.is_error]
        report_diagnostics(result)
        click.echo(f"mappingc: {what} do not compile; nothing was compared", err=True)
        sys.exit(EXIT_FAILED)
    return result.catalog


def _same_entity() -> Callable[[str, str], bool]:
    """Whether two FO entity names name one entity: the same snapshot in the project's schemas/
    (label and name), else names that fold alike."""
    from mappingc.review.compare import same_name
    from mappingc.schemas.index import load
    from mappingc.sides import Side

    folder = config().schemas
    schemas, _ = load(folder) if folder is not None else (None, [])

    def same(before: str, after: str) -> bool:
        if same_name(before, after):
            return True
        if not schemas:
            return False
        found = schemas.find(Side.FINANCE_OPERATIONS, before)
        return found is not None and found is schemas.find(Side.FINANCE_OPERATIONS, after)

    return same


def _where(change: Change, against: str, mappings: Path) -> tuple[str, int, int]:
    """Where a change is, as a path one can open: in the mappings folder, or in what it is
    compared with (`REF:path` for a git ref, whose files are not on disk)."""
    from mappingc.build import openable

    location = change.location
    if not change.old:
        path = openable(mappings, location.path)
    elif Path(against).is_dir():
        path = openable(Path(against), location.path)
    else:
        path = f"{against}:{openable(mappings, location.path)}"
    return path, location.line, location.column


@main.command()
@click.option(
    "--against",
    required=True,
    metavar="REF",
    help="What to compare with: a git ref (main, HEAD~1, a tag) or a folder of templates.",
)
@click.option(
    "--category",
    type=click.Choice(["data", "api", "all"]),
    default="api",
    show_default=True,
    help="How strict: data (what the sync moves), api (also the generated modules' API), all "
    "(also additions and docs).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
)
@mappings_option
@guarded
def breaking(against: str, category: str, output_format: str, mappings: Path | None) -> None:
    """Report the changes since REF that can break a running integration (exit 1 if any)."""
    from mappingc.review.against import AgainstError, templates_at
    from mappingc.review.compare import compare
    from mappingc.review.rules import Category

    mappings, _, _ = folders(mappings, None, config())
    new = _catalog(mappings, f"the templates in {display_path(mappings)}/")
    try:
        with templates_at(against, mappings) as folder:
            old = _catalog(folder, f"the templates at {against}")
    except AgainstError as error:
        raise click.UsageError(str(error)) from None
    chosen = Category(category)
    found = [c for c in compare(old, new, _same_entity()) if chosen.includes(c.rule.category)]
    for change in found:
        path, line, column = _where(change, against, mappings)
        if output_format == "json":
            record = {
                "rule": change.rule.value,
                "category": change.rule.category.value,
                "template": change.template,
                "path": path,
                "line": line,
                "column": column,
                "message": change.message,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
        elif output_format == "github":
            shown = path.removeprefix(f"{against}:")
            click.echo(
                f"::error file={shown},line={line},col={column},"
                f"title=breaking[{change.rule.value}]::{change.message}"
            )
        else:
            click.echo(f"{path}:{line}:{column}: breaking[{change.rule.value}]: {change.message}")
    scope = {
        "data": "what the sync moves and how",
        "api": "what the sync moves, and the generated modules' API",
        "all": "every change",
    }[category]
    checked = f"--category {category}: {scope}"
    summary = (
        f"{len(found)} breaking change(s) against {against} ({checked})"
        if found
        else f"no breaking change against {against} ({checked})"
    )
    click.echo(f"mappingc: {summary}", err=True)
    if found:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("before", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.argument("after", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object for a program.",
)
@guarded
def diff(before: Path, after: Path, output_format: str) -> None:
    """What changed from BEFORE to AFTER, per template and field: two folders, or two files of
    templates or table-map JSON (two environments' exports), read by what they hold, whatever
    their names (`-`: standard input). Exit 1 when something changed, 0 when they map the same
    (as `git diff --exit-code`)."""
    from mappingc.review.compare import compare

    if is_stdio(before) and is_stdio(after):
        raise click.UsageError("only one of BEFORE and AFTER can be standard input (`-`)")
    old, new = _side(before), _side(after)
    changes = compare(old, new, _same_entity())
    by_template: dict[str, list[Change]] = {}
    for change in changes:
        by_template.setdefault(change.template, []).append(change)
    if output_format == "json":
        record = {
            "changed": bool(changes),
            "templates": [
                {
                    "name": template,
                    "changes": [
                        {
                            "rule": c.rule.value,
                            "category": c.rule.category.value,
                            "message": c.message,
                        }
                        for c in by_template[template]
                    ],
                }
                for template in sorted(by_template)
            ],
        }
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        for template in sorted(by_template):
            click.echo(template)
            for change in by_template[template]:
                name = change.rule.name
                mark = "-" if name.endswith("REMOVED") else "+" if name.endswith("ADDED") else "~"
                rule = change.rule
                breaking = (
                    f"  [breaking: {rule.value}, {rule.category.value}]"
                    if rule.category.value != "all"
                    else ""
                )
                click.echo(f"  {mark} {change.message}{breaking}")
    if not changes:
        click.echo(
            f"mappingc: {display_path(before)} and {display_path(after)} map the same", err=True
        )
        return
    click.echo(f"mappingc: {len(changes)} change(s) in {len(by_template)} template(s)", err=True)
    sys.exit(EXIT_FAILED)


def _side(path: Path) -> ir.Catalog:
    """The templates of one side of a diff: a folder, or one file read by what it holds (JSON
    is table maps, anything else templates), so that `git show HEAD:f > old.bak` compares."""
    import tempfile

    from mappingc.interchange.tablemap import TableMapError, load_json
    from mappingc.interchange.tablemap_import import import_table_map

    if not is_stdio(path) and path.is_dir():
        return _catalog(path, display_path(path))
    shown = "standard input" if is_stdio(path) else display_path(path)
    try:
        text = read_input(path)
    except (OSError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error
        click.echo(f"mappingc: {shown}: cannot read: {reason}; nothing was compared", err=True)
        sys.exit(EXIT_FAILED)
    with tempfile.TemporaryDirectory(prefix="mappingc-diff-") as temporary:
        folder = Path(temporary) / "mappings"
        folder.mkdir()
        if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
            from mappingc.interchange.tablemap_shapes import table_maps

            try:
                for where, table_map in table_maps(load_json(text, shown), shown):
                    name, dsl = import_table_map(table_map, where)
                    (folder / f"{name}.dwmap").write_text(dsl, encoding="utf-8")
            except TableMapError as error:
                click.echo(f"mappingc: {error}; nothing was compared", err=True)
                sys.exit(EXIT_FAILED)
        else:
            (folder / f"{path.stem or 'templates'}.dwmap").write_text(text, encoding="utf-8")
        catalog = _catalog(folder, shown)
        if not catalog.templates:
            click.echo(f"mappingc: {shown} holds no template; nothing was compared", err=True)
            sys.exit(EXIT_FAILED)
        return catalog


@main.command()
@click.argument(
    "exports",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, allow_dash=True, path_type=Path),
)
@click.option(
    "--complete",
    is_flag=True,
    help="The exports are the whole environment: a template of the project with no map in "
    "them is drift too.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="json: one object for a program; github: workflow annotations.",
)
@mappings_option
@guarded
def drift(
    exports: tuple[Path, ...], complete: bool, output_format: str, mappings: Path | None
) -> None:
    """Compare an environment's exported table maps (files or folders of .json, `-` for
    standard input: UI exports,
    `msdyn_dualwriteentitymaps` records, `export-tablemap` output) with the project's
    templates, paired by FO entity and Dataverse table. Exit 1 on drift."""
    from mappingc.review.drift import drift as compare_environment

    mappings, _, _ = folders(mappings, None, config())
    project = _catalog(mappings, f"the templates in {display_path(mappings)}/")
    environment, origins = _environment(exports)
    found = compare_environment(project, environment, _same_entity(), complete)
    drifted = [d for d in found if d.drifted]
    if output_format == "json":
        click.echo(
            json.dumps(_drift_record(found, origins, mappings), indent=2, ensure_ascii=False)
        )
    else:
        for item in drifted:
            _echo_drift(item, origins, mappings, output_format)
    differences = sum(max(1, len(d.differences)) for d in drifted)
    summary = (
        f"drift in {len(drifted)} of {len(found)} template(s), {differences} difference(s)"
        if drifted
        else f"the environment runs what {display_path(mappings)}/ holds ({len(found)} template(s))"
    )
    click.echo(f"mappingc: {summary}", err=True)
    if drifted:
        sys.exit(EXIT_FAILED)


def _environment(exports: tuple[Path, ...]) -> tuple[ir.Catalog, dict[str, str]]:
    """The templates the exports' maps are, and the export each came from."""
    import tempfile

    from mappingc.interchange.tablemap import TableMapError, load_json
    from mappingc.interchange.tablemap_import import import_table_map
    from mappingc.interchange.tablemap_shapes import table_maps

    files = sorted({f for p in exports for f in (sorted(p.rglob("*.json")) if p.is_dir() else [p])})
    origins: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="mappingc-drift-") as temporary:
        folder = Path(temporary) / "environment"
        folder.mkdir()
        for path in files:
            shown = "standard input" if is_stdio(path) else display_path(path)
            try:
                data = load_json(read_input(path), shown)
                for where, table_map in table_maps(data, shown):
                    name, text = import_table_map(table_map, where)
                    if name in origins:
                        click.echo(
                            f"mappingc: {where} and {origins[name]} are one map (one FO entity "
                            "and Dataverse table); nothing was compared",
                            err=True,
                        )
                        sys.exit(EXIT_FAILED)
                    origins[name] = where
                    (folder / f"{name}.dwmap").write_text(text, encoding="utf-8")
            except (OSError, UnicodeDecodeError, TableMapError) as error:
                click.echo(f"mappingc: {shown}: {error}", err=True)
                sys.exit(EXIT_FAILED)
        if not origins:
            click.echo("mappingc: no table map in the exports; nothing was compared", err=True)
            sys.exit(EXIT_FAILED)
        return _catalog(folder, "the exported maps"), origins


def _project_file(item: TemplateDrift, mappings: Path) -> str | None:
    from mappingc.build import openable

    return openable(mappings, item.project.location.path) if item.project else None


def _echo_drift(
    item: TemplateDrift, origins: dict[str, str], mappings: Path, output_format: str
) -> None:
    ours = _project_file(item, mappings)
    theirs = origins.get(item.environment.name) if item.environment else None
    if item.project is None:
        lines = [("TEMPLATE_ADDED", f"the environment runs a map of {item.pair} that git has not")]
    elif item.environment is None:
        lines = [("TEMPLATE_REMOVED", f"the environment runs no map of {item.pair}")]
    else:
        lines = [(c.rule.value, c.message) for c in item.differences]
    if output_format == "github":
        where = f"file={ours},line={item.project.location.line}," if item.project else ""
        for rule, message in lines:
            text = f"{item.name} ({theirs or 'not deployed'}): {message}"
            click.echo(f"::error {where}title=drift[{rule}]::{text}")
        return
    click.echo(f"{item.name}  ({item.pair}; {ours or 'not in git'} ↔ {theirs or 'not deployed'})")
    for rule, message in lines:
        click.echo(f"  ~ {message}  [{rule}]")


def _drift_record(
    found: list[TemplateDrift], origins: dict[str, str], mappings: Path
) -> dict[str, object]:
    return {
        "drift": any(d.drifted for d in found),
        "templates": [
            {
                "name": d.name,
                "pair": d.pair,
                "project": _project_file(d, mappings),
                "environment": origins.get(d.environment.name) if d.environment else None,
                "drifted": d.drifted,
                "differences": [
                    {"rule": c.rule.value, "message": c.message} for c in d.differences
                ],
            }
            for d in found
        ],
    }
