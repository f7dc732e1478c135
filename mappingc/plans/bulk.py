"""`mappingc bulk`: a template's plan run on DuckDB over files, CSV or Parquet in and out.

DuckDB reads the input (CSV with the template's column types, once, into a temporary table;
Parquet as typed, where it is), the plan maps every row in one statement straight into the
output file, and the rows the plan refuses are
given to the template's own `to_dataverse`, one by one, for the reason the sync's error queue
would show; they go to an errors file (CSV: the row, then the reason). Nothing is written unless
all of it succeeds: the outputs are written beside their final names and moved into place.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from mappingc import ir
from mappingc.contract.plan_sql import sql_table, undecided_rows
from mappingc.plans.compile import Plan, source_kinds

# The DuckDB type a CSV column is read as, by the template's field type.
_CSV_TYPES = {
    ir.Kind.STRING: "VARCHAR",
    ir.Kind.ENUM: "VARCHAR",
    ir.Kind.INT: "BIGINT",
    ir.Kind.INT64: "BIGINT",
    ir.Kind.DECIMAL: "DECIMAL(38, 10)",
    ir.Kind.BOOL: "BOOLEAN",
    ir.Kind.DATE: "DATE",
    ir.Kind.DATETIME: "TIMESTAMP",
}


class BulkError(Exception):
    """The input could not be read or the output written; the message says why."""


@dataclass(frozen=True)
class BulkResult:
    mapped: int
    refused: int


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise BulkError(f"{path}: expected a .csv or .parquet file")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def source_types(
    template: ir.Template, catalog: ir.Catalog, towards_dataverse: bool = True
) -> dict[str, str]:
    """The columns the plan reads, as DuckDB types."""
    kinds = source_kinds(template, catalog, towards_dataverse)
    return {name: _CSV_TYPES[kind] for name, kind in kinds.items()}


def run_bulk(
    plan: Plan,
    types: Mapping[str, str],
    mapping: Callable[[Mapping[str, object]], object],
    source: Path,
    out: Path,
    errors: Path,
    accepts: Callable[[Mapping[str, object]], bool] | None = None,
) -> BulkResult:
    """Map `source` into `out` with `plan`; `mapping` is the row function of the plan's
    direction, which gives the refused rows their reasons, and `accepts` its source filter's
    predicate, which decides the rows the plan's filter cannot (text that is not ASCII)."""
    import duckdb  # imported here: only bulk needs it

    kind = _format(source)
    out_kind = _format(out)
    if kind == "csv":
        columns = "{" + ", ".join(f"{_quoted(k)}: {_quoted(v)}" for k, v in types.items()) + "}"
        reader = f"read_csv({_quoted(str(source))}, header = true, types = {columns})"
    else:
        reader = f"read_parquet({_quoted(str(source))})"
    staged_out, staged_errors = staged(out), staged(errors)
    # A database file beside the output, so that what does not fit in memory spills there.
    try:
        work = tempfile.TemporaryDirectory(prefix=".mappingc-bulk-", dir=out.parent)
    except OSError as error:
        raise BulkError(f"cannot write into {out.parent}: {error.strerror}") from None
    connection = duckdb.connect(str(Path(work.name) / "bulk.duckdb"))
    try:
        # Text is parsed once into a temporary table, which both the mapped and the refused
        # rows are read from (reading the CSV twice cost 1.3x; a persistent table, 2x); a
        # Parquet file is read where it is.
        stored = "TEMP TABLE" if kind == "csv" else "VIEW"
        connection.execute(f"CREATE {stored} source_rows AS SELECT * FROM {reader}")
        undecided = undecided_rows(plan, "duckdb")
        query = plan.mapped(sql_table("source_rows"))
        decided: list[tuple[dict[str, object], str]] = []
        if undecided is not None:
            assert accepts is not None, "a plan with a filter comes with its predicate"
            query = query.where(exp.not_(exp.paren(undecided.copy())), copy=False)
            written, decided = _by_row_functions(
                connection, plan, query, undecided, accepts, mapping
            )
        select = query.sql(dialect="duckdb")
        if undecided is not None and written:  # with the rows the row functions mapped
            select = f"{select} UNION ALL BY NAME SELECT * FROM python_rows"
        options = "FORMAT PARQUET" if out_kind == "parquet" else "FORMAT CSV, HEADER"
        # COPY answers with the number of rows it wrote.
        mapped = connection.execute(
            f"COPY ({select}) TO {_quoted(str(staged_out))} ({options})"
        ).fetchone()
        refused_rows = _refused(connection, plan, mapping, undecided) + decided
        write_errors(staged_errors, refused_rows)
        os.replace(staged_out, out)
        os.replace(staged_errors, errors)
    except duckdb.Error as error:
        raise BulkError(str(error).splitlines()[0]) from None
    finally:
        connection.close()
        work.cleanup()
        staged_out.unlink(missing_ok=True)
        staged_errors.unlink(missing_ok=True)
    return BulkResult(mapped=int(mapped[0]) if mapped else 0, refused=len(refused_rows))


