"""SQL plans against the row functions: for catalog templates, hypothesis makes tables of rows
(bad ones too: symbols outside a map, strings too long, whole numbers past 32 bits), and the plan
run on SQLite, DuckDB and PostgreSQL maps exactly the rows `to_dataverse` maps, to the same
values, and refuses exactly the rows it refuses."""

from __future__ import annotations

import datetime
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, compile_text, load_module, repo_build
from mappingc import ir
from mappingc.plans.compile import (
    DIALECTS,
    Plan,
    PlanRefused,
    plan_to_dataverse,
    plan_to_finance_operations,
)
from mappingc.runtime import MappingError

duckdb = pytest.importorskip("duckdb")

BUILD = repo_build()
assert BUILD.catalog is not None
CATALOG = BUILD.catalog
POSTGRES = os.environ.get("MAPPINGC_TEST_POSTGRES")
CATALOG_MAPS = {name: m.dataverse_kind for name, m in CATALOG.value_maps.items()}
_SQL_TYPES = {
    ir.Kind.STRING: "TEXT",
    ir.Kind.ENUM: "TEXT",
    ir.Kind.INT: "BIGINT",
    ir.Kind.INT64: "BIGINT",
    ir.Kind.BOOL: "BOOLEAN",
    ir.Kind.DATE: "DATE",
    ir.Kind.DATETIME: "TIMESTAMP",
}


def _sources(template: ir.Template, towards_dataverse: bool = True) -> dict[str, ir.Row]:
    """The fields a direction reads (FO fields towards Dataverse, Dataverse columns towards
    FO), with the row that reads each."""
    if towards_dataverse:
        return {
            r.finance_operations: r
            for r in template.rows
            if r.finance_operations is not None and r.map_type.to_dataverse and r.dataverse
        }
    return {
        r.dataverse.column: r
        for r in template.rows
        if r.dataverse is not None and r.finance_operations and r.map_type.to_finance_operations
    }


def _sql_type(row: ir.Row, towards_dataverse: bool) -> str:
    if row.value_map and not towards_dataverse:
        kind = CATALOG_MAPS.get(row.value_map)
        return {"int": "BIGINT", "bool": "BOOLEAN"}.get(kind or "", "TEXT")
    return _SQL_TYPES[row.type.kind]


def _planned() -> list[str]:
    """Catalog templates a plan expresses and this test can store (no decimals), the seeds first,
    then those with something to check: value maps, defaults, sized strings, whole numbers."""
    chosen = []
    for template in CATALOG.templates:
        try:
            plan = plan_to_dataverse(template, CATALOG)
        except PlanRefused:
            continue
        if plan.joins or plan.accepting is not None:  # tests/test_sync_planned_*.py
            continue
        kinds = {r.type.kind for r in _sources(template).values()}
        if not _sources(template) or ir.Kind.DECIMAL in kinds:
            continue
        interesting = any(
            r.value_map or r.default or r.type.size or r.type.kind is ir.Kind.INT
            for r in template.rows
        )
        if template.source.startswith("mappings/loyalty"):
            chosen.insert(0, template.name)
        elif interesting:
            chosen.append(template.name)
    return chosen[:8]


PLANNED = _planned()
# Any text a column can hold (PostgreSQL stores no NUL, no store holds a lone surrogate).
_ALPHABET = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


_LOOK_ALIKES = str.maketrans(
    {"k": "\u212a", "K": "\u212a", "s": "\u017f", "i": "\u0131", "I": "\u0130"}
)


def _values(row: ir.Row, towards_dataverse: bool = True) -> st.SearchStrategy[object]:
    kind, size = row.type.kind, row.type.size
    if row.value_map and not towards_dataverse:
        values = [e.value for e in CATALOG.value_maps[row.value_map].entries]
        if all(isinstance(v, bool) for v in values):
            return st.none() | st.booleans()
        if all(isinstance(v, int) for v in values):
            return st.none() | st.sampled_from(values) | st.integers(-5, 10**9)
        return st.none() | st.sampled_from(values) | _ALPHABET.map(str)
    if row.value_map:
        symbols = [e.symbol for e in CATALOG.value_maps[row.value_map].entries]
        # Symbols match without case (ASCII only): other cases map, and look-alikes outside
        # ASCII that some LOWER or UPPER turns into ASCII letters (the Kelvin sign, the long s,
        # the dotted and dotless i) are refused by every engine, as in Python.
        cased = [f(s) for s in symbols for f in (str.upper, str.lower, str.swapcase)]
        alike = [s.translate(_LOOK_ALIKES) for s in symbols if s.translate(_LOOK_ALIKES) != s]
        wrong = st.sampled_from(cased + alike + ["bogus", ""])
        return st.none() | st.sampled_from(symbols) | wrong
    if kind is ir.Kind.STRING:
        longest = (size + 2) if size is not None else 12
        return st.none() | st.text(_ALPHABET, max_size=longest)
    if kind is ir.Kind.INT:
        near = st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1])
        return st.none() | near | st.integers(-(2**40), 2**40)
    if kind is ir.Kind.INT64:
        return st.none() | st.integers(-(2**63), 2**63 - 1)
    if kind is ir.Kind.BOOL:
        return st.none() | st.booleans()
    if kind is ir.Kind.DATE:
        return st.none() | st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1))
    if kind is ir.Kind.DATETIME:
        return st.none() | st.datetimes(
            datetime.datetime(1900, 1, 1), datetime.datetime(2100, 1, 1)
        )
    raise AssertionError(f"no strategy for {kind}")


