"""The front end: DSL text → a checked IR catalog, with every diagnostic of every file.

grammar/mapping.lark and parser.py turn text into syntax.py's typed nodes; lower.py resolves
names into ir.py's models; checks.py runs every rule over the whole catalog. Nothing here reads or
writes files, and nothing here knows what is generated from the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable

from mappingc.diagnostics import Code, Diagnostic
from mappingc.frontend import checks, ir, lower, parser, suppressions, syntax


def analyse(
    sources: Iterable[tuple[str, str]], ignores: suppressions.PathIgnores | None = None
) -> tuple[ir.Catalog, list[Diagnostic]]:
    """Parse, lower and check (source path, text) pairs. Every diagnostic, sorted, without the
    warnings suppressed in the sources or by `ignores` (mappingc.frontend.suppressions)."""
    sources = list(sources)
    diagnostics: list[Diagnostic] = []
    parsed: list[syntax.SourceFile] = []
    for path, text in sources:
        source_file, problems = parser.parse(path, text)
        diagnostics.extend(problems)
        # A file that did not parse has no tree; one whose strings hold what they may not (E106)
        # has one, and lowering it reports the rest of what is wrong.
        if not any(d.code is Code.SYNTAX for d in problems):
            parsed.append(source_file)
    every_file_parsed = len(parsed) == len(sources)
    catalog, resolution = lower.lower(parsed, every_file_parsed)
    diagnostics.extend(resolution)
    diagnostics.extend(checks.check(catalog, every_file_parsed))
    return catalog, suppressions.apply(diagnostics, sources, ignores)
