"""The sync loses nothing: faults and concurrency, each on SQLite files and on PostgreSQL, with
real concurrent connections and real processes (issue: "every committed change arrives once")."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_support import SPECS, rows, store_locations, sync_engine, update, write

from conftest import REPO, compile_text
from mappingc.output import write_tree
from mappingc.sides import Direction, Side
from mappingc.sync.engine import SyncEngine
from mappingc.sync.exports import ExportError, load
from mappingc.sync.spec import SyncSetupError, load_templates
from mappingc.sync.stores import Stores

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SyncEngine]:
    with sync_engine(request.param, tmp_path) as found:
        yield found


def _cards(engine: SyncEngine, side: str) -> list[str]:
    table, key = (
        ("LoyaltyCard", "CARDNUMBER")
        if side == "fo"
        else ("msdyn_loyaltycards", "msdyn_cardnumber")
    )
    return sorted(str(r[key]) for r in rows(engine, side, table) if r[key] is not None)


# ---------------------------------------------------------------- concurrent writers
def test_a_change_committed_late_by_an_older_transaction_still_arrives(engine: SyncEngine) -> None:
    """T1 logs a change first and commits last; the sync ran in between. On PostgreSQL the
    sequence numbers are not commit-ordered, so a cursor moved past T2's change would skip T1's."""
    cards = engine.stores.fo_tables["LoyaltyCard"]
    first = engine.stores.engine.connect()
    first_transaction = first.begin()
    first.execute(cards.insert().values(CARDNUMBER="T1"))
    if engine.stores.backend.__class__.__name__ == "PostgreSQLBackend":
        write(engine, "fo", "LoyaltyCard", CARDNUMBER="T2")  # a second writer commits first
        engine.live()
        # T2's change waits behind T1, not skipped.
        assert engine.status().pending[Side.FINANCE_OPERATIONS] == 1
        first_transaction.commit()
    else:
        # SQLite serializes writers: the sync waits for T1's lock and then sees its change.
        threading.Timer(0.5, first_transaction.commit).start()
        engine.live()
    first.close()
    engine.live()
    assert _cards(engine, "dv") == sorted({"T1", "T2"} & set(_cards(engine, "fo")))
    assert "T1" in _cards(engine, "dv")
    assert engine.status().pending[Side.FINANCE_OPERATIONS] == 0


def _status_process(fo: str, dv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mappingc", "sync", "--fo", fo, "--dv", dv]
    return subprocess.run(
        [*command, "--out", str(REPO / "generated"), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_status_reads_beside_an_open_writer_and_sets_nothing_up(
    backend: str, tmp_path: Path
) -> None:
    """`sync status` took an exclusive lock (it re-created the triggers) and so waited behind
    any open writer and blocked every reader meanwhile."""
    with store_locations(backend, tmp_path) as (fo, dv):
        stores = Stores(fo, dv, SPECS)
        assert stores.set_up() is True
        assert stores.set_up() is False  # set up for this build already: no DDL again
        writer = stores.engine.connect()
        transaction = writer.begin()
        writer.execute(stores.fo_tables["LoyaltyCard"].insert().values(CARDNUMBER="open"))
        started = time.perf_counter()
        done = _status_process(fo, dv)
        assert done.returncode == 0, done.stderr
        assert time.perf_counter() - started < 30
        assert "pending changes: 0 from FO" in done.stdout
        transaction.commit()
        writer.close()
        stores.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_status_on_stores_never_set_up_says_so(backend: str, tmp_path: Path) -> None:
    with store_locations(backend, tmp_path) as (fo, dv):
        done = _status_process(fo, dv)
        assert done.returncode == 1
        assert "not set up for syncing yet: `mappingc sync init`" in done.stderr
        assert "Traceback" not in done.stderr


def test_edits_made_while_init_runs_arrive(engine: SyncEngine) -> None:
    """Init ended by moving both cursors to the newest change, so edits made while it ran were
    never synced."""
    for number in range(3):
        write(engine, "fo", "LoyaltyCard", CARDNUMBER=f"C{number}", PARTYNUMBER="before")
    batches = []

    def edit_meanwhile(_template: str, _done: int) -> None:
        batches.append(_template)
        if len(batches) == 1:  # C0 is pushed already: an edit to it and a new card on each side
            update(engine, "fo", "LoyaltyCard", {"CARDNUMBER": "C0"}, PARTYNUMBER="during")
            write(engine, "fo", "LoyaltyCard", CARDNUMBER="F-new")
            write(engine, "dv", "msdyn_loyaltycards", msdyn_cardnumber="D-new")

    engine.initial(Direction.TO_DATAVERSE, batch_size=1, progress=edit_meanwhile)
    engine.live()
    by_card = {r["msdyn_cardnumber"]: r for r in rows(engine, "dv", "msdyn_loyaltycards")}
    assert by_card["C0"]["msdyn_partynumber"] == "during"
    assert "F-new" in by_card
    assert "D-new" in _cards(engine, "fo")


# ---------------------------------------------------------------- row faults
def test_a_row_without_a_key_is_an_error_never_a_delete(engine: SyncEngine) -> None:
    """A NULL key in a live change was treated as a delete: `DELETE … WHERE key IS NULL`
    removed a Dataverse row a user had created."""
    write(engine, "dv", "msdyn_loyaltycards", msdyn_partynumber="made in Dataverse")
    write(engine, "fo", "LoyaltyCard", PARTYNUMBER="no card number")
    summary = engine.live()
    assert summary.failed == {"loyalty_card": 2} and not summary.deleted
    assert [r["msdyn_partynumber"] for r in rows(engine, "dv", "msdyn_loyaltycards")] == [
        "made in Dataverse"
    ]
    assert [r["PARTYNUMBER"] for r in rows(engine, "fo", "LoyaltyCard")] == ["no card number"]
    reasons = sorted(e.reason for e in engine.status().errors)
    assert reasons == [
        "loyalty_card: no value for integration key CARDNUMBER; nothing was written or deleted",
        "loyalty_card: no value for integration key msdyn_cardnumber; "
        "nothing was written or deleted",
    ]


def test_rows_without_a_key_keep_an_entry_each_and_retry_syncs_only_what_it_can(
    engine: SyncEngine,
) -> None:
    """Two NULL-key rows shared one error entry, and `sync retry` reported "1 deleted" and
    resolved it with nothing synced."""
    write(engine, "fo", "LoyaltyCard", PARTYNUMBER="first")
    write(engine, "fo", "LoyaltyCard", PARTYNUMBER="second")
    assert engine.initial(Direction.TO_DATAVERSE).failed == {"loyalty_card": 2}
    assert len(engine.status().errors) == 2
    retried = engine.retry()
    assert not retried.deleted and not retried.written
    assert len(engine.status().errors) == 2
    update(engine, "fo", "LoyaltyCard", {"PARTYNUMBER": "first"}, CARDNUMBER="C1")
    engine.live()  # the key arrived: the row syncs as a change of its own
    retried = engine.retry()
    assert _cards(engine, "dv") == ["C1"]
    (left,) = engine.status().errors
    assert left.row_id == 2  # the second row, still without a key


def test_a_row_the_database_refuses_is_queued_and_the_batch_goes_on(engine: SyncEngine) -> None:
    """A unique index a DBA added made a batch fail without queuing the row: every later run
    exited 70 and valid rows never synced."""
    with engine.stores.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE UNIQUE INDEX dba_party ON msdyn_loyaltycards (msdyn_partynumber)"
        )
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1", PARTYNUMBER="P")
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C2", PARTYNUMBER="P")
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C3", PARTYNUMBER="Q")
    summary = engine.initial(Direction.TO_DATAVERSE)
    assert summary.written == {"loyalty_card": 2} and summary.failed == {"loyalty_card": 1}
    (error,) = engine.status().errors
    assert "the database refused the row" in error.reason
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C4", PARTYNUMBER="P")
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C5", PARTYNUMBER="R")
    summary = engine.live()
    assert summary.written == {"loyalty_card": 1} and summary.failed == {"loyalty_card": 1}
    assert _cards(engine, "dv") == ["C1", "C3", "C5"]
    assert engine.live().changes == 0  # nothing stuck: the next run is an ordinary one


def test_the_store_enforces_the_integration_key(engine: SyncEngine) -> None:
    """Duplicate keys were resolved differently by init (last wins) and run (first wins): the
    store refuses a second row with the same key, for every writer alike."""
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1")
    with pytest.raises(sa.exc.IntegrityError):
        write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_existing_duplicate_keys_are_reported_at_setup(backend: str, tmp_path: Path) -> None:
    with store_locations(backend, tmp_path) as (fo, dv):
        raw = sa.create_engine(dv if backend == "postgresql" else f"sqlite:///{fo}")
        with raw.begin() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql("CREATE SCHEMA fo")
            schema = "fo." if backend == "postgresql" else ""
            conn.exec_driver_sql(
                f'CREATE TABLE {schema}"LoyaltyCard" (_id INTEGER PRIMARY KEY, "CARDNUMBER" TEXT)'
            )
            conn.exec_driver_sql(
                f"""INSERT INTO {schema}"LoyaltyCard" VALUES (1, 'C1'), (2, 'C1')"""
            )
        raw.dispose()
        stores = Stores(fo, dv, SPECS)
        with pytest.raises(SyncSetupError, match=r"share an integration key \(CARDNUMBER\)"):
            stores.set_up()
        stores.dispose()


# ---------------------------------------------------------------- conflicts
def test_a_change_superseded_by_a_failing_one_is_kept(engine: SyncEngine) -> None:
    """An FO edit superseded by a later Dataverse edit that then failed was dropped: the sides
    differed and no queue held it."""
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1", PARTYNUMBER="start")
    engine.live()
    update(engine, "fo", "LoyaltyCard", {"CARDNUMBER": "C1"}, PARTYNUMBER="fo-edit")
    update(engine, "dv", "msdyn_loyaltycards", {"msdyn_cardnumber": "C1"}, msdyn_cardtendertype=42)
    summary = engine.live()
    assert summary.failed == {"loyalty_card": 1}
    errors = engine.status().errors
    assert sorted(e.kind for e in errors) == ["failed", "superseded"]
    held = next(e for e in errors if e.kind == "superseded")
    assert held.side is Side.FINANCE_OPERATIONS and "in a change that failed" in held.reason
    # Retry applies what was held back first (it is older), then the Dataverse row, which the
    # FO edit has made valid again: nothing is lost but the value no template could map.
    engine.retry()
    assert engine.status().errors == []
    assert rows(engine, "dv", "msdyn_loyaltycards")[0]["msdyn_partynumber"] == "fo-edit"


def test_edits_to_both_sides_are_a_recorded_conflict(engine: SyncEngine) -> None:
    """Edits to different columns of one row on both sides: the later edit wins the row and
    the earlier side's edit is reverted, now with a record of it."""
    write(engine, "fo", "LoyaltyCard", CARDNUMBER="C1", PARTYNUMBER="start")
    engine.live()
    update(engine, "fo", "LoyaltyCard", {"CARDNUMBER": "C1"}, PARTYNUMBER="fo-edit")
    update(
        engine,
        "dv",
        "msdyn_loyaltycards",
        {"msdyn_cardnumber": "C1"},
        msdyn_cardtendertype=806380003,
    )
    summary = engine.live()
    assert summary.conflicts == {"loyalty_card": 1}
    status = engine.status()
    assert status.errors == [] and status.conflicts == 1
    (fo,) = rows(engine, "fo", "LoyaltyCard")
    assert (fo["CARDTENDERTYPE"], fo["PARTYNUMBER"]) == ("blocked", "start")


