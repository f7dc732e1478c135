"""Polymorphic lookups in the sync (`customerid.Account(accountnumber).Contact(…)`): towards
Dataverse the first candidate table with a row of that key is taken, and the store keeps its
name beside the row id (`customeridtype`), as Dataverse does; towards FO the key is read back
from whichever table that is. On SQLite files and on PostgreSQL, initial and live, and through
`sync dump` / `sync load`; and the published sales order template, once it has a key, syncs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_support import built, delete, rows, store_locations, sync_engine, update, write

from conftest import REPO, compile_sources
from mappingc.output import write_tree
from mappingc.sides import Direction, Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.exports import dump, load
from mappingc.sync.spec import candidate_table, load_templates
from mappingc.sync.stores import Stores

ORDERS = """template accounts {
    label "Accounts"
    finance_operations Customers
    dataverse accounts
    key accountnumber
    CUSTOMERACCOUNT = accountnumber : string
}
template contacts {
    label "Contacts"
    finance_operations ContactPersons
    dataverse contacts
    key msdyn_contactpersonid
    CONTACTPERSONID = msdyn_contactpersonid : string
}
template orders {
    label "Orders"
    finance_operations SalesOrders
    dataverse salesorders
    key salesordernumber
    SALESORDERNUMBER = salesordernumber : string
    CUSTOMERNUMBER   = customerid.Account(accountnumber).Contact(msdyn_contactpersonid) : string
}
"""


@pytest.fixture(scope="module")
def orders_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(ORDERS, tmp_path_factory.mktemp("orders"))


@pytest.fixture(params=["sqlite", "postgresql"])
def orders(
    request: pytest.FixtureRequest, tmp_path: Path, orders_build: Path
) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path, load_templates(orders_build)) as engine:
        yield engine


def _customers(engine: SyncEngine) -> dict[str, tuple[str | None, str | None]]:
    """Each Dataverse order's customer: (table, its key), read through the stored id."""
    with engine.stores.engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT o.salesordernumber, o.customeridtype, a.accountnumber,"
                " c.msdyn_contactpersonid FROM salesorders o"
                " LEFT JOIN accounts a ON o.customeridtype = 'accounts' AND a._id = o.customerid"
                " LEFT JOIN contacts c ON o.customeridtype = 'contacts' AND c._id = o.customerid"
            )
        ).all()
    return {number: (table, account or contact) for number, table, account, contact in found}


def _id_of(engine: SyncEngine, table: str, column: str, value: str) -> int:
    t = engine.stores.dv_tables[table]
    with engine.stores.engine.connect() as conn:
        return int(conn.execute(sa.select(t.c["_id"]).where(t.c[column] == value)).scalar_one())


def test_candidate_tables_are_found_by_logical_name_or_entity_set() -> None:
    assert candidate_table("Account", ["accounts", "contacts"]) == "accounts"
    assert candidate_table("Contact", ["contact"]) == "contact"
    assert candidate_table("Category", ["categories"]) == "categories"
    assert candidate_table("Lead", ["accounts"]) is None


def test_init_takes_the_first_table_that_has_the_key_and_queues_the_rest(
    orders: SyncEngine,
) -> None:
    write(orders, "fo", "Customers", CUSTOMERACCOUNT="C1")
    write(orders, "fo", "Customers", CUSTOMERACCOUNT="BOTH")
    write(orders, "fo", "ContactPersons", CONTACTPERSONID="P1")
    write(orders, "fo", "ContactPersons", CONTACTPERSONID="BOTH")
    for number, customer in [("O1", "C1"), ("O2", "P1"), ("O3", "BOTH"), ("O4", "NOBODY")]:
        write(orders, "fo", "SalesOrders", SALESORDERNUMBER=number, CUSTOMERNUMBER=customer)
    write(orders, "fo", "SalesOrders", SALESORDERNUMBER="O5", CUSTOMERNUMBER=None)
    summary = orders.initial(Direction.TO_DATAVERSE)
    assert summary.written["orders"] == 4 and summary.failed["orders"] == 1
    assert _customers(orders) == {
        "O1": ("accounts", "C1"),
        "O2": ("contacts", "P1"),
        "O3": ("accounts", "BOTH"),  # Account is written first: it wins
        "O5": (None, None),
    }
    (error,) = orders.status().errors
    assert error.reason == (
        "orders: customerid: no accounts row with accountnumber = 'NOBODY' "
        "nor contacts row with msdyn_contactpersonid = 'NOBODY'"
    )
    # Back towards FO, each order's customer number is read from the table it points at.
    with orders.context.batch() as conn:
        for table in (orders.stores.fo_tables["SalesOrders"],):
            conn.execute(table.delete())
    orders.initial(Direction.TO_FINANCE_OPERATIONS)
    assert sorted(
        (r["SALESORDERNUMBER"], r["CUSTOMERNUMBER"]) for r in rows(orders, "fo", "SalesOrders")
    ) == [("O1", "C1"), ("O2", "P1"), ("O3", "BOTH"), ("O5", None)]


