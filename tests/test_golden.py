"""Golden files: every file a build writes, for the showcase fixture (all DSL features).

Update after an intended change with `make golden` (pytest --snapshot-update), then review the diff
of tests/__snapshots__/ like any other change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from conftest import FIXTURES, REPO, GoldenFile, repo_build
from mappingc.build import compile_directory

SHOWCASE = compile_directory(FIXTURES / "showcase")  # no catalogs: English only
assert SHOWCASE.ok, SHOWCASE.render_diagnostics()


@pytest.fixture
def golden(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(GoldenFile)


@pytest.mark.parametrize("name", sorted(SHOWCASE.files), ids=lambda n: n.replace("/", "__"))
def test_showcase_output(name: str, golden: SnapshotAssertion) -> None:
    assert SHOWCASE.files[name] == golden


def test_showcase_writes_exactly_these_files() -> None:
    assert sorted(SHOWCASE.files) == [
        ".mappingc-output",
        "docs/en/mapping-reference.md",
        "docs/index.md",
        "docs/vendor_contacts.md",
        "manifest.json",
        "sync/vendor_contacts.py",
    ]


def test_committed_generated_folder_is_what_mappings_compile_to() -> None:
    result = repo_build()
    on_disk = {
        path.relative_to(REPO / "generated").as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((REPO / "generated").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert on_disk == result.files, "generated/ is stale: run `make build`"


def test_output_is_byte_identical_across_runs_and_working_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = REPO / "schemas"
    first = compile_directory(REPO / "mappings", REPO / "locales", schemas_dir=schemas).files
    monkeypatch.chdir(tmp_path)
    second = compile_directory(REPO / "mappings", REPO / "locales", schemas_dir=schemas).files
    assert first == second
