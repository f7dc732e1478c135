"""Dual-write table-map JSON: export, import back into DSL, and nothing lost on the way."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, REPO, compile_text, repo_build
from mappingc.build import compile_directory, compile_sources
from mappingc.cli import main
from mappingc.interchange.tablemap import TableMapError, export_table_map, load_json
from mappingc.interchange.tablemap_import import import_table_map
from mappingc.ir import Catalog, Template
from mappingc.schemas.index import load as load_schemas

SHOWCASE = compile_directory(FIXTURES / "showcase")


SCHEMAS, _ = load_schemas(REPO / "schemas")


def templates() -> list[tuple[Template, Catalog]]:
    found = []
    for build in (repo_build(), SHOWCASE):
        assert build.catalog is not None
        found += [(t, build.catalog) for t in build.catalog.templates]
    return found


def without_source(table_map: dict[str, object]) -> dict[str, object]:
    extension = dict(table_map["x-mappingc"])  # type: ignore[call-overload]
    extension.pop("source")
    return {**table_map, "x-mappingc": extension}


@pytest.mark.parametrize(("template", "catalog"), templates(), ids=lambda v: getattr(v, "name", ""))
def test_export_import_round_trip_loses_nothing(template: Template, catalog: Catalog) -> None:
    exported = export_table_map(template, catalog)
    name, dsl = import_table_map(json.loads(json.dumps(exported)), "t.json")
    assert name == template.name
    # A table map states no types: the project's schema snapshots give them, as they did.
    # A published table that writes a column twice (E617) says so at its line, which a table
    # map does not carry: the round trip is about the mapping.
    in_project = template.source.startswith("mappings/")
    ignores = {"imported/*": ["E617"]} if in_project else None
    schemas = SCHEMAS if in_project else None
    rebuilt = compile_sources([(f"imported/{name}.dwmap", dsl)], ignores=ignores, schemas=schemas)
    assert rebuilt.ok, rebuilt.render_diagnostics() + "\n" + dsl
    assert rebuilt.catalog is not None
    (again,) = rebuilt.catalog.templates
    assert without_source(export_table_map(again, rebuilt.catalog)) == without_source(exported)
    # The generated code is the same too, but for the source file it names and the lines of
    # the rows in it (the imported file has no comments).
    module = f"sync/{name}.py"
    original = (repo_build() if template.source.startswith("mappings/") else SHOWCASE).files[module]
    made = rebuilt.files[module].replace(f"imported/{name}.dwmap", template.source)
    assert _without_lines(made) == _without_lines(original)


def _without_lines(module: str) -> str:
    """The module as it would be with no row lines, laid out again the way black lays it."""
    import black

    unlined = re.sub(r",\s*line=\d+", "", module)
    return black.format_str(unlined, mode=black.Mode(line_length=100, magic_trailing_comma=False))


def test_export_shape_is_dual_writes() -> None:
    build = repo_build()
    assert build.catalog is not None
    card = next(t for t in build.catalog.templates if t.name == "loyalty_card")
    exported = export_table_map(card, build.catalog)
    assert exported["name"] == "[Loyalty card] - [msdyn_loyaltycards]"
    (leg,) = exported["legs"]
    tender = next(m for m in leg["fieldMappings"] if m["sourceField"] == "CARDTENDERTYPE")
    assert tender["syncDirection"] == 3
    assert tender["valueTransforms"] == [
        {
            "transformType": "ValueMap",
            "valueMap": {
                "asCardTender": "806380000",
                "asContactTender": "806380001",
                "noTender": "806380002",
                "blocked": "806380003",
            },
        }
    ]
    replacement = next(
        m for m in leg["fieldMappings"] if m["sourceField"] == "REPLACEMENTCARDNUMBER"
    )
    assert replacement["syncDirection"] == 1


PLAIN_DUAL_WRITE = {
    "name": "[Units] - [uoms]",
    "legs": [
        {
            "sourceSchema": "Units",
            "destinationSchema": "uoms",
            "sourceFilter": "",
            "fieldMappings": [
                {
                    "syncDirection": 3,
                    "sourceField": "UNITSYMBOL",
                    "destinationField": "msdyn_symbol",
                },
                {
                    "syncDirection": 2,
                    "sourceField": "DESCRIPTION",
                    "destinationField": "description",
                },
                {
                    "syncDirection": 1,
                    "sourceField": "SYSTEMOFUNITS",
                    "destinationField": "msdyn_systemofunits",
                    "valueTransforms": [
                        {
                            "transformType": "ValueMap",
                            "valueMap": {"metric": "192350000", "imperial": "192350001"},
                        }
                    ],
                },
                {
                    "syncDirection": 1,
                    "sourceField": "",
                    "destinationField": "statecode",
                    "valueTransforms": [{"transformType": "Default", "defaultValue": "0"}],
                },
            ],
        }
    ],
}


def test_import_of_a_table_map_saved_by_dual_write() -> None:
    name, dsl = import_table_map(PLAIN_DUAL_WRITE, "units.json")
    assert name == "units__uoms"  # the pair: FO entity (its label) and table
    assert "    UNITSYMBOL    =  msdyn_symbol\n" in dsl
    assert "    DESCRIPTION   <  description\n" in dsl
    assert "    SYSTEMOFUNITS >> msdyn_systemofunits via UnitsUomsSystemofunits\n" in dsl
    assert "    none          >> statecode           default 0\n" in dsl
    assert "add them" in dsl  # says what the JSON could not carry
    result = compile_text(dsl)
    assert result.ok, result.render_diagnostics()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[]", "t.json: not a dual-write table map (expected a JSON object)"),
        ("{}", "t.json: expected `legs` to be a JSON list"),
        (
            '{"legs": [{"sourceSchema": "A", "destinationSchema": "b",'
            ' "fieldMappings": [{"syncDirection": 7}]}]}',
            "t.json: legs[0].fieldMappings[0].syncDirection: must be 1, 2 or 3, not 7",
        ),
        ("{", "t.json:1:2: invalid JSON"),
    ],
)
def test_bad_input_is_a_clear_error(document: str, message: str) -> None:
    with pytest.raises(TableMapError) as raised:
        import_table_map(load_json(document, "t.json"), "t.json")
    assert str(raised.value).startswith(message)


def test_cli_export_then_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    exported = runner.invoke(
        main, ["export-tablemap", "loyalty_card", "--out", str(tmp_path / "json")]
    )
    assert exported.exit_code == 0, exported.output
    written = sorted(p.name for p in (tmp_path / "json").iterdir())
    assert written == [".mappingc-output", "loyalty_card.json"]  # a folder mappingc may replace
    imported = runner.invoke(
        main,
        [
            "import-tablemap",
            str(tmp_path / "json" / "loyalty_card.json"),
            "--out",
            str(tmp_path / "dsl"),
        ],
    )
    assert imported.exit_code == 0, imported.output
    assert (
        (tmp_path / "dsl" / "loyalty_card.dwmap").read_text().startswith("template loyalty_card {")
    )
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    failed = runner.invoke(
        main, ["import-tablemap", str(tmp_path / "bad.json"), "--out", str(tmp_path / "x")]
    )
    assert failed.exit_code == 1 and "invalid JSON" in failed.output
    assert not (tmp_path / "x").exists()
    unknown = runner.invoke(main, ["export-tablemap", "nope", "--out", str(tmp_path / "j")])
    assert unknown.exit_code == 2 and "no template named `nope`" in unknown.output


def test_export_shows_only_the_warnings_of_what_it_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It printed every catalog warning and compiled modules and docs it never used."""
    (tmp_path / "mappings").mkdir()
    header = 'template {name} {{\n    label "X"\n    finance_operations X\n    dataverse x\n'
    noisy = header.format(name="noisy") + "    key a\n    A < a\n    A < b\n}\n"  # W400
    quiet = header.format(name="quiet") + "    key a\n    A = a\n}\n"
    (tmp_path / "mappings" / "noisy.dwmap").write_text(noisy, encoding="utf-8")
    (tmp_path / "mappings" / "quiet.dwmap").write_text(quiet, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export-tablemap", "quiet", "--out", "maps"])
    assert result.exit_code == 0, result.output
    assert "W400" not in result.output
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == [
        ".mappingc-output",
        "quiet.json",
    ]
    noisy_export = CliRunner().invoke(main, ["export-tablemap", "noisy", "--out", "maps"])
    assert "warning[W400]" in noisy_export.output
    assert not (tmp_path / "generated").exists()  # no modules, no docs


def _dual_write_json(template: str) -> dict[str, object]:
    """A table map as dual-write keeps it: our export without mappingc's own key, directions
    as strings, `$type` on transforms, and a row dual-write adds itself."""
    build = repo_build()
    assert build.catalog is not None
    table_map = export_table_map(
        next(t for t in build.catalog.templates if t.name == template), build.catalog
    )
    table_map.pop("x-mappingc", None)
    leg = table_map["legs"][0]
    for mapping in leg["fieldMappings"]:
        mapping.pop("x-mappingc", None)
        mapping["syncDirection"] = str(mapping["syncDirection"])
        for transform in mapping.get("valueTransforms", []):
            transform["$type"] = (
                f"Microsoft.Dynamics.Integrator.{transform['transformType']}Transform"
            )
    leg["fieldMappings"].append(
        {
            "syncDirection": "1",
            "sourceField": "PARTYNUMBER",
            "destinationField": "msdyn_customer.msdyn_partynumber",
            "valueTransforms": [],
            "isSystemGenerated": True,
        }
    )
    return table_map


def test_import_reads_msdyn_dualwriteentitymaps_records_and_odata_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the Web API returns for `msdyn_dualwriteentitymaps`: the map and its properties as
    JSON strings; the integration key lives in the properties."""
    record = {
        "msdyn_name": "Loyalty card",
        "msdyn_version": "1.0.0.0",
        "msdyn_mapping": json.dumps(_dual_write_json("loyalty_card")),
        "msdyn_properties": json.dumps({"IntegrationKey": "msdyn_cardnumber", "IsActive": True}),
    }
    page = {
        "@odata.context": "https://example.crm.dynamics.com/api/data/v9.2/$metadata#x",
        "value": [record],
    }
    (tmp_path / "maps.json").write_text(json.dumps(page), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import-tablemap", "maps.json", "--out", "imported"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "imported").glob("*.dwmap")
    text = written.read_text()
    assert "    key msdyn_cardnumber\n" in text
    assert "added by dual-write itself (isSystemGenerated)" in text
    assert "\n    # PARTYNUMBER" in text  # kept, as a comment: not a row of ours
    assert "Field types and the reference id are not in that JSON" in text
    built = compile_directory(tmp_path / "imported")
    assert built.ok, built.render_diagnostics()


def test_a_list_of_table_maps_imports_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    maps = [_dual_write_json("loyalty_card"), _dual_write_json("loyalty_levels")]
    (tmp_path / "maps.json").write_text(json.dumps(maps), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import-tablemap", "maps.json", "--out", "imported"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "imported").glob("*.dwmap"))) == 2


def test_export_as_msdyn_records_imports_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    out = tmp_path / "records"
    result = runner.invoke(
        main, ["export-tablemap", "loyalty_card", "--format", "msdyn", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    record = json.loads((out / "loyalty_card.json").read_text())
    assert json.loads(record["msdyn_properties"]) == {
        "IntegrationKey": "msdyn_cardnumber",
        "IsActive": True,
    }
    table_map = json.loads(record["msdyn_mapping"])
    assert table_map["leftEnvironmentType"] == "AX" and table_map["centerEnvironmentType"] == "CRM"
    leg = table_map["legs"][0]  # every key of a real leg, at the values that change nothing
    assert (
        leg["isSourceFilterEditable"],
        leg["entityFileFormat"],
        leg["deleteNonMatchingData"],
    ) == (
        True,
        "",
        False,
    )
    back = runner.invoke(
        main, ["diff", str(out / "loyalty_card.json"), str(out / "loyalty_card.json")]
    )
    assert back.exit_code == 0, back.output


def test_settings_a_template_does_not_express_are_named_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table_map = _dual_write_json("loyalty_card")
    leg = table_map["legs"][0]
    leg.update(
        sourceEnvironment="contoso-prod",  # a fact of one environment: not reported
        isSourceFilterEditable=True,  # neutral
        deleteNonMatchingData=True,
        entityFileFormat="CSV-Unicode",
    )
    leg["fieldMappings"][1]["valueTransforms"][0]["createValuesOnDestination"] = True
    (tmp_path / "map.json").write_text(json.dumps(table_map), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import-tablemap", "map.json", "--out", "imported"])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "warning[W508]" in line]
    assert [w.split(": ", 2)[2] for w in warned] == [
        'legs[0].entityFileFormat: "CSV-Unicode" is not expressed in a template; not imported',
        "legs[0].deleteNonMatchingData: true is not expressed in a template; not imported",
        "legs[0].fieldMappings[1].valueTransforms[0].createValuesOnDestination: true is not "
        "expressed in a template; not imported",
    ]


def test_lower_case_value_map_keys_are_the_project_s_value_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dual-write writes value-map keys in lower case; the project's map is recognized anyway,
    so the imported template uses it instead of declaring a copy."""
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    (tmp_path / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    table_map = _dual_write_json("loyalty_card")
    table_map["name"] = "[Loyalty card copy] - [msdyn_loyaltycards]"
    for mapping in table_map["legs"][0]["fieldMappings"]:
        for transform in mapping.get("valueTransforms", []):
            if "valueMap" in transform:
                transform["valueMap"] = {k.lower(): v for k, v in transform["valueMap"].items()}
    (tmp_path / "map.json").write_text(json.dumps(table_map), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import-tablemap", "map.json", "--out", "mappings/imported"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "mappings" / "imported").glob("*.dwmap")
    text = written.read_text()
    assert "via CardTenderType" in text and "valuemap" not in text
