"""Benchmark (not a test): initial sync of loyalty cards, against a plain SQL copy as the floor.

    make bench            # or: .venv/bin/python benchmarks/sync.py [ROWS]   (default 1,000,000)

The floor is one `INSERT … SELECT` doing the same mapping (value map as a CASE) between the same
two attached SQLite files: no per-row checks, no keys matched, no error queue, no batches. Init
runs three ways against it: through the template's plan (the default), the same a transaction per
1,000 rows (dual-write's limit), and row by row. Live sync runs over min(ROWS, 100,000) changes.
With MAPPINGC_BENCH_POSTGRES set to an admin URL, init also runs on PostgreSQL, both ways.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mappingc.sides import Direction
from mappingc.sync.engine import SyncEngine
from mappingc.sync.spec import load_templates
from mappingc.sync.stores import Stores

REPO = Path(__file__).resolve().parent.parent
TENDERS = ["asCardTender", "asContactTender", "noTender", "blocked"]
FLOOR = """
INSERT INTO main.msdyn_loyaltycards (msdyn_cardnumber, msdyn_cardtendertype, msdyn_partynumber,
    msdyn_replacementcardnumber, msdyn_operatingunitnumber, msdyn_enrollmentdate,
    msdyn_effectivedate)
SELECT CARDNUMBER,
    CASE CARDTENDERTYPE WHEN 'asCardTender' THEN 806380000 WHEN 'asContactTender' THEN 806380001
        WHEN 'noTender' THEN 806380002 WHEN 'blocked' THEN 806380003 END,
    PARTYNUMBER, REPLACEMENTCARDNUMBER, OMOPERATINGUNITNUMBER, LOYALTYENROLLMENTDATE,
    LOYALTYENROLLMENTDATELOCAL