def test_live_edits_move_an_order_between_an_account_and_a_contact(orders: SyncEngine) -> None:
    write(orders, "fo", "Customers", CUSTOMERACCOUNT="C1")
    write(orders, "fo", "ContactPersons", CONTACTPERSONID="P1")
    write(orders, "fo", "SalesOrders", SALESORDERNUMBER="O1", CUSTOMERNUMBER="C1")
    orders.live()
    assert _customers(orders) == {"O1": ("accounts", "C1")}
    update(orders, "fo", "SalesOrders", {"SALESORDERNUMBER": "O1"}, CUSTOMERNUMBER="P1")
    orders.live()
    assert _customers(orders) == {"O1": ("contacts", "P1")}
    # Dataverse points the order back at the account: FO reads the account's number.
    account = _id_of(orders, "accounts", "accountnumber", "C1")
    update(
        orders,
        "dv",
        "salesorders",
        {"salesordernumber": "O1"},
        customerid=account,
        customeridtype="accounts",
    )
    orders.live()
    assert [r["CUSTOMERNUMBER"] for r in rows(orders, "fo", "SalesOrders")] == ["C1"]
    # A Dataverse row naming a table the lookup cannot point at is refused, with the reason.
    update(orders, "dv", "salesorders", {"salesordernumber": "O1"}, customeridtype="leads")
    summary = orders.live()
    assert summary.failed["orders"] == 1
    reasons = [e.reason for e in orders.status().errors]
    assert reasons == ["orders: customerid: customeridtype 'leads' is none of Account, Contact"]
    # The contact it pointed at deleted in Dataverse: the order's customer is gone with it.
    update(
        orders,
        "dv",
        "salesorders",
        {"salesordernumber": "O1"},
        customerid=_id_of(orders, "contacts", "msdyn_contactpersonid", "P1"),
        customeridtype="contacts",
    )
    orders.live()
    assert [r["CUSTOMERNUMBER"] for r in rows(orders, "fo", "SalesOrders")] == ["P1"]
    delete(orders, "fo", "SalesOrders", SALESORDERNUMBER="O1")
    orders.live()
    assert rows(orders, "dv", "salesorders") == []


def test_dump_and_load_name_the_candidate_not_the_type_column(
    orders: SyncEngine, tmp_path: Path
) -> None:
    write(orders, "fo", "ContactPersons", CONTACTPERSONID="P1")
    write(orders, "fo", "SalesOrders", SALESORDERNUMBER="O1", CUSTOMERNUMBER="P1")
    orders.initial(Direction.TO_DATAVERSE)
    spec = next(s for s in orders.specs if s.name == "orders")
    dumped = tmp_path / "orders.jsonl"
    assert dump(orders.context, spec, Side.DATAVERSE, dumped) == 1
    text = dumped.read_text(encoding="utf-8")
    assert '"customerid": {"Contact": {"msdyn_contactpersonid": "P1"}}' in text
    assert "customeridtype" not in text
    delete(orders, "dv", "salesorders", salesordernumber="O1")
    assert load(orders.context, spec, Side.DATAVERSE, dumped) == 1
    assert _customers(orders) == {"O1": ("contacts", "P1")}


def test_the_published_sales_order_template_syncs_once_it_has_a_key(tmp_path: Path) -> None:
    """Microsoft's Sales order headers template (customerid and msdyn_invoicecustomerid are
    polymorphic) with the accounts and contacts of the published catalog, keys added as a user
    adding them would."""
    folder = REPO / "mappings" / "dual-write"
    keys = {
        "cds_sales_order_headers__salesorders.dwmap": "msdyn_salesordernumber",
        "customers_v3__accounts.dwmap": "accountnumber",
        "cds_contacts_v2__contacts.dwmap": "msdyn_contactpersonid",
    }
    sources = [
        (f"mappings/shared/{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "mappings" / "shared").glob("*.dwmap"))
    ]
    for name, key in keys.items():
        text = (folder / name).read_text(encoding="utf-8")
        text = text.replace("\n    dataverse ", f"\n    key {key}\n    dataverse ", 1)
        sources.append((f"mappings/dual-write/{name}", text))
    build = compile_sources(sources)
    assert build.ok, build.render_diagnostics()
    out = tmp_path / "out"
    write_tree(out, build.files)
    skipped: dict[str, str] = {}
    specs = load_templates(out, skipped)
    assert skipped == {}
    orders = next(s for s in specs if s.name == "cds_sales_order_headers__salesorders")
    assert set(orders.polymorphic) == {"customerid", "msdyn_invoicecustomerid"}
    with store_locations("sqlite", tmp_path) as (fo, dv):
        stores = Stores(fo, dv, specs)
        stores.set_up()
        engine = SyncEngine(stores)
        accounts = next(s for s in specs if s.name == "customers_v3__accounts")
        write(engine, "fo", accounts.fo_table, CUSTOMERACCOUNT="US-001", PARTYTYPE="Organization")
        write(
            engine,
            "fo",
            orders.fo_table,
            SALESORDERNUMBER="SO-1",
            ORDERINGCUSTOMERACCOUNTNUMBER="US-001",
            INVOICECUSTOMERACCOUNTNUMBER="US-001",
        )
        engine.live()
        assert engine.status().errors == []
        (order,) = rows(engine, "dv", orders.dv_table)
        assert order["customeridtype"] == order["msdyn_invoicecustomeridtype"] == "accounts"
        stores.dispose()
