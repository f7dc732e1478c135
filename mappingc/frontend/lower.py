"""Syntax trees → IR: resolve names (map types, field types, value maps) and normalise values.

Reports what cannot be given a meaning at all; rules about meanings live in frontend.checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from mappingc import ir
from mappingc.diagnostics import Code, Diagnostic, Severity
from mappingc.frontend import syntax as ast
from mappingc.frontend.lower_rows import RowLowering

_REQUIRED = (ast.Label, ast.FinanceOperationsEntity, ast.DataverseTable)
_REQUIRED_HINTS = {
    ast.Label: 'add `label "Loyalty card"` (the FO entity label)',
    ast.FinanceOperationsEntity: "add `finance_operations LoyaltyCard` (the FO entity)",
    ast.DataverseTable: "add `dataverse msdyn_loyaltycards` (the table logical name)",
}


class _Lowering(RowLowering):
    """Templates and pages, on what rows and value maps lower to."""

    def unique_statements(
        self, path: str, owner: str, found: Sequence[Any], code: Code
    ) -> dict[type, Any]:
        """Statements by kind; a kind given twice (other than the repeatable ones) is reported
        and the first kept."""
        statements: dict[type, Any] = {}
        for statement in found:
            if isinstance(statement, ast.REPEATABLE):
                continue
            if (first := statements.get(type(statement))) is not None:
                self.error(
                    path,
                    statement.span,
                    code,
                    f"{owner} sets `{statement.keyword}` twice",
                    f"the first is on line {first.span.line}",
                )
                continue
            statements[type(statement)] = statement
        return statements

    # -- templates
    def template(self, source: ast.SourceFile, decl: ast.TemplateDecl) -> ir.Template | None:
        path = source.path
        header = self.unique_statements(
            path, f"template `{decl.name.text}`", decl.statements, Code.TEMPLATE_PROPERTY
        )
        missing = [kind for kind in _REQUIRED if kind not in header]
        for kind in missing:
            self.error(
                path,
                decl.name.span,
                Code.TEMPLATE_PROPERTY,
                f"template `{decl.name.text}` has no `{kind.keyword}`",
                _REQUIRED_HINTS[kind],
            )
        rows = [self.row(path, decl.name.text, r) for r in decl.rows]
        if missing:
            return None
        lookups: list[ir.LookupTarget] = []
        unmapped: list[ir.UnmappedField] = []
        origins: list[str] = []
        for statement in decl.statements:
            match statement:
                case ast.Lookup(column=column, table=table):
                    lookups.append(
                        ir.LookupTarget(
                            column=column.text,
                            table=table.text,
                            location=self.location(path, column.span),
                        )
                    )
                case ast.Unmapped(side=side, name=name, declared=declared):
                    field_type = (
                        ir.FieldType(kind=ir.Kind.STRING, declared=False)
                        if declared is None
                        else self.declared_type(path, declared)
                    )
                    if field_type is not None:
                        unmapped.append(
                            ir.UnmappedField(
                                side=side,
                                name=name.text,
                                type=field_type,
                                location=self.location(path, name.span),
                            )
                        )
                case ast.Origin(text=text):
                    origins.append(text.value)
        key = _one(header, ast.Key)
        ref = _one(header, ast.Ref)
        description = _one(header, ast.Description)
        source_filter = _one(header, ast.SourceFilter)
        reversed_filter = _one(header, ast.ReversedFilter)
        return ir.Template(
            name=decl.name.text,
            label=header[ast.Label].text.value,
            finance_operations_entity=header[ast.FinanceOperationsEntity].name.value,
            dataverse_table=header[ast.DataverseTable].name.text,
            ref=ref.value if ref else None,
            description=description.text.value if description else None,
            keys=tuple(
                ir.KeyField(path=k.text, location=self.location(path, k.span))
                for k in (key.paths if key else ())
            ),
            source_filter=self.filter(path, source_filter.filter) if source_filter else None,
            reversed_filter=self.filter(path, reversed_filter.filter) if reversed_filter else None,
            rows=tuple(r for r in rows if r is not None),
            lookups=tuple(lookups),
            unmapped=tuple(unmapped),
            origins=tuple(origins),
            company_specific=ast.CompanySpecific in header,
            complete=all(r is not None for r in rows),
            source=path,
            location=self.location(path, decl.name.span),
        )


_Statement = TypeVar("_Statement")


def _one(statements: dict[type, Any], kind: type[_Statement]) -> _Statement | None:
    found = statements.get(kind)
    assert found is None or isinstance(found, kind)
    return found


def _page(lowering: _Lowering, source: ast.SourceFile, decl: ast.PageDecl) -> ir.Page | None:
    statements = lowering.unique_statements(
        source.path, f"page `{decl.name.text}`", decl.statements, Code.PAGE
    )
    title = _one(statements, ast.Title)
    if title is None:
        lowering.error(
            source.path,
            decl.name.span,
            Code.PAGE,
            f"page `{decl.name.text}` has no `title`",
            'add `title "Customer loyalty cards and reward points"`',
        )
        return None
    description = _one(statements, ast.Description)
    intro = _one(statements, ast.Intro)
    return ir.Page(
        name=decl.name.text,
        title=title.text.value,
        description=description.text.value if description else None,
        intro=intro.text.value if intro else None,
        templates=tuple(
            ir.PageTemplate(name=n.text, location=lowering.location(source.path, n.span))
            for n in decl.templates
        ),
        source=source.path,
        location=lowering.location(source.path, decl.name.span),
    )


@dataclass
class _Lowered:
    """What lowering made of one file's templates, and what that depended on."""

    declared: frozenset[str]  # the value-map names declared anywhere at the time
    templates: list[ir.Template]
    diagnostics: list[Diagnostic]
    referenced: set[str]
    inline: dict[str, ir.ValueMap]


