"""`mappingc import-schema` on real metadata (tests/corpus/schemas/), on hostile input, and the
snapshot files it writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, REPO
from mappingc.schemas import cdm, csdl, importing
from mappingc.schemas.snapshot import SnapshotError, dumps, loads
from mappingc.sides import Side

SCHEMAS = CORPUS / "schemas"
CRM = SCHEMAS / "csdl" / "DynamicsCRM.xml"
DOCUMENTS = SCHEMAS / "cdm" / "schemaDocuments"


def _mappingc(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mappingc", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    (tmp_path / "pyproject.toml").write_text("[tool.mappingc]\n")
    return tmp_path


def test_importing_the_corpus_gives_the_committed_snapshots_byte_for_byte(project: Path) -> None:
    done = _mappingc(project, "import-schema", str(DOCUMENTS), str(CRM), "--used", "--partial")
    assert done.returncode == 0, done.stderr
    assert "121 snapshot(s) from 2 path(s): wrote 121 new" in done.stderr
    written = sorted(
        p.relative_to(project / "schemas") for p in (project / "schemas").rglob("*.json")
    )
    committed = sorted(p.relative_to(REPO / "schemas") for p in (REPO / "schemas").rglob("*.json"))
    assert written == committed
    for name in written:
        assert (project / "schemas" / name).read_bytes() == (REPO / "schemas" / name).read_bytes()
    again = _mappingc(project, "import-schema", str(CRM), str(DOCUMENTS), "--used", "--partial")
    assert "0 new, 0 changed; 121 unchanged" in again.stderr  # any order, same bytes


def test_the_web_api_document_reads_types_keys_lookups_and_read_only_columns() -> None:
    snapshots = {s.name: s for s in csdl.read(CRM.read_bytes(), "DynamicsCRM.xml")}
    assert len(snapshots) == 235  # 237 entity sets, two of them the repository's test entities
    currency = snapshots["transactioncurrency"]
    assert currency.entity_set == "transactioncurrencies"
    assert currency.primary_key == ("transactioncurrencyid",)
    assert currency.field("organizationid") is not None
    assert currency.field("organizationid").targets == ("organization",)  # type: ignore[union-attr]
    assert currency.field("createdon").read_only  # type: ignore[union-attr]
    assert currency.field("exchangerate").type == "decimal"  # type: ignore[union-attr]
    assert currency.field("entityimage_timestamp").type == "int64"  # type: ignore[union-attr]
    order = snapshots["salesorder"]
    assert set(order.field("customerid").targets) == {"account", "contact"}  # type: ignore[union-attr]


def test_cdm_documents_resolve_types_lengths_requiredness_and_options() -> None:
    corpus = cdm.Corpus.around(DOCUMENTS / "core/applicationCommon/Currency.cdm.json")
    (currency,) = cdm.read(corpus, "core/applicationCommon/Currency.cdm.json")
    code = currency.field("isocurrencycode")
    assert code is not None and (code.type, code.max_length, code.required) == ("string", 5, True)
    state = currency.field("statecode")
    assert state is not None and state.type == "choice"
    assert [(o.value, o.label) for o in state.options or ()] == [(0, "Active"), (1, "Inactive")]
    assert not currency.complete
    path = (
        "core/operationsCommon/Entities/SupplyChain/SalesAndMarketing/"
        "SalesOrderHeaderCDSEntity.cdm.json"
    )
    (order,) = cdm.read(corpus, path)
    # A CDS entity backed by another entity is typed through that entity's backing table.
    amount = order.field("OrderTotalAmount")
    assert amount is not None and amount.type != "string"


def test_readings_of_one_table_merge() -> None:
    reading = importing.read([CRM, DOCUMENTS / "core/applicationCommon/Currency.cdm.json"])
    (currency,) = [s for s in reading.snapshots if s.name == "transactioncurrency"]
    code = currency.field("isocurrencycode")
    assert code is not None and code.max_length == 5 and code.required  # from CDM
    assert currency.entity_set == "transactioncurrencies"  # from the Web API
    assert currency.complete  # the Web API document is complete unless --partial
    state = currency.field("statecode")
    assert state is not None and state.type == "choice"  # Edm.Int32 + CDM's option set


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">&lol9;</edmx:Edmx>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">&secret;</edmx:Edmx>"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LAUGHS, "refused: EntitiesForbidden"),
        (EXTERNAL, "refused: EntitiesForbidden"),
        ("<edmx:Edmx", "not well-formed XML"),
        ("<feed/>", "not an OData CSDL document"),
        (
            '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>',
            "cannot tell whether this is Dataverse or finance and operations",
        ),
    ],
)
def test_hostile_or_wrong_xml_is_refused_quickly(text: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(csdl.CsdlError, match=message):
        csdl.read(text.encode(), "x.xml")
    assert time.perf_counter() - started < 1


def test_cdm_cycles_and_missing_imports_end(tmp_path: Path) -> None:
    (tmp_path / "foundations.cdm.json").write_text('{"definitions": []}')
    (tmp_path / "t.cdm.json").write_text(
        json.dumps(
            {
                "imports": [{"corpusPath": "gone.cdm.json"}],
                "definitions": [
                    {
                        "entityName": "A",
                        "extendsEntity": "B",
                        "sourceName": "a",
                        "hasAttributes": [{"name": "x", "dataType": "loop", "sourceName": "x"}],
                    },
                    {"entityName": "B", "extendsEntity": "A"},
                    {"dataTypeName": "loop", "extendsDataType": "loop"},
                ],
            }
        )
    )
    reading = importing.read([tmp_path / "t.cdm.json"])
    (snapshot,) = reading.snapshots
    assert snapshot.field("x") is not None and snapshot.field("x").type == "unknown"  # type: ignore[union-attr]
    assert reading.unresolved == {"gone.cdm.json"}
    with pytest.raises(cdm.CdmError, match=r"no folder above it holds foundations\.cdm\.json"):
        cdm.Corpus.around(Path("/tmp") / "elsewhere.cdm.json")


def test_snapshot_files_round_trip_and_say_what_is_wrong() -> None:
    (snapshot,) = [s for s in csdl.read(CRM.read_bytes(), "x") if s.name == "account"]
    assert dumps(loads(dumps(snapshot), "a.json")) == dumps(snapshot)
    for text, message in [
        ("[]", "a.json: expected dict"),
        ('{"mappingc_schema": 2}', "not a mappingc schema snapshot"),
        ('{"mappingc_schema": 1, "side": "both"}', "side must be"),
        (
            '{"mappingc_schema": 1, "side": "dataverse", "name": "a", '
            '"fields": [{"name": "x", "type": "int", "colour": 1}]}',
            "unknown keys colour",
        ),
        ("{", "a.json:1:2"),
    ]:
        with pytest.raises(SnapshotError, match=message):
            loads(text, "a.json")


def test_the_command_never_overwrites_what_is_not_a_snapshot(project: Path) -> None:
    folder = project / "schemas" / "dataverse"
    folder.mkdir(parents=True)
    (folder / "transactioncurrency.json").write_text("my notes\n")
    done = _mappingc(project, "import-schema", str(CRM))
    assert done.returncode == 2 and "is not a snapshot" in done.stderr
    assert (folder / "transactioncurrency.json").read_text() == "my notes\n"
    assert sorted(p.name for p in folder.iterdir()) == ["transactioncurrency.json"]
    refused = _mappingc(project, "import-schema", str(CRM), "--out", "mappings")
    assert refused.returncode == 2 and "source folder" in refused.stderr


def test_dry_run_and_errors_write_nothing(project: Path) -> None:
    done = _mappingc(project, "import-schema", str(CRM), "--dry-run")
    assert done.returncode == 0 and "would write 235 new" in done.stderr
    assert not (project / "schemas").exists()
    (project / "bad.xml").write_text("<nope")
    done = _mappingc(project, "import-schema", str(CRM), "bad.xml")
    assert done.returncode == 1 and "not well-formed XML" in done.stderr
    assert "nothing was written" in done.stderr and not (project / "schemas").exists()
    assert "Traceback" not in done.stderr


def test_a_side_can_be_named_when_the_namespace_does_not_say(tmp_path: Path) -> None:
    text = CRM.read_text(encoding="utf-8-sig").replace("Microsoft.Dynamics.CRM", "Contoso.Model")
    snapshots = csdl.read(text.encode(), "x.xml", Side.DATAVERSE)
    assert any(s.name == "account" for s in snapshots)
