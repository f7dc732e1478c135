"""`mappingc build` and `mappingc check`: compile mappings/ into the output folder, or compare."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
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
    cache_option,
    config,
    display_path,
    ensure_replaceable,
    folder_options,
    folders,
    guarded,
    protected_folders,
    report_diagnostics,
)


@dataclass(frozen=True)
class Incremental:
    """What `build` and `check` know before compiling: folders, the cache (None with
    --no-cache) and the fingerprint of the inputs (with the cache only: it is what the cache is
    keyed by)."""

    mappings: Path
    out: Path
    locales: Path
    cache: Cache | None
    key: str
    protected: dict[str, Path]  # folders the output may not replace

    @classmethod
    def start(cls, mappings: Path | None, out: Path | None, use_cache: bool) -> Incremental:
        defaults = config()
        mappings, out, locales = folders(mappings, out, defaults)
        cache = Cache(defaults.cache) if use_cache and defaults.cache is not None else None
        key = cache.fingerprint(mappings, locales) if cache is not None else ""
        skipped = ignored_sources(mappings)
        if skipped:
            click.echo(
                f"mappingc: note: {len(skipped)} .dwmap file(s) in folders tools leave behind "
                f"are not sources and were skipped, e.g. {display_path(mappings / skipped[0])}",
                err=True,
            )
        return cls(mappings, out, locales, cache, key, protected_folders(defaults, mappings))

    @property
    def up_to_date(self) -> bool:
        return self.cache is not None and self.cache.up_to_date(self.key, self.out)

    def compile(self) -> BuildResult:
        """Compile, report the diagnostics, and stop (exit 1) if there is any error."""
        from mappingc.build import compile_directory

        result = compile_directory(self.mappings, self.locales, self.cache)
        report_diagnostics(result)
        if not result.ok:
            sys.exit(EXIT_FAILED)
        return result

    def record(self, files: dict[str, str]) -> None:
        if self.cache is not None:
            self.cache.record(self.key, self.out, files)


@main.command()
@folder_options
@cache_option
@guarded
def build(mappings: Path | None, out: Path | None, use_cache: bool) -> None:
    """Compile every .dwmap file into the output folder (all or nothing).

    Unchanged inputs are not compiled again (see .mappingc-cache/; --no-cache to force).
    """
    started = time.perf_counter()
    run = Incremental.start(mappings, out, use_cache)
    out = run.out
    ensure_replaceable(out, run.protected)
    if run.up_to_date:
        elapsed = time.perf_counter() - started
        click.echo(
            f"mappingc: {display_path(out)}/ is already up to date ({elapsed:.2f}s)", err=True
        )
        return
    from mappingc.output import write_tree

    result = run.compile()
    written = write_tree(out, result.files)
    run.record(result.files)
    elapsed = time.perf_counter() - started
    state = f"wrote {len(result.files)} files" if written else "already up to date"
    click.echo(
        f"mappingc: {result.template_count} template(s) → {display_path(out)}/: {state} "
        f"({elapsed:.2f}s)",
        err=True,
    )


@main.command()
@folder_options
@cache_option
@guarded
def check(mappings: Path | None, out: Path | None, use_cache: bool) -> None:
    """Exit 1 unless the output folder is exactly what `build` would write."""
    run = Incremental.start(mappings, out, use_cache)
    out = run.out
    if run.up_to_date:
        click.echo(f"mappingc: {display_path(out)}/ is up to date", err=True)
        return
    from mappingc.output import compare

    result = run.compile()
    staleness = compare(out, result.files)
    if staleness.up_to_date:
        run.record(result.files)
        click.echo(f"mappingc: {display_path(out)}/ is up to date", err=True)
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
