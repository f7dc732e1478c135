"""No name the compiler accepts can fail later (issue 28): templates whose names come from every
corner (leading digits and underscores, dunders, keywords, builtins, pydantic's own attributes,
the runtime's names, case twins, names past PostgreSQL's 63 bytes, Windows devices, modules
Python imports, the store's `_id`) either stop the build with an error, or build output that
imports with warnings as errors, maps a sample row both ways through its typed models, and
syncs that row through a real store (SQLite; PostgreSQL too under `make test`)."""

from __future__ import annotations

import datetime
import decimal
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outcomes import problems_of
from sync_support import rows, store_locations, write

from conftest import compile_text
from mappingc.output import write_tree
from mappingc.sync.engine import SyncEngine
from mappingc.sync.spec import load_templates
from mappingc.sync.stores import Stores

_LONG = "F" * 64
_CORNERS = [
    *("_0", "_0a", "__0", "__", "_", "_x", "__slots__", "__dict__", "__init__", "__class__"),
    *("class", "for", "match", "type", "case", "None", "True", "lambda", "yield"),
    *("str", "int", "list", "print", "object", "datetime", "decimal", "enum"),
    *("model_dump", "model_validate", "model_config", "model_fields", "copy", "dict", "json"),
    *("schema", "fields", "construct", "validate"),
    *("Row", "Rows", "ValueMap", "SymbolEnum", "Field", "BaseModel", "Final", "Mapping"),
    *("TEMPLATE", "ROWS", "to_dataverse", "DataverseRow", "FinanceOperationsRow"),
    *("_id", "_ID", "Abc", "ABC", "abc", f"{_LONG}a", f"{_LONG}b", "x" * 130),
    *("CON", "nul", "index", "json", "typing", "a", "B", "dv_a", "DV_A"),
]
_ORDINARY = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True)
# Corner names about as often as ordinary ones, so that both outcomes are common.
_NAMES = st.one_of(st.sampled_from(_CORNERS), _ORDINARY, _ORDINARY)
_RESERVED_TEMPLATES = ["index", "Index", "__init__", "__main__", "con", "Aux", "json", "typing"]
_TEMPLATE_NAMES = st.one_of(
    st.sampled_from([*_RESERVED_TEMPLATES, "pydantic", "areas", "template"]),
    st.sampled_from(["t", "model_dump", "class_", "_t", "T_1", "loyalty_card", "Field"]),
    st.sampled_from(["t", "cards", "points"]),
)
_TYPES = st.sampled_from(
    ["string", "string(20)", "int", "int64", "decimal", "decimal(2)", "bool", "date", "datetime"]
)
_SAMPLES = {
    "string": "x",
    "int": 7,
    "int64": 7,
    "decimal": decimal.Decimal("1.5"),
    "bool": True,
    "date": datetime.date(2026, 1, 2),
    "datetime": datetime.datetime(2026, 1, 2, 3, 4, 5),
}


@st.composite
def templates(draw: st.DrawFn) -> str:
    name = draw(_TEMPLATE_NAMES)
    entity = draw(st.sampled_from(["FoE", "FoE", "FoE", "_mappingc_changes", "From", _LONG]))
    table = draw(st.sampled_from(["dv_t", "dv_t", "dv_t", "_mappingc_state", "order", "dv_T"]))
    count = draw(st.integers(1, 6))
    fo = draw(st.lists(_NAMES, min_size=count, max_size=count))
    dv = draw(st.lists(_NAMES, min_size=count, max_size=count))
    kinds = draw(st.lists(_TYPES, min_size=count, max_size=count))
    maps = draw(st.lists(st.sampled_from(["=", ">", "<"]), min_size=count, max_size=count))
    rows = "".join(
        f"    {f} {'=' if i == 0 else m} {d} : {k}\n"
        for i, (f, d, k, m) in enumerate(zip(fo, dv, kinds, maps, strict=True))
    )
    return (
        f'template {name} {{\n    label "L"\n    finance_operations {entity}\n'
        f"    dataverse {table}\n    key {dv[0]}\n{rows}}}\n"
    )


def _synced(folder: Path, backend: str) -> None:
    """The build in `folder/out` syncs one FO row with a value in every field into Dataverse."""
    with store_locations(backend, folder) as (fo, dv):
        specs = load_templates(folder / "out")
        stores = Stores(fo, dv, specs)
        stores.set_up()
        try:
            engine = SyncEngine(stores)
            (spec,) = engine.specs
            fields = spec.module.FINANCE_OPERATIONS_FIELDS
            write(engine, "fo", spec.fo_table, **{n: _SAMPLES[k] for n, k in fields.items()})
            summary = engine.live()
            assert engine.status().errors == [], engine.status().errors
            assert summary.written == {spec.name: 1}
            assert len(rows(engine, "dv", spec.dv_table)) == 1
        finally:
            stores.dispose()


OUTCOMES: Counter[str] = Counter()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=templates())
def test_a_name_the_compiler_accepts_works_in_python_pydantic_and_the_store(
    text: str, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = compile_text(text, ignores=None)
    if not result.ok:
        errors = [d for d in result.diagnostics if d.is_error]
        assert errors and all(d.code and d.message for d in errors)
        OUTCOMES[f"{backend}: refused"] += 1
        return
    folder = tmp_path_factory.mktemp("names")
    assert problems_of(result, folder / "check") == [], text
    write_tree(folder / "out", result.files)
    _synced(folder, backend)
    OUTCOMES[f"{backend}: built and synced"] += 1


def test_the_name_campaign_reached_both_outcomes() -> None:
    """Counted outcomes: a campaign that only ever refused would prove nothing."""
    if not OUTCOMES:
        pytest.skip("run with the property test above")
    assert OUTCOMES["sqlite: built and synced"] > 10, OUTCOMES
    assert OUTCOMES["sqlite: refused"] > 10, OUTCOMES
