"""Both sides of a sync as SQLAlchemy Core tables, created from the generated modules.

Both sides live behind one connection so that one transaction spans them: with SQLite (the
default) the FO file is ATTACHed to the Dataverse file's connection, and SQLite commits attached
databases atomically; with PostgreSQL the FO tables are schema `fo` of the same database. Every
sync batch is therefore all-or-nothing on both sides, and the sync cursors commit with it.

Change capture is a log table per side filled by triggers. A trigger logs only while the side's
`applying` flag is 0; the sync sets it to 1 inside its own transaction, so its writes never come
back as changes (loop prevention), while other writers are logged as usual.
"""

from __future__ import annotations

import decimal
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from sqlalchemy.engine import Connection, Engine

# A generated module's `accepts_from_*`: whether the source filter lets a row through.
Predicate = Callable[[Mapping[str, object]], bool]

CHANGES = "_mappingc_changes"
STATE = "_mappingc_state"
SYNC = "_mappingc_sync"
ERRORS = "_mappingc_errors"
COMPANY_FO = "DATAAREAID"
COMPANY_DV = "cdm_company"
ROW_ID = "_id"
OTHER_SIDE = {"fo": "dv", "dv": "fo"}
COMPANY = {"fo": COMPANY_FO, "dv": COMPANY_DV}  # the company column of each side


class SyncSetupError(Exception):
    """The stores or templates cannot be used as configured; the message says why."""


