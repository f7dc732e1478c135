"""The front end: DSL text → a checked IR catalog, with every diagnostic of every file.

grammar/mapping.lark and parser.py turn text into syntax.py's typed nodes; lower.py resolves
names into mappingc.ir's models; schema_types.py types rows from the schema snapshots; enums.py
reads FO filters by the enums it knows; checks.py and schema_checks.py run every rule over the
whole catalog. Nothing here reads or
writes files, and nothing here knows what is generated from the catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic
from mappingc.frontend import (
    checks,
    enums,
    lower,
    parser,
    schema_checks,
    schema_types,
    suppressions,
    syntax,
)
from mappingc.schemas.index import Schemas


@dataclass
class Caches:
    """What an editor session keeps between analyses: the lowering and the per-template rules
    of files that did not change (mappingc.frontend.lower, mappingc.frontend.checks)."""

    lowering: lower.LoweringCache = field(default_factory=lower.LoweringCache)
    checks: checks.CheckCache = field(default_factory=checks.CheckCache)


# How a file is parsed: the language server passes one that remembers unchanged files.
Parse = Callable[[str, str], tuple[syntax.SourceFile, list[Diagnostic]]]


def analyse(
    sources: Iterable[tuple[str, str]],
    ignores: suppressions.PathIgnores | None = None,
    parse: Parse = parser.parse,
    cache: Caches | None = None,
    schemas: Schemas | None = None,
) -> tuple[ir.Catalog, list[Diagnostic]]:
    """Parse, lower and check (source path, text) pairs, against the schema snapshots when there
    are any. Every diagnostic, sorted, without the ones suppressed in the sources or by
    `ignores` (mappingc.frontend.suppressions)."""
    sources = list(sources)
    diagnostics: list[Diagnostic] = []
    parsed: list[syntax.SourceFile] = []
    for path, text in sources:
        source_file, problems = parse(path, text)
        diagnostics.extend(problems)
        # A file that did not parse has no tree; one whose strings hold what they may not (E106)
        # has one, and lowering it reports the rest of what is wrong.
        if not any(d.code is Code.SYNTAX for d in problems):
            parsed.append(source_file)
    every_file_parsed = len(parsed) == len(sources)
    lowering = cache.lowering if cache is not None else None
    catalog, resolution = lower.lower(parsed, every_file_parsed, lowering)
    diagnostics.extend(resolution)
    resolutions: dict[str, schema_types.Resolved] = {}
    if schemas:
        # Rows take their types from the snapshots before the rules that read types run.
        catalog, resolutions, problems = schema_types.resolve(catalog, schemas)
        diagnostics.extend(problems)
    # FO filters read as FO reads them (`IsB2BProspect == 1` is `Yes`) before the rules run.
    catalog, known_enums = enums.resolve(catalog, resolutions)
    checked = cache.checks if cache is not None else None
    diagnostics.extend(checks.check(catalog, every_file_parsed, checked))
    diagnostics.extend(enums.check(catalog, known_enums))
    if schemas:
        diagnostics.extend(schema_checks.check(catalog, resolutions, schemas))
    return catalog, suppressions.apply(diagnostics, sources, ignores, checked_schemas=bool(schemas))
