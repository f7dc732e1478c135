"""`sync init` through a template's plan (the database maps each batch, mappingc.sync.planned)
against the row functions (every row through Python): the same rows on the other side, the same
error queue, the same counts, on SQLite files and on PostgreSQL, with rows generated to be bad."""

from __future__ import annotations

import datetime
import decimal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sync_support import SPECS, built, rows, store_locations, sync_engine, write

from conftest import REPO
from mappingc.sides import Direction, Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.planned import planned_batches
from mappingc.sync.spec import load_templates
from mappingc.sync.stores import Stores
from mappingc.sync.tables import ERRORS

# Every shape a plan writes: a sized key with a default (a NULL key and "x" are then one row),
# a company, whole numbers with a default and past 32 bits, a value map both ways with a
# default, dates, decimals, and a constant.
CARDS = """template cards {
    label "Cards"
    finance_operations Cards
    dataverse cards
    key code
    company_specific
    CODE       =  code       : string(5) default "x"
    COUNT      >  count      : int default 7
    BIG        >  big        : int64
    ACTIVE     >  active     : bool
    STAMP      >  stamp      : datetime
    DAY        =  day        : date
    AMOUNT     >  amount     : decimal
    STATE      >< state      via States default open
    none       >> origin     default "mappingc"
}
valuemap States {
    open   : 1
    closed : 2
}
"""


@pytest.fixture(scope="module")
def cards_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(CARDS, tmp_path_factory.mktemp("cards"))


@pytest.fixture(params=["sqlite", "postgresql"])
def cards(
    request: pytest.FixtureRequest, tmp_path: Path, cards_build: Path
) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path, load_templates(cards_build)) as engine:
        yield engine


def _initial_both_ways(
    engine: SyncEngine, direction: Direction, batch: int, table_name: str | None = None
) -> list[Any]:
    """What init makes of the stores row by row and through the plan, each from the same start
    (the target's rows as they were, an empty error queue): (rows, errors, counts) twice;
    the rows a source filter leaves out are counted as skipped either way."""
    target = direction.source.other
    tables = engine.stores.tables(target)
    table = tables[table_name] if table_name else next(iter(tables.values()))
    with engine.stores.engine.connect() as conn:
        before = [dict(r) for r in conn.execute(sa.select(table)).mappings()]
    outcomes = []
    for plans in (False, True):
        with engine.stores.transaction() as conn:
            conn.execute(table.delete())
            if before:
                conn.execute(table.insert(), before)
            conn.execute(engine.stores.table(ERRORS).delete())
            for side in Side:
                conn.execute(engine.stores.changes(side).delete())
        summary = engine.initial(direction, batch, plans=plans)
        errors = sorted((e.table, e.row_key, e.reason, e.row_id) for e in engine.status().errors)
        found = sorted(
            (
                sorted(r.items(), key=lambda kv: kv[0])
                for r in rows(engine, target.short, table.name)
            ),
            key=repr,
        )
        outcomes.append((found, errors, summary.written, summary.failed, summary.skipped))
    return outcomes


CODES = st.sampled_from([None, "A", "B", "x", "toolong", "C"])
FO_CARDS = st.lists(
    st.fixed_dictionaries(
        {
            "CODE": CODES,
            "DATAAREAID": st.sampled_from(["usmf", "dat", None]),
            "COUNT": st.one_of(st.none(), st.integers(-5, 5), st.just(2**31)),
            "BIG": st.one_of(st.none(), st.integers(-(2**40), 2**40)),
            "ACTIVE": st.one_of(st.none(), st.booleans()),
            "STAMP": st.one_of(st.none(), st.just(datetime.datetime(2024, 5, 6, 7, 8, 9, 10))),
            "DAY": st.one_of(st.none(), st.just(datetime.date(2024, 2, 29))),
            "AMOUNT": st.one_of(st.none(), st.just(decimal.Decimal("12.50"))),
            "STATE": st.sampled_from([None, "open", "closed", "bogus"]),
        }
    ),
    max_size=12,
    unique_by=lambda card: (card["CODE"], card["DATAAREAID"]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cards=FO_CARDS,
    existing=st.lists(CODES, max_size=3, unique=True),
    batch=st.sampled_from([1, 3, 1000]),
)
def test_planned_init_writes_and_queues_what_row_by_row_does(
    cards_engine: SyncEngine, cards: list[dict[str, Any]], existing: list[str | None], batch: int
) -> None:
    engine = cards_engine
    fo, dv = engine.stores.fo_tables["Cards"], engine.stores.dv_tables["cards"]
    if engine.stores.engine.dialect.name == "postgresql":  # its INTEGER holds 32 bits only
        cards = [{**c, "COUNT": 2**31 - 1} if c["COUNT"] == 2**31 else c for c in cards]
    with engine.stores.transaction() as conn:
        conn.execute(fo.delete())
        conn.execute(dv.delete())
        if cards:
            conn.execute(fo.insert(), cards)
        for code in existing:  # rows the init updates, with values it must replace
            conn.execute(dv.insert().values(code=code, cdm_company="usmf", count=99, state=2))
    assert planned_batches(engine.stores, engine.specs[0], Side.FINANCE_OPERATIONS) is not None
    row_by_row, planned = _initial_both_ways(engine, Direction.TO_DATAVERSE, batch)
    assert planned == row_by_row


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cards=st.lists(
        st.fixed_dictionaries(
            {
                "code": CODES,
                "cdm_company": st.sampled_from(["usmf", None]),
                "day": st.one_of(st.none(), st.just(datetime.date(2023, 1, 1))),
                "state": st.sampled_from([None, 1, 2, 3]),
            }
        ),
        max_size=10,
        unique_by=lambda card: (card["code"], card["cdm_company"]),
    )
)
def test_planned_init_towards_finance_and_operations_too(
    cards_engine: SyncEngine, cards: list[dict[str, Any]]
) -> None:
    engine = cards_engine
    fo, dv = engine.stores.fo_tables["Cards"], engine.stores.dv_tables["cards"]
    with engine.stores.transaction() as conn:
        conn.execute(fo.delete())
        conn.execute(dv.delete())
        if cards:
            conn.execute(dv.insert(), cards)
    row_by_row, planned = _initial_both_ways(engine, Direction.TO_FINANCE_OPERATIONS, 1000)
    assert planned == row_by_row


