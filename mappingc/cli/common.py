"""What every command shares: exit codes, folders from [tool.mappingc], options, and the guard
that turns anything escaping a command into an internal-error message instead of a traceback."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mappingc import config as config_module

if TYPE_CHECKING:
    from mappingc.build import BuildResult
    from mappingc.diagnostics import Diagnostic

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70

F = TypeVar("F", bound=Callable[..., Any])


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)


cache_option = click.option(
    "--no-cache",
    "use_cache",
    is_flag=True,
    flag_value=False,
    default=True,
    help="Compile and format everything, reusing nothing from .mappingc-cache/.",
)


def config() -> config_module.Config:
    try:
        return config_module.load()
    except config_module.ConfigError as error:
        raise click.UsageError(str(error)) from None


def folders(
    mappings: Path | None, out: Path | None, defaults: config_module.Config | None = None
) -> tuple[Path, Path, Path]:
    """(mappings, output, locales) folders: options first, then [tool.mappingc]."""
    defaults = defaults or config()
    mappings = mappings or defaults.mappings
    out = out or defaults.out
    if not mappings.is_dir():
        raise click.UsageError(f"mappings folder {display_path(mappings)} does not exist")
    return mappings, out, defaults.locales


def is_stdio(path: Path) -> bool:
    """`-`: standard input (or output) where a command takes one file."""
    return str(path) == "-"


def read_input(path: Path) -> str:
    """The text of `path`, or of standard input for `-`."""
    return sys.stdin.read() if is_stdio(path) else path.read_text(encoding="utf-8")


def no_such_template(names: Iterable[str], known: Iterable[str]) -> click.UsageError:
    """The one way every command says a template name is unknown: with a did-you-mean where
    one is close, else where to find the names (exit 2)."""
    from mappingc.diagnostics import did_you_mean

    wanted, choices = list(names), sorted(known)
    shown = ", ".join(f"`{n}`" for n in wanted)
    hint = did_you_mean(wanted[0], choices) if len(wanted) == 1 else None
    hint = hint or f"{len(choices)} template(s); `mappingc build` lists them"
    return click.UsageError(f"no template named {shown} ({hint})")


class Refused(click.ClickException):
    """mappingc will not write where it was asked to (exit 2); nothing was touched."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"mappingc: refused: {self.message}", err=True)


def protected_folders(defaults: config_module.Config, mappings: Path) -> dict[str, Path]:
    """Folders no output may replace or contain (see mappingc.output.check_replaceable)."""
    found = {"the project root": defaults.root} if defaults.root is not None else {}
    return {**found, "the mappings folder": mappings, "the locales folder": defaults.locales}


def ensure_replaceable(folder: Path, protected: dict[str, Path]) -> None:
    """Stop with exit 2, before any work, if mappingc may not replace `folder` whole."""
    from mappingc.output import UnsafeOutputError, check_replaceable

    try:
        check_replaceable(folder, protected)
    except UnsafeOutputError as error:
        raise Refused(str(error)) from None


@dataclass(frozen=True)
class Reporting:
    """How diagnostics are shown (--format, --quiet, --verbose)."""

    format: str = "text"
    quiet: bool = False  # errors only
    verbose: bool = False  # every note too, not only their count


def reporting_options(command: F) -> F:
    """`--format`, `-q/--quiet` and `-v/--verbose`, passed to the command as `reporting`."""
    from mappingc.diagnostics.formats import FORMATS

    @wraps(command)
    def run(*args: Any, output_format: str, quiet: bool, verbose: bool, **kwargs: Any) -> Any:
        return command(*args, reporting=Reporting(output_format, quiet, verbose), **kwargs)

    run = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help="List every note (what was not checked, and why), not only how many there are.",
    )(run)
    run = click.option(
        "-q", "--quiet", is_flag=True, help="Errors only: no warnings, no summary on success."
    )(run)
    run = click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="text for people; json (a line each), sarif (code scanning) or github "
        "(Actions annotations) on standard output for tools.",
    )(run)
    return run  # type: ignore[return-value]


def show_diagnostics(
    diagnostics: list[Diagnostic], sources: dict[str, str], reporting: Reporting = Reporting()
) -> None:
    """Diagnostics as `reporting` asks: text to standard error, the formats for tools to
    standard output (a SARIF log even when there is nothing to say). Notes go to tools whole;
    people (text, annotations) get how many there are of each, and each with --verbose."""
    from mappingc.diagnostics import Severity
    from mappingc.diagnostics.formats import as_github, as_json, as_sarif, as_text

    shown = [d for d in diagnostics if d.is_error or not reporting.quiet]
    notes = [d for d in shown if d.severity is Severity.NOTE]
    for_people = reporting.format in {"text", "github"}
    if for_people and not reporting.verbose:
        shown = [d for d in shown if d.severity is not Severity.NOTE]
    if reporting.format == "sarif":
        click.echo(as_sarif(shown))
    elif shown and reporting.format == "json":
        click.echo(as_json(shown))
    elif shown and reporting.format == "github":
        click.echo(as_github(shown))
    elif shown:
        click.echo(as_text(shown, sources), err=True)
    if notes and for_people and not reporting.verbose:
        click.echo(f"mappingc: note: {notes_counted(notes)}; `--verbose` lists them", err=True)


def notes_counted(notes: list[Diagnostic]) -> str:
    """`N622 name not checked: 446, N407 …: 188`, the most frequent first."""
    from collections import Counter

    counts = Counter(d.code for d in notes)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].value))
    return ", ".join(f"{code.value} {code.heading}: {n}" for code, n in ordered)


def report_diagnostics(result: BuildResult, reporting: Reporting = Reporting()) -> None:
    from mappingc.diagnostics import Severity

    show_diagnostics(result.diagnostics, result.sources, reporting)
    errors = len(result.errors)
    warnings = sum(d.severity is Severity.WARNING for d in result.diagnostics)
    if errors:
        click.echo(
            f"mappingc: {errors} error(s), {warnings} warning(s); nothing was written", err=True
        )


FOLDER = click.Path(file_okay=False, path_type=Path)
mappings_option = click.option(
    "--mappings",
    type=FOLDER,
    default=None,
    help="Folder of .dwmap files (default: [tool.mappingc] mappings, else mappings/).",
)


def required_out(help_text: str) -> Callable[[F], F]:
    """`--out FOLDER` for the commands that write somewhere other than generated/."""
    return click.option("--out", "out_dir", type=FOLDER, required=True, help=help_text)


def folder_options(command: F) -> F:
    command = click.option(
        "--out",
        type=FOLDER,
        default=None,
        help="Output folder (default: [tool.mappingc] out, else generated/).",
    )(command)
    return mappings_option(command)


def guarded(command: F) -> F:
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
