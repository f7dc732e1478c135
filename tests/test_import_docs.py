"""`mappingc import-docs` over the whole corpus copy in tests/corpus/dual-write/.

The round trip: every published table → DSL → compiled → the generated doc table has the same
rows (FO field, map type, Dataverse field, default, value-map pairs) in the same order; the rows
the DSL cannot express are exactly the ones the importer reported.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DUAL_WRITE, REPO
from mappingc.cli import main
from mappingc.diagnostics import Code
from mappingc.emit.docs import emit_template_doc
from mappingc.frontend import analyse
from mappingc.interchange.docs_import import ImportResult, import_documents, import_files
from mappingc.interchange.markdown import Cell, read_tables

CORPUS = DUAL_WRITE
FILES = sorted(CORPUS.rglob("*.md"))

Row = tuple[str, str, str, str, tuple[tuple[str, str], ...]]


def _row(cells: tuple[Cell, ...]) -> Row:
    """A table row as the round trip compares it: backticks and escapes are presentation."""
    cells = (*cells, *(Cell(((),)) for _ in range(4 - len(cells))))
    map_cell = cells[1]
    pairs = []
    for index in range(1, len(map_cell.lines)):
        text = map_cell.line_text(index).strip()
        if text:
            symbol, _, value = text.partition(":")
            pairs.append((symbol.strip(), value.strip()))
    return (
        cells[0].text,
        map_cell.line_text(0).strip(),
        cells[2].text,
        cells[3].text,
        tuple(pairs),
    )


@functools.cache
def _import() -> ImportResult:
    return import_files(FILES)


def _in_corpus(path: str) -> str:
    """A diagnostic's path (as given: absolute here) inside the corpus folder."""
    return Path(path).relative_to(CORPUS).as_posix()


def _published() -> list[tuple[str, int, list[tuple[int, Row]]]]:
    """(file, heading or table line, rows) for every mapping table of the corpus."""
    found = []
    for path in FILES:
        shown = path.relative_to(CORPUS).as_posix()
        for table in read_tables(path.read_text(encoding="utf-8")):
            if table.is_mapping_table:
                line = table.heading.line if table.heading else table.line
                found.append((shown, line, [(r.line, _row(r.cells)) for r in table.rows]))
    return found


def _generated_rows(text: str) -> list[Row]:
    tables = [t for t in read_tables(text) if t.is_mapping_table]
    assert len(tables) == 1
    return [_row(r.cells) for r in tables[0].rows]


def test_every_corpus_file_is_read_and_every_template_compiles() -> None:
    result = _import()
    assert not result.errors
    assert len(result.templates) == 192  # 115 master, and includes and old pages that differ
    sources = [(t.file_name, t.text) for t in result.templates]
    _, diagnostics = analyse(sources)
    assert [d for d in diagnostics if d.is_error] == []
    skipped = {_in_corpus(d.path) for d in result.diagnostics if d.code is Code.NOT_A_MAPPING_TABLE}
    assert skipped == {
        "README.md",
        "SOURCES.md",
        "dual-write-symbols.md",
        "mapping-reference.md",
        "source-destination.md",
    }


def test_round_trip_keeps_every_row_in_order() -> None:
    result = _import()
    catalog, _ = analyse([(t.file_name, t.text) for t in result.templates])
    docs = {t.name: emit_template_doc(t, catalog) for t in catalog.templates}
    by_origin: dict[str, str] = {}
    for template in catalog.templates:
        for origin in template.origins:
            by_origin[origin.split(" ")[0]] = template.name
    not_imported = {
        (_in_corpus(d.path), d.span.line)
        for d in result.diagnostics
        if d.code is Code.ROW_NOT_IMPORTED
    }
    published = _published()
    assert len(published) == 209
    for path, line, rows in published:
        name = by_origin[f"{path}:{line}"]
        expected = [row for number, row in rows if (path, number) not in not_imported]
        assert _generated_rows(docs[name]) == expected, f"{path}:{line} → {name}"


def test_rows_it_cannot_express_are_reported_and_kept_as_comments() -> None:
    result = _import()
    reported = sorted(
        (_in_corpus(d.path), d.span.line)
        for d in result.diagnostics
        if d.code is Code.ROW_NOT_IMPORTED
    )
    legacy = "variants/customer-mapping-legacy-empty-maptype__id38826987365.md"
    hierarchy = "variants/organization-hierarchy-legacy-escaped__id21137837499.md"
    assert reported == [(legacy, 96), (legacy, 119), (legacy, 120), (hierarchy, 123)]
    contacts = next(t for t in result.templates if t.name == "contacts__unstated_table")
    assert f"# mappingc import-docs: {legacy}:96: the Dataverse field is blank" in contacts.text
    assert "# ASSOCIATEDCONTACTTYPE | (empty) | (blank)" in contacts.text