def staged(path: Path) -> Path:
    """Where an output is written before it is moved to `path`, beside it."""
    return path.with_name(f".{path.name}.mappingc-{os.getpid()}")


def with_reasons(
    plan: Plan, rows: Iterable[dict[str, object]], mapping: Callable[[Mapping[str, object]], object]
) -> list[tuple[dict[str, object], str]]:
    """The rows `plan` refused, each with the reason its row function gives."""
    from mappingc.runtime import MappingError

    found = []
    for row in rows:
        try:
            mapping(row)
        except MappingError as error:
            found.append((row, str(error)))
        else:  # the plan and the row function disagree: a bug, never a silent drop
            raise AssertionError(
                f"{plan.template}: the plan refused a row the mapping takes: {row}"
            )
    return found


def _by_row_functions(
    connection: Any,
    plan: Plan,
    query: exp.Select,
    undecided: exp.Expr,
    accepts: Callable[[Mapping[str, object]], bool],
    mapping: Callable[[Mapping[str, object]], object],
) -> tuple[bool, list[tuple[dict[str, object], str]]]:
    """The rows the filter's SQL cannot decide, decided and mapped by the row functions: those
    mapped go into a temporary table `python_rows` shaped as `query`'s rows (True when there
    are any), those refused come back with their reasons."""
    from mappingc.runtime import MappingError

    found = sqlglot.select(exp.Star()).from_(sql_table("source_rows")).where(undecided.copy())
    cursor = connection.execute(found.sql(dialect="duckdb"))
    names = [d[0] for d in cursor.description]
    written: list[dict[str, object]] = []
    refused: list[tuple[dict[str, object], str]] = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        if not accepts(row):
            continue
        try:
            mapped = mapping(row)
        except MappingError as error:
            refused.append((row, str(error)))
            continue
        assert isinstance(mapped, dict)
        for name, value in plan.columns:  # what the plan carries across (the company)
            if name not in mapped and isinstance(value, exp.Column):
                mapped[name] = row.get(value.name)
        written.append(mapped)
    if not written:
        return False, refused
    connection.execute(f"CREATE TEMP TABLE python_rows AS {query.limit(0).sql(dialect='duckdb')}")
    columns = [name for name, _ in plan.columns]
    quoted = ", ".join(exp.to_identifier(c, quoted=True).sql(dialect="duckdb") for c in columns)
    placeholders = ", ".join("?" for _ in columns)
    connection.executemany(
        f"INSERT INTO python_rows ({quoted}) VALUES ({placeholders})",
        [[row.get(c) for c in columns] for row in written],
    )
    return True, refused


def _refused(
    connection: object,
    plan: Plan,
    mapping: Callable[[Mapping[str, object]], object],
    undecided: exp.Expr | None = None,
) -> list[tuple[dict[str, object], str]]:
    sql = plan.refused("duckdb", source="source_rows", excluding=undecided)
    if sql is None:
        return []
    cursor = connection.execute(sql)  # type: ignore[attr-defined]
    names = [d[0] for d in cursor.description]
    rows = (dict(zip(names, values, strict=True)) for values in cursor.fetchall())
    return with_reasons(plan, rows, mapping)


def write_errors(path: Path, rows: list[tuple[dict[str, object], str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if rows:
            writer.writerow([*rows[0][0], "reason"])
        for row, reason in rows:
            writer.writerow([*("" if v is None else v for v in row.values()), reason])
