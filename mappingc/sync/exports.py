"""CSV and JSON Lines in and out of a store: what FO data management and Dataverse exports give.

Rows are read through the template's pydantic model, so text from a CSV becomes the field's type
(`"12"` → 12, `"2024-01-31"` → a date) or is refused with the model's message. Loaded rows are
ordinary writes: the change log records them and the next live sync carries them over.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import enum
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pydantic
import sqlalchemy as sa

from mappingc.contract.text_values import OUT_OF_RANGE, csv_delimiter, fits_int64
from mappingc.contract.text_values import REASONS as TEXT_REASONS
from mappingc.contract.text_values import problem as text_problem
from mappingc.sides import COMPANY, Side
from mappingc.sync.context import SyncContext
from mappingc.sync.errors import REFUSED, RowError, refusal
from mappingc.sync.spec import TemplateSpec, type_column
from mappingc.sync.tables import ROW_ID


class ExportError(ValueError):
    """A file that cannot be loaded; the message names the file, the line and the reason."""


@dataclass(frozen=True)
class _BadRow:
    """A line that is no row: why (a ragged row, an empty file); its line travels beside it."""

    reason: str


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | _BadRow]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        delimiter = csv_delimiter(handle.readline())
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            yield 1, _BadRow("the file is empty: it has no header line")
            return
        twice = sorted({name for name in header if header.count(name) > 1})
        if twice:
            # DictReader would keep the last of them and drop the others without a word.
            raise ExportError(f"{path}:1: the header names {', '.join(twice)} more than once")
        for cells in reader:
            number = reader.line_num
            if len(cells) != len(header) and cells:
                yield number, _BadRow(f"{len(cells)} values for {len(header)} columns")
                continue
            row = dict(zip(header, cells, strict=False))
            yield number, {k: (v if v != "" else None) for k, v in row.items()}


def _decimal_comma(path: Path) -> bool:
    """Whether numbers in `path` may carry a decimal comma: a `;`-separated CSV."""
    if path.suffix.lower() != ".csv":
        return False
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return csv_delimiter(handle.readline()) == ";"
    except UnicodeDecodeError:
        return False  # reported when the rows are read


_COMMA_NUMBER = re.compile(r"-?\d+,\d+")


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | _BadRow]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line, parse_float=decimal.Decimal)
            except (json.JSONDecodeError, RecursionError) as error:
                reason = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deep"
                raise ExportError(f"{path}:{number}: invalid JSON: {reason}") from None
            if not isinstance(value, dict):
                raise ExportError(f"{path}:{number}: expected a JSON object for a row")
            yield number, value


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | _BadRow]]:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl", ".ndjson"}:
        raise ExportError(f"{path}: expected a .csv or .jsonl file")
    try:
        yield from _csv_rows(path) if suffix == ".csv" else _json_rows(path)
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not UTF-8 text (save the export as UTF-8)") from None
    except csv.Error as error:
        raise ExportError(f"{path}: not a CSV file mappingc can read: {error}") from None


# At most this many bad rows are listed; the count says how many there were.
MAX_LISTED = 50


def load(context: SyncContext, spec: TemplateSpec, side: Side, path: Path) -> int:
    """Insert or update the rows of `path` into one side's table of `spec`; all or nothing.
    Every bad row is reported, with its line and the reason in plain words."""
    model = (
        spec.module.FinanceOperationsRow
        if side is Side.FINANCE_OPERATIONS
        else spec.module.DataverseRow
    )
    kinds = spec.columns(side)
    table = context.stores.table_of(spec, side)
    count = 0
    problems: list[str] = []
    decimal_comma = _decimal_comma(path)
    with context.stores.engine.begin() as conn:  # logged: loading is data arriving on that side
        for number, raw in _rows(path):
            if isinstance(raw, _BadRow):
                problems.append(f"{path}:{number}: {raw.reason}")
                continue
            for name, value in raw.items() if decimal_comma else ():
                if kinds.get(name) == "decimal" and _COMMA_NUMBER.fullmatch(str(value).strip()):
                    raw[name] = str(value).strip().replace(",", ".")
            # Text means what it means to `mappingc bulk` (mappingc.contract.text_values).
            unreadable = [
                f"{path}:{number}: {name}: {value!r} {reason}"
                for name, value in raw.items()
                if isinstance(value, str)
                and (reason := text_problem(kinds.get(name, "string"), value)) is not None
            ]
            if unreadable:
                problems.extend(unreadable)
                continue
            extra = {COMPANY[side]: raw.pop(COMPANY[side], None)} if spec.company else {}
            try:
                parsed = model.model_validate(raw).model_dump(exclude_unset=True, by_alias=True)
            except pydantic.ValidationError as error:
                problems.extend(
                    f"{path}:{number}: {_in_words(e, spec, side)}" for e in error.errors()
                )
                continue
            values: dict[str, Any] = {**_plain(parsed), **extra}
            too_large = [
                f"{path}:{number}: {name}: {value} {OUT_OF_RANGE}"
                for name, value in values.items()
                if isinstance(value, int) and not isinstance(value, bool) and not fits_int64(value)
            ]
            if too_large:  # no store keeps them (a JSON number, which no text rule saw)
                problems.extend(too_large)
                continue
            try:
                if side is Side.DATAVERSE:
                    for column, value in list(values.items()):
                        if spec.dv_columns.get(column) == "lookup":
                            values.update(context.mapper.stored_lookup(conn, spec, column, value))
                with conn.begin_nested():
                    context.rows.upsert(conn, table, spec.match(side), values, spec.name)
            except RowError as error:
                problems.append(f"{path}:{number}: {error}")
                continue
            except REFUSED as error:
                problems.append(f"{path}:{number}: the database refused the row: {refusal(error)}")
                continue
            count += 1
        if problems:
            conn.rollback()
            listed = problems[:MAX_LISTED]
            more = len(problems) - len(listed)
            tail = [f"… and {more} more"] if more else []
            heading = f"{len(problems)} problem(s) in {path}; nothing was loaded:"
            raise ExportError("\n".join([heading, *listed, *tail]))
    return count


def _in_words(error: Any, spec: TemplateSpec, side: Side) -> str:
    """A pydantic error as a person would say it, naming the column."""
    where = ".".join(str(p) for p in error["loc"])
    value = error.get("input")
    shown = f"{value!r}" if isinstance(value, str) else str(value)
    kind = error["type"]
    if kind == "extra_forbidden":
        known = ", ".join(spec.columns(side))
        return f"column {where} is not one of {spec.name}'s {side.prose} columns ({known})"
    # A pydantic error type, in the words the text rule uses for its kind (bulk says the same).
    words = {
        "int_parsing": TEXT_REASONS["int"],
        "int_from_float": TEXT_REASONS["int"],
        "decimal_parsing": TEXT_REASONS["decimal"],
        "float_parsing": TEXT_REASONS["decimal"],
        "bool_parsing": TEXT_REASONS["bool"],
        "date_from_datetime_parsing": TEXT_REASONS["date"],
        "date_parsing": TEXT_REASONS["date"],
        "datetime_parsing": TEXT_REASONS["datetime"],
        "datetime_from_date_parsing": TEXT_REASONS["datetime"],
        "string_too_long": "is too long",
    }
    if kind in words:
        return f"{where}: {shown} {words[kind]}"
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{where}: {shown} is not one of {expected}"
    return f"{where}: {shown}: {error['msg']}"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _json_default(value: object) -> object:
    if isinstance(value, datetime.date | decimal.Decimal):
        return str(value) if isinstance(value, decimal.Decimal) else value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__}")


def dump(context: SyncContext, spec: TemplateSpec, side: Side, path: Path) -> int:
    """Write one side's rows of `spec` to `path` (.csv or .jsonl); lookups as their keys."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        return write_rows(context, spec, side, handle, as_csv=path.suffix.lower() == ".csv")


