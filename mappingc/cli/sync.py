"""`mappingc sync …`: keep two real stores in sync with the compiled templates."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from mappingc import config as config_module
from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    FOLDER,
    Refused,
    display_path,
    guarded,
    no_such_template,
)
from mappingc.sides import Direction, Side


@main.group()
@click.option(
    "--fo", "fo_store", default=None, help="FO store: an SQLite file or a SQLAlchemy URL."
)
@click.option("--dv", "dv_store", default=None, help="Dataverse store: an SQLite file or a URL.")
@click.option(
    "--out",
    type=FOLDER,
    default=None,
    help="The build to sync with (default: [tool.mappingc] out, else generated/).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also say which templates the sync leaves out, and why."
)
@click.pass_context
def sync(
    ctx: click.Context,
    fo_store: str | None,
    dv_store: str | None,
    out: Path | None,
    verbose: bool,
) -> None:
    """Keep two stores in sync with the compiled templates (see `mappingc sync --help`)."""
    try:
        defaults = config_module.load()
    except config_module.ConfigError as error:
        raise click.UsageError(str(error)) from None
    ctx.obj = SyncOptions(
        fo_store or defaults.fo_store,
        dv_store or defaults.dataverse_store,
        out or defaults.out,
        verbose,
    )


@dataclass(frozen=True)
class SyncOptions:
    fo_store: str
    dv_store: str
    out: Path
    verbose: bool


def _engine(ctx: click.Context, *, read_only: bool = False) -> Any:
    """The sync engine on the configured stores. A command that writes sets the stores up
    when they are not set up for this build yet (tables, triggers); one that only reads
    never does: setting up locks the tables."""
    from mappingc.sync.engine import SyncEngine
    from mappingc.sync.spec import SyncSetupError, load_templates
    from mappingc.sync.stores import Stores

    options: SyncOptions = ctx.obj
    skipped: dict[str, str] = {}
    try:
        specs = load_templates(options.out, skipped)
        if skipped and options.verbose:
            for name, reason in sorted(skipped.items()):
                click.echo(f"mappingc: not synced: {name}: {reason}", err=True)
        stores = Stores(options.fo_store, options.dv_store, specs)
        if not read_only:
            stores.set_up()
        else:
            with stores.engine.connect() as connection:
                state = stores.setup_state(connection)
            if state == "missing":
                raise SyncSetupError(
                    "the stores are not set up for syncing yet: `mappingc sync init` sets "
                    "them up (and so does any command that writes)"
                )
            if state == "outdated":
                click.echo(
                    "mappingc: warning: the stores were set up for another build of the "
                    "templates; the next command that writes sets them up for this one",
                    err=True,
                )
    except SyncSetupError as error:
        click.echo(f"mappingc: {error}", err=True)
        sys.exit(EXIT_FAILED)
    engine = SyncEngine(stores)
    engine.skipped = skipped
    return engine


def _summary(summary: Any) -> None:
    for line in summary.lines():
        click.echo(line, err=True)
    failed = sum(summary.failed.values())
    if failed:
        click.echo(
            f"mappingc: {failed} row(s) failed; see `mappingc sync status`, then `sync retry`",
            err=True,
        )


@sync.command("init")
@click.option(
    "--direction",
    type=click.Choice([d.value for d in Direction]),
    default="to-dataverse",
    show_default=True,
    help="Which side is pushed to the other.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=None,
    help="Rows per transaction. Default: 1,000 (dual-write's limit) where rows are mapped one "
    "by one, 100,000 where the database maps them (a template's plan); 1,000 keeps dual-write's "
    "limit for both.",
)
@click.option(
    "--row-by-row",
    is_flag=True,
    help="Map every row with the generated row functions, even where the database could.",
)
@click.pass_context
@guarded
def sync_init(ctx: click.Context, direction: str, batch_size: int | None, row_by_row: bool) -> None:
    """Initial sync: push every row of one side, lookup targets first, in batches.

    A template with a plan (the generated module's SQL_TO_DATAVERSE or SQL_TO_FINANCE_OPERATIONS)
    is mapped by the database, a batch at a statement; the rows it would refuse are mapped one by
    one, and queued with the reason."""
    engine = _engine(ctx)
    total = engine.rows_to_push(Direction(direction))
    started = time.perf_counter()
    with click.progressbar(length=total, label="initial sync", file=sys.stderr) as bar:
        summary = engine.initial(
            Direction(direction),
            batch_size,
            lambda _name, done: bar.update(done),
            plans=not row_by_row,
        )
    _summary(summary)
    rows = sum(summary.written.values())
    click.echo(f"mappingc: {rows} row(s) written in {time.perf_counter() - started:.2f}s", err=True)
    if sum(summary.failed.values()):
        sys.exit(EXIT_FAILED)


@sync.command("run")
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=None,
    help="Changes per transaction. Default: 10,000; 1,000 keeps dual-write's limit.",
)
@click.pass_context
@guarded
def sync_run(ctx: click.Context, batch_size: int | None) -> None:
    """Live sync: apply every change logged on either side, in the order they happened.

    Changes whose templates have plans are applied set-based, a run of them at a statement;
    the others one by one, in order between the runs."""
    engine = _engine(ctx)
    summary = engine.live(batch_size) if batch_size else engine.live()
    if summary.paused:
        click.echo(
            "mappingc: the sync is paused; changes wait in the logs (`sync resume`)", err=True
        )
        return
    _summary(summary)
    click.echo(f"mappingc: {summary.changes} change(s) applied", err=True)


@sync.command("retry")
@click.pass_context
@guarded
def sync_retry(ctx: click.Context) -> None:
    """Apply again every row in the error queue, as the rows are now."""
    _summary(_engine(ctx).retry())


@sync.command("pause")
@click.pass_context
@guarded
def sync_pause(ctx: click.Context) -> None:
    """Stop applying changes; they queue up in the change logs."""
    _engine(ctx).set_paused(True)
    click.echo("mappingc: paused", err=True)


@sync.command("resume")
@click.pass_context
@guarded
def sync_resume(ctx: click.Context) -> None:
    """Apply the queued changes in order, and go on syncing."""
    engine = _engine(ctx)
    engine.set_paused(False)
    summary = engine.live()
    _summary(summary)
    click.echo(f"mappingc: resumed; {summary.changes} queued change(s) applied", err=True)


@sync.command("status")
@click.pass_context
@guarded
def sync_status(ctx: click.Context) -> None:
    """Pending changes per side, whether the sync is paused, and the error queue."""
    engine = _engine(ctx, read_only=True)
    status = engine.status()
    click.echo(f"paused: {'yes' if status.paused else 'no'}")
    pending = status.pending
    click.echo(
        f"pending changes: {pending[Side.FINANCE_OPERATIONS]} from FO, "
        f"{pending[Side.DATAVERSE]} from Dataverse"
    )
    held = [e for e in status.errors if e.kind == "superseded"]
    failed = [e for e in status.errors if e.kind != "superseded"]
    click.echo(f"errors: {len(failed)}")
    for error in failed:
        click.echo(f"  [{error.side.short}] {error.table} {error.row_key}: {error.reason}")
    if held:
        click.echo(f"held back by a later edit on the other side: {len(held)}")
        for error in held:
            click.echo(f"  [{error.side.short}] {error.table} {error.row_key}: {error.reason}")
    click.echo(f"conflicts won by the later edit: {status.conflicts}")
    if engine.skipped:
        example = min(engine.skipped.items())
        click.echo(
            f"templates not synced: {len(engine.skipped)}, e.g. {example[0]}: {example[1]} "
            "(`mappingc sync -v status` lists them)"
            if not ctx.obj.verbose
            else f"templates not synced: {len(engine.skipped)}"
        )


def _template(engine: Any, name: str) -> Any:
    spec = next((s for s in engine.specs if s.name == name), None)
    if spec is None:
        raise no_such_template([name], (s.name for s in engine.specs))
    return spec


@sync.command("load")
@click.argument("side", type=click.Choice(["fo", "dv"]))
@click.argument("template")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.pass_context
@guarded
def sync_load(ctx: click.Context, side: str, template: str, file: Path) -> None:
    """Load a CSV or JSON Lines export into one side's table of TEMPLATE (upsert by key);
    `-` reads CSV from standard input."""
    import tempfile

    from mappingc.sync.exports import ExportError, load

    if str(file) != "-" and not file.is_file():
        raise click.BadParameter(f"{display_path(file)} does not exist", param_hint="FILE")
    engine = _engine(ctx)
    with tempfile.TemporaryDirectory(prefix="mappingc-load-") as temporary:
        if str(file) == "-":  # read once, as a file: its delimiter is sniffed from its header
            file = Path(temporary) / "stdin.csv"
            file.write_bytes(sys.stdin.buffer.read())
        try:
            count = load(engine.context, _template(engine, template), Side.parse(side), file)
        except ExportError as error:
            message = str(error)
            if "nothing was loaded" not in message:
                message += "; nothing was loaded"
            click.echo(f"mappingc: {message}", err=True)
            sys.exit(EXIT_FAILED)
    click.echo(f"mappingc: {count} row(s) loaded into the {side} side of {template}", err=True)


@sync.command("dump")
@click.argument("side", type=click.Choice(["fo", "dv"]))
@click.argument("template")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
@guarded
def sync_dump(ctx: click.Context, side: str, template: str, file: Path, force: bool) -> None:
    """Write one side's rows of TEMPLATE to a CSV or JSON Lines file; `-` writes CSV to
    standard output."""
    from mappingc.sync.exports import dump, write_rows

    to_stdout = str(file) == "-"
    if not to_stdout and file.exists() and not force:
        raise Refused(f"{display_path(file)} exists: pass --force to replace it")
    engine = _engine(ctx, read_only=True)
    spec, side_of = _template(engine, template), Side.parse(side)
    if to_stdout:
        count = write_rows(engine.context, spec, side_of, sys.stdout, as_csv=True)
        click.echo(f"mappingc: {count} row(s) → standard output", err=True)
        return
    count = dump(engine.context, spec, side_of, file)
    click.echo(f"mappingc: {count} row(s) → {display_path(file)}", err=True)
