"""The `mappingc` command: build and check. Exit codes: 0 ok, 1 errors or stale, 2 usage."""

from __future__ import annotations

import gc
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mappingc import config as config_module
from mappingc.cache import Cache

# The compiler (black, lark, jinja2, pydantic) is imported by the commands that use it, so that
# `build` and `check` answer "up to date" from the cache without loading it.
if TYPE_CHECKING:
    from mappingc.build import BuildResult
    from mappingc.publish.i18n import LocaleCatalog

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70

F = TypeVar("F", bound=Callable[..., Any])


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)


_cache_option = click.option(
    "--no-cache",
    "use_cache",
    is_flag=True,
    flag_value=False,
    default=True,
    help="Compile and format everything, reusing nothing from .mappingc-cache/.",
)


def _config() -> config_module.Config:
    try:
        return config_module.load()
    except config_module.ConfigError as error:
        raise click.UsageError(str(error)) from None


def _folders(
    mappings: Path | None, out: Path | None, defaults: config_module.Config | None = None
) -> tuple[Path, Path, Path]:
    """(mappings, output, locales) folders: options first, then [tool.mappingc]."""
    defaults = defaults or _config()
    mappings = mappings or defaults.mappings
    out = out or defaults.out
    if not mappings.is_dir():
        raise click.UsageError(f"mappings folder {_shown(mappings)} does not exist")
    return mappings, out, defaults.locales


@dataclass(frozen=True)
class _Incremental:
    """What `build` and `check` know before compiling: folders, the cache (None with
    --no-cache) and the fingerprint of the inputs (with the cache only: it is what the cache is
    keyed by)."""

    mappings: Path
    out: Path
    locales: Path
    cache: Cache | None
    key: str

    @classmethod
    def start(cls, mappings: Path | None, out: Path | None, use_cache: bool) -> _Incremental:
        defaults = _config()
        mappings, out, locales = _folders(mappings, out, defaults)
        cache = Cache(defaults.cache) if use_cache and defaults.cache is not None else None
        key = cache.fingerprint(mappings, locales) if cache is not None else ""
        return cls(mappings, out, locales, cache, key)

    @property
    def up_to_date(self) -> bool:
        return self.cache is not None and self.cache.up_to_date(self.key, self.out)

    def record(self, files: dict[str, str]) -> None:
        if self.cache is not None:
            self.cache.record(self.key, self.out, files)


def _report(result: BuildResult) -> None:
    if result.diagnostics:
        click.echo(result.render_diagnostics(), err=True)
    errors = len(result.errors)
    warnings = len(result.diagnostics) - errors
    if errors:
        click.echo(
            f"mappingc: {errors} error(s), {warnings} warning(s); nothing was written", err=True
        )


_FOLDER = click.Path(file_okay=False, path_type=Path)
_mappings_option = click.option(
    "--mappings",
    type=_FOLDER,
    default=None,
    help="Folder of .dwmap files (default: [tool.mappingc] mappings, else mappings/).",
)


def _required_out(help_text: str) -> Callable[[F], F]:
    """`--out FOLDER` for the commands that write somewhere other than generated/."""
    return click.option("--out", "out_dir", type=_FOLDER, required=True, help=help_text)


def _folder_options(command: F) -> F:
    command = click.option(
        "--out",
        type=_FOLDER,
        default=None,
        help="Output folder (default: [tool.mappingc] out, else generated/).",
    )(command)
    return _mappings_option(command)