FILTERED = """template things {
    label "Things"
    finance_operations Things
    dataverse things
    key k
    source_filter ((STATUS != "hidden"))

    K      = k      : string
    STATUS = status : string
    NOTE   = note   : string
}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_change_superseded_by_a_filtered_one_is_applied(backend: str, tmp_path: Path) -> None:
    build = compile_text(FILTERED)
    assert build.ok, build.render_diagnostics()
    write_tree(tmp_path / "out", build.files)
    with sync_engine(backend, tmp_path, load_templates(tmp_path / "out")) as engine:
        write(engine, "fo", "Things", K="k1", STATUS="shown", NOTE="start")
        engine.live()
        update(engine, "dv", "things", {"k": "k1"}, note="dv-edit")
        update(engine, "fo", "Things", {"K": "k1"}, STATUS="hidden")  # filtered out
        summary = engine.live()
        assert summary.skipped == {"things": 1}
        assert rows(engine, "fo", "Things")[0]["NOTE"] == "dv-edit"
        assert engine.status().errors == []


# ---------------------------------------------------------------- stores and builds
def test_sqlite_in_wal_mode_is_refused(tmp_path: Path) -> None:
    """In WAL mode SQLite does not commit two attached files atomically."""
    Stores(str(tmp_path / "fo.db"), str(tmp_path / "dv.db"), SPECS).set_up()
    with sqlite3.connect(tmp_path / "fo.db") as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    stores = Stores(str(tmp_path / "fo.db"), str(tmp_path / "dv.db"), SPECS)
    with pytest.raises(SyncSetupError, match=r"fo\.db is in WAL mode.*journal_mode=DELETE"):
        stores.set_up()


# ---------------------------------------------------------------- sync load
def test_load_reports_every_bad_row_in_plain_words(engine: SyncEngine, tmp_path: Path) -> None:
    card = next(s for s in SPECS if s.name == "loyalty_card")
    (tmp_path / "cards.csv").write_text(
        "CARDNUMBER,LOYALTYENROLLMENTDATE,CARDTENDERTYPE\n"
        "C1,2024-01-31,blocked\n"
        "C2,31/01/2024,blocked\n"
        "C3,2024-01-31,stolen\n",
        encoding="utf-8",
    )
    (tmp_path / "extra.csv").write_text("CARDNUMBER,COLOUR\nC1,red\n", encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        load(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "cards.csv")
    message = str(caught.value)
    assert message.splitlines()[0] == (
        f"2 problem(s) in {tmp_path / 'cards.csv'}; nothing was loaded:"
    )
    assert (
        "cards.csv:3: LOYALTYENROLLMENTDATE: '31/01/2024' is not a date (write 2024-01-31)"
        in message
    )
    assert "cards.csv:4: CARDTENDERTYPE: 'stolen' is not one of" in message
    with pytest.raises(ExportError, match="column COLOUR is not one of loyalty_card's"):
        load(engine.context, card, Side.FINANCE_OPERATIONS, tmp_path / "extra.csv")
    assert rows(engine, "fo", "LoyaltyCard") == []  # all or nothing


def test_load_reads_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    """What Excel writes where the decimal separator is a comma (lv, ru, et, sv, hu)."""
    build = compile_text(
        FILTERED.replace("NOTE   = note   : string", "PRICE  = price  : decimal(2)")
    )
    assert build.ok, build.render_diagnostics()
    write_tree(tmp_path / "out", build.files)
    (spec,) = load_templates(tmp_path / "out")
    (tmp_path / "things.csv").write_text("K;STATUS;PRICE\nk1;shown;12,50\n", encoding="utf-8")
    with sync_engine("sqlite", tmp_path, [spec]) as engine:
        assert load(engine.context, spec, Side.FINANCE_OPERATIONS, tmp_path / "things.csv") == 1
        (row,) = rows(engine, "fo", "Things")
        assert (row["STATUS"], str(row["PRICE"])) == ("shown", "12.50")


# ---------------------------------------------------------------- what the sync loads
def test_the_sync_loads_only_modules_its_build_wrote(tmp_path: Path) -> None:
    build = compile_text(FILTERED)
    write_tree(tmp_path / "out", build.files)
    manifest_path = tmp_path / "out" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (tmp_path / "evil.py").write_text("raise SystemExit('ran code from outside the build')\n")
    for module, problem in [
        ("../evil.py", "outside the build folder"),
        (str(tmp_path / "evil.py"), "outside the build folder"),
    ]:
        manifest["templates"][0]["module"] = module
        manifest_path.write_text(json.dumps(manifest))
        with pytest.raises(SyncSetupError, match=problem):
            load_templates(tmp_path / "out")
    manifest["templates"][0]["module"] = "sync/things.py"
    manifest_path.write_text(json.dumps(manifest))
    (tmp_path / "out" / "sync" / "things.py").write_text("raise SystemExit('edited')\n")
    with pytest.raises(SyncSetupError, match="not the module the build wrote"):
        load_templates(tmp_path / "out")
