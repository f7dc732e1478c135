"""The manual pages generated from mappingc's code, and `mappingc explain`."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from conftest import REPO
from mappingc.cli import main
from mappingc.cli.manual import pages
from mappingc.diagnostics import Code


def test_generated_manual_pages_are_up_to_date() -> None:
    for name, text in pages(REPO / "docs").items():
        on_disk = (REPO / "docs" / name).read_text(encoding="utf-8")
        assert on_disk == text, f"docs/{name} is stale: run `make manual`"


def test_every_code_is_documented_once_with_an_explanation() -> None:
    page = pages(REPO / "docs")["errors.md"]
    for code in Code:
        assert page.count(f"\n## {code.value}\n") == 1
        assert code.explanation.strip() and code.summary and code.example


def test_every_code_is_reported_somewhere_in_mappingc() -> None:
    """A code nothing reports is a documented promise the compiler does not keep."""
    used: set[str] = set()
    for path in (REPO / "mappingc").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_name = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if is_name and node.value.id == "Code":  # type: ignore[attr-defined]
                used.add(node.attr)  # type: ignore[attr-defined]
    assert {code.name for code in Code} <= used


def test_explain_prints_one_code() -> None:
    result = CliRunner().invoke(main, ["explain", "e103"])
    assert result.exit_code == 0
    assert result.output.startswith("E103 (error): unknown value map\n")
    assert Code.UNKNOWN_VALUE_MAP.explanation in result.output


def test_explain_lists_every_code() -> None:
    result = CliRunner().invoke(main, ["explain"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == [c.value for c in Code]


def test_explain_an_unknown_code_is_a_usage_error_with_a_hint() -> None:
    result = CliRunner().invoke(main, ["explain", "E1033"])
    assert result.exit_code == 2
    assert "no diagnostic code E1033; did you mean `E103`?" in result.output


_ALLOWED_IN_GENERATED = {
    "__future__",
    "collections.abc",
    "datetime",
    "decimal",
    "enum",
    "typing",
    "pydantic",
    "mappingc.runtime",
    "mappingc.runtime.filters",
    "mappingc.runtime.rows",
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_generated_modules_import_only_the_runtime() -> None:
    modules = sorted((REPO / "generated" / "sync").glob("*.py"))
    assert modules
    for path in modules:
        extra = imported_modules(path) - _ALLOWED_IN_GENERATED
        assert not extra, f"{path.name} imports {sorted(extra)}"
