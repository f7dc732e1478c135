"""`mappingc bulk` as a user runs it: a CSV export of FO rows in, Dataverse rows out as Parquet
or CSV through DuckDB, refused rows in the errors file with the row function's reason."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_sync import COMPANY_TEMPLATE

from conftest import REPO, compile_text, load_module
from mappingc.cli import main
from mappingc.output import write_tree
from mappingc.plans.bulk import run_bulk, source_types
from mappingc.plans.compile import plan_to_dataverse
from mappingc.runtime import MappingError

duckdb = pytest.importorskip("duckdb")

HEADER = (
    "CARDNUMBER,CARDTENDERTYPE,PARTYNUMBER,REPLACEMENTCARDNUMBER,OMOPERATINGUNITNUMBER,"
    "LOYALTYENROLLMENTDATE,LOYALTYENROLLMENTDATELOCAL\n"
)
CARDS = (
    HEADER
    + """C-0001,asCardTender,P-100,,OU-1,2024-01-31,2024-01-31
C-0002,blocked,P-200,C-0009,OU-1,2024-02-15,
C-0003,lost,P-300,,OU-2,,
"""
)


def _bulk(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["bulk", *args])
    return result.exit_code, result.output


@pytest.fixture
def cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)  # the repository's mappings/ and its fresh build in generated/
    path = tmp_path / "cards.csv"
    path.write_text(CARDS, encoding="utf-8")
    return path


def test_a_csv_export_becomes_parquet_and_the_refused_row_says_why(cards: Path) -> None:
    out = cards.with_name("cards.parquet")
    code, output = _bulk("loyalty_card", "--in", str(cards), "--out", str(out))
    assert code == 1, output  # a row was refused
    assert "2 row(s) →" in output and "1 refused →" in output
    rows = duckdb.sql(f"SELECT * FROM '{out}' ORDER BY msdyn_cardnumber").fetchall()
    assert [r[:2] for r in rows] == [("C-0001", 806380000), ("C-0002", 806380003)]
    errors = cards.with_name("cards.errors.csv").read_text(encoding="utf-8").splitlines()
    assert errors[1].startswith("C-0003,lost,")
    assert errors[1].endswith(
        "\"mappings/loyalty/loyalty_card.dwmap:21: CARDTENDERTYPE: 'lost' is not in value map "
        'CardTenderType (expected one of asCardTender, asContactTender, blocked, noTender)"'
    )
    # The CSV was parsed into a database file beside the output: gone with the run.
    assert sorted(p.name for p in cards.parent.iterdir()) == [
        "cards.csv",
        "cards.errors.csv",
        "cards.parquet",
    ]


def test_nothing_is_overwritten_unasked_and_parquet_reads_back_in(cards: Path) -> None:
    first = cards.with_name("first.parquet")
    assert _bulk("loyalty_card", "--in", str(cards), "--out", str(first))[0] == 1
    code, output = _bulk("loyalty_card", "--in", str(cards), "--out", str(first))
    assert code == 2 and "exists: pass --force" in output
    # The Dataverse rows are not FO rows: a plan reads the FO side, so this input has no
    # CARDNUMBER column and DuckDB says so; nothing is written.
    again = cards.with_name("again.csv")
    code, output = _bulk("loyalty_card", "--in", str(first), "--out", str(again))
    assert code == 1 and "nothing was written" in output and not again.exists()
    assert not [p for p in cards.parent.iterdir() if p.name.startswith(".")]
    code, output = _bulk("loyalty_card", "--in", str(cards), "--out", "no/such/folder/x.parquet")
    assert code == 1 and "cannot write into no/such/folder: No such file or directory" in output


def test_what_a_plan_cannot_do_is_said_with_the_way_that_can(cards: Path) -> None:
    code, output = _bulk("loyalty_reward_points", "--in", str(cards), "--out", "x.csv")
    assert code == 1 and "looks up related rows (msdyn_rewardpointcurrency" in output
    assert "`mappingc sync init` maps it row by row" in output
    code, output = _bulk("currencies", "--in", str(cards), "--out", "x.csv", "--engine", "spark")
    assert code == 1 and "currencies has a source filter, which bulk runs on DuckDB only" in output
    code, output = _bulk("loyalty_crd", "--in", str(cards), "--out", "x.csv")
    assert code == 2 and "did you mean `loyalty_card`?" in output


def test_dataverse_rows_map_back_to_finance_operations(cards: Path) -> None:
    dataverse = cards.with_name("dataverse.csv")
    dataverse.write_text(
        "msdyn_cardnumber,msdyn_cardtendertype,msdyn_partynumber,msdyn_operatingunitnumber,"
        "msdyn_enrollmentdate,msdyn_effectivedate\n"
        "C-0001,806380000,P-100,OU-1,2024-01-31,2024-01-31\n"
        "C-0002,806380009,P-200,OU-1,2024-02-15,\n",
        encoding="utf-8",
    )
    out = cards.with_name("fo.csv")
    code, output = _bulk(
        "loyalty_card",
        "--in",
        str(dataverse),
        "--out",
        str(out),
        "--direction",
        "to-finance-operations",
    )
    assert code == 1 and "1 row(s) →" in output and "1 refused →" in output, output
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("C-0001,asCardTender,P-100")
    errors = cards.with_name("fo.errors.csv").read_text(encoding="utf-8")
    assert "msdyn_cardtendertype: 806380009 is not in value map CardTenderType" in errors


@pytest.fixture
def employees_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of one company-specific template, built, with an FO export of two companies."""
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "employees.dwmap").write_text(COMPANY_TEMPLATE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["build"]).exit_code == 0
    export = tmp_path / "employees.csv"
    export.write_text(
        "PERSONNELNUMBER,NAME,DATAAREAID\n000001,Ana,usmf\n000001,Bo,dat\n", encoding="utf-8"
    )
    return export


