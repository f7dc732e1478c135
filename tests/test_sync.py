"""The sync runtime on real SQLite files (no mocks): the loyalty templates and currencies."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_support import (
    POSTGRES,
    SPECS,
    delete,
    rows,
    store_locations,
    sync_engine,
    update,
    write,
)

from conftest import FIXTURES, REPO, compile_text
from mappingc.output import write_tree
from mappingc.sides import Direction, Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.exports import ExportError, dump, load
from mappingc.sync.spec import SyncSetupError, load_templates, ordered_templates
from mappingc.sync.stores import Stores


def test_postgres_is_tested_in_ci() -> None:
    assert POSTGRES or not os.environ.get("CI"), "CI must run the PostgreSQL sync tests"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path) as found:
        yield found


def test_initial_sync_orders_lookup_targets_first_and_resolves_them(engine: SyncEngine) -> None:
    # Reward points reference currencies, so currencies must reach Dataverse first.
    assert [s.name for s in ordered_templates(SPECS)].index("currencies") < [
        s.name for s in ordered_templates(SPECS)
    ].index("loyalty_reward_points")
    write(
        engine,
        "fo",
        "LoyaltyRewardPoints",
        REWARDPOINTID="R1",
        REWARDPOINTCURRENCY="USD",
        REDEEMABLE="yes",
        EXPIRATIONTIMEUNIT="month",
        MAXIMUMLOYALTYREWARDPOINTS=1250,
    )
    write(engine, "fo", "Currencies", CURRENCYCODE="USD", NAME="US dollar", SYMBOL="$")
    summary = engine.initial(Direction.TO_DATAVERSE)
    assert summary.written == {"currencies": 1, "loyalty_reward_points": 1}
    (currency,) = rows(engine, "dv", "transactioncurrencies")
    assert currency["exchangerate"] == decimal.Decimal("1.0000000000")  # the `none >>` default
    (points,) = rows(engine, "dv", "msdyn_loyaltyrewardpoints")
    assert points["msdyn_rewardpointcurrency"] == 1  # the related row's id, found by ISO code
    assert points["msdyn_redeemable"] is True and points["msdyn_expirationtimeunit"] == 806380001
    assert points["msdyn_maximumloyaltyrewardpoints"] == 1250
    assert engine.status().pending[Side.FINANCE_OPERATIONS] == 0


def test_initial_sync_towards_finance_and_operations(engine: SyncEngine) -> None:
    write(
        engine,
        "dv",
        "msdyn_loyaltycards",
        msdyn_cardnumber="C9",
        msdyn_cardtendertype=806380002,
        msdyn_replacementcardnumber="C10",
    )
    engine.initial(Direction.TO_FINANCE_OPERATIONS)
    (card,) = rows(engine, "fo", "LoyaltyCard")
    assert card["CARDNUMBER"] == "C9" and card["CARDTENDERTYPE"] == "noTender"
    assert card["REPLACEMENTCARDNUMBER"] is None  # `>` never flows towards FO


def test_lookup_cycles_are_reported() -> None:
    card = next(s for s in SPECS if s.name == "loyalty_card")
    points = next(s for s in SPECS if s.name == "loyalty_reward_points")
    cyclic = [
        dataclasses.replace(card, lookup_targets={"x": points.dv_table}),
        dataclasses.replace(points, lookup_targets={"y": card.dv_table}),
    ]
    with pytest.raises(
        SyncSetupError,
        match="lookups form a cycle: loyalty_card → loyalty_reward_points → loyalty_card",
    ):
        ordered_templates(cyclic)


def test_live_sync_both_directions_with_value_maps_and_one_way_fields(engine: SyncEngine) -> None:
    write(
        engine,
        "fo",
        "LoyaltyCard",
        CARDNUMBER="C1",
        CARDTENDERTYPE="asCardTender",
        PARTYNUMBER="P1",
        REPLACEMENTCARDNUMBER="C0",
        LOYALTYENROLLMENTDATE=datetime.date(2024, 1, 31),
    )
    assert engine.live().written == {"loyalty_card": 1}
    (dv,) = rows(engine, "dv", "msdyn_loyaltycards")
    assert (dv["msdyn_cardtendertype"], dv["msdyn_replacementcardnumber"]) == (806380000, "C0")
    update(
        engine,
        "dv",
        "msdyn_loyaltycards",
        {"msdyn_cardnumber": "C1"},
        msdyn_cardtendertype=806380003,
        msdyn_replacementcardnumber="C-from-dataverse",
    )
    assert engine.live().written == {"loyalty_card": 1}
    (fo,) = rows(engine, "fo", "LoyaltyCard")
    assert fo["CARDTENDERTYPE"] == "blocked"
    assert fo["REPLACEMENTCARDNUMBER"] == "C0"  # one-way `>`: Dataverse does not write it back


def test_writes_by_the_sync_never_come_back(engine: SyncEngine) -> None:
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1", CARDTENDERTYPE="noTender")
    assert engine.live().changes == 1
    status = engine.status()
    assert status.pending == {Side.FINANCE_OPERATIONS: 0, Side.DATAVERSE: 0}
    assert engine.live().changes == 0


def test_changes_apply_in_the_order_they_happened(engine: SyncEngine) -> None:
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1", PARTYNUMBER="first")
    engine.live()
    update(engine, "fo", "LoyaltyCard", {"CARDNUMBER": "C1"}, PARTYNUMBER="fo-edit")
    update(
        engine, "dv", "msdyn_loyaltycards", {"msdyn_cardnumber": "C1"}, msdyn_partynumber="dv-edit"
    )
    engine.live()
    assert rows(engine, "fo", "LoyaltyCard")[0]["PARTYNUMBER"] == "dv-edit"
    assert rows(engine, "dv", "msdyn_loyaltycards")[0]["msdyn_partynumber"] == "dv-edit"


def test_deletes_propagate(engine: SyncEngine) -> None:
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1")
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C2")
    engine.live()
    delete(engine, "dv", "msdyn_loyaltycards", msdyn_cardnumber="C1")
    assert engine.live().deleted == {"loyalty_card": 1}
    assert [r["CARDNUMBER"] for r in rows(engine, "fo", "LoyaltyCard")] == ["C2"]


def test_source_filter_keeps_rows_out(engine: SyncEngine) -> None:
    write(engine, "fo", "Currencies", CURRENCYCODE="999", NAME="placeholder")
    write(engine, "fo", "Currencies", CURRENCYCODE="EUR", NAME="Euro")
    summary = engine.live()
    assert (summary.skipped["currencies"], summary.written["currencies"]) == (1, 1)
    assert [r["isocurrencycode"] for r in rows(engine, "dv", "transactioncurrencies")] == ["EUR"]


def test_missing_lookup_target_is_a_row_error_that_can_be_retried(engine: SyncEngine) -> None:
    write(engine, "fo", "LoyaltyRewardPoints", REWARDPOINTID="R1", REWARDPOINTCURRENCY="EUR")
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1")
    summary = engine.live()
    assert summary.failed == {"loyalty_reward_points": 1} and summary.written == {"loyalty_card": 1}
    (error,) = engine.status().errors
    assert error.reason == (
        "loyalty_reward_points: msdyn_rewardpointcurrency: "
        "no transactioncurrencies row with isocurrencycode = 'EUR'"
    )
    assert rows(engine, "dv", "msdyn_loyaltyrewardpoints") == []  # not a null lookup: no row
    write(engine, "fo", "Currencies", CURRENCYCODE="EUR", NAME="Euro")
    engine.live()
    assert engine.retry().written == {"loyalty_reward_points": 1}
    assert engine.status().errors == []
    assert rows(engine, "dv", "msdyn_loyaltyrewardpoints")[0]["msdyn_rewardpointcurrency"] == 1


def test_a_bad_value_goes_to_the_error_queue(engine: SyncEngine) -> None:
    write(engine, "dv", "msdyn_loyaltycards", msdyn_cardnumber="C1", msdyn_cardtendertype=42)
    assert engine.live().failed == {"loyalty_card": 1}
    (error,) = engine.status().errors
    assert "msdyn_cardtendertype: 42 is not in value map CardTenderType" in error.reason


class Crash(Exception):
    pass


def test_a_failed_batch_leaves_both_sides_untouched_and_replays(engine: SyncEngine) -> None:
    for number in range(3):
        write(engine, "fo", "LoyaltyCard", CARDNUMBER=f"C{number}")
    write(engine, "dv", "msdyn_loyaltycards", msdyn_cardnumber="D1")

    def crash_at_third(count: int) -> None:
        if count == 3:
            raise Crash

    with pytest.raises(Crash):
        engine.live(fault=crash_at_third)
    assert [r["msdyn_cardnumber"] for r in rows(engine, "dv", "msdyn_loyaltycards")] == ["D1"]
    assert [r["CARDNUMBER"] for r in rows(engine, "fo", "LoyaltyCard")] == ["C0", "C1", "C2"]
    assert engine.status().pending[Side.FINANCE_OPERATIONS] == 3  # nothing consumed
    assert engine.live().changes == 4
    assert sorted(r["msdyn_cardnumber"] for r in rows(engine, "dv", "msdyn_loyaltycards")) == [
        "C0",
        "C1",
        "C2",
        "D1",
    ]
    assert sorted(r["CARDNUMBER"] for r in rows(engine, "fo", "LoyaltyCard")) == [
        "C0",
        "C1",
        "C2",
        "D1",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_mid_batch_then_restarted_loses_and_duplicates_nothing(
    backend: str, tmp_path: Path
) -> None:
    with store_locations(backend, tmp_path) as (fo, dv):
        stores = Stores(fo, dv, SPECS)
        stores.set_up()
        engine = SyncEngine(stores)
        for number in range(5):
            write(engine, "fo", "LoyaltyCard", CARDNUMBER=f"C{number}", PARTYNUMBER=str(number))
        stores.dispose()
        script = textwrap.dedent(f"""
            import os
            from pathlib import Path
            from mappingc.sync.engine import SyncEngine
            from mappingc.sync.spec import load_templates
            from mappingc.sync.stores import Stores
            stores = Stores({fo!r}, {dv!r}, load_templates(Path({str(REPO / "generated")!r})))
            def die(count):
                if count == 3:
                    os._exit(9)  # no cleanup, no rollback: the process is simply gone
            SyncEngine(stores).live(fault=die)
            """)
        killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert killed.returncode == 9, killed.stderr
        stores = Stores(fo, dv, SPECS)
        engine = SyncEngine(stores)
        assert rows(engine, "dv", "msdyn_loyaltycards") == []
        assert engine.live().changes == 5
        cards = rows(engine, "dv", "msdyn_loyaltycards")
        assert sorted(c["msdyn_cardnumber"] for c in cards) == ["C0", "C1", "C2", "C3", "C4"]
        stores.dispose()


def test_pause_queues_changes_and_resume_replays_them_in_order(engine: SyncEngine) -> None:
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1", PARTYNUMBER="a")
    engine.set_paused(True)
    update(engine, "fo", "LoyaltyCard", {"CARDNUMBER": "C1"}, PARTYNUMBER="b")
    update(engine, "fo", "LoyaltyCard", {"CARDNUMBER": "C1"}, PARTYNUMBER="c")
    assert engine.live().paused
    assert rows(engine, "dv", "msdyn_loyaltycards") == []
    assert engine.status().pending[Side.FINANCE_OPERATIONS] == 3
    engine.set_paused(False)
    assert engine.live().changes == 3
    assert rows(engine, "dv", "msdyn_loyaltycards")[0]["msdyn_partynumber"] == "c"


COMPANY_TEMPLATE = """template employees {
    label "Employees"
    finance_operations Employees
    dataverse cdm_workers
    key cdm_workernumber
    company_specific

    PERSONNELNUMBER = cdm_workernumber : string
    NAME            = cdm_name         : string
}
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_company_specific_rows_are_scoped_by_company(backend: str, tmp_path: Path) -> None:
    build = compile_text(COMPANY_TEMPLATE)
    assert build.ok, build.render_diagnostics()
    write_tree(tmp_path / "out", build.files)
    with store_locations(backend, tmp_path) as (fo, dv):
        company_scoped(Stores(fo, dv, load_templates(tmp_path / "out")))


