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
from mappingc.contract.text_values import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
    OUT_OF_RANGE,
    PATTERNS,
    csv_delimiter,
)
from mappingc.contract.text_values import problem as text_problem
from mappingc.plans.compile import Plan, source_kinds

# The DuckDB type a CSV column is read as, by the template's field type.
_CSV_TYPES = {
    ir.Kind.STRING: "VARCHAR",
    ir.Kind.ENUM: "VARCHAR",
    ir.Kind.INT: "BIGINT",
    ir.Kind.INT64: "BIGINT",
    ir.Kind.DECIMAL: f"DECIMAL({DECIMAL_DIGITS}, {DECIMAL_PLACES})",
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
    fields: Iterable[str] = (),
) -> BulkResult:
    """Map `source` into `out` with `plan`; `mapping` is the row function of the plan's
    direction, which gives the refused rows their reasons, and `accepts` its source filter's
    predicate, which decides the rows the plan's filter cannot (text that is not ASCII).
    `fields`: every field of the side the rows come from, which a CSV's header may name (as
    sync load reads it: a field it leaves out is empty, a column no field has is refused)."""
    import duckdb  # imported here: only bulk needs it

    kind = _format(source)
    out_kind = _format(out)
    reader, delimiter, columns = f"read_parquet({_quoted(str(source))})", ",", 0
    if kind == "csv":
        reader, delimiter, columns = _csv_reader(source, types, fields)
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
        unreadable: list[tuple[dict[str, object], str]] = []
        if kind == "csv":
            unreadable = _read_cells(connection, reader, delimiter, columns, types)
        else:
            connection.execute(f"CREATE VIEW source_rows AS SELECT * FROM {reader}")
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
        refused_rows = unreadable + _refused(connection, plan, mapping, undecided) + decided
        write_errors(staged_errors, refused_rows, types)
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


# ---------------------------------------------------------------- CSV, read as sync load reads it
# The kind of value each DuckDB type a column is read as holds (mappingc.contract.text_values).
_KINDS = {"BIGINT": "int", "BOOLEAN": "bool", "DATE": "date", "TIMESTAMP": "datetime"}


def _kind(duckdb_type: str) -> str:
    return "decimal" if duckdb_type.startswith("DECIMAL") else _KINDS.get(duckdb_type, "string")


def _csv_reader(
    source: Path, types: Mapping[str, str], fields: Iterable[str] = ()
) -> tuple[str, str, int]:
    """`read_csv` of every cell as text, with the header and delimiter `sync load` sees; a
    ragged row is set aside (DuckDB's reject tables), not the whole file refused."""
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        raise BulkError("not UTF-8 text (save the file as UTF-8)") from None
    except OSError as error:
        raise BulkError(f"cannot read it: {error.strerror}") from None
    if not first.strip():
        raise BulkError("the file is empty: it has no header line")
    delimiter = csv_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    known = {*types, *fields}
    unknown = [name for name in header if name not in known]
    if unknown and fields:
        listed = ", ".join(unknown)
        raise BulkError(
            f"the header names {listed}, which the template has no field of "
            f"(it has {', '.join(sorted(known))})"
        )
    columns = "{" + ", ".join(f"{_quoted(name)}: 'VARCHAR'" for name in header) + "}"
    reader = (
        f"read_csv({_quoted(str(source))}, header = true, auto_detect = false, "
        f"delim = {_quoted(delimiter)}, quote = '\"', escape = '\"', columns = {columns}, "
        "null_padding = false, store_rejects = true, ignore_errors = true)"
    )
    # A field the export leaves out is empty in every row, as sync load reads it.
    missing = [name for name in types if name not in header]
    if missing:
        empty = ", ".join(f"NULL::VARCHAR AS {_ident(name)}" for name in missing)
        reader = f"(SELECT *, {empty} FROM {reader})"
    return reader, delimiter, len(header)


