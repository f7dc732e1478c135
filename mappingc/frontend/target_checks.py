"""What the generated targets can hold, checked on the IR: a template's or page's name as a file
(E215), its fields and tables as store columns and tables (E216), one type per column (E217),
and a table another template maps (N408). The rules themselves are mappingc.naming's; docs/dsl.md
("Names and what they become") is their table.
"""

from __future__ import annotations

from collections.abc import Iterator

from mappingc import ir
from mappingc.contract.plan_sql import ROW_ID
from mappingc.diagnostics import Code, Diagnostic
from mappingc.frontend.located import at
from mappingc.naming import (
    SYNC_TABLE_PREFIX,
    column_name_problem,
    file_stem_problem,
    module_name,
    name_length_problem,
    store_identity,
)
from mappingc.sides import COMPANY, Side


def file_names(catalog: ir.Catalog) -> Iterator[Diagnostic]:
    """A template's or page's name makes files (mappingc.naming.file_stem_problem)."""
    for template in catalog.templates:
        if (problem := file_stem_problem(module_name(template.name))) is not None:
            yield at(
                template.location,
                Code.FILE_NAME,
                f"template `{template.name}` cannot name a generated file: {problem}",
                f"rename it, e.g. `{template.name}_template`",
            )
    by_file: dict[str, ir.Page] = {}
    for page in catalog.pages:
        if (problem := file_stem_problem(page.name, page=True)) is not None:
            yield at(
                page.location,
                Code.FILE_NAME,
                f"page `{page.name}` cannot name a generated file: {problem}",
                f"rename it, e.g. `{page.name}_page`",
            )
        first = by_file.setdefault(page.name.lower(), page)
        if first.name != page.name:
            yield at(
                page.location,
                Code.FILE_NAME,
                f"pages `{first.name}` and `{page.name}` differ only in case: on macOS and "
                "Windows they are one file",
                f"the other is at {first.location.path}:{first.location.line}; rename one",
            )


def _one_store_name(what: str, named: list[tuple[str, ir.Location]]) -> Iterator[Diagnostic]:
    """Names that the stores hold as one (mappingc.naming.store_identity), each pair once."""
    seen: dict[str, tuple[str, ir.Location]] = {}
    for name, location in named:
        first_name, first_location = seen.setdefault(store_identity(name), (name, location))
        if first_name != name:
            yield at(
                location,
                Code.STORE_NAME,
                f"{what} `{first_name}` and `{name}` are one column in the stores (SQLite, "
                "DuckDB and Spark compare names without regard to case)",
                f"`{first_name}` is at line {first_location.line}: write the name one way",
            )


def store_names(template: ir.Template) -> Iterator[Diagnostic]:
    """A template's FO fields and Dataverse columns are columns of one store table each."""
    sides: dict[Side, list[tuple[str, ir.Location]]] = {side: [] for side in Side}
    for row in template.rows:
        if row.finance_operations is not None:
            sides[Side.FINANCE_OPERATIONS].append(
                (row.finance_operations, row.finance_operations_location)
            )
        if row.dataverse is not None:
            sides[Side.DATAVERSE].append((row.dataverse.column, row.dataverse_location))
    for extra in template.unmapped:
        sides[extra.side].append((extra.name, extra.location))
    for side, named in sides.items():
        if template.company_specific:
            named.insert(0, (COMPANY[side], template.location))
        for name, location in named:
            if (problem := column_name_problem(name, ROW_ID)) is not None:
                yield at(
                    location,
                    Code.STORE_NAME,
                    f"`{name}` {problem}",
                    "no store can hold a column of that name: leave it out",
                )
        what = "FO fields" if side is Side.FINANCE_OPERATIONS else "Dataverse columns"
        yield from _one_store_name(what, named)


def one_type(template: ir.Template, catalog: ir.Catalog) -> Iterator[Diagnostic]:
    """A field or column is one column and one model attribute: every row gives it one type."""
    for side in Side:
        first: dict[str, tuple[str, ir.Row]] = {}
        for row in template.rows:
            kind, name = catalog.stored_kind(row, side), row.name_on(side)
            if kind is None or name is None or kind == "lookup":  # typed by the key's path
                continue
            known, where = first.setdefault(name, (kind, row))
            if known != kind:
                what = "FO field" if side is Side.FINANCE_OPERATIONS else "Dataverse column"
                yield at(
                    row.location,
                    Code.TYPE_TWICE,
                    f"{what} `{name}` is {kind} here and {known} on line {where.location.line}",
                    "give both rows the same type",
                )


def tables_mapped_twice(catalog: ir.Catalog) -> Iterator[Diagnostic]:
    """A note at each template of a Dataverse table an earlier template maps (N408)."""
    first: dict[str, ir.Template] = {}
    for template in catalog.templates:
        table = template.dataverse_table.lower()
        if (earlier := first.setdefault(table, template)) is not template:
            yield at(
                template.location,
                Code.TABLE_MAPPED_TWICE,
                f"`{template.dataverse_table}` is mapped by template `{earlier.name}` too "
                f"({earlier.location.path}:{earlier.location.line})",
                None,
            )


def store_tables(catalog: ir.Catalog) -> Iterator[Diagnostic]:
    """Templates of one entity or table share its store table: it is spelled one way."""
    for side in Side:
        spelled: dict[str, ir.Template] = {}
        for template in catalog.templates:
            table = (
                template.finance_operations_entity
                if side is Side.FINANCE_OPERATIONS
                else template.dataverse_table
            )
            if table.lower().startswith(SYNC_TABLE_PREFIX):
                yield at(
                    template.location,
                    Code.STORE_NAME,
                    f"`{table}` is named like the sync's own tables (`{SYNC_TABLE_PREFIX}…`)",
                    "no finance and operations entity or Dataverse table is named so",
                )
            if (problem := name_length_problem(table)) is not None:
                yield at(
                    template.location,
                    Code.STORE_NAME,
                    f"`{table}` {problem}",
                    "no store can hold a table of that name",
                )
            first = spelled.setdefault(store_identity(table), template)
            other = (
                first.finance_operations_entity
                if side is Side.FINANCE_OPERATIONS
                else first.dataverse_table
            )
            if other != table:
                kind = "FO entity" if side is Side.FINANCE_OPERATIONS else "Dataverse table"
                yield at(
                    template.location,
                    Code.STORE_NAME,
                    f"{kind} `{table}` of template `{template.name}` and `{other}` of "
                    f"`{first.name}` are one table in the stores",
                    f"`{first.name}` is at {first.location.path}:{first.location.line}: "
                    "spell it one way",
                )
