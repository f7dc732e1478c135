"""`mappingc bulk` as a user runs it: a CSV export of FO rows in, Dataverse rows out as Parquet
or CSV through DuckDB, refused rows in the errors file with the row function's reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from test_sync import COMPANY_TEMPLATE

from conftest import REPO
from mappingc.cli import main

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
        "\"CARDTENDERTYPE: 'lost' is not in value map CardTenderType (expected one of "
        'asCardTender, asContactTender, blocked, noTender)"'
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


def test_what_a_plan_cannot_do_is_said_with_the_way_that_can(cards: Path) -> None:
    code, output = _bulk("loyalty_reward_points", "--in", str(cards), "--out", "x.csv")
    assert code == 1 and "looks up related rows (msdyn_rewardpointcurrency" in output
    assert "`mappingc sync init` maps it row by row" in output
    code, output = _bulk("currencies", "--in", str(cards), "--out", "x.csv")
    assert code == 1 and "currencies has a source filter, which bulk does not run yet" in output
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