def _rows(
    template: ir.Template, towards_dataverse: bool = True
) -> st.SearchStrategy[list[dict[str, object]]]:
    sources = _sources(template, towards_dataverse)
    fields = {name: _values(row, towards_dataverse) for name, row in sources.items()}
    return st.lists(st.fixed_dictionaries(fields), min_size=1, max_size=25)


# ---------------------------------------------------------------- engines
Connection = Any  # a DB-API connection of one of the three engines


@contextmanager
def _engine(dialect: str) -> Iterator[Connection]:
    if dialect == "sqlite":
        connection = sqlite3.connect(":memory:")
        yield connection
        connection.close()
    elif dialect == "duckdb":
        connection = duckdb.connect()
        yield connection
        connection.close()
    else:
        psycopg = pytest.importorskip("psycopg")
        if not POSTGRES:
            pytest.skip("MAPPINGC_TEST_POSTGRES is not set (make test sets it)")
        connection = psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://"))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS mappingc_plans CASCADE")
            cursor.execute("CREATE SCHEMA mappingc_plans")
            cursor.execute("SET search_path TO mappingc_plans")
        yield connection
        connection.close()


def _load(
    connection: Connection,
    dialect: str,
    template: ir.Template,
    rows: list[dict[str, object]],
    towards_dataverse: bool = True,
) -> str:
    table = "source_rows"
    sources = _sources(template, towards_dataverse)
    typed = [f'"{n}" {_sql_type(r, towards_dataverse)}' for n, r in sources.items()]
    columns = ['"__row" BIGINT', *typed]
    marker = "?" if dialect in {"sqlite", "duckdb"} else "%s"
    cursor = connection.cursor()
    cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
    cursor.execute(f'CREATE TABLE "{table}" ({", ".join(columns)})')
    names = ", ".join(['"__row"', *(f'"{n}"' for n in sources)])
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join([marker] * (len(sources) + 1))})'
    for number, row in enumerate(rows):
        cursor.executemany(insert, [(number, *(row[n] for n in sources))])
    return table