def test_include_and_master_versions_are_both_kept_and_say_which_is_which() -> None:
    by_name = {t.name: t for t in _import().templates}
    master = by_name["loyalty_card__msdyn_loyaltycards"]
    include = by_name["loyalty_card__msdyn_loyaltycards__include"]
    assert master.origins == ("mapping-tables.md:1025 (master)",)
    assert include.origins == (
        "includes/LoyaltyCard-msdyn-loyaltycards.md:1 (include)",
        "variants/loyalty-legacy-FO.LoyaltyCard--CDS__id10056628188.md:17 (legacy)",
    )
    assert "LOYALTYENROLLMENTDATELOCAL" in master.text
    assert "LOYALTYENROLLMENTDATELOCAL" not in include.text
    # The include shows `><` without its value map: said so, not guessed.
    assert re.search(r"CARDTENDERTYPE +>< msdyn_cardtendertype +via unpublished", include.text)


def test_fields_are_text_unless_a_value_map_makes_an_enum() -> None:
    by_name = {t.name: t for t in _import().templates}
    catalog, _ = analyse([("t.dwmap", by_name["customers_v3__accounts"].text)])
    (template,) = catalog.templates
    kinds = {f.finance_operations: f.type for f in template.rows if f.finance_operations}
    assert not kinds["CREDITLIMIT"].declared and kinds["CREDITLIMIT"].kind.value == "string"
    assert kinds["ISONETIMECUSTOMER"].kind.value == "enum"


def test_import_is_deterministic_and_a_file_given_twice_imports_once() -> None:
    documents = [(p.relative_to(CORPUS).as_posix(), p.read_text("utf-8")) for p in FILES]
    first = import_documents(documents)
    second = import_documents([*documents, documents[0]])
    assert [(t.file_name, t.text) for t in first.templates] == [
        (t.file_name, t.text) for t in second.templates
    ]
    names = [t.file_name for t in first.templates]
    assert len(names) == len(set(names))  # collision-free: cdm_jobpositions has four


def test_filters_are_imported_with_backticks_and_pipes() -> None:
    by_name = {t.name: t for t in _import().templates}
    currencies = by_name["currencies__transactioncurrencies__include"].text
    assert '    source_filter ((CURRENCYCODE != "999"))' in currencies
    attachments = by_name["customer_attachments__annotations"].text
    assert '    source_filter ((TypeId == "Note") || (TypeId == "URL"))' in attachments
    contacts = by_name["cds_contacts_v2__contacts"].text
    assert "    unmapped dataverse msdyn_sellable" in contacts


