"""`mappingc breaking` and `mappingc diff`: every rule, each caught on a real catalog template
changed in that one way, and the commands as a user runs them (a real git repository)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from mappingc import config, ir
from mappingc.build import compile_directory
from mappingc.cli import main
from mappingc.review.compare import compare
from mappingc.review.rules import Category, Rule

IGNORES = config.load(REPO).ignores
CARD = "loyalty/loyalty_card.dwmap"
POINTS = "loyalty/loyalty_reward_points.dwmap"
CURRENCIES = "finance/currencies.dwmap"


def _catalog(folder: Path) -> ir.Catalog:
    result = compile_directory(folder, ignores=IGNORES, emit=False)
    assert result.ok and result.catalog is not None, result.render_diagnostics()
    return result.catalog


@pytest.fixture(scope="module")
def original() -> ir.Catalog:
    return _catalog(REPO / "mappings")


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _remove(folder: Path, name: str, old: str, new: str) -> None:
    del old, new
    (folder / name).unlink()


# (rule, file, text, replacement): one change to a real template of the catalog.
CASES: list[tuple[Rule, str, str, str, Callable[[Path, str, str, str], None]]] = [
    (Rule.TEMPLATE_REMOVED, "dual-write/worker__cdm_workers.dwmap", "", "", _remove),
    (
        Rule.TEMPLATE_REMOVED,
        "dual-write/worker__cdm_workers.dwmap",
        "template worker__cdm_workers {",
        "template workers {",
        _edit,
    ),
    (
        Rule.ROW_REMOVED,
        CARD,
        "    OMOPERATINGUNITNUMBER      =  msdyn_operatingunitnumber   : string\n",
        "",
        _edit,
    ),
    (
        Rule.DIRECTION_NARROWED,
        CARD,
        "PARTYNUMBER                =",
        "PARTYNUMBER                >",
        _edit,
    ),
    (
        Rule.MAP_TYPE_CHANGED,
        CARD,
        "REPLACEMENTCARDNUMBER      >",
        "REPLACEMENTCARDNUMBER      <",
        _edit,
    ),
    (Rule.VALUE_MAP_ENTRY_REMOVED, CARD, "    noTender        : 806380002\n", "", _edit),
    (
        Rule.VALUE_MAP_VALUE_CHANGED,
        CARD,
        "blocked         : 806380003",
        "blocked         : 806380009",
        _edit,
    ),
    (Rule.DEFAULT_CHANGED, CURRENCIES, "default 1.0000000000", "default 2.0000000000", _edit),
    (
        Rule.TYPE_NARROWED,
        CARD,
        "msdyn_partynumber           : string",
        "msdyn_partynumber           : string(20)",
        _edit,
    ),
    (
        Rule.TYPE_NARROWED,
        POINTS,
        "msdyn_maximumloyaltyrewardpoints          : int64",
        "msdyn_maximumloyaltyrewardpoints          : int",
        _edit,
    ),
    (
        Rule.KEY_CHANGED,
        CARD,
        "key msdyn_cardnumber",
        "key msdyn_cardnumber, msdyn_partynumber",
        _edit,
    ),
    (
        Rule.COMPANY_CHANGED,
        CARD,
        "    key msdyn_cardnumber\n",
        "    key msdyn_cardnumber\n    company_specific\n",
        _edit,
    ),
    (
        Rule.TABLE_CHANGED,
        CARD,
        "finance_operations LoyaltyCard",
        "finance_operations LoyaltyLevels",
        _edit,
    ),
    (Rule.FILTER_CHANGED, CURRENCIES, '(CURRENCYCODE != "999")', '(CURRENCYCODE != "998")', _edit),
    (
        Rule.LOOKUP_CHANGED,
        POINTS,
        "msdyn_rewardpointcurrency.isocurrencycode",
        "msdyn_rewardpointcurrency.currencyname",
        _edit,
    ),
]


@pytest.mark.parametrize(
    ("rule", "name", "old", "new", "change"),
    CASES,
    ids=[f"{c[0].value}-{i}" for i, c in enumerate(CASES)],
)
def test_each_rule_catches_its_change(
    original: ir.Catalog,
    tmp_path: Path,
    rule: Rule,
    name: str,
    old: str,
    new: str,
    change: Callable[[Path, str, str, str], None],
) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    change(folder, name, old, new)
    found = compare(original, _catalog(folder))
    data = [c.rule for c in found if Category.DATA.includes(c.rule.category)]
    assert data == [rule], [c.message for c in found]


def test_an_entity_written_by_name_instead_of_label_is_the_same_entity(
    original: ir.Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`"Loyalty card"` → `LoyaltyCard` folds alike; `RetailLoyaltyCardEntity` is what the schema
    snapshot labelled "Loyalty card" is called: neither is a data change."""
    from mappingc.cli.review import _same_entity

    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    _edit(folder, CARD, "finance_operations LoyaltyCard", 'finance_operations "Loyalty card"')
    found = compare(original, _catalog(folder))
    assert [c.rule for c in found] == [Rule.ENTITY_WRITTEN_DIFFERENTLY]
    assert Rule.ENTITY_WRITTEN_DIFFERENTLY.category is Category.ALL
    monkeypatch.chdir(REPO)
    same = _same_entity()
    assert same("Loyalty card", "RetailLoyaltyCardEntity")
    assert not same("Loyalty card", "RetailLoyaltyRewardPointEntity")