FROM fo.LoyaltyCard
"""


def _stores(folder: Path, rows: int) -> Stores:
    specs = [s for s in load_templates(REPO / "generated") if s.name == "loyalty_card"]
    stores = Stores(str(folder / "fo.db"), str(folder / "dv.db"), specs)
    stores.set_up()
    day = datetime.date(2024, 1, 1)
    cards = [
        {
            "CARDNUMBER": f"C{n:07d}",
            "CARDTENDERTYPE": TENDERS[n % 4],
            "PARTYNUMBER": f"P{n % 5000:05d}",
            "REPLACEMENTCARDNUMBER": None,
            "OMOPERATINGUNITNUMBER": f"OU{n % 40}",
            "LOYALTYENROLLMENTDATE": day + datetime.timedelta(days=n % 365),
            "LOYALTYENROLLMENTDATELOCAL": day + datetime.timedelta(days=n % 365),
        }
        for n in range(rows)
    ]
    if cards:
        with stores.transaction() as conn:  # setup data, not changes to capture
            conn.execute(stores.fo_tables["LoyaltyCard"].insert(), cards)
    return stores


def _timed_init(folder: Path, rows: int, **options: Any) -> float:
    """Seconds `sync init` takes to push `rows` fresh cards to Dataverse."""
    folder.mkdir()
    stores = _stores(folder, rows)
    started = time.perf_counter()
    summary = SyncEngine(stores).initial(Direction.TO_DATAVERSE, **options)
    took = time.perf_counter() - started
    assert summary.written["loyalty_card"] == rows, summary.lines()
    stores.dispose()
    return took


def _timed_floor(folder: Path, rows: int) -> float:
    folder.mkdir()
    stores = _stores(folder, rows)
    with stores.engine.begin() as conn:
        started = time.perf_counter()
        conn.exec_driver_sql(FLOOR)
        took = time.perf_counter() - started
        copied = conn.execute(sa.text("SELECT count(*) FROM main.msdyn_loyaltycards")).scalar()
    assert copied == rows
    stores.dispose()
    return took


def _postgres_inits(admin_url: str, rows: int) -> tuple[float, float]:
    """Seconds of `sync init` of `rows` cards through the plan and row by row, each in a fresh
    PostgreSQL database (FO in schema `fo`)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    specs = [s for s in load_templates(REPO / "generated") if s.name == "loyalty_card"]
    day = datetime.date(2024, 1, 1)
    cards = [
        {"CARDNUMBER": f"C{n:07d}", "CARDTENDERTYPE": TENDERS[n % 4], "LOYALTYENROLLMENTDATE": day}
        for n in range(rows)
    ]
    took = []
    for plans in (True, False):
        name = f"mappingc_bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        url = sa.engine.make_url(admin_url).set(database=name)
        location = url.render_as_string(hide_password=False)
        stores = Stores(location, location, specs)
        try:
            stores.set_up()
            with stores.transaction() as conn:
                conn.execute(stores.fo_tables["LoyaltyCard"].insert(), cards)
            started = time.perf_counter()
            summary = SyncEngine(stores).initial(Direction.TO_DATAVERSE, plans=plans)
            took.append(time.perf_counter() - started)
            assert summary.written["loyalty_card"] == rows, summary.lines()
        finally:
            stores.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()
    return took[0], took[1]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    changes = min(rows, 100_000)
    with tempfile.TemporaryDirectory() as work:
        # The floor first and last, the faster counted: the first run of all warms the caches.
        floor = _timed_floor(Path(work) / "floor", rows)
        planned = _timed_init(Path(work) / "planned", rows)
        planned_small = _timed_init(Path(work) / "planned-1000", rows, batch_size=1000)
        row_by_row = _timed_init(Path(work) / "row-by-row", rows, plans=False)
        floor = min(floor, _timed_floor(Path(work) / "floor-again", rows))

        # Live sync: cards written by an outside writer, so every one is a logged change.
        (Path(work) / "live").mkdir()
        live_stores = _stores(Path(work) / "live", 0)
        cards = [
            {"CARDNUMBER": f"C{n:07d}", "CARDTENDERTYPE": TENDERS[n % 4]} for n in range(changes)
        ]
        with live_stores.engine.begin() as conn:
            conn.execute(live_stores.fo_tables["LoyaltyCard"].insert(), cards)
        started = time.perf_counter()
        applied = SyncEngine(live_stores).live().changes
        live = time.perf_counter() - started
        assert applied == changes
        live_stores.dispose()

        # The same with 2,000 later Dataverse changes pending: every FO change is checked for
        # being superseded (one query per change once made this 223 changes/s).
        (Path(work) / "conflicts").mkdir()
        conflict_stores = _stores(Path(work) / "conflicts", 0)
        with conflict_stores.engine.begin() as conn:
            conn.execute(conflict_stores.fo_tables["LoyaltyCard"].insert(), cards)
        later = [{"msdyn_cardnumber": f"D{n:07d}"} for n in range(2000)]
        with conflict_stores.engine.begin() as conn:
            conn.execute(conflict_stores.dv_tables["msdyn_loyaltycards"].insert(), later)
        started = time.perf_counter()
        applied = SyncEngine(conflict_stores).live().changes
        contended = time.perf_counter() - started
        assert applied == changes + len(later)
        conflict_stores.dispose()

    def init(label: str, took: float) -> str:
        return (
            f"| {label} | {took:.2f} s, {rows / took:,.0f} rows/s, {took / floor:.2f}x the floor |"
        )

    print(f"Initial sync of {rows:,} loyalty cards, FO → Dataverse, two SQLite files\n")
    print("| measure | figure |")
    print("|---|---|")
    print(f"| floor: one INSERT … SELECT | {floor:.2f} s, {rows / floor:,.0f} rows/s |")
    print(init("sync init through the plan, 100,000 rows a transaction", planned))
    print(init("sync init through the plan, 1,000 rows a transaction", planned_small))
    print(init("sync init row by row (--row-by-row), 1,000 a transaction", row_by_row))
    print(
        f"| live sync of {changes:,} logged inserts | {live:.2f} s, "
        f"{changes / live:,.0f} changes/s |"
    )
    print(
        f"| the same with 2,000 later Dataverse changes pending | {contended:.2f} s, "
        f"{(changes + 2000) / contended:,.0f} changes/s |"
    )
    ratio = (contended / (changes + 2000)) / (live / changes)
    print(f"| contended / plain live sync, per change | {ratio:.2f} x |")
    # PostgreSQL where a server is given (`make test` starts one: scripts/postgres-for-tests.sh).
    admin_url = os.environ.get("MAPPINGC_BENCH_POSTGRES")
    if admin_url:
        planned_pg, row_by_row_pg = _postgres_inits(admin_url, changes)
        print(
            f"| PostgreSQL: sync init of {changes:,} through the plan | {planned_pg:.2f} s, "
            f"{changes / planned_pg:,.0f} rows/s |"
        )
        print(
            f"| PostgreSQL: the same row by row | {row_by_row_pg:.2f} s, "
            f"{changes / row_by_row_pg:,.0f} rows/s, {row_by_row_pg / planned_pg:.1f}x the plan |"
        )


if __name__ == "__main__":
    main()
