"""Real exports, as the dual-write UI writes them (tests/fixtures/tablemap/, README there): two
maps of one FO entity import together as two templates named by their pair, quietly, build,
export back and compare as the same maps; `diff` and `breaking` pair templates as dual-write
does, by FO entity and Dataverse table (issue 27)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, REPO, compile_text
from mappingc.cli import main
from mappingc.review.compare import compare

EXPORTS = FIXTURES / "tablemap"
ACCOUNTS = EXPORTS / "[Customers V3] - [accounts].json"
CONTACTS = EXPORTS / "[Customers V3] - [contacts].json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mappingc]\nmappings = "mappings"\nout = "generated"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_two_exports_of_one_entity_import_build_and_round_trip(project: Path) -> None:
    code, output = _run("import-tablemap", str(ACCOUNTS), str(CONTACTS), "--out", "mappings/dw")
    assert code == 0, output
    assert "warning" not in output  # every unset setting is neutral
    assert sorted(p.name for p in (project / "mappings" / "dw").iterdir()) == [
        "customers_v3__accounts.dwmap",
        "customers_v3__contacts.dwmap",
    ]
    text = (project / "mappings" / "dw" / "customers_v3__contacts.dwmap").read_text()
    assert "    dataverse contacts\n" in text
    assert "    reversed_filter msdyn_sellable eq true  and msdyn_contactpersonid ne null\n" in text
    code, output = _run("build")
    assert code == 0, output
    assert output.count("warning[") <= 2, output  # W403 (no key in the file) once a template
    code, output = _run("export-tablemap", "--out", "exported")
    assert code == 0, output
    for original, name in ((ACCOUNTS, "accounts"), (CONTACTS, "contacts")):
        exported = project / "exported" / f"customers_v3__{name}.json"
        code, output = _run("diff", str(original), str(exported))
        assert code == 0 and "map the same" in output, output
        # Imported again, our own export is the same template, named the same.
        assert json.loads(exported.read_text())["x-mappingc"]["name"] == f"customers_v3__{name}"


def test_diff_of_two_maps_of_one_entity_tells_them_apart(project: Path) -> None:
    _, output = _run("diff", str(ACCOUNTS), str(CONTACTS))
    assert "template `customers_v3__accounts` was removed" in output
    assert "template `customers_v3__contacts` was added" in output
    assert "was renamed" not in output and "msdyn_sellable" not in output


def test_two_maps_that_are_one_template_collide_with_both_files_named(project: Path) -> None:
    twin = project / "copy of accounts.json"
    shutil.copy(ACCOUNTS, twin)
    code, output = _run("import-tablemap", str(ACCOUNTS), str(twin), "--out", "mappings/dw")
    assert code == 1
    assert "are one template, `customers_v3__accounts`" in output, output
    assert "the table map copy of accounts.json and" in output and str(ACCOUNTS) in output
    assert not (project / "mappings" / "dw").exists()


def test_a_setting_a_template_cannot_express_warns_once_with_its_path(project: Path) -> None:
    data = json.loads(ACCOUNTS.read_text(encoding="utf-8"))
    data["legs"][0]["deleteNonMatchingData"] = True
    data["mashup"] = "{}"  # a value, not the neutral null
    changed = project / "changed.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    code, output = _run("import-tablemap", str(changed), "--out", "mappings/dw")
    assert code == 0, output
    assert output.count("warning[W508]") == 2, output
    assert "legs[0].deleteNonMatchingData: true is not expressed in a template" in output
    assert 'mashup: "{}" is not expressed in a template' in output


_TEMPLATE = """template {name} {{
    label "L"
    finance_operations FoE
    dataverse {table}
    key dv_a
    A = dv_a : string
}}
"""


def _catalog(*templates: tuple[str, str]) -> object:
    result = compile_text("".join(_TEMPLATE.format(name=n, table=t) for n, t in templates))
    assert result.catalog is not None
    return result.catalog


def test_templates_are_paired_by_entity_and_table() -> None:
    """Renamed, a template keeps its pair; two templates that swap names are told apart by
    their tables, not compared field by field as one."""
    renamed = compare(_catalog(("a", "dv_t")), _catalog(("b", "dv_t")))  # type: ignore[arg-type]
    assert [c.message for c in renamed] == [
        "template `a` was renamed to `b`: its module and docs move"
    ]
    swapped = compare(
        _catalog(("a", "dv_t"), ("b", "dv_u")),  # type: ignore[arg-type]
        _catalog(("b", "dv_t"), ("a", "dv_u")),  # type: ignore[arg-type]
    )
    assert sorted(c.message for c in swapped) == [
        "template `a` was renamed to `b`: its module and docs move",
        "template `b` was renamed to `a`: its module and docs move",
    ]
    moved = compare(_catalog(("a", "dv_t")), _catalog(("a", "dv_u")))  # type: ignore[arg-type]
    assert [c.message for c in moved] == ["the Dataverse table changed from `dv_t` to `dv_u`"]


def test_a_lookup_the_export_leaves_unnamed_gets_its_table_from_the_snapshots(
    project: Path,
) -> None:
    """UI exports leave `destinationLookupFieldRelatedEntity` null; the project's snapshot of
    `accounts` knows that `transactioncurrencyid` points at `transactioncurrency`, whose entity
    set is `transactioncurrencies`. Columns no snapshot knows stay lookups by their path."""
    shutil.copytree(REPO / "schemas", project / "schemas")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('schemas = "schemas"\n')
    code, output = _run("import-tablemap", str(ACCOUNTS), "--out", "mappings/dw")
    assert code == 0, output
    text = (project / "mappings" / "dw" / "customers_v3__accounts.dwmap").read_text()
    assert "    lookup transactioncurrencyid -> transactioncurrencies\n" in text
    assert "lookup msdyn_paymentday" not in text
    code, output = _run("build")
    assert code == 0, output


def test_a_dash_is_standard_input_for_import_diff_and_drift(project: Path) -> None:
    """Issue 30: `-` means standard input wherever a command takes a file."""
    text = ACCOUNTS.read_text(encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(main, ["import-tablemap", "-", "--out", "mappings/dw"], input=text)
    assert imported.exit_code == 0, imported.output
    assert (project / "mappings" / "dw" / "customers_v3__accounts.dwmap").exists()
    # Again over the file it wrote: standard input is read once, though the import runs twice
    # (the value maps of the file it replaces are not the project's to reuse).
    again = runner.invoke(
        main, ["import-tablemap", "-", "--out", "mappings/dw", "--force"], input=text
    )
    assert again.exit_code == 0, again.output
    same = runner.invoke(main, ["diff", "-", str(ACCOUNTS)], input=text)
    assert same.exit_code == 0 and "map the same" in same.output, same.output
    both = runner.invoke(main, ["diff", "-", "-"], input=text)
    assert both.exit_code == 2 and "only one of BEFORE and AFTER" in both.output
    drifted = runner.invoke(main, ["drift", "-"], input=text)
    assert drifted.exit_code == 0, drifted.output
    assert "the environment runs what mappings/ holds (1 template(s))" in drifted.output
