"""Plans with lookups (a LEFT JOIN on the related table's key, mappingc.plans) against the row
functions and the sync's own lookups (mappingc.sync.mapping): init each way and live runs leave
the same rows and the same error queue, on SQLite files and on PostgreSQL, with keys that name
no related row, related rows gone, keys too long, NULLs, and edits of the related table
interleaved with the rows that point at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sync_support import built, rows, store_locations, sync_engine
from test_sync_planned import _initial_both_ways

from mappingc.sides import Direction, Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.planned import planned_batches
from mappingc.sync.spec import load_templates
from mappingc.sync.stores import Stores

# Items point at kinds twice: `kindid` with a default (a NULL kind is kind "A"), `otherid`
# without (a NULL clears it). Kinds keep codes longer than an item's field holds.
ITEMS = """template kinds {
    label "Kinds"
    finance_operations Kinds
    dataverse kinds
    key code
    CODE = code : string(8)
    NAME = name : string
}
template items {
    label "Items"
    finance_operations Items
    dataverse items
    key number
    lookup kindid -> kinds
    lookup otherid -> kinds
    NUMBER = number       : string
    KIND   = kindid.code  : string(3) default "A"
    OTHER  = otherid.code : string(3)
    NOTE   > note         : string
}
"""
CODES = st.sampled_from([None, "A", "B", "Z", "", "toolong"])


@pytest.fixture(scope="module")
def items_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(ITEMS, tmp_path_factory.mktemp("items"))


@pytest.fixture(params=["sqlite", "postgresql"])
def items(
    request: pytest.FixtureRequest, tmp_path: Path, items_build: Path
) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path, load_templates(items_build)) as engine:
        yield engine


def _spec(engine: SyncEngine, name: str) -> Any:
    return next(s for s in engine.specs if s.name == name)


def test_items_have_plans_each_way_that_join_their_kinds(items: SyncEngine) -> None:
    spec = _spec(items, "items")
    for side in Side:
        planned = planned_batches(items.stores, spec, side)
        assert planned is not None
        assert 'LEFT JOIN "kinds" AS "kindid"' in planned.upsert
        assert 'LEFT JOIN "kinds" AS "otherid"' in planned.upsert


def _reset(engine: SyncEngine, fo_items: list[dict[str, Any]], kinds: list[str | None]) -> None:
    stores = engine.stores
    with stores.transaction() as conn:
        for table in (stores.fo_tables["Items"], stores.dv_tables["items"]):
            conn.execute(table.delete())
        conn.execute(stores.dv_tables["kinds"].delete())
        for code in kinds:
            conn.execute(stores.dv_tables["kinds"].insert().values(code=code, name=f"k {code}"))
        if fo_items:
            conn.execute(stores.fo_tables["Items"].insert(), fo_items)


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    fo_items=st.lists(
        st.fixed_dictionaries(
            {
                "NUMBER": st.sampled_from([None, "1", "2", "3", "4"]),
                "KIND": CODES,
                "OTHER": CODES,
                "NOTE": st.sampled_from([None, "n"]),
            }
        ),
        max_size=10,
        unique_by=lambda item: item["NUMBER"],
    ),
    kinds=st.lists(CODES, max_size=4, unique=True),
    batch=st.sampled_from([1, 3, 1000]),
)
def test_init_towards_dataverse_resolves_and_refuses_lookups_as_row_by_row_does(
    items: SyncEngine, fo_items: list[dict[str, Any]], kinds: list[str | None], batch: int
) -> None:
    _reset(items, fo_items, kinds)
    row_by_row, planned = _initial_both_ways(items, Direction.TO_DATAVERSE, batch, "items")
    assert planned == row_by_row


@SETTINGS
@given(
    dv_items=st.lists(
        st.fixed_dictionaries(
            {
                "number": st.sampled_from([None, "1", "2", "3"]),
                # which kind, by its place in `kinds`; past the end, a kind that is gone
                "kindid": st.none() | st.integers(0, 4),
                "otherid": st.none() | st.integers(0, 4),
            }
        ),
        max_size=8,
        unique_by=lambda item: item["number"],
    ),
    kinds=st.lists(CODES, max_size=4, unique=True),
)
def test_init_towards_finance_and_operations_reads_related_keys_as_row_by_row_does(
    items: SyncEngine, dv_items: list[dict[str, Any]], kinds: list[str | None]
) -> None:
    _reset(items, [], kinds)
    stores = items.stores
    with stores.transaction() as conn:
        kind_ids = [r[0] for r in conn.execute(sa.text("SELECT _id FROM kinds ORDER BY _id"))]
        gone = 10_000  # an id no kind has
        for item in dv_items:
            values = {
                c: (None if item[c] is None else (kind_ids + [gone] * 5)[item[c]])
                for c in ("kindid", "otherid")
            }
            conn.execute(stores.dv_tables["items"].insert().values(number=item["number"], **values))
    fo_items = stores.fo_tables["Items"]
    row_by_row, planned = _initial_both_ways(
        items, Direction.TO_FINANCE_OPERATIONS, 1000, fo_items.name
    )
    assert planned == row_by_row


# An outside writer's edits: (side, table, operation, key, value), on kinds and on the items that
# point at them, so that a run meets a kind and the items that look it up.
EDITS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["fo", "dv"]),
            st.just("kinds"),
            st.sampled_from(["insert", "delete", "rekey"]),
            st.sampled_from(["A", "B", "toolong"]),
            st.none(),
        ),
        st.tuples(
            st.sampled_from(["fo", "dv"]),
            st.just("items"),
            st.sampled_from(["insert", "update", "delete"]),
            st.sampled_from(["1", "2"]),
            st.sampled_from([None, "A", "B", "Z", "toolong"]),
        ),
    ),
    max_size=25,
)


def _edit(engine: SyncEngine, side: str, table: str, op: str, key: str, kind: str | None) -> None:
    """One edit as FO or Dataverse would make it; one the store refuses is not made."""
    fo = side == "fo"
    stores = engine.stores
    if table == "kinds":
        target, column, values = (
            (stores.fo_tables["Kinds"], "CODE", {"NAME": key})
            if fo
            else (stores.dv_tables["kinds"], "code", {"name": key})
        )
    else:
        target, column = (
            (stores.fo_tables["Items"], "NUMBER") if fo else (stores.dv_tables["items"], "number")
        )
        if fo:
            values = {"KIND": kind, "NOTE": key}
        else:  # Dataverse points at a kind by its id (none: no such kind)
            kinds = stores.dv_tables["kinds"]
            values = {
                "kindid": sa.select(kinds.c["_id"]).where(kinds.c["code"] == kind).scalar_subquery()
            }
    where = target.c[column] == key
    with stores.engine.begin() as conn:
        try:
            with conn.begin_nested():
                if op == "insert":
                    conn.execute(target.insert().values({column: key, **values}))
                elif op == "update":
                    conn.execute(target.update().where(where).values(values))
                elif op == "delete":
                    conn.execute(target.delete().where(where))
                else:  # a changed key: the old row gone, a new one there
                    conn.execute(target.update().where(where).values({column: key.lower()}))
        except sa.exc.IntegrityError:
            pass


def _live_outcome(fo: str, dv: str, build: Path, edits: list[Any], set_based: bool) -> Any:
    stores = Stores(fo, dv, load_templates(build))
    stores.set_up()
    engine = SyncEngine(stores)
    engine.set_based = set_based
    for number, edit in enumerate(edits):
        _edit(engine, *edit)
        if number % 9 == 8:
            engine.live(1000)
    engine.live(1000)
    errors = sorted((e.table, e.row_key, e.kind, e.reason) for e in engine.status().errors)
    found = [
        sorted(rows(engine, side, table), key=repr)
        for side, table in (("fo", "Kinds"), ("fo", "Items"), ("dv", "kinds"))
    ]
    # The items' lookups by their kinds' codes: which _id a new kind gets is the database's.
    with stores.engine.connect() as conn:
        found.append(
            sorted(
                conn.execute(
                    sa.text(
                        "SELECT i.number, i.note, k.code, o.code FROM items i "
                        "LEFT JOIN kinds k ON k._id = i.kindid "
                        "LEFT JOIN kinds o ON o._id = i.otherid"
                    )
                ).all(),
                key=repr,
            )
        )
    stores.dispose()
    return found, errors


@SETTINGS
@given(edits=EDITS)
# An item before the kind it names, then one after it, in one batch: the first is refused, the
# second written, as one by one (a run never holds a kind and the items that look it up).
@example(
    edits=[
        ("fo", "items", "insert", "1", "B"),
        ("fo", "kinds", "insert", "B", None),
        ("fo", "items", "insert", "2", "B"),
    ]
)
# A Dataverse item deleted and back in one run: one by one its FO counterpart is deleted and made
# anew, without the note only FO writes; the run's upsert kept the old row's note (found here).
@example(
    edits=[
        ("fo", "kinds", "insert", "A", None),
        ("fo", "items", "insert", "1", None),
        *[("fo", "kinds", "insert", "A", None)] * 7,
        ("dv", "items", "delete", "1", None),
        ("dv", "items", "insert", "1", None),
    ]
)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_live_runs_with_lookups_leave_what_one_change_at_a_time_does(
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    items_build: Path,
    edits: list[Any],
) -> None:
    outcomes = []
    for set_based in (False, True):
        with store_locations(backend, tmp_path_factory.mktemp("live")) as (fo, dv):
            outcomes.append(_live_outcome(fo, dv, items_build, edits, set_based))
    assert outcomes[1] == outcomes[0]
