"""Plans with source filters (a WHERE the database runs, mappingc.plans.filters) against the
generated `accepts_from_*` and row functions: init each way and live runs leave the same rows
and the same error queue, on SQLite files and on PostgreSQL. The rows mix case, NULLs, text
that lower-cases differently in Python and in SQL (the Kelvin sign is a `k` to Python only),
numbers written as text, and values the mapping refuses."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sync_support import built, rows, store_locations, sync_engine
from test_sync_planned import _initial_both_ways

from mappingc.sides import Direction, Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.planned import planned_batches
from mappingc.sync.spec import load_templates
from mappingc.sync.stores import Stores

# Each comparison a plan translates: X++ text without regard to case (NULL is ""), a number,
# text compared with a number; OData text exactly, a number, a boolean, `null`.
SOURCE_FILTER = (
    '((KIND == "Organization") || (KIND == "k") || (KIND == "")) && !(CODE == 7) && (TEXTNUM != 1)'
)
REVERSED_FILTER = (
    "(kind eq 'Organization' or kind eq 'k' or textnum eq 1)"
    " and code ne 7 and flag ne false and not (note eq null)"
)
PARTIES = f"""template parties {{
    label "Parties"
    finance_operations Parties
    dataverse parties
    key number
    source_filter {SOURCE_FILTER}
    reversed_filter {REVERSED_FILTER}
    NUMBER  =  number  : string
    KIND    =  kind    : string(12)
    CODE    =  code    : int
    AMOUNT  =  amount  : decimal
    TEXTNUM =  textnum : string
    FLAG    =  flag    : bool
    NOTE    =  note    : string
}}
"""
KINDS = ["Organization", "ORGANIZATION", "organization", "Person", "k", "K", "\u212a", None, ""]
# A dotless i and a full-width O: no ASCII folding makes either "organization".
KINDS += ["Organizat\u0131on", "\uff2frganization", "Organization, too long"]
PARTY_FIELDS = ["KIND", "CODE", "AMOUNT", "TEXTNUM", "FLAG", "NOTE"]
PARTY = st.fixed_dictionaries(
    {
        "KIND": st.sampled_from(KINDS),
        "CODE": st.sampled_from([None, 7, 3]),
        "AMOUNT": st.sampled_from([None, decimal.Decimal("1.5"), decimal.Decimal("2")]),
        "TEXTNUM": st.sampled_from([None, "1", "01", "x", "İ"]),
        "FLAG": st.sampled_from([None, True, False]),
        "NOTE": st.sampled_from([None, "n"]),
    }
)


@pytest.fixture(scope="module")
def parties_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(PARTIES, tmp_path_factory.mktemp("parties"))


@pytest.fixture(params=["sqlite", "postgresql"])
def parties(
    request: pytest.FixtureRequest, tmp_path: Path, parties_build: Path
) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path, load_templates(parties_build)) as engine:
        yield engine


def _fill(engine: SyncEngine, side: Side, found: list[dict[str, Any]]) -> None:
    stores = engine.stores
    table = stores.tables(side)["Parties" if side is Side.FINANCE_OPERATIONS else "parties"]
    with stores.transaction() as conn:
        for cleared in (stores.fo_tables["Parties"], stores.dv_tables["parties"]):
            conn.execute(cleared.delete())
        for number, party in enumerate(found):
            values = {"NUMBER": str(number), **party}
            if side is Side.DATAVERSE:
                values = {name.lower(): value for name, value in values.items()}
            conn.execute(table.insert().values(values))


def test_both_ways_have_plans_whose_where_is_the_filter(parties: SyncEngine) -> None:
    spec = next(s for s in parties.specs if s.name == "parties")
    for side in Side:
        planned = planned_batches(parties.stores, spec, side)
        assert planned is not None
        assert "LOWER" in planned.upsert or side is Side.DATAVERSE
        assert "COALESCE" in planned.upsert
        if side is Side.FINANCE_OPERATIONS and parties.stores.engine.dialect.name == "postgresql":
            # folding ASCII alone, whatever the database's locale
            assert 'LOWER(COALESCE("KIND", \'\') COLLATE "C")' in planned.upsert


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(found=st.lists(PARTY, max_size=12), batch=st.sampled_from([1, 5, 1000]))
@example(found=[{**dict.fromkeys(PARTY_FIELDS, None), "KIND": "\u212a"}], batch=1000)
def test_init_towards_dataverse_filters_as_the_row_functions_do(
    parties: SyncEngine, found: list[dict[str, Any]], batch: int
) -> None:
    _fill(parties, Side.FINANCE_OPERATIONS, found)
    row_by_row, planned = _initial_both_ways(parties, Direction.TO_DATAVERSE, batch, "parties")
    assert planned == row_by_row


@SETTINGS
@given(found=st.lists(PARTY, max_size=12))
def test_init_towards_finance_and_operations_filters_as_the_row_functions_do(
    parties: SyncEngine, found: list[dict[str, Any]]
) -> None:
    _fill(parties, Side.DATAVERSE, found)
    row_by_row, planned = _initial_both_ways(
        parties, Direction.TO_FINANCE_OPERATIONS, 1000, "Parties"
    )
    assert planned == row_by_row


def _live(fo: str, dv: str, build: Path, edits: list[Any], set_based: bool) -> Any:
    stores = Stores(fo, dv, load_templates(build))
    stores.set_up()
    engine = SyncEngine(stores)
    engine.set_based = set_based
    for number, (side, party) in enumerate(edits):
        table = stores.fo_tables["Parties"] if side == "fo" else stores.dv_tables["parties"]
        values = {"NUMBER": str(number % 4), **party}
        if side == "dv":
            values = {name.lower(): value for name, value in values.items()}
        key = table.c["NUMBER" if side == "fo" else "number"]
        with stores.engine.begin() as conn:
            conn.execute(table.delete().where(key == values[key.name]))
            conn.execute(table.insert().values(values))
        if number % 5 == 4:
            engine.live(1000)
    engine.live(1000)
    errors = sorted((e.table, e.row_key, e.kind, e.reason) for e in engine.status().errors)
    found = [
        sorted(rows(engine, side, t), key=repr)
        for side, t in (("fo", "Parties"), ("dv", "parties"))
    ]
    stores.dispose()
    return found, errors


@SETTINGS
@given(edits=st.lists(st.tuples(st.sampled_from(["fo", "dv"]), PARTY), max_size=15))
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_live_runs_with_filters_leave_what_one_change_at_a_time_does(
    backend: str, tmp_path_factory: pytest.TempPathFactory, parties_build: Path, edits: list[Any]
) -> None:
    outcomes = []
    for set_based in (False, True):
        with store_locations(backend, tmp_path_factory.mktemp("live")) as (fo, dv):
            outcomes.append(_live(fo, dv, parties_build, edits, set_based))
    assert outcomes[1] == outcomes[0]