def write_rows(
    context: SyncContext, spec: TemplateSpec, side: Side, handle: TextIO, as_csv: bool
) -> int:
    """Write one side's rows of `spec` to `handle`, as CSV or JSON Lines."""
    table = context.stores.table_of(spec, side)
    # A polymorphic lookup's table is in its dumped key ({"Account": {...}}), not a column.
    hidden = {ROW_ID} | {
        type_column(c)
        for c in spec.polymorphic
        if side is Side.DATAVERSE and type_column(c) not in spec.dv_columns
    }
    columns = [c for c in table.c.keys() if c not in hidden]  # noqa: SIM118 - a ColumnCollection
    with context.stores.engine.begin() as conn:
        rows = []
        for found in conn.execute(sa.select(table).order_by(table.c[ROW_ID])).mappings():
            row = dict(found)
            record = {c: row[c] for c in columns}
            if side is Side.DATAVERSE:
                for column in columns:
                    if spec.dv_columns.get(column) == "lookup":
                        record[column] = context.mapper.related_of(conn, spec, column, row)
            rows.append(record)
    if as_csv:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for record in rows:
            writer.writerow(
                {
                    k: (
                        ""
                        if v is None
                        else (json.dumps(v, default=_json_default) if isinstance(v, dict) else v)
                    )
                    for k, v in record.items()
                }
            )
    else:
        for record in rows:
            handle.write(json.dumps(record, default=_json_default, ensure_ascii=False) + "\n")
    return len(rows)
