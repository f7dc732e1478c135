"""Helpers shared by the tests: compile DSL text in memory, load generated modules from files."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from mappingc import config
from mappingc.build import BuildResult, compile_directory, compile_sources
from mappingc.output import write_tree

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parent / "corpus"
DUAL_WRITE = CORPUS / "dual-write"  # the shared corpus, verbatim

# Every locale the repository's catalogs publish, and English.
LOCALES = ["en", "et", "hu", "lv", "ru", "sv"]


class GoldenFile(SingleFileSnapshotExtension):
    """One plain-text file per snapshot, so a golden file reads like the output it pins."""

    _write_mode = WriteMode.TEXT
    file_extension = "golden"


@functools.cache
def repo_build() -> BuildResult:
    """The build of the repository's own mappings/, locales/ and schemas/ with its lint
    settings (what generated/ must hold)."""
    settings = config.load(REPO)
    result = compile_directory(
        REPO / "mappings", REPO / "locales", ignores=settings.ignores, schemas_dir=settings.schemas
    )
    assert result.ok, result.render_diagnostics()
    return result


HEADER = """template t {
    label "T"
    finance_operations T
    dataverse t
"""


def template(*rows: str, header: str = HEADER, after: str = "") -> str:
    """A minimal valid template around `rows` (each one DSL line)."""
    body = "".join(f"    {row}\n" for row in rows)
    return f"{header}{body}}}\n{after}"


# The minimal templates of the tests state no key (W403) unless a test is about keys.
KEYLESS = {"*": ["W403"]}


def compile_text(
    text: str, path: str = "mappings/t.dwmap", ignores: dict[str, list[str]] | None = KEYLESS
) -> BuildResult:
    return compile_sources([(path, text)], ignores=ignores)


def load_module(path: Path) -> ModuleType:
    """Import a generated module from its file path, the way users are told they can."""
    name = f"generated_{path.stem}_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_into(mappings: Path, out: Path) -> BuildResult:
    result = compile_directory(mappings)
    assert result.ok, result.render_diagnostics()
    write_tree(out, result.files)
    return result


@pytest.fixture(scope="session")
def showcase_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("showcase")
    build_into(FIXTURES / "showcase", out)
    return out


@pytest.fixture(scope="session")
def showcase(showcase_dir: Path) -> ModuleType:
    return load_module(showcase_dir / "sync" / "vendor_contacts.py")


@pytest.fixture(scope="session")
def generated() -> dict[str, ModuleType]:
    """The committed modules in generated/sync, by template name."""
    folder = REPO / "generated" / "sync"
    return {path.stem: load_module(path) for path in sorted(folder.glob("*.py"))}
