"""`mappingc build` and `mappingc check`: compile mappings/ into the output folder, or compare."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mappingc.cache import Cache
from mappingc.sources import ignored_sources

if TYPE_CHECKING:
    from mappingc.build import BuildResult
from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    Reporting,
    cache_option,
    config,
    display_path,
    ensure_replaceable,
    folder_options,
    folders,
    guarded,
    protected_folders,
    report_diagnostics,
    reporting_options,
    show_diagnostics,
)


@dataclass(frozen=True)
class Incremental:
    """What `build` and `check` know before compiling: folders, the cache (None with
    --no-cache), the fingerprint of the inputs (with the cache only: it is what the cache is
    keyed by) and how to report."""

    mappings: Path
    out: Path
    locales: Path
    cache: Cache | None
    key: str
    protected: dict[str, Path]  # folders the output may not replace
    ignores: dict[str, list[str]]
    reporting: Reporting
    schemas: Path | None  # None: no snapshots, nothing checked against metadata

    @classmethod
    def start(
        cls,
        mappings: Path | None,
        out: Path | None,
        use_cache: bool,
        reporting: Reporting,
        schemas: Path | None = None,
    ) -> Incremental:
        defaults = config()
        mappings, out, locales = folders(mappings, out, defaults)
        if schemas is not None and not schemas.is_dir():
            raise click.UsageError(f"schemas folder {display_path(schemas)} does not exist")
        schemas = schemas or defaults.schemas
        schemas = schemas if schemas is not None and schemas.is_dir() else None
        cache = Cache(defaults.cache) if use_cache and defaults.cache is not None else None
        settings = json.dumps(defaults.ignores, sort_keys=True)
        key = cache.fingerprint(mappings, locales, settings, schemas) if cache is not None else ""
        skipped = ignored_sources(mappings)
        if skipped and not reporting.quiet:
            click.echo(
                f"mappingc: note: {len(skipped)} .dwmap file(s) in folders tools leave behind "
                f"are not sources and were skipped, e.g. {display_path(mappings / skipped[0])}",
                err=True,
            )
        protected = protected_folders(defaults, mappings)
        return cls(
            mappings, out, locales, cache, key, protected, defaults.ignores, reporting, schemas
        )

    @property
    def up_to_date(self) -> bool:
        """Whether the cache says nothing changed; if so, the warnings of the build it
        remembers are shown again."""
        if self.cache is None or not self.cache.up_to_date(self.key, self.out):
            return False
        from mappingc.diagnostics.formats import from_record

        remembered = [from_record(r) for r in self.cache.diagnostics()]
        diagnostics = [replace(d, path=display_path(Path(d.path))) for d in remembered]
        sources = {}
        for diagnostic, original in zip(diagnostics, remembered, strict=True):
            with contextlib.suppress(OSError, UnicodeDecodeError):
                sources[diagnostic.path] = Path(original.path).read_text(encoding="utf-8")
        show_diagnostics(diagnostics, sources, self.reporting)
        return True

    def compile(self) -> BuildResult:
        """Compile, report the diagnostics, and stop (exit 1) if there is any error."""
        from mappingc.build import compile_directory

        result = compile_directory(
            self.mappings, self.locales, self.cache, self.ignores, self.schemas
        )
        report_diagnostics(result, self.reporting)
        if not result.ok:
            sys.exit(EXIT_FAILED)
        return result

    def record(self, result: BuildResult) -> None:
        if self.cache is None:
            return
        from mappingc.diagnostics.formats import to_record

        remembered = [
            to_record(replace(d, path=str(Path(d.path).resolve()))) for d in result.diagnostics
        ]
        self.cache.record(self.key, self.out, result.files, remembered)

    def say(self, message: str) -> None:
        if not self.reporting.quiet:
            click.echo(message, err=True)


_schemas_option = click.option(
    "--schemas",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Schema snapshots to check against (default: [tool.mappingc] schemas, else schemas/ "
    "when it exists).",
)


@main.command()
@folder_options
@_schemas_option
@cache_option
@reporting_options
@guarded
def build(
    mappings: Path | None,
    out: Path | None,
    schemas: Path | None,
    use_cache: bool,
    reporting: Reporting,
) -> None:
    """Compile every .dwmap file into the output folder (all or nothing).

    Unchanged inputs are not compiled again (see .mappingc-cache/; --no-cache to force).
    """
    started = time.perf_counter()
    run = Incremental.start(mappings, out, use_cache, reporting, schemas)
    out = run.out
    ensure_replaceable(out, run.protected)
    if run.up_to_date:
        elapsed = time.perf_counter() - started
        run.say(f"mappingc: {display_path(out)}/ is already up to date ({elapsed:.2f}s)")
        return
    from mappingc.output import write_tree

    result = run.compile()
    differences = write_tree(out, result.files)
    run.record(result)
    elapsed = time.perf_counter() - started
    state = differences.summary(result.files) if differences else "already up to date"
    run.say(
        f"mappingc: {result.template_count} template(s) → {display_path(out)}/: {state} "
        f"({elapsed:.2f}s)"
    )


@main.command()
@folder_options
@_schemas_option
@cache_option
@reporting_options
@guarded
def check(
    mappings: Path | None,
    out: Path | None,
    schemas: Path | None,
    use_cache: bool,
    reporting: Reporting,
) -> None:
    """Exit 1 unless the output folder is exactly what `build` would write."""
    run = Incremental.start(mappings, out, use_cache, reporting, schemas)
    out = run.out
    if run.up_to_date:
        run.say(f"mappingc: {display_path(out)}/ is up to date")
        return
    from mappingc.output import compare

    result = run.compile()
    staleness = compare(out, result.files)
    if staleness.up_to_date:
        run.record(result)
        run.say(f"mappingc: {display_path(out)}/ is up to date")
        return
    shown = display_path(out)
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
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Explain a diagnostic CODE (E103, W400, …); without one, list every code."""
    from mappingc.diagnostics import Code, did_you_mean

    if code is None:
        for known in Code:
            click.echo(f"{known.value}  {known.severity.value:<7}  {known.heading}")
        return
    found = Code.lookup(code)
    if found is None:
        hint = (
            did_you_mean(code.upper(), [c.value for c in Code]) or "`mappingc explain` lists them"
        )
        raise click.UsageError(f"no diagnostic code {code}; {hint}")
    click.echo(f"{found.value} ({found.severity.value}): {found.heading}\n")
    click.echo(f"{found.summary}\n")
    click.echo(found.explanation)
