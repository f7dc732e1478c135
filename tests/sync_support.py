"""What the sync tests share: the stores (two SQLite files, or a fresh PostgreSQL database) and
outside writers that change them as FO or Dataverse would."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import REPO, compile_text
from mappingc.output import write_tree
from mappingc.sync.engine import SyncEngine
from mappingc.sync.spec import TemplateSpec, load_templates
from mappingc.sync.stores import Stores

SPECS = load_templates(REPO / "generated")
# Set by `make test` (scripts/postgres-for-tests.sh): an admin URL to create test databases with.
POSTGRES = os.environ.get("MAPPINGC_TEST_POSTGRES")


@contextmanager
def store_locations(backend: str, folder: Path) -> Iterator[tuple[str, str]]:
    """(FO, Dataverse) store locations: two SQLite files, or one fresh PostgreSQL database."""
    if backend == "sqlite":
        yield str(folder / "fo.db"), str(folder / "dv.db")
        return
    if not POSTGRES:
        pytest.skip("no PostgreSQL server (make test starts one)")
    name = f"mappingc_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        yield url, url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def sync_engine(
    backend: str, folder: Path, specs: list[TemplateSpec] | None = None
) -> Iterator[SyncEngine]:
    """A sync engine on fresh stores of `backend`, set up for `specs` (default: this repo's)."""
    with store_locations(backend, folder) as (fo, dv):
        stores = Stores(fo, dv, SPECS if specs is None else specs)
        stores.set_up()
        yield SyncEngine(stores)
        stores.dispose()


def built(text: str, folder: Path) -> Path:
    """The templates of `text` compiled into `folder/out`, a build the sync loads."""
    build = compile_text(text)
    assert build.ok, build.render_diagnostics()
    write_tree(folder / "out", build.files)
    return folder / "out"


def write(engine: SyncEngine, side: str, table: str, **values: Any) -> None:
    """An outside writer (FO or Dataverse itself): logged by the triggers."""
    tables = engine.stores.fo_tables if side == "fo" else engine.stores.dv_tables
    with engine.stores.engine.begin() as conn:
        conn.execute(tables[table].insert().values(**values))


def update(engine: SyncEngine, side: str, table: str, key: dict[str, Any], **values: Any) -> None:
    tables = engine.stores.fo_tables if side == "fo" else engine.stores.dv_tables
    t = tables[table]
    with engine.stores.engine.begin() as conn:
        conn.execute(t.update().where(*(t.c[k] == v for k, v in key.items())).values(**values))


def delete(engine: SyncEngine, side: str, table: str, **key: Any) -> None:
    tables = engine.stores.fo_tables if side == "fo" else engine.stores.dv_tables
    t = tables[table]
    with engine.stores.engine.begin() as conn:
        conn.execute(t.delete().where(*(t.c[k] == v for k, v in key.items())))


def rows(engine: SyncEngine, side: str, table: str) -> list[dict[str, Any]]:
    tables = engine.stores.fo_tables if side == "fo" else engine.stores.dv_tables
    with engine.stores.engine.begin() as conn:
        found = conn.execute(sa.select(tables[table]).order_by(tables[table].c._id)).mappings()
        return [{k: v for k, v in r.items() if k != "_id"} for r in found]