def _typed(name: str, duckdb_type: str, decimal_comma: bool = False) -> tuple[str, str]:
    """(the cell as its type, whether the cell is readable) as DuckDB SQL: the same forms as
    mappingc.contract.text_values.PATTERNS, which sync load checks in Python. In a `;` file a
    decimal may carry a comma (`1,5`), as sync load reads it too."""
    cell = _ident(name)
    kind = _kind(duckdb_type)
    if kind == "string":
        return cell, "TRUE"
    trimmed = f"trim({cell})"
    if kind == "decimal" and decimal_comma:
        trimmed = (
            f"CASE WHEN regexp_full_match({trimmed}, '-?[0-9]+,[0-9]+') "
            f"THEN replace({trimmed}, ',', '.') ELSE {trimmed} END"
        )
    fits = f"regexp_full_match({trimmed}, {_quoted(PATTERNS[kind])})"
    if kind == "date":
        # PATTERNS["date"] without a regular expression (the cheap form, on every cell of a
        # column): ten characters with dashes at 5 and 8, which DuckDB reads as a date only
        # where the rest are digits of a real day.
        fits = f"(length({trimmed}) = 10 AND {trimmed}[5] = '-' AND {trimmed}[8] = '-')"
    if kind == "bool":
        value = (
            f"CASE WHEN lower({trimmed}) IN ('true', 'yes', '1') THEN TRUE "
            f"WHEN lower({trimmed}) IN ('false', 'no', '0') THEN FALSE END"
        )
    else:
        value = f"TRY_CAST({trimmed} AS {duckdb_type})"
    if kind in {"date", "datetime"}:  # DuckDB reads `0000-01-01` as 1 BC; Python has no year 0
        fits += f" AND {value} >= {'DATE' if kind == 'date' else 'TIMESTAMP'} '0001-01-01'"
    if kind == "decimal":  # more places than the type keeps would be rounded: refused instead
        scale = int(duckdb_type.rstrip(")").split(",")[1])
        fits += f" AND length(regexp_extract({trimmed}, '\\.([0-9]*)$', 1)) <= {scale}"
    return value, f"({cell} IS NULL OR ({fits} AND {value} IS NOT NULL))"


def _read_cells(
    connection: Any, reader: str, delimiter: str, columns: int, types: Mapping[str, str]
) -> list[tuple[dict[str, object], str]]:
    """Fill `source_rows` with the readable rows of a CSV, typed; the others come back with
    their reasons, as `sync load` words them."""
    typed = {
        name: _typed(name, duckdb_type, decimal_comma=delimiter == ";")
        for name, duckdb_type in types.items()
    }
    flags = [_ident(f"_mappingc_ok_{index}") for index in range(len(typed))]
    raw = [_ident(f"_mappingc_cell_{index}") for index in range(len(typed))]
    readable = " AND ".join(flags) or "TRUE"
    # One pass over the text: each cell typed and checked once; a row's cells as written are
    # kept for the errors file.
    inner = ", ".join(
        [
            *(f"{value} AS {_ident(name)}" for name, (value, _) in typed.items()),
            *(f"{ok} AS {flag}" for (_, ok), flag in zip(typed.values(), flags, strict=True)),
            *(f"{_ident(name)} AS {cell}" for name, cell in zip(typed, raw, strict=True)),
        ]
    )
    # Only a refused row keeps its cells as written (for the errors file): the others are
    # not copied.
    outer = ", ".join(
        [
            *(_ident(name) for name in typed),
            *flags,
            *(f"CASE WHEN NOT ({readable}) THEN {cell} END AS {cell}" for cell in raw),
        ]
    )
    connection.execute(
        f"CREATE TEMP TABLE parsed AS SELECT {outer}, {readable} AS _mappingc_readable "
        f"FROM (SELECT {inner} FROM {reader})"
    )
    shown = ", ".join(_ident(name) for name in typed) or "*"
    connection.execute(
        f"CREATE TEMP VIEW source_rows AS SELECT {shown} FROM parsed WHERE _mappingc_readable"
    )
    refused: list[tuple[dict[str, object], str]] = []
    cursor = connection.execute(
        f"SELECT {', '.join(raw)}, {', '.join(flags)} FROM parsed WHERE NOT _mappingc_readable"
    )
    names = list(typed)
    for values in cursor.fetchall():
        row = dict(zip(names, values[: len(names)], strict=True))
        failing = [n for n, ok in zip(names, values[len(names) :], strict=True) if not ok]
        refused.append((row, "; ".join(_why(n, types[n], str(row[n])) for n in failing)))
    ragged = connection.execute(
        "SELECT line, any_value(csv_line), any_value(error_type) FROM reject_errors "
        "GROUP BY line ORDER BY line"
    ).fetchall()
    for line, text, error_type in ragged:
        got = len(next(csv.reader([text], delimiter=delimiter), []))
        shape = f"{got} values for {columns} columns" if "COLUMNS" in error_type else error_type
        refused.append(({name: None for name in names}, f"line {line}: {shape} ({text})"))
    return refused


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


def _why(name: str, duckdb_type: str, cell: str) -> str:
    """Why a cell was not readable, in the words `sync load` uses."""
    return f"{name}: {cell!r} {text_problem(_kind(duckdb_type), cell) or OUT_OF_RANGE}"


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


def write_errors(
    path: Path, rows: list[tuple[dict[str, object], str]], columns: Iterable[str] = ()
) -> None:
    """The refused rows, each with its reason; with a header even when none was refused (the
    columns read, then `reason`), so that every errors file reads as a table."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(rows[0][0] if rows else columns), "reason"])
        for row, reason in rows:
            writer.writerow([*("" if v is None else v for v in row.values()), reason])
