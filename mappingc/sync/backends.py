"""The databases a sync can run on: how each holds both sides in one transaction, finds a key in
a logged change, and captures changes with triggers.

SQLite (the default): two files, the FO one ATTACHed to the Dataverse one's connection as schema
`fo`, so SQLite commits both atomically. PostgreSQL: one database, the FO tables in schema `fo`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mappingc.sync.spec import SyncSetupError
from mappingc.sync.tables import CHANGES, ROW_ID, STATE


def store_url(location: str) -> str:
    """A SQLAlchemy URL, or a file path that means an SQLite file."""
    return location if "://" in location else f"sqlite:///{location}"


def quote(name: str) -> str:
    """An SQL identifier, quoted: names come from templates, never trusted as SQL."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """An SQL string literal: table and column names are written into trigger bodies as data."""
    return "'" + text.replace("'", "''") + "'"


def _short_name(prefix: str, name: str, suffix: str, limit: int) -> str:
    """`prefix + name + suffix`, or, where that is longer than the database allows, a name
    that keeps `name`'s hash: two long names never truncate to the same trigger."""
    full = f"{prefix}{name}{suffix}"
    if len(full.encode("utf-8")) <= limit:
        return full
    return f"{prefix}{hashlib.sha256(name.encode('utf-8')).hexdigest()[:16]}{suffix}"


