"""Importers write only into --out, never replace a file unasked, write only what builds with the
project, and lose no published row without a word (tests/fixtures/repro)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from outcomes import mapping_rows, unaccounted_rows

from conftest import CORPUS, FIXTURES, REPO
from mappingc.cli import main
from mappingc.interchange.docs_import import import_documents

REPRO = FIXTURES / "repro"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of this repository's mappings/ (curated seeds and the imported catalog)."""
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    (tmp_path / "pyproject.toml").write_text('[tool.mappingc]\nmappings = "mappings"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------- table maps
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("traversal.json", "x-mappingc.name: `../escaped_traversal` is not a template name"),
        ("absolute.json", "is not a template name"),
        ("dsl_injection.json", "legs[0].destinationSchema: `msdyn_x\\n}\\ntemplate injected"),
        ("desc_list.json", "x-mappingc.description: expected a string, found a JSON list"),
        ("bool_direction.json", "syncDirection: must be 1, 2 or 3, not True"),
        ("deep_nesting.json", "nested too deeply"),
        ("huge_int.json", "a number in the JSON cannot be read"),
    ],
)
def test_a_hostile_table_map_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPRO / "tablemap" / name, tmp_path / name)
    code, output = run("import-tablemap", name, "--out", "out")
    assert code == 1, output
    assert "error[E500]" in output and message in output
    assert "nothing was written" in output
    assert files(tmp_path) == [name]  # not even the folder; nothing outside it either


def test_a_sql_table_map_imports_as_a_quoted_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An FO entity name is a string in the DSL; the sync quotes it (tests/test_sync.py)."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPRO / "sync" / "malicious_tablemap.json", tmp_path / "t.json")
    code, output = run("import-tablemap", "t.json", "--out", "out")
    assert code == 0, output
    (written,) = (tmp_path / "out").iterdir()
    text = written.read_text()
    assert "finance_operations \"','upsert','{}',0);DELETE FROM fo.\\\"LoyaltyCard\\\"" in text


def _export_loyalty_card(folder: Path) -> Path:
    code, output = run("export-tablemap", "loyalty_card", "--out", str(folder))
    assert code == 0, output
    return folder / "loyalty_card.json"


def test_importing_over_a_curated_template_needs_force(project: Path) -> None:
    exported = _export_loyalty_card(project / "json")
    curated = (project / "mappings" / "loyalty" / "loyalty_card.dwmap").read_text()
    code, output = run("import-tablemap", str(exported), "--out", "mappings/loyalty")
    assert code == 1
    assert "1 file(s) in mappings/loyalty/ would be replaced (loyalty_card.dwmap)" in output
    assert (project / "mappings" / "loyalty" / "loyalty_card.dwmap").read_text() == curated
    code, output = run("import-tablemap", str(exported), "--out", "mappings/loyalty", "--force")
    assert code == 0, output


def test_an_import_that_breaks_the_project_writes_nothing(project: Path) -> None:
    exported = _export_loyalty_card(project / "json")
    data = json.loads(exported.read_text())
    data["x-mappingc"]["name"] = "loyalty_card_copy"  # same ref 149 as the curated one…
    exported.write_text(json.dumps(data))
    before = files(project / "mappings")
    code, output = run("import-tablemap", str(exported), "--out", "mappings/loyalty")
    # …so it is recognised as a template the project already holds, and left out.
    assert code == 0, output
    assert "warning[W505]: `loyalty_card_copy` (ref 149) is already in the project" in output
    assert files(project / "mappings") == before
    data["x-mappingc"]["ref"] = 999
    data["legs"][0]["fieldMappings"][1]["x-mappingc"]["valueMap"] = "NoYes"  # clashes
    exported.write_text(json.dumps(data))
    code, output = run("import-tablemap", str(exported), "--out", "mappings/loyalty")
    assert code == 1, output
    assert "error[E207]: value map `NoYes` is defined twice" in output
    assert "nothing was written" in output
    assert files(project / "mappings") == before


# ---------------------------------------------------------------- published docs
def test_the_readme_import_of_the_corpus_keeps_the_curated_seeds(project: Path) -> None:
    # As in this repository: its settings, and the schema snapshots that name the FO entities
    # the tables give by label.
    shutil.copytree(REPO / "schemas", project / "schemas")
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    (project / "corpus").symlink_to(CORPUS / "dual-write")
    code, output = run("import-docs", "corpus", "--out", "mappings/dual-write")
    assert code == 1 and "188 file(s) in mappings/dual-write/ would be replaced" in output
    code, output = run("import-docs", "corpus", "--out", "mappings/dual-write", "--force")
    assert code == 0, output
    skipped = [line for line in output.splitlines() if "warning[W505]" in line]
    assert len(skipped) == 4  # loyalty card, loyalty levels, reward points, currencies
    assert not (
        project / "mappings" / "dual-write" / "loyalty_card__msdyn_loyaltycards.dwmap"
    ).exists()
    for path in (project / "mappings" / "dual-write").iterdir():
        assert path.read_text() == (REPO / "mappings" / "dual-write" / path.name).read_text()
    built = run("build")
    assert built[0] == 0, built[1]


DOCS = sorted(
    p
    for p in (REPRO / "import_docs").rglob("*.md")
    if p.read_bytes().decode("utf-8", "replace") == p.read_bytes().decode("utf-8", "ignore")
)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_no_published_row_is_lost_without_a_word(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    result = import_documents([(path.name, text)])
    assert time.perf_counter() - started < 1.0
    assert unaccounted_rows(path.name, text) == []
    assert not result.errors


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("blank_line_inside_table.md", "W506", 9),
        ("indented_table_code_block.md", "W506", 3),
        ("unclosed_div_before_table.md", "W506", 4),
        ("unclosed_html_comment_before.md", "W506", 7),
        ("table_in_fenced_code.md", "W506", 4),
        ("delimiter_mismatch.md", "W506", 3),
        ("extra_cells.md", "W507", 7),
        ("pipe_in_code_default.md", "W501", 7),
    ],
)
def test_each_way_markdown_drops_rows_is_named(name: str, code: str, line: int) -> None:
    text = (REPRO / "import_docs" / name).read_text(encoding="utf-8")
    result = import_documents([(name, text)])
    assert (code, line) in {(d.code.value, d.span.line) for d in result.diagnostics}


def test_the_published_corpus_loses_no_row() -> None:
    for path in sorted((CORPUS / "dual-write").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert unaccounted_rows(path.name, text) == [], path.name
    assert (
        sum(len(mapping_rows(p.read_text())) for p in (CORPUS / "dual-write").rglob("*.md")) > 2000
    )


def test_a_large_table_imports_in_linear_time() -> None:
    rows = "".join(f"FIELD{i} | = | msdyn_field{i} |\n" for i in range(20_000))
    text = "## Big to msdyn_bigs\n\nFO | Map type | DV | Default\n---|---|---|---\n" + rows
    started = time.perf_counter()
    result = import_documents([("big.md", text)])
    assert time.perf_counter() - started < 20  # was quadratic: a 10 MB table never finished
    assert len(result.templates) == 1 and result.templates[0].text.count("msdyn_field") == 20_000
