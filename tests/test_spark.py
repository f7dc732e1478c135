"""Plans on Apache Spark for real, in local mode (pyspark, and Java from Debian's
openjdk-17-jre-headless, which `make test` installs): on rows spread over several partitions,
the Spark SQL of a plan maps and refuses exactly what the row functions do."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import REPO, load_module, repo_build
from mappingc import ir
from mappingc.plans.compile import plan_to_dataverse
from mappingc.plans.spark import map_frame, reasons, run_on_spark, session, spark_schema
from mappingc.runtime import MappingError

pytest.importorskip("pyspark")

BUILD = repo_build()
assert BUILD.catalog is not None
CATALOG = BUILD.catalog
PARTITIONS = 4


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    active = session("local[2]")
    yield active
    active.stop()


def _card_rows(count: int) -> list[dict[str, object]]:
    """Loyalty cards, one in 50 with a symbol outside the map, some fields empty."""
    pick = random.Random(149)
    tenders = ["asCardTender", "asContactTender", "noTender", "blocked"]
    rows = []
    for n in range(count):
        day = datetime.date(2020, 1, 1) + datetime.timedelta(days=pick.randrange(2000))
        rows.append(
            {
                "CARDNUMBER": f"C-{n:05d}",
                "CARDTENDERTYPE": "lost" if n % 50 == 7 else pick.choice([*tenders, None]),
                "PARTYNUMBER": pick.choice([None, f"P-{n % 300}"]),
                "REPLACEMENTCARDNUMBER": None,
                "OMOPERATINGUNITNUMBER": "OU-1",
                "LOYALTYENROLLMENTDATE": day,
                "LOYALTYENROLLMENTDATELOCAL": pick.choice([None, day]),
            }
        )
    return rows


def _agree(
    spark: Any,
    template: ir.Template,
    catalog: ir.Catalog,
    module: ModuleType,
    rows: list[dict[str, object]],
) -> int:
    """Map `rows` on Spark and with the row function; the number refused (both agree on it)."""
    plan = plan_to_dataverse(template, catalog)
    fields = spark_schema(template, catalog).split(", ")
    names = [f.split("`")[1] for f in fields]
    frame = spark.createDataFrame(
        [(n, *(row[k] for k in names)) for n, row in enumerate(rows)],
        schema="`__row` bigint, " + ", ".join(fields),
    ).repartition(PARTITIONS)
    assert frame.rdd.getNumPartitions() == PARTITIONS
    mapped, refused = map_frame(spark, plan, frame, carry=("__row",))
    got = {
        r["__row"]: {k: v for k, v in r.asDict().items() if k != "__row"} for r in mapped.collect()
    }
    refused_rows = {int(row["__row"]) for row, _ in reasons(plan, refused, module.to_dataverse)}
    expected, expected_refused = {}, set()
    for number, row in enumerate(rows):
        try:
            expected[number] = module.to_dataverse(row)
        except MappingError:
            expected_refused.add(number)
    assert refused_rows == expected_refused
    assert got == expected
    return len(expected_refused)


def test_loyalty_cards_over_four_partitions_match_the_row_functions(spark: Any) -> None:
    template = next(t for t in CATALOG.templates if t.name == "loyalty_card")
    module = load_module(REPO / "generated" / "sync" / "loyalty_card.py")
    assert _agree(spark, template, CATALOG, module, _card_rows(4000)) == 80


def test_bulk_on_spark_writes_parquet_and_the_refused_rows(spark: Any, tmp_path: Path) -> None:
    template = next(t for t in CATALOG.templates if t.name == "loyalty_card")
    module = load_module(REPO / "generated" / "sync" / "loyalty_card.py")
    rows = _card_rows(500)
    schema = spark_schema(template, CATALOG)
    names = [f.split("`")[1] for f in schema.split(", ")]
    source = tmp_path / "cards.parquet"
    spark.createDataFrame(
        [tuple(row[k] for k in names) for row in rows], schema=schema
    ).write.parquet(str(source))
    plan = plan_to_dataverse(template, CATALOG)
    out, errors = tmp_path / "out.parquet", tmp_path / "errors.csv"
    done = run_on_spark(spark, plan, schema, module.to_dataverse, source, out, errors)
    assert (done.mapped, done.refused) == (490, 10)
    assert spark.read.parquet(str(out)).count() == 490
    assert "is not in value map CardTenderType" in errors.read_text(encoding="utf-8")


def test_every_shape_of_a_plan_agrees_on_spark(spark: Any, tmp_path: Path) -> None:
    """The template of tests/test_plans.py that holds every shape: defaults, constants,
    `string(5)`, 32- and 64-bit numbers, booleans, timestamps, a defaulted value map."""
    from test_plans import SHOWCASE

    from conftest import compile_text

    result = compile_text(SHOWCASE, path="mappings/showcase.dwmap")
    assert result.ok and result.catalog is not None
    (tmp_path / "showcase.py").write_text(result.files["sync/showcase.py"], encoding="utf-8")
    module = load_module(tmp_path / "showcase.py")
    pick = random.Random(7)
    rows = [
        {
            "CODE": pick.choice([None, "ab", "abcde", "abcdef", "ÄÖÜäö"]),
            "COUNT": pick.choice([None, 0, 2**31 - 1, 2**31, -(2**31) - 1]),
            "BIG": pick.choice([None, 2**62, -(2**63)]),
            "ACTIVE": pick.choice([None, True, False]),
            "STAMP": pick.choice([None, datetime.datetime(2024, 2, 29, 23, 59, 58, 123456)]),
            "STATE": pick.choice([None, "open", "closed", "Open", "lost"]),
        }
        for _ in range(1000)
    ]
    refused = _agree(spark, result.catalog.templates[0], result.catalog, module, rows)
    assert 0 < refused < 1000


def test_an_input_without_the_template_s_columns_is_said_plainly(
    spark: Any, tmp_path: Path
) -> None:
    """A Parquet file of other columns: Spark's own error, in one line, and nothing written."""
    from mappingc.plans.bulk import BulkError

    template = next(t for t in CATALOG.templates if t.name == "loyalty_card")
    module = load_module(REPO / "generated" / "sync" / "loyalty_card.py")
    source = tmp_path / "other.parquet"
    spark.createDataFrame([("x",)], schema="`SOMETHING` string").write.parquet(str(source))
    plan = plan_to_dataverse(template, CATALOG)
    out, errors = tmp_path / "out.parquet", tmp_path / "errors.csv"
    schema = spark_schema(template, CATALOG)
    with pytest.raises(BulkError):
        run_on_spark(spark, plan, schema, module.to_dataverse, source, out, errors)
    assert not out.exists() and not errors.exists()