def test_a_company_specific_template_keeps_each_row_s_company(employees_project: Path) -> None:
    """The same personnel number in two companies is two workers: without the company the two
    rows could not be told apart on the Dataverse side."""
    out = employees_project.with_name("workers.csv")
    code, output = _bulk("employees", "--in", str(employees_project), "--out", str(out))
    assert code == 0, output
    rows = duckdb.sql(f"SELECT cdm_company, cdm_workernumber, cdm_name FROM '{out}' ORDER BY 1")
    assert rows.fetchall() == [("dat", "000001", "Bo"), ("usmf", "000001", "Ana")]


# A source filter bulk runs on DuckDB: text compared without regard to case (the Kelvin sign
# is a `k` to Python alone, so such rows are decided by the row functions), a whole number.
PARTIES = """template parties {
    label "Parties"
    finance_operations Parties
    dataverse parties
    key number
    source_filter ((KIND == "Organization") || (KIND == "k")) && (CODE != 7)
    NUMBER = number : string
    KIND   = kind   : string(12)
    CODE   = code   : int
}
"""
PARTY = st.fixed_dictionaries(
    {
        "NUMBER": st.sampled_from(["1", "2", None]),
        "KIND": st.sampled_from(
            ["Organization", "ORGANIZATION", "k", "K", "\u212a", "\u212aa", None, "", "x" * 13]
        ),
        "CODE": st.sampled_from([None, 7, 3, 2**40]),
    }
)


@pytest.fixture(scope="module")
def parties(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any]:
    build = compile_text(PARTIES)
    assert build.ok and build.catalog is not None, build.render_diagnostics()
    out = tmp_path_factory.mktemp("parties") / "out"
    write_tree(out, build.files)
    (template,) = build.catalog.templates
    plan = plan_to_dataverse(template, build.catalog)
    types = source_types(template, build.catalog)
    return plan, types, load_module(out / "sync" / "parties.py")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(PARTY, max_size=12))
# The Kelvin sign is accepted (Python lower-cases it to `k`) and mapped by the row function.
@example(
    rows=[{"NUMBER": "1", "KIND": "\u212a", "CODE": 3}, {"NUMBER": "2", "KIND": "k", "CODE": 3}]
)
def test_a_source_filter_maps_and_refuses_what_the_row_functions_do(
    parties: tuple[Any, Any, Any], tmp_path_factory: pytest.TempPathFactory, rows: list[Any]
) -> None:
    plan, types, module = parties
    folder = tmp_path_factory.mktemp("bulk")
    source = folder / "in.parquet"
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE t (NUMBER VARCHAR, KIND VARCHAR, CODE BIGINT)")
        if rows:
            connection.executemany(
                "INSERT INTO t VALUES (?, ?, ?)",
                [[r["NUMBER"], r["KIND"], r["CODE"]] for r in rows],
            )
        connection.execute(f"COPY t TO '{source}' (FORMAT PARQUET)")
    out, errors = folder / "out.parquet", folder / "errors.csv"
    accepts = module.accepts_from_finance_operations
    done = run_bulk(plan, types, module.to_dataverse, source, out, errors, accepts)
    expected, refused = [], []
    for row in rows:
        if not accepts(row):
            continue
        try:
            expected.append(module.to_dataverse(row))
        except MappingError as error:
            refused.append(str(error))
    found = duckdb.sql(f"SELECT * FROM '{out}'")
    names = found.columns
    got = [dict(zip(names, values, strict=True)) for values in found.fetchall()]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    if rows[:1] == [{"NUMBER": "1", "KIND": "\u212a", "CODE": 3}]:  # the explicit example
        assert {"number": "1", "kind": "\u212a", "code": 3} in got
    assert (done.mapped, done.refused) == (len(expected), len(refused))
    with open(errors, encoding="utf-8", newline="") as handle:
        reasons = [line["reason"] for line in csv.DictReader(handle)]
    assert sorted(reasons) == sorted(refused)