def _guarded(command: F) -> F:
    """Bad input is reported as diagnostics; anything else escaping is a bug in mappingc."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except BrokenPipeError:
            # The reader went away (`mappingc … | head`): nothing more to say to it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_FAILED)
        except Exception as error:
            if os.environ.get("MAPPINGC_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"mappingc: internal error, please report it: {type(error).__name__}: {error}"
                " (set MAPPINGC_DEBUG=1 for the traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return run  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mappingc")
def main() -> None:
    """Compile dual-write mapping templates (.dwmap) into typed Python sync modules and docs."""
    # A compile makes millions of small objects that live until it ends; at Python's default
    # thresholds the cycle collector rescans them over and over (a third of the front end's time
    # at 4,000 templates). One run, one process: collect far less often, as mypy does.
    gc.set_threshold(200_000, 30, 30)


@main.command()
@_folder_options
@_cache_option
@_guarded
def build(mappings: Path | None, out: Path | None, use_cache: bool) -> None:
    """Compile every .dwmap file into the output folder (all or nothing).

    Unchanged inputs are not compiled again (see .mappingc-cache/; --no-cache to force).
    """
    started = time.perf_counter()
    run = _Incremental.start(mappings, out, use_cache)
    out = run.out
    if run.up_to_date:
        elapsed = time.perf_counter() - started
        click.echo(f"mappingc: {_shown(out)}/ is already up to date ({elapsed:.2f}s)", err=True)
        return
    from mappingc.build import compile_directory
    from mappingc.output import write_tree

    result = compile_directory(run.mappings, run.locales, run.cache)
    _report(result)
    if not result.ok:
        sys.exit(EXIT_FAILED)
    written = write_tree(out, result.files)
    run.record(result.files)
    elapsed = time.perf_counter() - started
    state = f"wrote {len(result.files)} files" if written else "already up to date"
    click.echo(
        f"mappingc: {result.template_count} template(s) → {_shown(out)}/: {state} "
        f"({elapsed:.2f}s)",
        err=True,
    )


@main.command()
@_folder_options
@_cache_option
@_guarded
def check(mappings: Path | None, out: Path | None, use_cache: bool) -> None:
    """Exit 1 unless the output folder is exactly what `build` would write."""
    run = _Incremental.start(mappings, out, use_cache)
    out = run.out
    if run.up_to_date:
        click.echo(f"mappingc: {_shown(out)}/ is up to date", err=True)
        return
    from mappingc.build import compile_directory
    from mappingc.output import compare

    result = compile_directory(run.mappings, run.locales, run.cache)
    _report(result)
    if not result.ok:
        sys.exit(EXIT_FAILED)
    staleness = compare(out, result.files)
    if staleness.up_to_date:
        run.record(result.files)
        click.echo(f"mappingc: {_shown(out)}/ is up to date", err=True)
        return
    shown = _shown(out)
    for label, names in (
        ("stale", staleness.changed),
        ("missing", staleness.missing),
        ("extra", staleness.extra),
    ):
        for name in names:
            click.echo(f"{label}: {shown}/{name}", err=True)
    click.echo(f"mappingc: {shown}/ is out of date; run `mappingc build`", err=True)
    sys.exit(EXIT_FAILED)


@main.command()
@click.option(
    "--site",
    "site_dir",
    type=_FOLDER,
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
@_mappings_option
@_guarded
def docs(site_dir: Path, check_translations: bool, strict: bool, mappings: Path | None) -> None:
    """Build the localized reference as a static site with search, plus reference.json."""
    from mappingc.build import compile_directory
    from mappingc.publish.i18n import load_catalogs
    from mappingc.publish.site import SiteError, build_site

    mappings, _, locales_dir = _folders(mappings, None)
    catalogs = load_catalogs(locales_dir)
    if check_translations:
        _check_translations(mappings, catalogs, strict)
        return
    result = compile_directory(mappings, locales_dir)
    _report(result)
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
        f"mappingc: site for {languages} → {_shown(site_dir)}/ "
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


@main.command("export-tablemap")
@click.argument("names", nargs=-1)
@_required_out("Folder for one <template>.json table map per template.")
@_mappings_option
@_guarded
def export_tablemap(names: tuple[str, ...], out_dir: Path, mappings: Path | None) -> None:
    """Export compiled templates (all, or NAMES) as dual-write table-map JSON."""
    from mappingc.build import compile_directory
    from mappingc.interchange.tablemap import export_json

    mappings, _, locales = _folders(mappings, None)
    result = compile_directory(mappings, locales)
    _report(result)
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
    click.echo(f"mappingc: {len(names or known)} table map(s) → {_shown(out_dir)}/", err=True)


@main.command("import-docs")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_required_out("Folder for one <template>.dwmap file per imported template.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) when anything could not be imported as written, not only on errors.",
)
@_guarded
def import_docs(files: tuple[Path, ...], out_dir: Path, strict: bool) -> None:
    """Import dual-write mapping tables from published Markdown as canonical .dwmap files.

    Rows the DSL cannot express are kept as comments and reported with their file and line.
    """
    from mappingc.interchange.published import import_files
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
        f"{_shown(out_dir)}/" + (f"; {warnings} warning(s)" if warnings else ""),
        err=True,
    )


@main.command("import-tablemap")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_required_out("Folder for one <template>.dwmap file per table map.")
@_guarded
def import_tablemap(files: tuple[Path, ...], out_dir: Path) -> None:
    """Import dual-write table-map JSON files as canonical .dwmap files."""
    from mappingc.interchange.tablemap import TableMapError, import_table_map, load_json

    written: dict[str, str] = {}
    failures = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            name, dsl = import_table_map(load_json(text, _shown(path)), _shown(path))
        except (OSError, UnicodeDecodeError) as error:
            click.echo(f"{_shown(path)}: error: cannot read: {error}", err=True)
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
    click.echo(f"mappingc: {len(written)} template(s) → {_shown(out_dir)}/", err=True)


# ---------------------------------------------------------------- sync
@main.group()
@click.option(
    "--fo", "fo_store", default=None, help="FO store: an SQLite file or a SQLAlchemy URL."
)
@click.option("--dv", "dv_store", default=None, help="Dataverse store: an SQLite file or a URL.")
@click.option(
    "--out",
    type=_FOLDER,
    default=None,
    help="The build to sync with (default: [tool.mappingc] out, else generated/).",
)
@click.pass_context
def sync(ctx: click.Context, fo_store: str | None, dv_store: str | None, out: Path | None) -> None:
    """Keep two stores in sync with the compiled templates (see `mappingc sync --help`)."""
    try:
        defaults = config_module.load()
    except config_module.ConfigError as error:
        raise click.UsageError(str(error)) from None
    ctx.obj = (
        fo_store or defaults.fo_store,
        dv_store or defaults.dataverse_store,
        out or defaults.out,
    )


def _engine(ctx: click.Context) -> Any:
    from mappingc.sync.engine import SyncEngine
    from mappingc.sync.stores import Stores, SyncSetupError, load_templates

    fo_store, dv_store, out = ctx.obj
    skipped: dict[str, str] = {}
    try:
        specs = load_templates(out, skipped)
        if skipped:
            click.echo(
                f"mappingc: {len(skipped)} template(s) not synced, e.g. {min(skipped.items())[1]}",
                err=True,
            )
        stores = Stores(fo_store, dv_store, specs)
        stores.create()
    except SyncSetupError as error:
        click.echo(f"mappingc: {error}", err=True)
        sys.exit(EXIT_FAILED)
    return SyncEngine(stores)


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
    type=click.Choice(["to-dataverse", "to-finance-operations"]),
    default="to-dataverse",
    show_default=True,
    help="Which side is pushed to the other.",
)
@click.option("--batch-size", type=click.IntRange(1), default=1000, show_default=True)
@click.pass_context
@_guarded
def sync_init(ctx: click.Context, direction: str, batch_size: int) -> None:
    """Initial sync: push every row of one side, lookup targets first, in batches."""
    engine = _engine(ctx)
    total = engine.rows_to_push(direction)
    started = time.perf_counter()
    with click.progressbar(length=total, label="initial sync", file=sys.stderr) as bar:
        summary = engine.initial(direction, batch_size, lambda _name, done: bar.update(done))
    _summary(summary)
    rows = sum(summary.written.values())
    click.echo(f"mappingc: {rows} row(s) written in {time.perf_counter() - started:.2f}s", err=True)
    if sum(summary.failed.values()):
        sys.exit(EXIT_FAILED)


@sync.command("run")
@click.option("--batch-size", type=click.IntRange(1), default=1000, show_default=True)
@click.pass_context
@_guarded
def sync_run(ctx: click.Context, batch_size: int) -> None:
    """Live sync: apply every change logged on either side, in the order they happened."""
    summary = _engine(ctx).live(batch_size)
    if summary.paused:
        click.echo(
            "mappingc: the sync is paused; changes wait in the logs (`sync resume`)", err=True
        )
        return
    _summary(summary)
    click.echo(f"mappingc: {summary.changes} change(s) applied", err=True)


@sync.command("retry")
@click.pass_context
@_guarded
def sync_retry(ctx: click.Context) -> None:
    """Apply again every row in the error queue, as the rows are now."""
    _summary(_engine(ctx).retry())


@sync.command("pause")
@click.pass_context
@_guarded
def sync_pause(ctx: click.Context) -> None:
    """Stop applying changes; they queue up in the change logs."""
    _engine(ctx).set_paused(True)
    click.echo("mappingc: paused", err=True)


@sync.command("resume")
@click.pass_context
@_guarded
def sync_resume(ctx: click.Context) -> None:
    """Apply the queued changes in order, and go on syncing."""
    engine = _engine(ctx)
    engine.set_paused(False)
    summary = engine.live()
    _summary(summary)
    click.echo(f"mappingc: resumed; {summary.changes} queued change(s) applied", err=True)


@sync.command("status")
@click.pass_context
@_guarded
def sync_status(ctx: click.Context) -> None:
    """Pending changes per side, whether the sync is paused, and the error queue."""
    status = _engine(ctx).status()
    click.echo(f"paused: {'yes' if status['paused'] else 'no'}")
    click.echo(
        f"pending changes: {status['pending_fo']} from FO, {status['pending_dv']} from Dataverse"
    )
    click.echo(f"errors: {len(status['errors'])}")
    for error in status["errors"]:
        click.echo(f"  [{error['side']}] {error['tbl']} {error['row_key']}: {error['reason']}")


def _template(engine: Any, name: str) -> Any:
    spec = next((s for s in engine.specs if s.name == name), None)
    if spec is None:
        known = ", ".join(s.name for s in engine.specs)
        raise click.UsageError(f"no template named {name} (templates: {known})")
    return spec


@sync.command("load")
@click.argument("side", type=click.Choice(["fo", "dv"]))
@click.argument("template")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@_guarded
def sync_load(ctx: click.Context, side: str, template: str, file: Path) -> None:
    """Load a CSV or JSON Lines export into one side's table of TEMPLATE (upsert by key)."""
    from mappingc.sync.exports import ExportError, load

    engine = _engine(ctx)
    try:
        count = load(engine, _template(engine, template), side, file)
    except ExportError as error:
        click.echo(f"error: {error}; nothing was loaded", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"mappingc: {count} row(s) loaded into the {side} side of {template}", err=True)


@sync.command("dump")
@click.argument("side", type=click.Choice(["fo", "dv"]))
@click.argument("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@_guarded
def sync_dump(ctx: click.Context, side: str, template: str, file: Path) -> None:
    """Write one side's rows of TEMPLATE to a CSV or JSON Lines file."""
    from mappingc.sync.exports import dump

    engine = _engine(ctx)
    count = dump(engine, _template(engine, template), side, file)
    click.echo(f"mappingc: {count} row(s) → {_shown(file)}", err=True)
