"""Integration keys through lookups (`key msdyn_productnumber, msdyn_company.cdm_companycode`):
Dataverse rows are matched by the lookup column, which holds the related row's id; FO rows by
the fields mapped to the key. Initial and live sync, edits and deletes on both sides, on SQLite
files and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sync_support import built, delete, rows, sync_engine, update, write

from mappingc.sides import Direction
from mappingc.sync.engine import SyncEngine
from mappingc.sync.spec import load_templates

PRODUCTS = """template companies {
    label "Companies"
    finance_operations Companies
    dataverse cdm_companies
    key cdm_companycode
    DATAAREA = cdm_companycode : string
}
template products {
    label "Products"
    finance_operations Products
    dataverse msdyn_products
    key msdyn_productnumber, msdyn_company.cdm_companycode
    lookup msdyn_company -> cdm_companies
    PRODUCTNUMBER = msdyn_productnumber          : string
    COMPANY       = msdyn_company.cdm_companycode : string
    NAME          = msdyn_name                   : string
}
"""


@pytest.fixture(scope="module")
def products_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(PRODUCTS, tmp_path_factory.mktemp("products"))


@pytest.fixture(params=["sqlite", "postgresql"])
def products(
    request: pytest.FixtureRequest, tmp_path: Path, products_build: Path
) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path, load_templates(products_build)) as engine:
        yield engine


def _dataverse(engine: SyncEngine) -> list[tuple[Any, ...]]:
    """Dataverse products as (number, company code, name), the company read through its id."""
    with engine.stores.engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT p.msdyn_productnumber, c.cdm_companycode, p.msdyn_name"
                " FROM msdyn_products p LEFT JOIN cdm_companies c ON c._id = p.msdyn_company"
            )
        ).all()
    return sorted(tuple(row) for row in found)


def _finance_operations(engine: SyncEngine) -> list[tuple[Any, ...]]:
    return sorted(
        (r["PRODUCTNUMBER"], r["COMPANY"], r["NAME"]) for r in rows(engine, "fo", "Products")
    )


def test_one_number_in_two_companies_is_two_rows_matched_through_the_company(
    products: SyncEngine,
) -> None:
    for company in ("usmf", "demf"):
        write(products, "fo", "Companies", DATAAREA=company)
    for company, name in (("usmf", "Bike"), ("demf", "Fahrrad"), ("gbsi", "Bicycle")):
        write(products, "fo", "Products", PRODUCTNUMBER="P1", COMPANY=company, NAME=name)
    summary = products.initial(Direction.TO_DATAVERSE)
    assert summary.failed["products"] == 1
    assert _dataverse(products) == [("P1", "demf", "Fahrrad"), ("P1", "usmf", "Bike")]
    (error,) = products.status().errors
    assert error.reason == (
        "products: msdyn_company: no cdm_companies row with cdm_companycode = 'gbsi'"
    )


def test_live_edits_and_deletes_find_their_counterpart_through_the_lookup(
    products: SyncEngine,
) -> None:
    for company in ("usmf", "demf"):
        write(products, "fo", "Companies", DATAAREA=company)
    write(products, "fo", "Products", PRODUCTNUMBER="P1", COMPANY="usmf", NAME="Bike")
    write(products, "fo", "Products", PRODUCTNUMBER="P1", COMPANY="demf", NAME="Fahrrad")
    products.live()
    assert _dataverse(products) == [("P1", "demf", "Fahrrad"), ("P1", "usmf", "Bike")]
    # FO renames one company's product: only that Dataverse row changes.
    update(products, "fo", "Products", {"PRODUCTNUMBER": "P1", "COMPANY": "usmf"}, NAME="Cycle")
    products.live()
    assert _dataverse(products) == [("P1", "demf", "Fahrrad"), ("P1", "usmf", "Cycle")]
    # Dataverse renames the other: FO finds it by number and company code.
    demf = products.stores.dv_tables["cdm_companies"]
    with products.stores.engine.connect() as conn:
        demf_id = conn.execute(
            sa.select(demf.c["_id"]).where(demf.c["cdm_companycode"] == "demf")
        ).scalar_one()
    update(
        products,
        "dv",
        "msdyn_products",
        {"msdyn_productnumber": "P1", "msdyn_company": demf_id},
        msdyn_name="Rad",
    )
    products.live()
    assert _finance_operations(products) == [("P1", "demf", "Rad"), ("P1", "usmf", "Cycle")]
    # A delete on each side removes the counterpart in that company only.
    delete(products, "fo", "Products", PRODUCTNUMBER="P1", COMPANY="usmf")
    products.live()
    assert _dataverse(products) == [("P1", "demf", "Rad")]
    delete(products, "dv", "msdyn_products", msdyn_productnumber="P1", msdyn_company=demf_id)
    products.live()
    assert _finance_operations(products) == []
    assert products.status().errors == []


def test_a_later_edit_on_the_other_side_wins_through_the_lookup(products: SyncEngine) -> None:
    write(products, "fo", "Companies", DATAAREA="usmf")
    write(products, "fo", "Products", PRODUCTNUMBER="P1", COMPANY="usmf", NAME="Bike")
    products.live()
    usmf = next(r for r in rows(products, "dv", "msdyn_products"))["msdyn_company"]
    update(products, "fo", "Products", {"PRODUCTNUMBER": "P1"}, NAME="from FO")
    update(
        products,
        "dv",
        "msdyn_products",
        {"msdyn_productnumber": "P1", "msdyn_company": usmf},
        msdyn_name="from Dataverse",
    )
    summary = products.live()
    assert summary.conflicts["products"] == 1
    assert _dataverse(products) == [("P1", "usmf", "from Dataverse")]
    assert _finance_operations(products) == [("P1", "usmf", "from Dataverse")]


def test_a_key_through_a_lookup_that_names_no_table_is_refused_at_setup(tmp_path: Path) -> None:
    out = built(PRODUCTS.replace("    lookup msdyn_company -> cdm_companies\n", ""), tmp_path)
    skipped: dict[str, str] = {}
    assert [spec.name for spec in load_templates(out, skipped)] == ["companies"]
    assert skipped == {
        "products": "template products: the integration key goes through lookup msdyn_company, "
        "which names no table: add `lookup msdyn_company -> <table>`"
    }
