"""A CSV cell means the same to `mappingc sync load` and to `mappingc bulk` (issue 28): the rule
of mappingc.contract.text_values in Python (what sync load checks before the typed model reads
the cell) and bulk's DuckDB SQL accept the same cells, with the same values, for every kind.
Then the regression tests of tests/fixtures/repro/bulk/, through the CLI on both commands."""

from __future__ import annotations

import datetime
import decimal
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from conftest import FIXTURES, REPO
from mappingc.cli import main
from mappingc.contract.text_values import problem
from mappingc.plans.bulk import _typed

duckdb = pytest.importorskip("duckdb")

# A field of each kind as the generated models type it, and the DuckDB type bulk reads it as.
KINDS = {
    "int": (int, "BIGINT"),
    "decimal": (decimal.Decimal, "DECIMAL(38, 10)"),
    "bool": (bool, "BOOLEAN"),
    "date": (datetime.date, "DATE"),
    "datetime": (datetime.datetime, "TIMESTAMP"),
}
_CONNECTION = duckdb.connect()


def by_sync_load(kind: str, cell: str) -> tuple[bool, object]:
    """What sync load makes of a cell: the text rule, then the typed model (pydantic)."""
    if problem(kind, cell) is not None:
        return False, None
    python_type, _ = KINDS[kind]

    class Row(BaseModel):
        value: python_type | None = None  # type: ignore[valid-type]

    try:
        value = Row(value=cell.strip()).value
    except ValidationError:
        return False, None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)  # a store keeps UTC
    if isinstance(value, decimal.Decimal):
        value = value.normalize()
    return True, value


def by_bulk(kind: str, cell: str, decimal_comma: bool = False) -> tuple[bool, object]:
    _, duckdb_type = KINDS[kind]
    value_sql, ok_sql = _typed("c", duckdb_type, decimal_comma)
    ok, value = _CONNECTION.execute(
        f"SELECT {ok_sql}, {value_sql} FROM (SELECT ?::VARCHAR AS c)", [cell]
    ).fetchone()
    if isinstance(value, decimal.Decimal):
        value = value.normalize()
    return bool(ok), value if ok else None


# Cells near the forms: signs, digits, dots, exponents, separators, words, spaces.
_PIECES = [
    "0000",
    "",
    "+",
    "-",
    "0",
    "00",
    "7",
    "12",
    "9" * 25,
    ".",
    ",",
    "e",
    "E2",
    "_",
    " ",
    "x",
    "true",
    "Yes",
    "NO",
    "1",
    "on",
    "T",
    "2024",
    "-01",
    "-31",
    "-02-30",
    "T09:30",
    ":00",
    ".5",
    "Z",
    "+02:00",
    " 10:15",
]
_CELLS = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join)


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=_CELLS)
@example(cell="1e2")
@example(cell="+5")
@example(cell="0003")
@example(cell="5.0")
@example(cell="1_000")
@example(cell=" 7 ")
@example(cell="2024-02-30")
@example(cell="0000-01-01")
@example(cell="-024-01-05")
@example(cell="0000-01-01T00:00")
@example(cell="2024-01-31T09:30:00Z")
def test_a_cell_means_the_same_to_sync_load_and_to_bulk(kind: str, cell: str) -> None:
    if not cell.strip():
        return  # an empty cell is no value to both (the CSV readers make it NULL)
    assert by_sync_load(kind, cell) == by_bulk(kind, cell), (kind, cell)


@settings(max_examples=300, deadline=None)
@given(cell=_CELLS)
@example(cell="1,5")
@example(cell="-12,25")
@example(cell="1,5,0")
def test_a_decimal_comma_in_a_semicolon_file_means_the_same_to_both(cell: str) -> None:
    """Where Excel writes `;` between cells, a decimal may carry a comma: sync load turns
    `-?digits,digits` into a point before the rule; bulk's SQL does the same."""
    if not cell.strip():
        return
    pointed = re.sub(r"^(-?\d+),(\d+)$", r"\1.\2", cell.strip())
    assert by_sync_load("decimal", pointed) == by_bulk("decimal", cell, decimal_comma=True), cell


