"""A template's plan on Apache Spark: the same SELECT, in Spark SQL, over a DataFrame.

Each partition maps its own rows: the plan is a projection and a filter, with no join, no
shuffle and no state, so Spark runs it where the data is, partition by partition, and the
output keeps the input's partitioning. The refused rows are a second filter over the same
input; their reasons come from the template's row function, which runs on the driver over
those rows only (they are few, or the input is wrong).

    mappingc bulk loyalty_card --in cards.parquet --out cards-dv.parquet --engine spark \\
        --spark-master spark://host:7077

runs it on a cluster (or `local[*]`, the default); with `spark-submit`, the entry point is
mappingc's own `__main__.py` with the same arguments. Output is a Parquet folder (for a
company-specific template, a folder per company: `cdm_company=usmf/`), the refused rows
`<out>.errors.csv`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mappingc import ir
from mappingc.plans.bulk import BulkError, BulkResult, staged, with_reasons, write_errors
from mappingc.plans.compile import Plan, source_kinds

# Spark's type of each FO field the plan reads; timestamps without a time zone, as both systems'.
_SPARK_TYPES = {
    ir.Kind.STRING: "string",
    ir.Kind.ENUM: "string",
    ir.Kind.INT: "bigint",
    ir.Kind.INT64: "bigint",
    ir.Kind.DECIMAL: "decimal(38, 10)",
    ir.Kind.BOOL: "boolean",
    ir.Kind.DATE: "date",
    ir.Kind.DATETIME: "timestamp_ntz",
}
VIEW = "mappingc_source_rows"


def spark_schema(template: ir.Template, catalog: ir.Catalog, towards_dataverse: bool = True) -> str:
    """The DDL schema of the rows the plan reads (`CARDNUMBER string, …`)."""
    kinds = source_kinds(template, catalog, towards_dataverse)
    return ", ".join(f"`{name}` {_SPARK_TYPES[kind]}" for name, kind in kinds.items())


def map_frame(
    spark: Any, plan: Plan, frame: Any, carry: tuple[str, ...] = ()
) -> tuple[Any, Any | None]:
    """(mapped rows, refused rows) of `frame`, as DataFrames: nothing runs until they are used.
    `carry` are columns of `frame` passed through in front of the mapped ones."""
    frame.createOrReplaceTempView(VIEW)
    refused = plan.refused("spark", source=VIEW)
    mapped = spark.sql(plan.select("spark", source=VIEW, carry=carry))
    return mapped, spark.sql(refused) if refused else None


def reasons(
    plan: Plan, refused: Any | None, mapping: Callable[[Mapping[str, object]], object]
) -> list[tuple[dict[str, object], str]]:
    """The refused rows, collected to the driver, each with its row function's reason."""
    records = refused.collect() if refused is not None else []
    return with_reasons(plan, (record.asDict() for record in records), mapping)


def _read(spark: Any, source: Path, schema: str) -> Any:
    """The input with the columns the plan reads, in their types, found by name: Spark given a
    schema fills a column a Parquet file lacks with nulls and takes a CSV's columns by position,
    so the file is read as it is and each column looked up and cast (ANSI casts: a value that
    is not one fails the run rather than becoming a null)."""
    if source.suffix == ".parquet":
        frame = spark.read.parquet(str(source))
    else:
        frame = spark.read.csv(str(source), header=True)
    wanted = [field.split("` ", 1) for field in schema.split(", ")]
    missing = [name.strip("`") for name, _ in wanted if name.strip("`") not in frame.columns]
    if missing:
        raise BulkError(f"{source} has no column {', '.join(missing)}")
    return frame.selectExpr(*(f"CAST({name}` AS {kind}) AS {name}`" for name, kind in wanted))


def run_on_spark(
    spark: Any,
    plan: Plan,
    schema: str,
    mapping: Callable[[Mapping[str, object]], object],
    source: Path,
    out: Path,
    errors: Path,
    partition_by: str | None = None,
) -> BulkResult:
    """Map `source` (Parquet, or CSV with a header row) into the Parquet folder `out`, in one
    folder per value of `partition_by` (the company, for a company-specific template); the
    refused rows, with their reasons, into the CSV file `errors`. Both are written beside their
    final names and moved into place: a failed run leaves neither."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        frame = _read(spark, source, schema)
        mapped, refused = map_frame(spark, plan, frame)
        staged_out, staged_errors = staged(out), staged(errors)
        try:
            if partition_by is None:
                mapped.write.parquet(str(staged_out))
            else:  # one task a company: each company's rows in files of their own
                writer = mapped.repartition(partition_by).write.partitionBy(partition_by)
                writer.parquet(str(staged_out))
            found = reasons(plan, refused, mapping)
            write_errors(staged_errors, found, frame.columns)
            count = spark.read.parquet(str(staged_out)).count()
            if out.exists():
                shutil.rmtree(out) if out.is_dir() else out.unlink()  # the caller was told --force
            os.replace(staged_out, out)
            os.replace(staged_errors, errors)
        finally:
            shutil.rmtree(staged_out, ignore_errors=True)
            staged_errors.unlink(missing_ok=True)
    except (PySparkException, Py4JJavaError) as error:  # the input, not mappingc: say it
        raise BulkError(str(error).strip().splitlines()[0]) from None
    return BulkResult(mapped=count, refused=len(found))


def session(master: str) -> Any:
    """A SparkSession on `master` (`local[*]`, `spark://host:7077`, `yarn`…)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("mappingc bulk")
    spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")  # mappingc says what happened; Spark's INFO is noise
    return spark