@pytest.fixture
def cards_engine(cards: SyncEngine) -> SyncEngine:
    return cards


def test_values_sqlite_stores_as_another_type_go_row_by_row(
    tmp_path: Path, cards_build: Path
) -> None:
    """SQLite keeps a value of any type in any column: an outside writer's text in a whole
    number column, or 5 in a boolean one, would be copied as it is by SQL. Row by row the first
    is refused and the second is True; the plan leaves both rows to the row functions."""
    stores = Stores(str(tmp_path / "fo.db"), str(tmp_path / "dv.db"), load_templates(cards_build))
    stores.set_up()
    engine = SyncEngine(stores)
    with stores.engine.begin() as conn:
        conn.exec_driver_sql(
            'INSERT INTO fo."Cards" ("CODE", "DATAAREAID", "COUNT", "ACTIVE", "AMOUNT") VALUES '
            "('A', 'usmf', 'many', 1, '1.5'), ('B', 'usmf', 3, 5, '2'), "
            "('C', 'usmf', 4, 0, 3.25), ('D', 'usmf', 2, 1, '4')"
        )
    row_by_row, planned = _initial_both_ways(engine, Direction.TO_DATAVERSE, 1000)
    assert planned == row_by_row
    _rows, errors, written, failed, _skipped = planned
    assert written == {"cards": 3} and failed == {"cards": 1}
    assert "expected int, got str 'many'" in errors[0][2]
    stores.dispose()


def test_the_seed_templates_sync_init_through_their_plans(tmp_path: Path) -> None:
    """The repo's own loyalty cards, levels, reward points (a lookup of currencies) and
    currencies (a source filter towards Dataverse) have plans each way. Init writes the same
    either way."""
    with sync_engine("sqlite", tmp_path) as engine:
        by_name = {s.name: s for s in SPECS}
        stores = engine.stores
        assert planned_batches(stores, by_name["loyalty_card"], Side.FINANCE_OPERATIONS)
        assert planned_batches(stores, by_name["loyalty_card"], Side.DATAVERSE)
        for side in Side:
            assert planned_batches(stores, by_name["currencies"], side)
        assert planned_batches(stores, by_name["loyalty_reward_points"], Side.FINANCE_OPERATIONS)
        assert planned_batches(stores, by_name["loyalty_reward_points"], Side.DATAVERSE)
        for n in range(30):
            write(
                engine,
                "fo",
                "LoyaltyCard",
                CARDNUMBER=f"C{n:03d}",
                CARDTENDERTYPE=["asCardTender", "blocked", "nonsense"][n % 3],
            )
        row_by_row, planned = _initial_both_ways(
            engine, Direction.TO_DATAVERSE, 7, "msdyn_loyaltycards"
        )
        assert planned == row_by_row
        assert planned[3] == {"loyalty_card": 10}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_planned_init_killed_mid_batch_keeps_whole_batches_and_a_rerun_completes(
    backend: str, tmp_path: Path
) -> None:
    """The process dies right after the database wrote its third batch, before the commit:
    two batches are there, none of the third, and init run again writes every card once."""
    with store_locations(backend, tmp_path) as (fo, dv):
        stores = Stores(fo, dv, SPECS)
        stores.set_up()
        cards = [{"CARDNUMBER": f"C{n:03d}", "CARDTENDERTYPE": "noTender"} for n in range(25)]
        with stores.transaction() as conn:
            conn.execute(stores.fo_tables["LoyaltyCard"].insert(), cards)
        stores.dispose()
        script = textwrap.dedent(f"""
            import os
            from pathlib import Path
            import sqlalchemy as sa
            from mappingc.sides import Direction
            from mappingc.sync.engine import SyncEngine
            from mappingc.sync.spec import load_templates
            from mappingc.sync.stores import Stores
            stores = Stores({fo!r}, {dv!r}, load_templates(Path({str(REPO / "generated")!r})))
            written = []
            @sa.event.listens_for(stores.engine, "after_cursor_execute")
            def die(conn, cursor, statement, *rest):
                if statement.startswith('INSERT INTO "msdyn_loyaltycards"'):
                    written.append(statement)
                    if len(written) == 3:
                        os._exit(9)  # no rollback, no cleanup: the process is gone
            SyncEngine(stores).initial(Direction.TO_DATAVERSE, 10)
            """)
        killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert killed.returncode == 9, killed.stderr
        stores = Stores(fo, dv, SPECS)
        engine = SyncEngine(stores)
        assert len(rows(engine, "dv", "msdyn_loyaltycards")) == 20
        assert engine.initial(Direction.TO_DATAVERSE, 10).written == {"loyalty_card": 25}
        found = sorted(c["msdyn_cardnumber"] for c in rows(engine, "dv", "msdyn_loyaltycards"))
        assert found == [c["CARDNUMBER"] for c in cards]
        stores.dispose()