class DecimalText(sa.types.TypeDecorator[decimal.Decimal]):
    """Decimals kept exactly: SQLite has no decimal type and would round through a float."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(decimal.Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(value)


_TYPES: dict[str, Any] = {
    "string": sa.String,
    "int": sa.Integer,
    "decimal": DecimalText,
    "bool": sa.Boolean,
    "date": sa.Date,
    "datetime": sa.DateTime,
    "lookup": sa.Integer,  # the related row's _id, as Dataverse keeps the related row's id
}


@dataclass(frozen=True)
class TemplateSpec:
    """What the sync needs of one generated module."""

    module: ModuleType
    name: str
    fo_table: str
    dv_table: str
    fo_fields: Mapping[str, str]
    dv_columns: Mapping[str, str]
    fo_key: tuple[str, ...]
    dv_key: tuple[str, ...]
    lookup_paths: Mapping[str, tuple[tuple[str, ...], ...]]
    lookup_targets: Mapping[str, str]
    company: bool
    accepts_from_fo: Predicate = field(compare=False)
    accepts_from_dv: Predicate = field(compare=False)

    @classmethod
    def from_module(cls, module: ModuleType) -> TemplateSpec:
        name = str(module.TEMPLATE)
        if not module.INTEGRATION_KEY:
            raise SyncSetupError(
                f"template {name} has no integration key; the sync matches rows by it"
            )
        if any("." in key for key in module.INTEGRATION_KEY):
            raise SyncSetupError(
                f"template {name}: integration keys through lookups are not supported yet"
            )
        polymorphic = [
            c
            for c, k in module.DATAVERSE_COLUMNS.items()
            if k == "lookup" and c not in module.LOOKUP_PATHS
        ]
        if polymorphic:
            raise SyncSetupError(
                f"template {name}: polymorphic lookups ({', '.join(polymorphic)}) "
                "are not supported by the sync yet"
            )
        return cls(
            module=module,
            name=name,
            fo_table=str(module.FINANCE_OPERATIONS_ENTITY),
            dv_table=str(module.DATAVERSE_TABLE),
            fo_fields=dict(module.FINANCE_OPERATIONS_FIELDS),
            dv_columns=dict(module.DATAVERSE_COLUMNS),
            fo_key=tuple(module.FINANCE_OPERATIONS_KEY),
            dv_key=tuple(module.INTEGRATION_KEY),
            lookup_paths=dict(module.LOOKUP_PATHS),
            lookup_targets=dict(module.LOOKUP_TARGETS),
            company=bool(module.COMPANY_SPECIFIC),
            accepts_from_fo=module.accepts_from_finance_operations,
            accepts_from_dv=module.accepts_from_dataverse,
        )

    def table_name(self, side: str) -> str:
        return self.fo_table if side == "fo" else self.dv_table

    def columns(self, side: str) -> Mapping[str, str]:
        return self.fo_fields if side == "fo" else self.dv_columns

    def match(self, side: str) -> tuple[str, ...]:
        """The columns rows of `side` are matched by: the key, and the company if scoped."""
        return self.fo_match if side == "fo" else self.dv_match

    @property
    def fo_match(self) -> tuple[str, ...]:
        return (*self.fo_key, COMPANY_FO) if self.company else self.fo_key

    @property
    def dv_match(self) -> tuple[str, ...]:
        return (*self.dv_key, COMPANY_DV) if self.company else self.dv_key


def load_templates(out_dir: Path, skipped: dict[str, str] | None = None) -> list[TemplateSpec]:
    """Every template of a build that the sync can run, from its manifest.json and generated
    modules. A template it cannot run (no integration key yet, as imported ones) is left out,
    with the reason in `skipped` when given."""
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.is_file():
        raise SyncSetupError(f"{manifest_path} not found: run `mappingc build` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    specs = []
    for entry in manifest["templates"]:
        path = out_dir / entry["module"]
        module_name = f"mappingc_generated_{entry['name']}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise SyncSetupError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        try:
            specs.append(TemplateSpec.from_module(module))
        except SyncSetupError as error:
            if skipped is None:
                continue
            skipped[entry["name"]] = str(error)
    return specs


def store_url(location: str) -> str:
    """A SQLAlchemy URL, or a file path that means an SQLite file."""
    return location if "://" in location else f"sqlite:///{location}"


class Stores:
    """The FO and Dataverse stores of one sync, with their tables and change logs."""

    def __init__(self, fo_location: str, dv_location: str, specs: list[TemplateSpec]) -> None:
        fo_url, dv_url = store_url(fo_location), store_url(dv_location)
        self.specs = specs
        self.backend = _backend(fo_url, dv_url)
        self.engine: Engine = self.backend.engine()
        self.metadata = sa.MetaData()
        self.fo_tables: dict[str, sa.Table] = {}
        self.dv_tables: dict[str, sa.Table] = {}
        self._build_tables()

    # -- schema
    def _columns(self, side: str) -> dict[str, dict[str, str]]:
        """Per table, the union of the columns every template puts there, with one kind each."""
        tables: dict[str, dict[str, str]] = {}
        for spec in self.specs:
            table, columns = spec.table_name(side), spec.columns(side)
            merged = tables.setdefault(table, {})
            company = [(COMPANY[side], "string")] if spec.company else []
            for name, kind in [*columns.items(), *company]:
                if merged.setdefault(name, kind) != kind:
                    raise SyncSetupError(
                        f"{table}.{name} is {merged[name]} in one template "
                        f"and {kind} in {spec.name}"
                    )
        return tables

    def _build_tables(self) -> None:
        for side, schema, target in (("fo", "fo", self.fo_tables), ("dv", None, self.dv_tables)):
            for table, columns in self._columns(side).items():
                target[table] = sa.Table(
                    table,
                    self.metadata,
                    sa.Column(ROW_ID, sa.Integer, primary_key=True, autoincrement=True),
                    *(sa.Column(name, _TYPES[kind]) for name, kind in columns.items()),
                    schema=schema,
                )
            for spec in self.specs:
                # Rows are matched by integration key on every write: without an index each
                # match is a table scan and an initial sync is quadratic.
                keyed = target[spec.table_name(side)]
                key = [keyed.c[c] for c in spec.match(side)]
                sa.Index(f"ix_mappingc_{spec.name}_{side}_key", *key)
            sa.Table(
                CHANGES,
                self.metadata,
                sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("tbl", sa.String, nullable=False),
                sa.Column("op", sa.String, nullable=False),  # "upsert" | "delete"
                sa.Column("row_key", sa.Text, nullable=False),  # JSON of the key columns
                sa.Column("at", sa.Float, nullable=False),
                sa.Index(f"ix_mappingc_changes_{side}", "tbl", "at"),
                schema=schema,
                sqlite_autoincrement=True,
            )
            sa.Table(
                STATE,
                self.metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("applying", sa.Integer, nullable=False, default=0),
                schema=schema,
            )
        sa.Table(
            SYNC,
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("fo_seq", sa.Integer, nullable=False, default=0),
            sa.Column("dv_seq", sa.Integer, nullable=False, default=0),
            sa.Column("paused", sa.Boolean, nullable=False, default=False),
        )
        sa.Table(
            ERRORS,
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("side", sa.String, nullable=False),  # where the change came from
            sa.Column("tbl", sa.String, nullable=False),
            sa.Column("row_key", sa.Text, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("at", sa.Float, nullable=False),
            sa.Column("resolved", sa.Boolean, nullable=False, default=False),
        )

    def table(self, name: str, schema: str | None = None) -> sa.Table:
        return self.metadata.tables[f"{schema}.{name}" if schema else name]

    def tables(self, side: str) -> dict[str, sa.Table]:
        return self.fo_tables if side == "fo" else self.dv_tables

    def table_of(self, spec: TemplateSpec, side: str) -> sa.Table:
        """The table that holds `spec`'s rows on `side`."""
        return self.tables(side)[spec.table_name(side)]

    def changes(self, side: str) -> sa.Table:
        """The change log of `side`."""
        return self.table(CHANGES, "fo" if side == "fo" else None)

    def key_columns(self, side: str, table: str) -> list[str]:
        """Every column any template matches rows of `table` by (logged with each change)."""
        found: list[str] = []
        for spec in self.specs:
            if spec.table_name(side) == table:
                for column in spec.match(side):
                    if column not in found:
                        found.append(column)
        return found

    def create(self) -> None:
        """Create missing tables, change logs and triggers; safe to run again."""
        with self.engine.begin() as connection:
            self.backend.prepare(connection)
            self.metadata.create_all(connection)
            for schema in ("fo", "main"):
                state = self.table(STATE, "fo" if schema == "fo" else None)
                if connection.execute(sa.select(state.c.id)).first() is None:
                    connection.execute(state.insert().values(id=1, applying=0))
            sync = self.table(SYNC)
            if connection.execute(sa.select(sync.c.id)).first() is None:
                connection.execute(sync.insert().values(id=1, fo_seq=0, dv_seq=0, paused=False))
            for side, schema, tables in (
                ("fo", "fo", self.fo_tables),
                ("dv", "main", self.dv_tables),
            ):
                for name in tables:
                    keys = self.key_columns(side, name)
                    for statement in self.backend.triggers(schema, name, keys):
                        connection.exec_driver_sql(statement)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction over both stores, with change capture off for what it writes."""
        with self.engine.begin() as connection:
            connection.execute(self.table(STATE, "fo").update().values(applying=1))
            connection.execute(self.table(STATE).update().values(applying=1))
            yield connection
            connection.execute(self.table(STATE, "fo").update().values(applying=0))
            connection.execute(self.table(STATE).update().values(applying=0))

    def dispose(self) -> None:
        self.engine.dispose()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _SQLite:
    """Two SQLite files: the FO one attached to the Dataverse one's connection as `fo`."""

    def __init__(self, fo_file: str, dv_url: str) -> None:
        self.fo_path = str(Path(fo_file).resolve())
        self.dv_url = dv_url

    def engine(self) -> Engine:
        engine = sa.create_engine(self.dv_url)
        fo_path = self.fo_path

        @sa.event.listens_for(engine, "connect")
        def attach(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT and cross-file atomicity;
            # SQLAlchemy's documented recipe turns it off and emits BEGIN itself (below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("ATTACH DATABASE ? AS fo", (fo_path,))
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine

    def prepare(self, connection: Connection) -> None:
        pass  # the attached file is the `fo` schema already

    def key_matches(self, row_key: Any, column: str, value: object) -> Any:
        """SQL: the logged key JSON has `value` for `column`."""
        return sa.func.json_extract(row_key, f"$.{column}") == value

    def triggers(self, schema: str, table: str, keys: list[str]) -> list[str]:
        """Triggers that log inserts, updates and deletes of `table` unless the sync writes."""

        def key_json(row: str) -> str:
            return "json_object(" + ", ".join(f"'{k}', {row}.{_quote(k)}" for k in keys) + ")"

        def trigger(event: str, body: str) -> str:
            name = _quote(f"_mappingc_{table}_{event.lower()}")
            return (
                f"CREATE TRIGGER IF NOT EXISTS {schema}.{name} AFTER {event} ON {_quote(table)} "
                f"WHEN (SELECT applying FROM {STATE} WHERE id = 1) = 0 BEGIN {body} END"
            )

        now = "(julianday('now') - 2440587.5) * 86400.0"
        columns = f"{CHANGES} (tbl, op, row_key, at)"
        key_changed = " OR ".join(f"OLD.{_quote(k)} IS NOT NEW.{_quote(k)}" for k in keys) or "0"
        upsert = f"INSERT INTO {columns} VALUES ('{table}', 'upsert', {key_json('NEW')}, {now});"
        delete = f"INSERT INTO {columns} VALUES ('{table}', 'delete', {key_json('OLD')}, {now});"
        return [
            trigger("INSERT", upsert),
            # A changed key is the old row gone and a new one there.
            trigger(
                "UPDATE",
                f"INSERT INTO {columns} SELECT '{table}', 'delete', {key_json('OLD')}, {now} "
                f"WHERE {key_changed}; {upsert}",
            ),
            trigger("DELETE", delete),
        ]


class _PostgreSQL:
    """One PostgreSQL database: Dataverse tables in its default schema, FO tables in `fo`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def engine(self) -> Engine:
        return sa.create_engine(self.url)

    def prepare(self, connection: Connection) -> None:
        connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS fo")

    def key_matches(self, row_key: Any, column: str, value: object) -> Any:
        # ->> gives text: compare with the value as json_build_object wrote it.
        text = json.dumps(value, default=str).strip('"') if not isinstance(value, str) else value
        return sa.cast(row_key, sa.dialects.postgresql.JSONB)[column].astext == text

    def triggers(self, schema: str, table: str, keys: list[str]) -> list[str]:
        prefix = "fo." if schema == "fo" else ""
        function = f"{prefix}{_quote(f'_mappingc_{table}_log')}"

        def key_json(row: str) -> str:
            return (
                "json_build_object("
                + ", ".join(f"'{k}', {row}.{_quote(k)}" for k in keys)
                + ")::text"
            )

        now = "extract(epoch from clock_timestamp())"
        log = f"INSERT INTO {prefix}{CHANGES} (tbl, op, row_key, at) VALUES ('{table}', "
        key_changed = (
            " OR ".join(f"OLD.{_quote(k)} IS DISTINCT FROM NEW.{_quote(k)}" for k in keys)
            or "false"
        )
        return [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT applying FROM {prefix}{STATE} WHERE id = 1) = 0 THEN
                    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({key_changed})) THEN
                        {log}'delete', {key_json('OLD')}, {now});
                    END IF;
                    IF TG_OP <> 'DELETE' THEN
                        {log}'upsert', {key_json('NEW')}, {now});
                    END IF;
                END IF;
                RETURN NULL;
            END $$""",
            f"DROP TRIGGER IF EXISTS {_quote(f'_mappingc_{table}')} ON {prefix}{_quote(table)}",
            f"CREATE TRIGGER {_quote(f'_mappingc_{table}')} AFTER INSERT OR UPDATE OR DELETE "
            f"ON {prefix}{_quote(table)} FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]


def _backend(fo_url: str, dv_url: str) -> _SQLite | _PostgreSQL:
    fo, dv = sa.engine.make_url(fo_url), sa.engine.make_url(dv_url)
    if fo.get_backend_name() == dv.get_backend_name() == "sqlite":
        if fo.database in (None, "", ":memory:") or dv.database in (None, "", ":memory:"):
            raise SyncSetupError("the SQLite stores must be files (they are opened more than once)")
        return _SQLite(str(fo.database), dv_url)
    if fo.get_backend_name() == dv.get_backend_name() == "postgresql":
        if fo != dv:
            raise SyncSetupError(
                "on PostgreSQL both stores are one database (FO tables in schema `fo`, so that "
                f"one transaction spans both sides): give the same URL, not {fo_url} and {dv_url}"
            )
        return _PostgreSQL(dv_url)
    raise SyncSetupError(
        "the stores must be two SQLite files or one PostgreSQL database; "
        f"got {fo.get_backend_name()} and {dv.get_backend_name()}"
    )