def company_scoped(stores: Stores) -> None:
    stores.set_up()
    engine = SyncEngine(stores)
    write(engine, "fo", "Employees", PERSONNELNUMBER="000001", NAME="Ana", DATAAREAID="usmf")
    write(engine, "fo", "Employees", PERSONNELNUMBER="000001", NAME="Bo", DATAAREAID="dat")
    engine.live()
    workers = rows(engine, "dv", "cdm_workers")
    assert sorted((w["cdm_company"], w["cdm_name"]) for w in workers) == [
        ("dat", "Bo"),
        ("usmf", "Ana"),
    ]
    update(
        engine,
        "dv",
        "cdm_workers",
        {"cdm_company": "dat", "cdm_workernumber": "000001"},
        cdm_name="Bob",
    )
    engine.live()
    employees = {r["DATAAREAID"]: r["NAME"] for r in rows(engine, "fo", "Employees")}
    assert employees == {"usmf": "Ana", "dat": "Bob"}
    stores.dispose()


def test_csv_and_json_lines_in_and_out(engine: SyncEngine, tmp_path: Path) -> None:
    card = next(s for s in SPECS if s.name == "loyalty_card")
    points = next(s for s in SPECS if s.name == "loyalty_reward_points")
    currencies = next(s for s in SPECS if s.name == "currencies")
    (tmp_path / "cur.csv").write_text(
        "CURRENCYCODE,NAME,SYMBOL\nUSD,US dollar,$\n", encoding="utf-8"
    )
    (tmp_path / "cards.csv").write_text(
        "CARDNUMBER,CARDTENDERTYPE,LOYALTYENROLLMENTDATE\nC1,blocked,2024-01-31\n", encoding="utf-8"
    )
    assert load(engine.context, currencies, Side.FINANCE_OPERATIONS, tmp_path / "cur.csv") == 1
    assert load(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "cards.csv") == 1
    engine.live()
    (tmp_path / "points.jsonl").write_text(
        '{"msdyn_rewardpointid": "R1", "msdyn_redeemable": true,'
        ' "msdyn_rewardpointcurrency": {"isocurrencycode": "USD"}}\n',
        encoding="utf-8",
    )
    assert load(engine.context, points, Side.DATAVERSE, tmp_path / "points.jsonl") == 1
    engine.live()
    assert rows(engine, "fo", "LoyaltyRewardPoints")[0]["REWARDPOINTCURRENCY"] == "USD"
    assert dump(engine.context, points, Side.DATAVERSE, tmp_path / "out.jsonl") == 1
    assert (
        '"msdyn_rewardpointcurrency": {"isocurrencycode": "USD"}'
        in (tmp_path / "out.jsonl").read_text()
    )
    assert dump(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "out.csv") == 1
    assert "C1,blocked,,,,2024-01-31," in (tmp_path / "out.csv").read_text()
    (tmp_path / "bad.csv").write_text(
        "CARDNUMBER,LOYALTYENROLLMENTDATE\nC2,31/01/2024\n", encoding="utf-8"
    )
    with pytest.raises(ExportError, match=r"bad.csv:2: LOYALTYENROLLMENTDATE: "):
        load(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "bad.csv")