class SQLiteBackend:
    """Two SQLite files: the FO one attached to the Dataverse one's connection as `fo`."""

    def __init__(self, fo_file: str, dv_url: str) -> None:
        self.fo_path = str(Path(fo_file).resolve())
        self.dv_url = dv_url

    def engine(self) -> Engine:
        engine = sa.create_engine(self.dv_url)
        fo_path = self.fo_path
        dv_shown = str(sa.engine.make_url(self.dv_url).database)

        @sa.event.listens_for(engine, "connect")
        def attach(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT and cross-file atomicity;
            # SQLAlchemy's documented recipe turns it off and emits BEGIN itself (below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("ATTACH DATABASE ? AS fo", (fo_path,))
            for database, shown in (("main", dv_shown), ("fo", fo_path)):
                (mode,) = cursor.execute(f"PRAGMA {database}.journal_mode").fetchone()
                if str(mode).lower() == "wal":
                    cursor.close()
                    dbapi_connection.close()
                    # In WAL mode SQLite commits each attached file on its own: a batch could
                    # land on one side and not the other.
                    raise SyncSetupError(
                        f"{shown} is in WAL mode, where SQLite cannot commit both stores at "
                        "once; switch it back with `PRAGMA journal_mode=DELETE` (sqlite3 "
                        f"{shown} 'PRAGMA journal_mode=DELETE')"
                    )
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine

    def prepare(self, connection: Connection) -> None:
        pass  # the attached file is the `fo` schema already

    def final(self, changes: sa.Table) -> Any:
        """SQL: the logged change can no longer be preceded by another one. SQLite serializes
        writers, so every change it shows is final."""
        return sa.true()

    def triggers(self, schema: str, table: str, keys: list[str]) -> list[str]:
        """Triggers that log inserts, updates and deletes of `table` unless the sync writes."""

        def key_json(row: str) -> str:
            return "json_object(" + ", ".join(f"{literal(k)}, {row}.{quote(k)}" for k in keys) + ")"

        def trigger(event: str, body: str) -> str:
            name = quote(f"_mappingc_{table}_{event.lower()}")
            return (
                f"CREATE TRIGGER IF NOT EXISTS {schema}.{name} AFTER {event} ON {quote(table)} "
                f"WHEN (SELECT applying FROM {STATE} WHERE id = 1) = 0 BEGIN {body} END"
            )

        now = "(julianday('now') - 2440587.5) * 86400.0"
        columns = f"{CHANGES} (tbl, op, row_key, row_id, at)"
        key_changed = " OR ".join(f"OLD.{quote(k)} IS NOT NEW.{quote(k)}" for k in keys) or "0"
        tbl = literal(table)
        new_id, old_id = f"NEW.{quote(ROW_ID)}", f"OLD.{quote(ROW_ID)}"
        upsert = f"INSERT INTO {columns} VALUES ({tbl}, 'upsert', {key_json('NEW')}, {new_id}, "
        upsert += f"{now});"
        delete = f"INSERT INTO {columns} VALUES ({tbl}, 'delete', {key_json('OLD')}, {old_id}, "
        delete += f"{now});"
        return [
            trigger("INSERT", upsert),
            # A changed key is the old row gone and a new one there.
            trigger(
                "UPDATE",
                f"INSERT INTO {columns} SELECT {tbl}, 'delete', {key_json('OLD')}, {old_id}, "
                f"{now} WHERE {key_changed}; {upsert}",
            ),
            trigger("DELETE", delete),
        ]


class PostgreSQLBackend:
    """One PostgreSQL database: Dataverse tables in its default schema, FO tables in `fo`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def engine(self) -> Engine:
        return sa.create_engine(self.url)

    def prepare(self, connection: Connection) -> None:
        connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS fo")

    def final(self, changes: sa.Table) -> Any:
        """SQL: the logged change can no longer be preceded by another one: it was written by a
        transaction older than every running one. A transaction still running may log changes
        with a lower sequence number and commit later; it is never older than the snapshot's
        xmin, so nothing read here can be overtaken."""
        xmin = sa.func.pg_snapshot_xmin(sa.func.pg_current_snapshot())
        return changes.c.txid < sa.cast(sa.cast(xmin, sa.Text), sa.BigInteger)

    # PostgreSQL truncates longer identifiers, so two long names could become one.
    MAX_IDENTIFIER = 63

    def triggers(self, schema: str, table: str, keys: list[str]) -> list[str]:
        too_long = [n for n in (table, *keys) if len(n.encode("utf-8")) > self.MAX_IDENTIFIER]
        if too_long:
            raise SyncSetupError(
                f"PostgreSQL names have at most {self.MAX_IDENTIFIER} bytes; "
                f"{too_long[0]!r} is longer"
            )
        prefix = "fo." if schema == "fo" else ""
        limit = self.MAX_IDENTIFIER
        function = f"{prefix}{quote(_short_name('_mappingc_', table, '_log', limit))}"
        trigger_name = quote(_short_name("_mappingc_", table, "", limit))

        def key_json(row: str) -> str:
            return (
                "json_build_object("
                + ", ".join(f"{literal(k)}, {row}.{quote(k)}" for k in keys)
                + ")::text"
            )

        now = "extract(epoch from clock_timestamp())"
        log = (
            f"INSERT INTO {prefix}{CHANGES} (txid, tbl, op, row_key, row_id, at) "
            f"VALUES (pg_current_xact_id()::text::bigint, {literal(table)}, "
        )
        key_changed = (
            " OR ".join(f"OLD.{quote(k)} IS DISTINCT FROM NEW.{quote(k)}" for k in keys) or "false"
        )
        body = f"""
            BEGIN
                IF (SELECT applying FROM {prefix}{STATE} WHERE id = 1) = 0 THEN
                    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({key_changed})) THEN
                        {log}'delete', {key_json("OLD")}, OLD.{quote(ROW_ID)}, {now});
                    END IF;
                    IF TG_OP <> 'DELETE' THEN
                        {log}'upsert', {key_json("NEW")}, NEW.{quote(ROW_ID)}, {now});
                    END IF;
                END IF;
                RETURN NULL;
            END """
        tag = "$mappingc$"  # the body is quoted with a tag no name can close early
        if tag in body:
            raise SyncSetupError(f"table {table!r} or its key holds {tag}")
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
            f"AS {tag}{body}{tag}",
            f"DROP TRIGGER IF EXISTS {trigger_name} ON {prefix}{quote(table)}",
            f"CREATE TRIGGER {trigger_name} AFTER INSERT OR UPDATE OR DELETE "
            f"ON {prefix}{quote(table)} FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]


Backend = SQLiteBackend | PostgreSQLBackend


def backend_for(fo_url: str, dv_url: str) -> Backend:
    fo, dv = sa.engine.make_url(fo_url), sa.engine.make_url(dv_url)
    if fo.get_backend_name() == dv.get_backend_name() == "sqlite":
        if fo.database in (None, "", ":memory:") or dv.database in (None, "", ":memory:"):
            raise SyncSetupError("the SQLite stores must be files (they are opened more than once)")
        return SQLiteBackend(str(fo.database), dv_url)
    if fo.get_backend_name() == dv.get_backend_name() == "postgresql":
        if fo != dv:
            raise SyncSetupError(
                "on PostgreSQL both stores are one database (FO tables in schema `fo`, so that "
                f"one transaction spans both sides): give the same URL, not {fo_url} and {dv_url}"
            )
        return PostgreSQLBackend(dv_url)
    raise SyncSetupError(
        "the stores must be two SQLite files or one PostgreSQL database; "
        f"got {fo.get_backend_name()} and {dv.get_backend_name()}"
    )