# An outside writer's edits: (side, operation, code, values) on the cards of one company.
EDITS = st.lists(
    st.tuples(
        st.sampled_from(["fo", "dv"]),
        st.sampled_from(["insert", "update", "delete", "rekey"]),
        st.sampled_from(["A", "B", "C", "toolong"]),
        st.sampled_from([None, "open", "closed", "bogus"]),
    ),
    max_size=25,
)


SIDES = (("fo", "Cards"), ("dv", "cards"))


def _edit(engine: SyncEngine, side: str, op: str, code: str, state: str | None) -> None:
    """One edit as FO or Dataverse would make it (logged by the triggers); one that the store
    refuses (a second row with a key) is not made, on either run alike."""
    fo = side == "fo"
    table = engine.stores.fo_tables["Cards"] if fo else engine.stores.dv_tables["cards"]
    key, company = ("CODE", "DATAAREAID") if fo else ("code", "cdm_company")
    value = state if fo else {"open": 1, "closed": 2, "bogus": 3, None: None}[state]
    where = [table.c[key] == code, table.c[company] == "usmf"]
    with engine.stores.engine.begin() as conn:
        try:
            with conn.begin_nested():
                if op == "insert":
                    conn.execute(
                        table.insert().values(
                            {key: code, company: "usmf", ("STATE" if fo else "state"): value}
                        )
                    )
                elif op == "update":
                    conn.execute(
                        table.update().where(*where).values({("STATE" if fo else "state"): value})
                    )
                elif op == "delete":
                    conn.execute(table.delete().where(*where))
                else:  # a changed key: the old row gone, a new one there
                    conn.execute(table.update().where(*where).values({key: code.lower()}))
        except sa.exc.IntegrityError:
            pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=EDITS, batch=st.sampled_from([2, 1000]))
# Found by it: a delete, then an insert the mapping refuses, in one run, must still delete.
@example(
    edits=[("fo", "insert", "A", None)] * 7
    + [("fo", "delete", "A", None), ("fo", "insert", "A", "bogus")],
    batch=2,
)
# Found by it: a refused row whose key changed keeps its queue entry (it has the old key's row
# id, which the old key's delete, applied in the run, resolved only where it stands in the log).
@example(edits=[("dv", "insert", "A", "bogus"), ("dv", "rekey", "A", None)], batch=1000)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_live_sync_in_runs_leaves_what_one_change_at_a_time_does(
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    cards_build: Path,
    edits: list[Any],
    batch: int,
) -> None:
    """Set-based runs (mappingc.sync.planned_changes) against every change one by one: the
    same rows on both sides, the same error queue, after the same edits on both sides."""
    outcomes = []
    for set_based in (False, True):
        with store_locations(backend, tmp_path_factory.mktemp("live")) as (fo, dv):
            outcomes.append(_live_outcome(fo, dv, cards_build, edits, batch, set_based))
    assert outcomes[1] == outcomes[0]


def _live_outcome(
    fo: str, dv: str, build: Path, edits: list[Any], batch: int, set_based: bool
) -> tuple[Any, ...]:
    """Both sides' rows and the error queue after `edits`, live-synced now and then."""
    stores = Stores(fo, dv, load_templates(build))
    stores.set_up()
    engine = SyncEngine(stores)
    engine.set_based = set_based
    for number, edit in enumerate(edits):
        _edit(engine, *edit)
        if number % 7 == 6:
            engine.live(batch)
    engine.live(batch)
    errors = sorted((e.table, e.row_key, e.kind, e.reason) for e in engine.status().errors)
    # In any order: which _id a new row gets is the database's business.
    both = [sorted(rows(engine, side, table), key=repr) for side, table in SIDES]
    stores.dispose()
    return both, errors
