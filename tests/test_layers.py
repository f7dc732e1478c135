"""What the bottom floors may import from outside mappingc: generated modules load the runtime
(and the sync loads the contract) with the standard library, pydantic and, for the contract's
plan text, sqlglot. An allow-list, where the import contracts in pyproject.toml order the
floors of mappingc itself."""

from __future__ import annotations

import sys

import grimp
import pytest

ALLOWED = {
    "mappingc.runtime": {"pydantic"},
    "mappingc.contract": {"pydantic", "sqlglot"},
}


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_bottom_floor_imports_only_what_generated_modules_may_load(room: str) -> None:
    graph = grimp.build_graph("mappingc", include_external_packages=True)
    outside = {
        imported.split(".")[0]
        for module in graph.find_descendants(room) | {room}
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith("mappingc")
    }
    beyond = outside - set(sys.stdlib_module_names) - ALLOWED[room]
    assert not beyond, f"{room} imports {sorted(beyond)}"