def test_cli_writes_files_and_is_strict_only_when_asked(tmp_path: Path) -> None:
    files = [str(CORPUS / "variants" / "organization-hierarchy-legacy-escaped__id21137837499.md")]
    runner = CliRunner()
    result = runner.invoke(main, ["import-docs", *files, "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "warning[W501]" in result.output and "warning[W502]" in result.output
    assert len(list((tmp_path / "a").glob("*.dwmap"))) == 6
    strict = runner.invoke(main, ["import-docs", *files, "--out", str(tmp_path / "b"), "--strict"])
    assert strict.exit_code == 1
    assert not (tmp_path / "b").exists()


def test_input_without_a_mapping_table_gets_a_message_not_a_traceback(tmp_path: Path) -> None:
    page = tmp_path / "notes.md"
    page.write_text("# Notes\n\nJust prose | with a pipe.\n", encoding="utf-8")
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\xff\xfe\x00")
    result = CliRunner().invoke(
        main, ["import-docs", str(page), str(binary), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "notes.md:1:1: warning[W500]: no dual-write mapping table in this file" in result.output
    assert "image.md:1:1: error[E300]: cannot read: it is not UTF-8 text" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "cell, pairs",
    [
        ("><<br>`no` : `806380000`<br>`invoice` : `806380001`", [("no", "806380000")]),
        ("><<br>`1/1/1900` : blank", [("1/1/1900", None)]),
    ],
)
def test_inline_value_maps_in_the_map_type_cell(cell: str, pairs: list[object]) -> None:
    text = f'### <a name="1"></a>T (t)\n\nA | Map type | B | C\n---|---|---|---\nX | {cell} | x |\n'
    (template,) = import_documents([("m.md", text)]).templates
    catalog, diagnostics = analyse([("t.dwmap", template.text)])
    assert not [d for d in diagnostics if d.is_error]
    (field,) = catalog.templates[0].rows
    assert field.value_map is not None
    entries = catalog.value_maps[field.value_map].entries
    symbol, value = pairs[0]
    assert (entries[0].symbol, entries[0].value) == (symbol, value if value is None else int(value))


def test_diagnostics_name_files_as_given_and_point_at_the_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reported as `README.md:1:1` (relative to the inputs' common folder) they could not be
    opened from the terminal; the W504 caret underlined the whole row."""
    monkeypatch.chdir(REPO)
    given = Path("tests/corpus/dual-write")
    result = import_files(sorted(given.rglob("*.md")))
    paths = {d.path for d in result.diagnostics}
    assert "tests/corpus/dual-write/README.md" in paths
    (blank,) = [d for d in result.diagnostics if d.code is Code.IMPORT_READING]
    assert blank.path == "tests/corpus/dual-write/mapping-tables.md"
    rendered = result.render_diagnostics()
    assert "mapping-tables.md:1231:80: warning[W504]" in rendered
    assert "^^^^^\n" in rendered.split("warning[W504]")[1]
    # What the templates record of their origin does not depend on how the files were named.
    card = next(t for t in result.templates if t.name == "loyalty_card__msdyn_loyaltycards")
    assert "mapping-tables.md:" in card.text and "tests/corpus" not in card.text


def test_fo_entities_are_written_by_name_where_the_snapshots_or_the_include_file_say() -> None:
    """Published tables give an FO entity by label; the schema snapshots know its name, and an
    include file is named `<entity>-<table>.md`. What neither knows stays the label."""
    from mappingc.interchange.docs_import import Known, import_documents

    include = DUAL_WRITE / "includes" / "LoyaltyCard-msdyn-loyaltycards.md"
    documents = [("includes/LoyaltyCard-msdyn-loyaltycards.md", include.read_text("utf-8"))]
    by_file = import_documents(documents).templates[0].text
    assert "    finance_operations LoyaltyCard\n" in by_file
    assert "# mappingc import-docs: named as in the include file includes/LoyaltyCard-" in by_file
    known = {"Loyalty card": "RetailLoyaltyCardEntity"}
    by_snapshot = import_documents(documents, Known(entity_name=known.get)).templates[0].text
    assert "    finance_operations RetailLoyaltyCardEntity\n" in by_snapshot
    renamed = [("includes/Cards.md", include.read_text("utf-8"))]
    assert '    finance_operations "Loyalty card"\n' in import_documents(renamed).templates[0].text


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project: the repository's schema snapshots and an empty mappings folder."""
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "mappings").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mappingc]\nmappings = "mappings"\nout = "generated"\nschemas = "schemas"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_published_table_imported_into_a_project_with_schemas_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 26: what dual-write runs in production imports and builds against the snapshots,
    with no suppression, at most 0.2 warnings a file. The whole corpus at once, and the pages a
    user tried alone (the sales quotation lines, released products, the master reference page)."""
    project = _project(tmp_path, monkeypatch)
    runner = CliRunner()
    alone = [
        "SalesQuotationLineCDSEntity-QuoteDetails.md",
        "EcoResReleasedProductV2-msdyn-sharedproductdetails.md",
    ]
    for number, page in enumerate(
        [*(CORPUS / "includes" / p for p in alone), CORPUS / "mapping-tables.md"]
    ):
        out = f"mappings/alone{number}"
        imported = runner.invoke(main, ["import-docs", str(page), "--out", out])
        assert imported.exit_code == 0, imported.output
        built = runner.invoke(main, ["build"])
        assert built.exit_code == 0 and "error[" not in built.output, built.output
        shutil.rmtree(project / out)
    imported = runner.invoke(main, ["import-docs", str(CORPUS), "--out", "mappings/imported"])
    assert imported.exit_code == 0, imported.output
    built = runner.invoke(main, ["build"])
    assert built.exit_code == 0 and "error[" not in built.output, built.output
    files = len(list((project / "mappings").rglob("*.dwmap")))
    assert files > 150
    assert built.output.count("warning[") <= 0.2 * files, built.output


def _keyed_snapshot(project: Path, keys: list[list[str]]) -> None:
    path = project / "schemas" / "dataverse" / "transactioncurrency.json"
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    snapshot["alternate_keys"] = keys
    path.write_text(json.dumps(snapshot, indent=2) + "\n", encoding="utf-8")


def test_a_tables_single_alternate_key_becomes_the_imported_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dual-write matches rows by the table's alternate key when a template states none; the
    import states the one the snapshot lists, saying where it came from."""
    project = _project(tmp_path, monkeypatch)
    page = str(CORPUS / "includes" / "Currencies-transactioncurrencies.md")
    runner = CliRunner()

    def imported(keys: list[list[str]]) -> str:
        _keyed_snapshot(project, keys)
        result = runner.invoke(main, ["import-docs", page, "--out", "mappings", "--force"])
        assert result.exit_code == 0, result.output
        (written,) = (project / "mappings").glob("*.dwmap")
        return written.read_text(encoding="utf-8")

    text = imported([["isocurrencycode"]])
    assert (
        "    # mappingc import-docs: the alternate key (isocurrencycode) the schema snapshot lists "
        "for `transactioncurrencies`\n    key isocurrencycode\n" in text
    )
    built = runner.invoke(main, ["build"])
    assert built.exit_code == 0 and "N407" not in built.output, built.output
    # Two keys the rows map: the import does not choose.
    text = imported([["currencyname"], ["isocurrencycode"]])
    assert "\n    key " not in text
    assert "has 2 alternate keys the rows map (currencyname; isocurrencycode)" in text
    # A key of columns no row maps cannot be stated: N407 stays.
    text = imported([["msdyn_nosuchcolumn"]])
    assert "\n    key " not in text and "alternate key" not in text
