"""`mappingc bulk`: one template's mapping run set-based on DuckDB over files."""

from __future__ import annotations

import atexit
import sys
import tempfile
import time
from pathlib import Path

import click

from mappingc.cli import main
from mappingc.cli.common import (
    EXIT_FAILED,
    Refused,
    config,
    display_path,
    folders,
    guarded,
    is_stdio,
    mappings_option,
    no_such_template,
    report_diagnostics,
)


@main.command()
@click.argument("template_name", metavar="TEMPLATE")
@click.option(
    "--in",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="The rows to map (FO rows, or Dataverse rows with --direction to-finance-operations): "
    "a .csv file with a header row (`-`: CSV on standard input), or a .parquet file.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the mapped rows go: .csv or .parquet.",
)
@click.option(
    "--errors",
    "errors",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The refused rows with their reasons (CSV; default: <out>.errors.csv).",
)
@click.option(
    "--direction",
    type=click.Choice(["to-dataverse", "to-finance-operations"]),
    default="to-dataverse",
    show_default=True,
    help="Which way to map: the input holds FO rows, or Dataverse rows.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="DuckDB for files on this machine; Apache Spark (pyspark) for a cluster, where --out "
    "is a Parquet folder.",
)
@click.option(
    "--spark-master",
    default="local[*]",
    show_default=True,
    help="With --engine spark: the cluster (spark://host:7077, yarn, k8s://…).",
)
@click.option("--force", is_flag=True, help="Replace --out and --errors if they exist.")
@mappings_option
@guarded
def bulk(
    template_name: str,
    source: Path,
    out: Path,
    errors: Path | None,
    direction: str,
    engine: str,
    spark_master: str,
    force: bool,
    mappings: Path | None,
) -> None:
    """Map every row of a file at once (FO → Dataverse, or back with --direction), with the
    template's plan on DuckDB or Apache Spark.

    Rows the mapping refuses (a symbol outside its value map, a string too long) go to the
    errors file with the reason `mappingc sync` would queue. Runs the modules `mappingc build`
    wrote into generated/ (the `out` of [tool.mappingc]): build first. Templates with lookups
    are refused (`mappingc sync` maps those), and source filters run on DuckDB only.
    """
    from mappingc.build import compile_directory
    from mappingc.contract.manifest import Manifest, ManifestError
    from mappingc.plans.bulk import BulkError, run_bulk, source_types
    from mappingc.plans.compile import (
        PlanRefused,
        plan_to_dataverse,
        plan_to_finance_operations,
    )
    from mappingc.sides import COMPANY, Side
    from mappingc.sync.spec import SyncSetupError, built_module, load_module

    defaults = config()
    mappings, out_dir, _ = folders(mappings, None, defaults)
    if is_stdio(source):  # DuckDB reads files: standard input is copied into one, as CSV
        copied = tempfile.TemporaryDirectory(prefix="mappingc-bulk-")
        atexit.register(copied.cleanup)
        source = Path(copied.name) / "stdin.csv"
        source.write_bytes(sys.stdin.buffer.read())
    errors = errors or out.with_name(f"{out.stem}.errors.csv")
    for target in (out, errors):
        if target.exists() and not force:
            raise Refused(f"{display_path(target)} exists: pass --force to replace it")
    result = compile_directory(
        mappings, ignores=defaults.ignores, schemas_dir=defaults.schemas, emit=False
    )
    if result.errors or result.catalog is None:
        report_diagnostics(result)
        sys.exit(EXIT_FAILED)
    templates = {t.name: t for t in result.catalog.templates}
    template = templates.get(template_name)
    if template is None:
        raise no_such_template([template_name], templates)
    try:
        towards_dataverse = direction == "to-dataverse"
        compile_plan = plan_to_dataverse if towards_dataverse else plan_to_finance_operations
        plan = compile_plan(template, result.catalog)
        if plan.joins:  # the related rows are in another table, which bulk is not given
            related = ", ".join(f"{join.alias} → {join.table}" for join in plan.joins)
            raise PlanRefused(f"{template.name} looks up related rows ({related})")
        if plan.accepting is not None and engine == "spark":  # no row-by-row path there yet
            raise PlanRefused(
                f"{template.name} has a source filter, which bulk runs on DuckDB only"
            )
        entry = Manifest.read(out_dir).template(template.name)
        if entry is None:
            raise ManifestError(
                f"{template.name} is not in {display_path(out_dir)}: run `mappingc build` first"
            )
        module = load_module(built_module(out_dir, entry), template.name)
    except PlanRefused as refused:
        click.echo(f"mappingc: {refused}; `mappingc sync init` maps it row by row", err=True)
        sys.exit(EXIT_FAILED)
    except (ManifestError, SyncSetupError) as error:
        click.echo(f"mappingc: {error}", err=True)
        sys.exit(EXIT_FAILED)
    mapping = module.to_dataverse if towards_dataverse else module.to_finance_operations
    started = time.perf_counter()
    try:
        if engine == "spark":
            from mappingc.plans.spark import run_on_spark, session, spark_schema

            schema = spark_schema(template, result.catalog, towards_dataverse)
            written = Side.DATAVERSE if towards_dataverse else Side.FINANCE_OPERATIONS
            company = COMPANY[written] if template.company_specific else None
            spark = session(spark_master)
            done = run_on_spark(spark, plan, schema, mapping, source, out, errors, company)
        else:
            types = source_types(template, result.catalog, towards_dataverse)
            accepts = (
                module.accepts_from_finance_operations
                if towards_dataverse
                else module.accepts_from_dataverse
            )
            fields = (
                module.FINANCE_OPERATIONS_FIELDS if towards_dataverse else module.DATAVERSE_COLUMNS
            )
            done = run_bulk(plan, types, mapping, source, out, errors, accepts, fields)
    except BulkError as error:
        click.echo(f"mappingc: {display_path(source)}: {error}; nothing was written", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(
        f"mappingc: {done.mapped:,} row(s) → {display_path(out)}, {done.refused:,} refused → "
        f"{display_path(errors)} ({time.perf_counter() - started:.2f}s)",
        err=True,
    )
    if done.refused:
        sys.exit(EXIT_FAILED)