# ---------------------------------------------------------------- the bulk reproducers
TEMPLATE = """template t1 {
    label "L"
    finance_operations FoE
    dataverse dv_t
    key dv_a
    K = dv_a : string
    S = dv_b : string(5)
    N > dv_n : int
    V >> dv_v via NoYes
}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The reproducers' project: their template and the catalog's shared value maps, built."""
    (tmp_path / "mappings" / "shared").mkdir(parents=True)
    (tmp_path / "mappings" / "t.dwmap").write_text(TEMPLATE, encoding="utf-8")
    shutil.copy(
        REPO / "mappings" / "shared" / "value_maps.dwmap",
        tmp_path / "mappings" / "shared" / "value_maps.dwmap",
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mappingc]\nmappings = "mappings"\nout = "generated"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["build", "-q"]).exit_code == 0
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_bulk_and_sync_load_take_and_refuse_the_same_whole_numbers(project: Path) -> None:
    """bulk-01: `1e2` was 100 to bulk and refused by sync load; `+5`, `0003` were untested."""
    assert (
        FIXTURES / "repro" / "bulk" / "bulk-01-int-exponent-accepted-vs-row-by-row.txt"
    ).exists()
    (project / "e.csv").write_text(
        "K,S,N,V\nk5,e,1e2,yes\nk6,f,+5,no\nk7,g,0003,YES\nk8,h,5.0,no\n", encoding="utf-8"
    )
    code, output = _run("bulk", "t1", "--in", "e.csv", "--out", "o.csv")
    assert code == 1 and "2 row(s) → o.csv, 2 refused" in output, output
    assert (project / "o.csv").read_text().splitlines()[1:] == ["k6,f,5,false", "k7,g,3,true"]
    errors = (project / "o.errors.csv").read_text().splitlines()
    assert errors[1:] == [
        "k5,e,1e2,yes,N: '1e2' is not a whole number",
        "k8,h,5.0,no,N: '5.0' is not a whole number",
    ]
    code, output = _run("sync", "load", "fo", "t1", "e.csv")
    assert code != 0
    assert output.startswith("mappingc: 2 problem(s) in e.csv; nothing was loaded:")  # one voice
    assert "e.csv:2: N: '1e2' is not a whole number" in output
    assert "e.csv:5: N: '5.0' is not a whole number" in output
    assert "e.csv:3" not in output and "e.csv:4" not in output  # +5 and YES are read alike


def test_a_ragged_row_is_refused_with_its_line_and_the_others_go_through(project: Path) -> None:
    """bulk-02: one short row refused the whole file, blaming columns that exist."""
    assert (
        FIXTURES / "repro" / "bulk" / "bulk-02-ragged-csv-refused-with-misleading-message.txt"
    ).exists()
    (project / "r.csv").write_text(
        'K,S,N,V\nk1,a,1,yes\nk3,z\nk4,b,2,no,extra\nk5,"tw\nl",3,no\n', encoding="utf-8"
    )
    code, output = _run("bulk", "t1", "--in", "r.csv", "--out", "o.csv")
    assert "2 row(s) → o.csv, 2 refused" in output, output
    errors = (project / "o.errors.csv").read_text().splitlines()
    assert errors[1] == ',,,,"line 3: 2 values for 4 columns (k3,z)"'
    assert errors[2] == ',,,,"line 4: 5 values for 4 columns (k4,b,2,no,extra)"'
    code, output = _run("sync", "load", "fo", "t1", "r.csv")
    assert code != 0 and "nothing was loaded" in output  # all or nothing, every bad row listed
    assert "r.csv:3: 2 values for 4 columns" in output
    assert "r.csv:4: 5 values for 4 columns" in output


def test_an_empty_file_and_a_header_alone_are_said_so(project: Path) -> None:
    (project / "empty.csv").write_bytes(b"")
    code, output = _run("bulk", "t1", "--in", "empty.csv", "--out", "o.csv")
    assert code == 1
    assert "empty.csv: the file is empty: it has no header line; nothing was written" in output
    assert not (project / "o.csv").exists()
    code, output = _run("sync", "load", "fo", "t1", "empty.csv")
    assert code != 0 and "empty.csv:1: the file is empty: it has no header line" in output
    (project / "header.csv").write_text("K,S,N,V\n", encoding="utf-8")
    code, output = _run("bulk", "t1", "--in", "header.csv", "--out", "o.csv")
    assert code == 0 and "0 row(s) → o.csv, 0 refused" in output, output
    assert (project / "o.csv").read_text().splitlines() == ["dv_a,dv_b,dv_n,dv_v"]
    # Nothing refused: the errors file is still a table, with its header (issue 30).
    assert (project / "o.errors.csv").read_text().splitlines() == ["K,S,N,V,reason"]
    # A field the export leaves out is empty, as sync load reads it (issue 30: the 4-column
    # cards.csv of docs/sync.md); a column the template has no field of is refused.
    (project / "lacking.csv").write_text("K,S\nk1,a\n", encoding="utf-8")
    code, output = _run("bulk", "t1", "--in", "lacking.csv", "--out", "o2.csv")
    assert code == 0 and "1 row(s) → o2.csv, 0 refused" in output, output
    assert (project / "o2.csv").read_text().splitlines() == ["dv_a,dv_b,dv_n,dv_v", "k1,a,,"]
    (project / "typo.csv").write_text("K,SS\nk1,a\n", encoding="utf-8")
    code, output = _run("bulk", "t1", "--in", "typo.csv", "--out", "o3.csv")
    assert code == 1 and "the header names SS, which the template has no field of" in output
    assert not (project / "o3.csv").exists()


def test_bulk_reads_standard_input_for_a_dash(project: Path) -> None:
    result = CliRunner().invoke(
        main, ["bulk", "t1", "--in", "-", "--out", "o.csv"], input="K,S,N,V\nk1,a,+5,yes\n"
    )
    assert result.exit_code == 0, result.output
    assert (project / "o.csv").read_text().splitlines()[1:] == ["k1,a,5,true"]


def test_bulk_help_says_what_its_files_hold_in_both_directions() -> None:
    """Issue 30: `--in` was "The FO rows" even with --direction to-finance-operations, and the
    help said "the build in the output folder" for generated/."""
    text = " ".join(CliRunner().invoke(main, ["bulk", "--help"]).output.split())
    assert "FO rows, or Dataverse rows with --direction to-finance-operations" in text
    assert "wrote into generated/" in text and "output folder" not in text