def _run(connection: Connection, sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
    cursor = connection.cursor()
    cursor.execute(sql)
    return [d[0] for d in cursor.description], list(cursor.fetchall())


def _like(expected: object, got: object) -> object:
    """`got` in the Python type of `expected`: SQLite hands back dates as text, booleans as 0/1."""
    if isinstance(expected, datetime.datetime) and isinstance(got, str):
        return datetime.datetime.fromisoformat(got)
    if isinstance(expected, datetime.date) and isinstance(got, str):
        return datetime.date.fromisoformat(got)
    if isinstance(expected, bool) and isinstance(got, int):
        return bool(got)
    return got


def _python(
    module: ModuleType, rows: list[dict[str, object]], towards_dataverse: bool = True
) -> tuple[dict[int, dict[str, object]], set[int]]:
    function = module.to_dataverse if towards_dataverse else module.to_finance_operations
    mapped, refused = {}, set()
    for number, row in enumerate(rows):
        try:
            mapped[number] = function(row)
        except MappingError:
            refused.add(number)
    return mapped, refused


def _check(
    plan: Plan,
    module: ModuleType,
    dialect: str,
    connection: Connection,
    rows: list[dict[str, object]],
    template: ir.Template,
    towards_dataverse: bool = True,
) -> None:
    table = _load(connection, dialect, template, rows, towards_dataverse)
    expected, expected_refused = _python(module, rows, towards_dataverse)
    names, selected = _run(connection, plan.select(dialect, source=table, carry=("__row",)))
    got = {int(values[0]): dict(zip(names[1:], values[1:], strict=True)) for values in selected}
    refused_sql = plan.refused(dialect, source=table)
    refused = {int(r[0]) for r in _run(connection, refused_sql)[1]} if refused_sql else set()
    assert refused == expected_refused, (dialect, [rows[n] for n in refused ^ expected_refused])
    assert set(got) == set(expected)
    for number, out in expected.items():
        row = {k: _like(out.get(k), v) for k, v in got[number].items()}
        assert row == out, (dialect, rows[number])


def _module(name: str) -> ModuleType:
    return load_module(REPO / "generated" / "sync" / f"{name}.py")


@pytest.mark.parametrize("towards_dataverse", [True, False], ids=["to_dataverse", "to_fo"])
@pytest.mark.parametrize("dialect", ["sqlite", "duckdb", "postgres"])
@pytest.mark.parametrize("name", PLANNED)
def test_the_plan_maps_and_refuses_what_the_row_functions_do(
    name: str, dialect: str, towards_dataverse: bool
) -> None:
    template = next(t for t in CATALOG.templates if t.name == name)
    compile_plan = plan_to_dataverse if towards_dataverse else plan_to_finance_operations
    try:
        plan = compile_plan(template, CATALOG)
    except PlanRefused as refused:
        pytest.skip(str(refused))
    if not _sources(template, towards_dataverse):
        pytest.skip(f"{name} moves nothing that way")
    if plan.joins:
        pytest.skip(f"{name} looks up related rows: tests/test_sync_planned_lookups.py")
    if plan.accepting is not None:
        pytest.skip(f"{name} has a source filter: tests/test_sync_planned_filters.py")
    module = _module(name)
    with _engine(dialect) as connection:

        @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(_rows(template, towards_dataverse))
        def agree(rows: list[dict[str, object]]) -> None:
            _check(plan, module, dialect, connection, rows, template, towards_dataverse)

        agree()


def test_the_seeds_and_the_catalog_are_covered() -> None:
    assert "loyalty_card" in PLANNED and len(PLANNED) >= 6, PLANNED


def test_every_dialect_renders_every_plan_and_its_text_reads_back_the_same() -> None:
    """Every catalog plan renders in every dialect, and the text a generated module keeps is
    read back (mappingc.contract.plan_sql, the sync's way in) as the same plan, byte for byte."""
    counted: dict[str, int] = {}
    for template in CATALOG.templates:
        for towards, compile_plan in (
            ("dv", plan_to_dataverse),
            ("fo", plan_to_finance_operations),
        ):
            try:
                plan = compile_plan(template, CATALOG)
            except PlanRefused as refused:
                reason = str(refused).split(": ", 1)[1].split(" (", 1)[0]
                reason = re.sub(r"^lookup \S+ names", "lookup … names", reason)
                counted[f"{towards}: {reason}"] = counted.get(f"{towards}: {reason}", 0) + 1
                continue
            read_back = Plan.parse(plan.text(), template.name, plan.target_table)
            for dialect in DIALECTS:
                assert read_back.select(dialect) == plan.select(dialect)
                assert read_back.refused(dialect) == plan.refused(dialect)
            counted[f"{towards}: planned"] = counted.get(f"{towards}: planned", 0) + 1
    assert counted == {
        "dv: planned": 85,
        "dv: lookup … names no table": 86,
        "dv: lookups through lookups are not planned yet": 15,
        "dv: polymorphic lookups are not planned yet": 5,
        "dv: no row of the template maps this way": 1,
        "fo: planned": 67,
        "fo: lookup … names no table": 64,
        "fo: no row of the template maps this way": 47,
        "fo: lookups through lookups are not planned yet": 11,
        "fo: polymorphic lookups are not planned yet": 3,
    }


def test_what_a_plan_cannot_express_is_refused_with_the_reason() -> None:
    pairs = next(
        t
        for t in CATALOG.templates
        if t.name == "exchange_rate_currency_pair__msdyn_currencyexchangeratepairs__include"
    )
    with pytest.raises(PlanRefused, match=r"lookup \S+ names no table \(`lookup \S+ -> table`\)"):
        plan_to_dataverse(pairs, CATALOG)
    liked = compile_text(
        'template t {\n    label "T"\n    finance_operations T\n    dataverse t\n'
        '    source_filter (NAME like "A*")\n    NAME = name : string\n}\n'
    )
    assert liked.catalog is not None
    (template,) = liked.catalog.templates
    with pytest.raises(
        PlanRefused, match=r"t: source filter: `like` in a source filter is not planned yet"
    ):
        plan_to_dataverse(template, liked.catalog)


def test_a_source_filter_is_the_plans_where_and_rows_it_leaves_out_are_not_refused() -> None:
    currencies = next(t for t in CATALOG.templates if t.name == "currencies")
    plan = plan_to_dataverse(currencies, CATALOG)
    assert "WHERE (NOT (COALESCE(LOWER(COALESCE(\"CURRENCYCODE\", '')) = '999', FALSE)))" in (
        plan.select("postgres")
    )
    refused = plan.refused("postgres")
    assert refused is not None and refused.index("COALESCE(LOWER") < refused.index("LENGTH(")


def test_a_lookup_is_a_left_join_on_the_related_tables_key_each_way() -> None:
    """Towards Dataverse the related row is found by its alternate key and its id written;
    towards FO it is found by that id and its key read back. A key without its related row,
    or a related row gone, is refused (the row functions give the reason)."""
    points = next(t for t in CATALOG.templates if t.name == "loyalty_reward_points")
    to_dataverse = plan_to_dataverse(points, CATALOG).select("postgres")
    assert (
        'LEFT JOIN "transactioncurrencies" AS "msdyn_rewardpointcurrency" ON '
        '"msdyn_rewardpointcurrency"."isocurrencycode" = '
        '"LoyaltyRewardPoints"."REWARDPOINTCURRENCY"'
    ) in to_dataverse
    assert '"msdyn_rewardpointcurrency"."_id" AS "msdyn_rewardpointcurrency"' in to_dataverse
    assert (
        'NOT "LoyaltyRewardPoints"."REWARDPOINTCURRENCY" IS NULL '
        'AND "msdyn_rewardpointcurrency"."_id" IS NULL'
    ) in to_dataverse
    to_fo = plan_to_finance_operations(points, CATALOG).select("postgres")
    assert (
        'ON "msdyn_rewardpointcurrency"."_id" = '
        '"msdyn_loyaltyrewardpoints"."msdyn_rewardpointcurrency"'
    ) in to_fo
    assert '"msdyn_rewardpointcurrency"."isocurrencycode" AS "REWARDPOINTCURRENCY"' in to_fo


SHOWCASE = """template showcase {
    label "Showcase"
    finance_operations Showcase
    dataverse showcases
    key code
    CODE       =  code       : string(5)
    COUNT      >  count      : int default 7
    BIG        >  big        : int64
    ACTIVE     >  active     : bool
    STAMP      >  stamp      : datetime
    STATE      >< state      via States default open
    none       >> origin     default "mappingc"
}
valuemap States {
    open   : 1
    closed : 2
}
"""


@pytest.fixture(scope="module")
def showcase(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ir.Template, ir.Catalog, ModuleType]:
    from conftest import compile_text

    result = compile_text(SHOWCASE, path="mappings/showcase.dwmap")
    assert result.ok and result.catalog is not None, result.render_diagnostics()
    # Its value map is stored as the catalog's are: Dataverse whole numbers in a BIGINT column.
    CATALOG_MAPS.update({n: m.dataverse_kind for n, m in result.catalog.value_maps.items()})
    folder = tmp_path_factory.mktemp("showcase")
    module_path = folder / "showcase.py"
    module_path.write_text(result.files["sync/showcase.py"], encoding="utf-8")
    return result.catalog.templates[0], result.catalog, load_module(module_path)


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb", "postgres"])
@pytest.mark.parametrize("towards_dataverse", [True, False], ids=["to_dataverse", "to_fo"])
def test_defaults_constants_sizes_and_ranges_agree(
    dialect: str, towards_dataverse: bool, showcase: tuple[ir.Template, ir.Catalog, ModuleType]
) -> None:
    """Every shape a plan has, on a template made to hold them all (a template writes a column
    once, E200, so no two rows compete for one)."""
    template, catalog, module = showcase
    compile_plan = plan_to_dataverse if towards_dataverse else plan_to_finance_operations
    plan = compile_plan(template, catalog)
    sources = _sources(template, towards_dataverse)
    with _engine(dialect) as connection:

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            st.lists(
                st.fixed_dictionaries(
                    {n: _showcase_values(r, catalog, towards_dataverse) for n, r in sources.items()}
                ),
                min_size=1,
                max_size=25,
            )
        )
        def agree(rows: list[dict[str, object]]) -> None:
            _check(plan, module, dialect, connection, rows, template, towards_dataverse)

        agree()


def _showcase_values(
    row: ir.Row, catalog: ir.Catalog, towards_dataverse: bool
) -> st.SearchStrategy[object]:
    if row.value_map:
        entries = catalog.value_maps[row.value_map].entries
        if towards_dataverse:
            return st.none() | st.sampled_from([*(e.symbol for e in entries), "Open", "lost"])
        return st.none() | st.sampled_from([*(e.value for e in entries), 0, 3])
    return _values(row, towards_dataverse)