# ---------------------------------------------------------------- convergence
CARDS = ["C1", "C2", "C3"]
operations = st.lists(
    st.tuples(
        st.sampled_from(["fo", "dv", "sync"]),
        st.sampled_from(["upsert", "upsert", "delete"]),
        st.sampled_from(CARDS),
        st.sampled_from(["asCardTender", "asContactTender", "noTender", "blocked"]),
        st.text(alphabet="abc", max_size=3),
    ),
    max_size=12,
)
TENDER = {
    "asCardTender": 806380000,
    "asContactTender": 806380001,
    "noTender": 806380002,
    "blocked": 806380003,
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations)
def test_random_changes_on_both_sides_converge(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str, str, str, str]]
) -> None:
    folder = tmp_path_factory.mktemp("converge")
    stores = Stores(str(folder / "fo.db"), str(folder / "dv.db"), SPECS)
    stores.set_up()
    engine = SyncEngine(stores)
    for side, action, card, tender, party in ops:
        if side == "sync":
            engine.live(batch_size=2)
            continue
        table = "LoyaltyCard" if side == "fo" else "msdyn_loyaltycards"
        key = {"CARDNUMBER": card} if side == "fo" else {"msdyn_cardnumber": card}
        values = (
            {"CARDTENDERTYPE": tender, "PARTYNUMBER": party}
            if side == "fo"
            else {"msdyn_cardtendertype": TENDER[tender], "msdyn_partynumber": party}
        )
        existing = [r for r in rows(engine, side, table) if all(r[k] == v for k, v in key.items())]
        if action == "delete":
            delete(engine, side, table, **key)
        elif existing:
            update(engine, side, table, key, **values)
        else:
            write(engine, side, table, **key, **values)
    engine.live(batch_size=2)
    fo = {
        r["CARDNUMBER"]: (
            TENDER[r["CARDTENDERTYPE"]] if r["CARDTENDERTYPE"] else None,
            r["PARTYNUMBER"],
        )
        for r in rows(engine, "fo", "LoyaltyCard")
    }
    dv = {
        r["msdyn_cardnumber"]: (r["msdyn_cardtendertype"], r["msdyn_partynumber"])
        for r in rows(engine, "dv", "msdyn_loyaltycards")
    }
    assert fo == dv
    assert engine.status().errors == []
    stores.dispose()


