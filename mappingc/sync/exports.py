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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import sqlalchemy as sa

from mappingc.sides import Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.errors import RowError
from mappingc.sync.spec import COMPANY, TemplateSpec
from mappingc.sync.tables import ROW_ID


class ExportError(ValueError):
    """A file that cannot be loaded; the message names the file, the line and the reason."""


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        twice = sorted({name for name in header if header.count(name) > 1})
        if twice:
            # DictReader would keep the last of them and drop the others without a word.
            raise ExportError(f"{path}:1: the header names {', '.join(twice)} more than once")
        for number, cells in enumerate(reader, start=2):
            if len(cells) > len(header):
                raise ExportError(f"{path}:{number}: {len(cells)} values for {len(header)} columns")
            row = dict(zip(header, cells, strict=False))
            yield number, {k: (v if v != "" else None) for k, v in row.items()}


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
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


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl", ".ndjson"}:
        raise ExportError(f"{path}: expected a .csv or .jsonl file")
    try:
        yield from _csv_rows(path) if suffix == ".csv" else _json_rows(path)
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not UTF-8 text (save the export as UTF-8)") from None
    except csv.Error as error:
        raise ExportError(f"{path}: not a CSV file mappingc can read: {error}") from None


def load(engine: SyncEngine, spec: TemplateSpec, side: Side, path: Path) -> int:
    """Insert or update the rows of `path` into one side's table of `spec`; all or nothing."""
    model = (
        spec.module.FinanceOperationsRow
        if side is Side.FINANCE_OPERATIONS
        else spec.module.DataverseRow
    )
    table = engine.stores.table_of(spec, side)
    count = 0
    with engine.stores.engine.begin() as conn:  # logged: loading is data arriving on that side
        for number, raw in _rows(path):
            extra = {COMPANY[side]: raw.pop(COMPANY[side], None)} if spec.company else {}
            try:
                parsed = model.model_validate(raw).model_dump(exclude_unset=True, by_alias=True)
            except pydantic.ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ExportError(f"{path}:{number}: {where}: {first['msg']}") from None
            values: dict[str, Any] = {**_plain(parsed), **extra}
            try:
                if side is Side.DATAVERSE:
                    for column, value in list(values.items()):
                        if spec.dv_columns.get(column) == "lookup":
                            values[column] = engine.mapper.resolve(conn, spec, column, value)
                engine.rows.upsert(conn, table, spec.match(side), values, spec.name)
            except RowError as error:
                raise ExportError(f"{path}:{number}: {error}") from None
            count += 1
    return count


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


def dump(engine: SyncEngine, spec: TemplateSpec, side: Side, path: Path) -> int:
    """Write one side's rows of `spec` to `path` (.csv or .jsonl); lookups as their keys."""
    table = engine.stores.table_of(spec, side)
    columns = [c for c in table.c.keys() if c != ROW_ID]  # noqa: SIM118 - a ColumnCollection
    with engine.stores.engine.begin() as conn:
        rows = []
        for row in conn.execute(sa.select(table).order_by(table.c[ROW_ID])).mappings():
            record = {c: row[c] for c in columns}
            if side is Side.DATAVERSE:
                for column in columns:
                    if spec.dv_columns.get(column) == "lookup":
                        record[column] = engine.mapper.related(conn, spec, column, row[column])
            rows.append(record)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for record in rows:
                writer.writerow(
                    {
                        k: (
                            ""
                            if v is None
                            else (
                                json.dumps(v, default=_json_default) if isinstance(v, dict) else v
                            )
                        )
                        for k, v in record.items()
                    }
                )
    else:
        with path.open("w", encoding="utf-8") as handle:
            for record in rows:
                handle.write(json.dumps(record, default=_json_default, ensure_ascii=False) + "\n")
    return len(rows)
