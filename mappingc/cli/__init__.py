"""The `mappingc` command. Exit codes: 0 ok, 1 errors or stale, 2 usage, 70 a bug in mappingc.

One module per verb group, all on the `main` group: compile (build, check, explain),
authoring (fmt, lsp, new), schemas (import-schema), interchange
(import-docs, import-tablemap, export-tablemap), publish (docs), sync. Each imports the compiler
(black, lark, jinja2, pydantic) only inside the commands that use it, so that `build` and `check`
answer "up to date" from the cache without loading it.
"""

from __future__ import annotations

import gc

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mappingc")
def main() -> None:
    """Compile dual-write mapping templates (.dwmap) into typed Python sync modules and docs."""
    # A compile makes millions of small objects that live until it ends; at Python's default
    # thresholds the cycle collector rescans them over and over (a third of the front end's time
    # at 4,000 templates). One run, one process: collect far less often, as mypy does.
    gc.set_threshold(200_000, 30, 30)


# The verb groups register their commands on `main` when imported.
from mappingc.cli import (  # noqa: E402, F401
    authoring,
    bulk,
    compile,
    interchange,
    publish,
    review,
    schemas,
    sync,
)
