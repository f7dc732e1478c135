"""Benchmark (not a test): a template's SQL plan on DuckDB against its Python row function.

    .venv/bin/python benchmarks/bulk.py [--rows N]

On N loyalty cards (default 1,000,000; a CSV file made here, every 100th row with a symbol outside
the value map), measured in the same run:
- plan: `mappingc.plans.bulk.run_bulk`, CSV in, Parquet out, refused rows through the row
  function for their reasons (what `mappingc bulk` does after compiling);
- floor: DuckDB copying the same CSV to Parquet with no mapping at all;
- the plan again, on that Parquet file (no text to parse);
- Python: the generated `to_dataverse` over the rows read with the csv module (dates parsed), as
  the sync's row-by-row path maps them (no writing).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from mappingc.build import compile_directory
from mappingc.plans.bulk import run_bulk, source_types
from mappingc.plans.compile import plan_to_dataverse
from mappingc.runtime import MappingError

REPO = Path(__file__).resolve().parent.parent
TENDERS = ["asCardTender", "asContactTender", "noTender", "blocked"]


def _cards(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "CARDNUMBER",
                "CARDTENDERTYPE",
                "PARTYNUMBER",
                "REPLACEMENTCARDNUMBER",
                "OMOPERATINGUNITNUMBER",
                "LOYALTYENROLLMENTDATE",
                "LOYALTYENROLLMENTDATELOCAL",
            ]
        )
        for n in range(rows):
            tender = "lost" if n % 100 == 99 else TENDERS[n % 4]
            day = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
            writer.writerow([f"C-{n:07d}", tender, f"P-{n % 5000}", "", "OU-1", day, day])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    result = compile_directory(REPO / "mappings", emit=False)
    assert result.catalog is not None
    template = next(t for t in result.catalog.templates if t.name == "loyalty_card")
    plan = plan_to_dataverse(template, result.catalog)
    spec = importlib.util.spec_from_file_location("card", REPO / "generated/sync/loyalty_card.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["card"] = module
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory(prefix="mappingc-bench-bulk-") as work:
        source = Path(work) / "cards.csv"
        _cards(source, rows)
        started = time.perf_counter()
        done = run_bulk(
            plan,
            source_types(template, result.catalog),
            module.to_dataverse,
            source,
            Path(work) / "out.parquet",
            Path(work) / "errors.csv",
        )
        planned = time.perf_counter() - started
        started = time.perf_counter()
        duckdb.sql(
            f"COPY (SELECT * FROM read_csv('{source}', header = true)) "
            f"TO '{Path(work) / 'floor.parquet'}' (FORMAT PARQUET)"
        )
        floor = time.perf_counter() - started
        # The same plan on a Parquet input (what a data lake holds): no text to parse.
        started = time.perf_counter()
        from_parquet = run_bulk(
            plan,
            source_types(template, result.catalog),
            module.to_dataverse,
            Path(work) / "floor.parquet",
            Path(work) / "out2.parquet",
            Path(work) / "errors2.csv",
        )
        planned_parquet = time.perf_counter() - started
        assert (from_parquet.mapped, from_parquet.refused) == (done.mapped, done.refused)
        started = time.perf_counter()
        mapped = refused = 0
        with open(source, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                values: dict[str, object] = {k: (v or None) for k, v in row.items()}
                for name in ("LOYALTYENROLLMENTDATE", "LOYALTYENROLLMENTDATELOCAL"):
                    text = values[name]
                    values[name] = datetime.date.fromisoformat(text) if text else None  # type: ignore[arg-type]
                try:
                    module.to_dataverse(values)
                    mapped += 1
                except MappingError:
                    refused += 1
        python = time.perf_counter() - started
    assert (mapped, refused) == (done.mapped, done.refused)
    print(f"| measure ({rows:,} loyalty cards, {done.refused:,} refused) | time | rows/s |")
    print("|---|---|---|")
    print(
        "| plan on DuckDB, CSV → Parquet, refused rows with reasons | "
        f"{planned:.2f} s | {rows / planned:,.0f} |"
    )
    print(
        f"| floor: DuckDB copying CSV → Parquet, no mapping | {floor:.2f} s | {rows / floor:,.0f} |"
    )
    print(
        "| plan on DuckDB, Parquet → Parquet | "
        f"{planned_parquet:.2f} s | {rows / planned_parquet:,.0f} |"
    )
    print(
        "| Python: `to_dataverse` per row over the csv module | "
        f"{python:.2f} s | {rows / python:,.0f} |"
    )
    print(f"| plan / floor time | {planned / floor:.2f} x | |")
    print(f"| Python / plan time | {python / planned:.1f} x | |")


if __name__ == "__main__":
    main()
