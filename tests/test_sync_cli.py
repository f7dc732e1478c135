"""`mappingc sync` as a user runs it: load, init, status, pause/resume, run, retry, dump."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from conftest import REPO
from mappingc.cli import main


def sync(tmp_path: Path, *args: str) -> tuple[int, str]:
    options = ["sync", "--out", str(REPO / "generated")]
    options += ["--fo", str(tmp_path / "fo.db"), "--dv", str(tmp_path / "dv.db"), *args]
    result = CliRunner().invoke(main, options)
    return result.exit_code, result.output


def test_a_whole_session(tmp_path: Path) -> None:
    (tmp_path / "cards.csv").write_text(
        "CARDNUMBER,CARDTENDERTYPE,PARTYNUMBER\nC1,asCardTender,P1\nC2,blocked,P2\n",
        encoding="utf-8",
    )
    (tmp_path / "points.csv").write_text(
        "REWARDPOINTID,REWARDPOINTCURRENCY\nR1,EUR\n", encoding="utf-8"
    )
    assert sync(tmp_path, "load", "fo", "loyalty_card", str(tmp_path / "cards.csv"))[0] == 0
    assert (
        sync(tmp_path, "load", "fo", "loyalty_reward_points", str(tmp_path / "points.csv"))[0] == 0
    )
    code, output = sync(tmp_path, "init")
    assert code == 1  # one row failed: the run says so
    assert "loyalty_card: 2 written, 0 deleted, 0 filtered out, 0 failed" in output
    assert "see `mappingc sync status`" in output
    code, output = sync(tmp_path, "status")
    assert code == 0
    assert "no transactioncurrencies row with isocurrencycode = 'EUR'" in output

    db = sqlite3.connect(tmp_path / "dv.db")
    db.execute(
        "UPDATE msdyn_loyaltycards SET msdyn_partynumber = 'P9' WHERE msdyn_cardnumber = 'C1'"
    )
    db.commit()
    db.close()
    assert sync(tmp_path, "pause")[0] == 0
    code, output = sync(tmp_path, "run")
    assert code == 0 and "paused" in output
    code, output = sync(tmp_path, "resume")
    assert code == 0 and "1 queued change(s) applied" in output

    fo = sqlite3.connect(tmp_path / "fo.db")
    assert fo.execute("SELECT PARTYNUMBER FROM LoyaltyCard WHERE CARDNUMBER = 'C1'").fetchone() == (
        "P9",
    )
    fo.execute("INSERT INTO Currencies (CURRENCYCODE, NAME) VALUES ('EUR', 'Euro')")
    fo.commit()
    fo.close()
    assert sync(tmp_path, "run")[0] == 0
    code, output = sync(tmp_path, "retry")
    assert code == 0 and "loyalty_reward_points: 1 written" in output
    assert "errors: 0" in sync(tmp_path, "status")[1]

    code, output = sync(
        tmp_path, "dump", "dv", "loyalty_reward_points", str(tmp_path / "out.jsonl")
    )
    assert code == 0
    assert (
        '"msdyn_rewardpointcurrency": {"isocurrencycode": "EUR"}'
        in (tmp_path / "out.jsonl").read_text()
    )


def test_clear_errors(tmp_path: Path) -> None:
    code, output = sync(tmp_path, "load", "fo", "nope", __file__)
    assert code == 2 and "no template named `nope`" in output
    (tmp_path / "bad.csv").write_text("CARDNUMBER,CARDTENDERTYPE\nC1,gold\n", encoding="utf-8")
    code, output = sync(tmp_path, "load", "fo", "loyalty_card", str(tmp_path / "bad.csv"))
    assert code == 1 and "bad.csv:2: CARDTENDERTYPE:" in output and "nothing was loaded" in output
    result = CliRunner().invoke(main, ["sync", "--out", str(tmp_path / "nowhere"), "status"])
    assert result.exit_code == 1 and "run `mappingc build` first" in result.output
    result = CliRunner().invoke(
        main, ["sync", "--fo", "postgresql://h/db", "--dv", str(tmp_path / "dv.db"), "status"]
    )
    assert result.exit_code == 1
    assert "the stores must be two SQLite files or one PostgreSQL database" in result.output
    result = CliRunner().invoke(
        main, ["sync", "--fo", "postgresql://h/a", "--dv", "postgresql://h/b", "status"]
    )
    assert result.exit_code == 1 and "on PostgreSQL both stores are one database" in result.output


def test_a_dash_is_standard_input_and_output(tmp_path: Path) -> None:
    """Issue 30: `sync dump … -` wrote a file named `-`."""
    options = ["sync", "--out", str(REPO / "generated")]
    options += ["--fo", str(tmp_path / "fo.db"), "--dv", str(tmp_path / "dv.db")]
    runner = CliRunner()
    cards = "CARDNUMBER,CARDTENDERTYPE,PARTYNUMBER\nC1,asCardTender,P1\n"
    loaded = runner.invoke(main, [*options, "load", "fo", "loyalty_card", "-"], input=cards)
    assert loaded.exit_code == 0, loaded.output
    assert "1 row(s) loaded into the fo side of loyalty_card" in loaded.output
    dumped = runner.invoke(main, [*options, "dump", "fo", "loyalty_card", "-"])
    assert dumped.exit_code == 0, dumped.output
    assert dumped.stdout.splitlines()[1].startswith("C1,asCardTender,P1")
    assert not (Path.cwd() / "-").exists()
    missing = runner.invoke(main, [*options, "load", "fo", "loyalty_card", "nope.csv"])
    assert missing.exit_code == 2 and "nope.csv does not exist" in missing.output


def test_an_unknown_template_gets_a_did_you_mean_in_every_command(tmp_path: Path) -> None:
    """Issue 30: sync listed every name, bulk said "did you mean"; now one way."""
    (tmp_path / "x.csv").write_text("CARDNUMBER\nC1\n", encoding="utf-8")
    code, output = sync(tmp_path, "load", "fo", "loyalty_crad", str(tmp_path / "x.csv"))
    assert code == 2 and "no template named `loyalty_crad` (did you mean `loyalty_card`?)" in output
    bulk = CliRunner().invoke(
        main, ["bulk", "loyalty_crad", "--in", str(REPO / "README.md"), "--out", "o.csv"]
    )
    assert bulk.exit_code == 2
    assert "no template named `loyalty_crad` (did you mean `loyalty_card`?)" in bulk.output