def test_initial_sync_again_updates_and_queues_bad_rows(engine: SyncEngine) -> None:
    write(engine, "fo", "Currencies", CURRENCYCODE="USD", NAME="US dollar")
    write(engine, "fo", "LoyaltyRewardPoints", REWARDPOINTID="R1", REWARDPOINTCURRENCY="USD")
    write(engine, "fo", "LoyaltyRewardPoints", REWARDPOINTID="R2", REWARDPOINTCURRENCY="GBP")
    first = engine.initial(Direction.TO_DATAVERSE)
    assert (first.written["loyalty_reward_points"], first.failed["loyalty_reward_points"]) == (1, 1)
    update(engine, "fo", "Currencies", {"CURRENCYCODE": "USD"}, NAME="Dollar")
    again = engine.initial(Direction.TO_DATAVERSE)
    assert again.written["currencies"] == 1
    assert [r["currencyname"] for r in rows(engine, "dv", "transactioncurrencies")] == ["Dollar"]
    (error,) = engine.status().errors  # the same row failing again is one queue entry
    assert "isocurrencycode = 'GBP'" in error.reason


# ---------------------------------------------------------------- hostile names and files
HOSTILE_TEMPLATE = (FIXTURES / "repro" / "sync" / "sql_injection_fo_entity.dwmap").read_text()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_names_that_are_sql_stay_names(backend: str, tmp_path: Path) -> None:
    """An FO entity called `','upsert','{}',0);DELETE FROM fo."LoyaltyCard";…` is a table with
    that name: the change-capture triggers quote it, and nothing else is touched."""
    build = compile_text(HOSTILE_TEMPLATE + COMPANY_TEMPLATE.replace("company_specific\n", ""))
    assert build.ok, build.render_diagnostics()
    write_tree(tmp_path / "out", build.files)
    with store_locations(backend, tmp_path) as (fo, dv):
        stores = Stores(fo, dv, load_templates(tmp_path / "out"))
        stores.set_up()
        engine = SyncEngine(stores)
        entity = next(s.fo_table for s in engine.specs if s.name == "evil")
        write(engine, "fo", "Employees", PERSONNELNUMBER="1", NAME="Ana")
        write(engine, "fo", entity, K="k1")
        assert engine.live().written == {"employees": 1, "evil": 1}
        assert [r["k"] for r in rows(engine, "dv", "evil_table")] == ["k1"]
        assert [r["NAME"] for r in rows(engine, "fo", "Employees")] == ["Ana"]
        stores.dispose()


def test_a_csv_with_a_repeated_header_is_refused(engine: SyncEngine, tmp_path: Path) -> None:
    card = next(s for s in SPECS if s.name == "loyalty_card")
    shutil.copy(FIXTURES / "repro" / "sync" / "dup_header.csv", tmp_path / "dup.csv")
    with pytest.raises(ExportError, match="the header names PARTYNUMBER more than once"):
        load(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "dup.csv")
    assert rows(engine, "fo", "LoyaltyCard") == []


def test_a_binary_file_given_as_csv_is_refused(engine: SyncEngine, tmp_path: Path) -> None:
    card = next(s for s in SPECS if s.name == "loyalty_card")
    shutil.copy(FIXTURES / "repro" / "sync" / "binary.csv", tmp_path / "binary.csv")
    with pytest.raises(ExportError, match=r"not UTF-8 text|not a CSV file"):
        load(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "binary.csv")
