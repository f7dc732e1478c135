"""The contract between the compiler and what runs its output (mappingc.contract): the manifest
every build writes reads back as the model, other versions are refused with what to do, and
the Protocol of a generated module names what the emitter writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, compile_text
from mappingc.contract.manifest import MANIFEST_VERSION, Manifest, ManifestError, json_schema
from mappingc.contract.module import MODULE_INTERFACE, GeneratedModule


def test_every_manifest_of_the_repository_reads_as_the_model() -> None:
    manifest = Manifest.model_validate_json((REPO / "generated" / "manifest.json").read_bytes())
    assert manifest.manifest_version == MANIFEST_VERSION
    assert [t.name for t in manifest.templates] == sorted(t.name for t in manifest.templates)
    assert manifest.template("loyalty_card") is not None
    golden = REPO / "tests" / "__snapshots__" / "test_golden"
    showcase = golden / "test_showcase_output[manifest.json].golden"
    Manifest.model_validate_json(showcase.read_text(encoding="utf-8"))


def test_a_build_writes_the_manifest_as_the_model_says(tmp_path: Path) -> None:
    result = compile_text(
        'template t {\n    label "T"\n    finance_operations A\n    dataverse b\n    key x\n'
        "    X = x\n}\n"
    )
    text = result.files["manifest.json"]
    assert Manifest.model_validate_json(text).text() == text


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (None, "not found: run `mappingc build` first"),
        ('{"templates": []}', "of manifest version none (before versions)"),
        ('{"manifest_version": 99, "templates": []}', "of manifest version 99"),
        ("[1, 2]", "is not a mappingc manifest"),
        ('{"manifest_version": 1, "templates": [{"name": 3}]}', "templates.0.name"),
    ],
)
def test_a_manifest_of_another_kind_is_refused_with_what_to_do(
    tmp_path: Path, written: str | None, said: str
) -> None:
    if written is not None:
        (tmp_path / "manifest.json").write_text(written, encoding="utf-8")
    with pytest.raises(ManifestError, match="mappingc build") as refused:
        Manifest.read(tmp_path)
    assert said in str(refused.value)


def test_the_protocol_lists_every_name_the_sync_may_read() -> None:
    members = {
        name
        for name in dir(GeneratedModule)
        if not name.startswith("_") and name not in dir(object)
    }
    assert members == set(MODULE_INTERFACE)


def test_the_manifest_schema_is_json_schema_of_every_key() -> None:
    schema = json.loads(json_schema())
    entry = schema["$defs"]["TemplateEntry"]["properties"]
    assert set(entry) == {
        *("name", "label", "fo_entity", "dataverse_table", "ref", "source", "module", "doc"),
        "module_sha256",
    }
    assert all(prop.get("description") for prop in entry.values())
