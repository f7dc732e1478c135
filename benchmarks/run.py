"""Benchmarks (not tests): build times, and mapping throughput against hand-written code.

    make bench            # or: .venv/bin/python benchmarks/run.py

Prints a Markdown table; the README records the figures of a run on the CI machine size.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

# `MAPPINGC_BENCH_QUICK=1`: the smallest run that still measures (tests/test_benchmarks.py
# runs every benchmark so in `make test`, so that none of them rots).
QUICK = os.environ.get("MAPPINGC_BENCH_QUICK") == "1"
REPO = Path(__file__).resolve().parent.parent
MAPPINGC = [sys.executable, "-m", "mappingc"]

CARD_ROW: dict[str, object] = {
    "CARDNUMBER": "C-0001",
    "CARDTENDERTYPE": "asContactTender",
    "PARTYNUMBER": "P-42",
    "REPLACEMENTCARDNUMBER": "C-0002",
    "OMOPERATINGUNITNUMBER": "OU-7",
    "LOYALTYENROLLMENTDATE": datetime.date(2024, 1, 31),
    "LOYALTYENROLLMENTDATELOCAL": datetime.date(2024, 2, 1),
}

# What a careful person writes by hand for the same template: a dict per value map, one `if` per
# field, no type checks. This is the floor the generated code is measured against.
_TENDER = {"asCardTender": 806380000, "asContactTender": 806380001, "noTender": 806380002,
           "blocked": 806380003}  # fmt: skip


def hand_written_to_dataverse(row: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    if "CARDNUMBER" in row:
        out["msdyn_cardnumber"] = row["CARDNUMBER"]
    if "CARDTENDERTYPE" in row:
        tender = row["CARDTENDERTYPE"]
        out["msdyn_cardtendertype"] = None if tender is None else _TENDER[str(tender)]
    if "PARTYNUMBER" in row:
        out["msdyn_partynumber"] = row["PARTYNUMBER"]
    if "REPLACEMENTCARDNUMBER" in row:
        out["msdyn_replacementcardnumber"] = row["REPLACEMENTCARDNUMBER"]
    if "OMOPERATINGUNITNUMBER" in row:
        out["msdyn_operatingunitnumber"] = row["OMOPERATINGUNITNUMBER"]
    if "LOYALTYENROLLMENTDATE" in row:
        out["msdyn_enrollmentdate"] = row["LOYALTYENROLLMENTDATE"]
    if "LOYALTYENROLLMENTDATELOCAL" in row:
        out["msdyn_effectivedate"] = row["LOYALTYENROLLMENTDATELOCAL"]
    return out


def _median_seconds(run: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _cli(*args: str) -> None:
    subprocess.run([*MAPPINGC, *args], cwd=REPO, check=True, capture_output=True)


def build_times(repeat: int = 1 if QUICK else 5) -> tuple[float, float]:
    """(cold, no-op) wall time of `mappingc build` of mappings/ as a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"

        def cold() -> None:  # nothing cached, nothing written
            shutil.rmtree(out, ignore_errors=True)
            _cli("build", "--no-cache", "--out", str(out))

        cold_seconds = _median_seconds(cold, repeat)
        _cli("build", "--out", str(out))
        noop_seconds = _median_seconds(lambda: _cli("build", "--out", str(out)), repeat)
    return cold_seconds, noop_seconds


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_loyalty_card", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def throughput(number: int = 2_000 if QUICK else 200_000) -> tuple[float, float]:
    """Rows per second of to_dataverse: (generated, hand-written)."""
    module = _load(REPO / "generated" / "sync" / "loyalty_card.py")
    assert module.to_dataverse(CARD_ROW) == hand_written_to_dataverse(CARD_ROW)
    generated = min(timeit.repeat(lambda: module.to_dataverse(CARD_ROW), number=number, repeat=3))
    hand = min(timeit.repeat(lambda: hand_written_to_dataverse(CARD_ROW), number=number, repeat=3))
    return number / generated, number / hand


def main() -> None:
    cold, noop = build_times()
    generated, hand = throughput()
    templates = len(list((REPO / "mappings").rglob("*.dwmap")))
    print(f"Python {sys.version.split()[0]}, {templates} mapping files\n")
    print("| measure | figure |")
    print("|---|---|")
    print(f"| cold build of mappings/ (fresh process, empty output) | {cold * 1000:.0f} ms |")
    print(f"| no-op build (output up to date) | {noop * 1000:.0f} ms |")
    print(f"| no-op / cold | {noop / cold:.2f} |")
    print(f"| loyalty_card.to_dataverse, generated | {generated:,.0f} rows/s |")
    print(f"| same mapping, hand-written dict code (no type checks) | {hand:,.0f} rows/s |")
    print(f"| generated / hand-written time | {hand / generated:.2f} x |")


if __name__ == "__main__":
    main()
