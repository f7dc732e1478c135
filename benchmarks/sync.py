"""Benchmark (not a test): initial sync of loyalty cards, against a plain SQL copy as the floor.

    make bench            # or: .venv/bin/python benchmarks/sync.py [ROWS]

The floor is one `INSERT … SELECT` doing the same mapping (value map as a CASE) between the same
two attached SQLite files: no per-row checks, no keys matched, no error queue, no batches.
"""

from __future__ import annotations

import datetime
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "sync").mkdir()
        stores = _stores(Path(work) / "sync", rows)
        started = time.perf_counter()
        summary = SyncEngine(stores).initial(Direction.TO_DATAVERSE)
        synced = time.perf_counter() - started
        assert summary.written["loyalty_card"] == rows, summary.lines()
        stores.dispose()

        (Path(work) / "floor").mkdir()
        floor_stores = _stores(Path(work) / "floor", rows)
        with floor_stores.engine.begin() as conn:
            started = time.perf_counter()
            conn.exec_driver_sql(FLOOR)
            floor = time.perf_counter() - started
            copied = conn.execute(sa.text("SELECT count(*) FROM main.msdyn_loyaltycards")).scalar()
        assert copied == rows
        floor_stores.dispose()

        # Live sync: the same cards written by an outside writer, so every one is a logged change.
        (Path(work) / "live").mkdir()
        live_stores = _stores(Path(work) / "live", 0)
        cards = [{"CARDNUMBER": f"C{n:07d}", "CARDTENDERTYPE": TENDERS[n % 4]} for n in range(rows)]
        with live_stores.engine.begin() as conn:
            conn.execute(live_stores.fo_tables["LoyaltyCard"].insert(), cards)
        started = time.perf_counter()
        changes = SyncEngine(live_stores).live().changes
        live = time.perf_counter() - started
        assert changes == rows
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
        changes = SyncEngine(conflict_stores).live().changes
        contended = time.perf_counter() - started
        assert changes == rows + len(later)
        conflict_stores.dispose()

    print(f"Initial sync of {rows:,} loyalty cards, FO → Dataverse, two SQLite files\n")
    print("| measure | figure |")
    print("|---|---|")
    print(f"| mappingc sync init, batches of 1,000 | {synced:.2f} s, {rows / synced:,.0f} rows/s |")
    print(f"| floor: one INSERT … SELECT | {floor:.2f} s, {rows / floor:,.0f} rows/s |")
    print(f"| sync / floor time | {synced / floor:.1f} x |")
    print(f"| live sync of {rows:,} logged inserts | {live:.2f} s, {rows / live:,.0f} changes/s |")
    print(
        f"| the same with 2,000 later Dataverse changes pending | {contended:.2f} s, "
        f"{(rows + 2000) / contended:,.0f} changes/s |"
    )
    ratio = (contended / (rows + 2000)) / (live / rows)
    print(f"| contended / plain live sync, per change | {ratio:.2f} x |")


if __name__ == "__main__":
    main()