def test_additions_and_wider_types_are_reported_only_in_the_strictest_category(
    original: ir.Catalog, tmp_path: Path
) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    _edit(
        folder,
        POINTS,
        "msdyn_redeemranking                       : int",
        "msdyn_redeemranking                       : int64",
    )
    _edit(
        folder,
        CARD,
        "    noTender        : 806380002\n",
        "    noTender        : 806380002\n    lost            : 806380004\n",
    )
    found = {c.rule for c in compare(original, _catalog(folder))}
    assert found == {Rule.TYPE_WIDENED, Rule.VALUE_MAP_ENTRY_ADDED}
    assert all(r.category is Category.ALL for r in found)


@pytest.mark.parametrize(
    ("rule", "name", "old", "new"),
    [
        (
            Rule.ROW_ADDED,
            CARD,
            "    LOYALTYENROLLMENTDATELOCAL",
            "    NOTE > msdyn_note : string\n    LOYALTYENROLLMENTDATELOCAL",
        ),
        (
            Rule.DIRECTION_WIDENED,
            CARD,
            "REPLACEMENTCARDNUMBER      >",
            "REPLACEMENTCARDNUMBER      =",
        ),
        (Rule.DESCRIBED_DIFFERENTLY, CARD, 'label "Loyalty card"', 'label "Loyalty cards"'),
    ],
)
def test_what_cannot_break_is_only_in_the_strictest_category(
    original: ir.Catalog, tmp_path: Path, rule: Rule, name: str, old: str, new: str
) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    _edit(folder, name, old, new)
    found = [c.rule for c in compare(original, _catalog(folder))]
    assert found == [rule]
    assert rule.category is Category.ALL


def test_a_new_template_is_an_addition(original: ir.Catalog, tmp_path: Path) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    (folder / "extra.dwmap").write_text(
        'template extra {\n    label "Extra"\n    finance_operations Extra\n    dataverse extras\n'
        "    key k\n    K = k : string\n}\n"
    )
    assert [c.rule for c in compare(original, _catalog(folder))] == [Rule.TEMPLATE_ADDED]


def test_a_removed_row_also_breaks_the_generated_api(original: ir.Catalog, tmp_path: Path) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    _edit(
        folder, CARD, "    OMOPERATINGUNITNUMBER      =  msdyn_operatingunitnumber   : string\n", ""
    )
    api = [c for c in compare(original, _catalog(folder)) if c.rule.category is Category.API]
    assert [c.message for c in api] == [
        "`FinanceOperationsRow.OMOPERATINGUNITNUMBER` of module `loyalty_card` is gone",
        "`DataverseRow.msdyn_operatingunitnumber` of module `loyalty_card` is gone",
    ]