class LoweringCache:
    """Lowered templates per file, reused while the file's text and the set of value-map names
    declared anywhere are unchanged (resolving `via Name` asks only whether Name exists): an
    editor re-lowers the file being typed, not the project."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], _Lowered] = {}


def _templates(
    lowering: _Lowering, source: ast.SourceFile, cache: LoweringCache | None
) -> list[ir.Template]:
    declared = frozenset(lowering.declarations)
    key = (source.path, source.text)
    entry = cache.entries.get(key) if cache is not None else None
    if entry is None or entry.declared != declared:
        before_diagnostics = len(lowering.diagnostics)
        outer, lowering.referenced, lowering.inline = lowering.referenced, set(), {}
        found = [t for d in source.templates if (t := lowering.template(source, d)) is not None]
        entry = _Lowered(
            declared,
            found,
            lowering.diagnostics[before_diagnostics:],
            lowering.referenced,
            lowering.inline,
        )
        lowering.referenced = outer
        del lowering.diagnostics[before_diagnostics:]
        if cache is not None:
            cache.entries[key] = entry
    lowering.diagnostics.extend(entry.diagnostics)
    lowering.referenced |= entry.referenced
    lowering.value_maps.update(entry.inline)
    return entry.templates


def lower(
    files: Sequence[ast.SourceFile],
    every_file_parsed: bool = True,
    cache: LoweringCache | None = None,
) -> tuple[ir.Catalog, list[Diagnostic]]:
    """All parsed files of a build → one catalog, plus what could not be resolved."""
    lowering = _Lowering(every_file_parsed)
    lowering.declare_value_maps(files)
    templates = [template for source in files for template in _templates(lowering, source, cache)]
    # A map left unused because a reference to it is misspelt is already explained by that error.
    # A file that did not parse may use any of them.
    misspelt = any(d.code is Code.UNKNOWN_VALUE_MAP for d in lowering.diagnostics)
    misspelt = misspelt or not every_file_parsed
    for name, (path, span) in sorted(lowering.declarations.items()):
        if name not in lowering.referenced and not misspelt:
            lowering.diagnostics.append(
                Diagnostic(
                    path,
                    span,
                    Severity.WARNING,
                    Code.UNUSED_VALUE_MAP,
                    f"value map `{name}` is not used by any template",
                )
            )
    pages = [
        page
        for source in files
        for decl in source.pages
        if (page := _page(lowering, source, decl)) is not None
    ]
    catalog = ir.Catalog(
        templates=tuple(sorted(templates, key=lambda t: (t.name, t.source))),
        value_maps=dict(sorted(lowering.value_maps.items())),
        pages=tuple(sorted(pages, key=lambda p: (p.name, p.source))),
    )
    return catalog, lowering.diagnostics
