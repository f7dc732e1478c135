"""`mappingc drift`: an environment's exported maps against git, paired by FO entity and
Dataverse table, on the real-form exports of tests/fixtures/tablemap/ changed in each way it
reports (issue 27)."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, REPO
from mappingc.cli import main

EXPORTS = FIXTURES / "tablemap"
ACCOUNTS = json.loads((EXPORTS / "[Customers V3] - [accounts].json").read_text("utf-8"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The catalog's two Customers V3 templates and the project's schema snapshots."""
    (tmp_path / "mappings").mkdir()
    for name in ("customers_v3__accounts", "customers_v3__contacts"):
        shutil.copy(REPO / "mappings" / "dual-write" / f"{name}.dwmap", tmp_path / "mappings")
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mappingc]\nmappings = "mappings"\nout = "generated"\nschemas = "schemas"\n',
        encoding="utf-8",
    )
    (tmp_path / "env").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _drift(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["drift", *args])
    return result.exit_code, result.output


def _export(project: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    data = copy.deepcopy(ACCOUNTS)
    if change is not None:
        change(data)
    path = project / "env" / "accounts.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _row(data: dict[str, Any], field: str) -> dict[str, Any]:
    return next(r for r in data["legs"][0]["fieldMappings"] if r["sourceField"] == field)


def test_an_environment_that_runs_what_git_holds_is_no_drift(project: Path) -> None:
    shutil.copy(EXPORTS / "[Customers V3] - [contacts].json", project / "env" / "contacts.json")
    _export(project)
    code, output = _drift("env")
    assert code == 0, output
    assert "the environment runs what mappings/ holds (2 template(s))" in output


def _value(data: dict[str, Any], field: str, symbol: str, value: str) -> None:
    _row(data, field)["valueTransforms"][0]["valueMap"][symbol] = value


CHANGES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "row removed",
        lambda d: d["legs"][0]["fieldMappings"].remove(_row(d, "SALESMEMO")),
        "ROW_REMOVED",
        "row `SALESMEMO = description` was removed",
    ),
    (
        "row added",
        lambda d: d["legs"][0]["fieldMappings"].append(
            {"sourceField": "NAME", "destinationField": "name", "syncDirection": 3}
        ),
        "ROW_ADDED",
        "row `NAME = name` was added",
    ),
    (
        "direction narrowed",
        lambda d: _row(d, "CREDITLIMIT").update(syncDirection=1),
        "DIRECTION_NARROWED",
        "`CREDITLIMIT` / `creditlimit`:",
    ),
    (
        "value changed",
        lambda d: _value(d, "ONHOLDSTATUS", "all", "806380009"),
        "VALUE_MAP_VALUE_CHANGED",
        "`all`",
    ),
    (
        "entry added",
        lambda d: _value(d, "ONHOLDSTATUS", "legal", "806380010"),
        "VALUE_MAP_ENTRY_ADDED",
        "`legal`",
    ),
    (
        "default changed",
        lambda d: _row(d, "PARTYTYPE")["valueTransforms"][0].update(defaultValue="Person"),
        "DEFAULT_CHANGED",
        'the default "Organization" became "Person"',
    ),
    (
        "filter changed",
        lambda d: d["legs"][0].update(sourceFilter='((PartyType == "Person"))'),
        "FILTER_CHANGED",
        "the source_filter changed",
    ),
]


@pytest.mark.parametrize(
    ("what", "change", "rule", "message"), CHANGES, ids=[c[0] for c in CHANGES]
)
def test_each_way_a_deployed_map_can_differ_is_drift(
    project: Path, what: str, change: Callable[[dict[str, Any]], None], rule: str, message: str
) -> None:
    _export(project, change)
    code, output = _drift("env")
    assert code == 1, output
    assert f"[{rule}]" in output and message in output, output
    assert "customers_v3__accounts  (CustCustomerV3Entity → accounts;" in output
    assert output.count("  ~ ") == 1, output  # that difference and nothing else
    assert "drift in 1 of 1 template(s), 1 difference(s)" in output


def test_a_lookup_that_targets_another_table_is_drift(project: Path) -> None:
    template = project / "mappings" / "customers_v3__accounts.dwmap"
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace(
            "    dataverse accounts\n",
            "    dataverse accounts\n    lookup transactioncurrencyid -> transactioncurrencies\n",
        ),
        encoding="utf-8",
    )
    _export(
        project,
        lambda d: _row(d, "SALESCURRENCYCODE").update(
            destinationLookupFieldRelatedEntity="msdyn_currencies"
        ),
    )
    code, output = _drift("env")
    assert code == 1 and "[LOOKUP_CHANGED]" in output, output
    assert "lookup `transactioncurrencyid` now targets `msdyn_currencies`" in output


def test_a_map_git_does_not_have_and_with_complete_one_not_deployed(project: Path) -> None:
    _export(project)
    unknown = copy.deepcopy(ACCOUNTS)
    unknown["name"] = "[Vendors V2] - [msdyn_vendors]"
    unknown["legs"][0].update(sourceSchema="Vendors V2", destinationSchema="msdyn_vendors")
    (project / "env" / "vendors.json").write_text(json.dumps(unknown), encoding="utf-8")
    code, output = _drift("env")
    assert code == 1
    assert "the environment runs a map of Vendors V2 → msdyn_vendors that git has not" in output
    assert "contacts" not in output  # not exported is not drift, unless the export is complete
    code, output = _drift("env", "--complete")
    assert "the environment runs no map of CustCustomerV3Entity → contacts" in output


def test_a_key_is_compared_where_the_export_carries_one(project: Path) -> None:
    """A `msdyn_dualwriteentitymaps` record holds the integration key; a UI export does not."""
    record = {
        "msdyn_mapping": json.dumps(ACCOUNTS),
        "msdyn_properties": json.dumps({"IntegrationKey": "accountnumber"}),
    }
    (project / "env" / "records.json").write_text(json.dumps({"value": [record]}), "utf-8")
    code, output = _drift("env")
    assert code == 1 and "[KEY_CHANGED]" in output
    assert "the integration key changed from none to `accountnumber`" in output


def test_json_and_github_formats(project: Path) -> None:
    _export(project, CHANGES[0][1])
    code, output = _drift("env", "--format", "json")
    assert code == 1
    record = json.loads(output[: output.rindex("}") + 1])
    assert record["drift"] is True
    (template,) = record["templates"]
    assert template["name"] == "customers_v3__accounts"
    assert template["pair"] == "CustCustomerV3Entity → accounts"
    assert template["project"] == "mappings/customers_v3__accounts.dwmap"
    assert template["environment"] == "env/accounts.json"
    assert template["differences"][0]["rule"] == "ROW_REMOVED"
    code, output = _drift("env", "--format", "github")
    assert output.startswith(
        "::error file=mappings/customers_v3__accounts.dwmap,line=6,title=drift[ROW_REMOVED]::"
    ), output


def test_what_cannot_be_read_is_said_and_nothing_compared(project: Path) -> None:
    (project / "env" / "broken.json").write_text("{", encoding="utf-8")
    code, output = _drift("env")
    assert (code == 1 and "env/broken.json" in output and "nothing" not in output) or code == 1
    (project / "env" / "broken.json").unlink()
    code, output = _drift("env")
    assert code == 1 and "no table map in the exports; nothing was compared" in output