def _git(folder: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def test_breaking_against_a_git_ref_as_ci_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    (tmp_path / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "templates")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["breaking", "--against", "HEAD"]).exit_code == 0
    _edit(
        tmp_path / "mappings", CARD, "PARTYNUMBER                =", "PARTYNUMBER                >"
    )
    _edit(
        tmp_path / "mappings",
        CARD,
        "    OMOPERATINGUNITNUMBER      =  msdyn_operatingunitnumber   : string\n",
        "",
    )
    result = CliRunner().invoke(main, ["breaking", "--against", "HEAD"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        "mappings/loyalty/loyalty_card.dwmap:22:32: breaking[DIRECTION_NARROWED]: "
        "`PARTYNUMBER` / `msdyn_partynumber`: map type `=` became `>`"
    ) in lines
    assert (
        "HEAD:mappings/loyalty/loyalty_card.dwmap:24:5: breaking[ROW_REMOVED]: "
        "row `OMOPERATINGUNITNUMBER = msdyn_operatingunitnumber` was removed"
    ) in lines
    assert (
        "4 breaking change(s) against HEAD (--category api: what the sync moves, and the "
        "generated modules' API)" in result.stderr
    )
    data = CliRunner().invoke(
        main, ["breaking", "--against", "HEAD", "--category", "data", "--format", "json"]
    )
    records = [json.loads(line) for line in data.stdout.splitlines()]
    assert sorted(r["rule"] for r in records) == ["DIRECTION_NARROWED", "ROW_REMOVED"]
    github = CliRunner().invoke(main, ["breaking", "--against", "HEAD", "--format", "github"])
    assert github.stdout.startswith("::error file=mappings/loyalty/loyalty_card.dwmap,line=")
    nowhere = CliRunner().invoke(main, ["breaking", "--against", "no-such-branch"])
    assert nowhere.exit_code == 2
    assert "no-such-branch is neither a folder nor a git ref" in nowhere.output


def test_diff_of_two_folders_lists_changes_per_template(tmp_path: Path) -> None:
    shutil.copytree(REPO / "mappings", tmp_path / "after")
    _edit(tmp_path / "after", CARD, "blocked         : 806380003", "blocked         : 806380009")
    _edit(tmp_path / "after", CURRENCIES, "default 1.0000000000", "default 2.0000000000")
    result = CliRunner().invoke(main, ["diff", str(REPO / "mappings"), str(tmp_path / "after")])
    assert result.exit_code == 1, result.output  # something changed, as `git diff --exit-code`
    assert result.stdout.splitlines() == [
        "currencies",
        "  ~ `none` / `exchangerate`: the default 1.0000000000 became 2.0000000000"
        "  [breaking: DEFAULT_CHANGED, data]",
        "loyalty_card",
        "  ~ `CARDTENDERTYPE` / `msdyn_cardtendertype`: `blocked` now maps to 806380009, not "
        "806380003  [breaking: VALUE_MAP_VALUE_CHANGED, data]",
    ]


def test_diff_of_two_table_map_exports(tmp_path: Path) -> None:
    """What engineers compare by hand today: two environments' table maps."""
    runner = CliRunner()
    exported = runner.invoke(
        main,
        [
            "export-tablemap",
            "loyalty_card",
            "--out",
            str(tmp_path / "a"),
            "--mappings",
            str(REPO / "mappings"),
        ],
    )
    assert exported.exit_code == 0, exported.output
    before = tmp_path / "a" / "loyalty_card.json"
    data = json.loads(before.read_text())
    text = json.dumps(data).replace('"806380003"', '"806380009"')
    after = tmp_path / "b.json"
    after.write_text(text)
    result = runner.invoke(main, ["diff", str(before), str(after)])
    assert result.exit_code == 1, result.output
    assert "VALUE_MAP_VALUE_CHANGED" in result.stdout


def test_diff_reads_files_by_what_they_hold_not_by_their_names(tmp_path: Path) -> None:
    """Issue 30: `git show HEAD:f > old.bak` compared with the file said "was added"."""
    card = REPO / "mappings" / "loyalty" / "loyalty_card.dwmap"
    old = tmp_path / "old.bak"
    old.write_text(card.read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    same = runner.invoke(main, ["diff", str(old), str(card)])
    assert same.exit_code == 0 and "map the same" in same.output, same.output
    changed = tmp_path / "new.txt"
    changed.write_text(
        card.read_text(encoding="utf-8").replace("806380003", "806380009"), encoding="utf-8"
    )
    result = runner.invoke(main, ["diff", str(old), str(changed), "--format", "json"])
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["changed"] is True
    (template,) = record["templates"]
    assert template["name"] == "loyalty_card"
    assert [c["rule"] for c in template["changes"]] == ["VALUE_MAP_VALUE_CHANGED"]
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\x00\xff")
    refused = runner.invoke(main, ["diff", str(binary), str(card)])
    assert refused.exit_code == 1
    assert "cannot read: it is not UTF-8 text; nothing was compared" in refused.output
    empty = tmp_path / "notes.txt"
    empty.write_text("# just a comment\n", encoding="utf-8")
    nothing = runner.invoke(main, ["diff", str(empty), str(card)])
    assert nothing.exit_code == 1 and "holds no template; nothing was compared" in nothing.output