def test_a_company_specific_template_is_written_a_folder_per_company(
    spark: Any, tmp_path: Path
) -> None:
    from test_sync import COMPANY_TEMPLATE

    from conftest import compile_text

    result = compile_text(COMPANY_TEMPLATE, path="mappings/employees.dwmap")
    assert result.ok and result.catalog is not None
    (tmp_path / "employees.py").write_text(result.files["sync/employees.py"], encoding="utf-8")
    module = load_module(tmp_path / "employees.py")
    template = result.catalog.templates[0]
    schema = spark_schema(template, result.catalog)
    companies = ["usmf", "dat", "gbsi"]
    rows = [(f"{n:06d}", f"Worker {n}", companies[n % 3]) for n in range(300)]
    source = tmp_path / "employees.parquet"
    columns = {f.split("`")[1]: f for f in schema.split(", ")}
    ordered = ", ".join(columns[c] for c in ("PERSONNELNUMBER", "NAME", "DATAAREAID"))
    spark.createDataFrame(rows, schema=ordered).write.parquet(str(source))
    plan = plan_to_dataverse(template, result.catalog)
    out, errors = tmp_path / "workers", tmp_path / "errors.csv"
    done = run_on_spark(
        spark, plan, schema, module.to_dataverse, source, out, errors, "cdm_company"
    )
    assert (done.mapped, done.refused) == (300, 0)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "cdm_company=dat",
        "cdm_company=gbsi",
        "cdm_company=usmf",
    ]
    usmf = spark.read.parquet(str(out / "cdm_company=usmf")).collect()
    assert len(usmf) == 100 and {r["cdm_workernumber"] for r in usmf} >= {"000000", "000003"}
