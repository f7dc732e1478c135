"""The build hands black only the statements whose layout depends on the data
(mappingc/emit/layout.py). These tests hold that to what black makes of whole modules: for
every module of the catalog and for random templates built to stress the layout (long names,
quotes, long values, lookups, filters)."""

from __future__ import annotations

import string

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from mappingc.contract.plan_sql import ROW_ID
from mappingc.emit.layout import format_module, top_level_statements
from mappingc.emit.module import render_module
from mappingc.frontend import analyse
from mappingc.naming import column_name_problem, file_stem_problem, module_name
from mappingc.sources import read_sources


def rendered(sources: list[tuple[str, str]]) -> dict[str, str]:
    catalog, diagnostics = analyse(sources)
    errors = [d for d in diagnostics if d.severity.value == "error"]
    assert not errors, errors
    return {t.name: render_module(t, catalog) for t in catalog.templates}


def test_every_catalog_module_is_laid_out_as_black_lays_out_the_whole_module() -> None:
    sources, problems = read_sources(REPO / "mappings")
    assert not problems
    modules = rendered(sources)
    assert len(modules) > 150
    differing = [
        name
        for name, source in modules.items()
        if format_module(source) != format_module(source, everything=True)
    ]
    assert differing == []


def test_black_is_only_asked_about_what_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the exercise: short statements are not reformatted (here, none of the
    seed template's), and a long row goes to black alone, not its whole table."""
    seen: list[str] = []
    real = black.format_str

    def spy(source: str, *, mode: black.Mode) -> str:
        seen.append(source)
        return real(source, mode=mode)

    monkeypatch.setattr(black, "format_str", spy)
    sources = [("m/loyalty_card.dwmap", (REPO / "mappings/loyalty/loyalty_card.dwmap").read_text())]
    format_module(rendered(sources)["loyalty_card"])
    assert seen == []
    long_row = (
        "    ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 = msdyn_lookupcolumnwithalongname.msdyn_key\n"
    )
    text = 'template t {\n    label "T"\n    finance_operations T\n    dataverse t\n'
    text += "    SHORT = msdyn_short\n" + long_row + "}\n"
    module = rendered([("m/t.dwmap", text)])["t"]
    whole = format_module(module, everything=True)
    seen.clear()
    assert format_module(module) == whole
    assert len(seen) == 1 and "SHORT" not in seen[0] and "ABCDEFGHIJ" in seen[0]


# ---------------------------------------------------------------- random templates
def _dsl_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


PRINTABLE = st.text(
    # No tab: a string may not hold one (E106); quotes, backslashes and non-ASCII stress the layout.
    alphabet=string.ascii_letters + string.digits + " '\"\\.,;:!?()#-é↔",
    min_size=1,
    max_size=140,
)
# Names the build takes: not one the stores or the file system cannot hold (mappingc.naming;
# those are E215/E216, tested in tests/test_repro_names.py).
FO_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,48}", fullmatch=True).filter(
    lambda n: n != "FILTERED" and column_name_problem(n, ROW_ID) is None
)
TEMPLATE_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,60}", fullmatch=True).filter(
    lambda n: file_stem_problem(module_name(n)) is None
)
DV_NAME = st.from_regex(r"msdyn_[a-z0-9]{1,40}", fullmatch=True)
SYMBOL = st.from_regex(r"[a-z][A-Za-z0-9]{0,40}", fullmatch=True)


@st.composite
def templates(draw: st.DrawFn) -> str:
    fo_names = draw(st.lists(FO_NAME, min_size=1, max_size=6, unique_by=str.upper))
    dv_names = draw(st.lists(DV_NAME, min_size=len(fo_names), max_size=len(fo_names), unique=True))
    symbols = draw(st.lists(SYMBOL, min_size=1, max_size=4, unique=True))
    rows = []
    for index, (fo, dv) in enumerate(zip(fo_names, dv_names, strict=True)):
        shape = draw(st.sampled_from(["plain", "sized", "mapped", "lookup", "constant", "text"]))
        if shape == "plain":
            rows.append(f"{fo} {draw(st.sampled_from(['=', '>', '<']))} {dv} : date")
        elif shape == "sized":
            rows.append(f"{fo} = {dv} : string({draw(st.integers(1, 9999))})")
        elif shape == "mapped":
            default = f" default {draw(st.sampled_from(symbols))}" if draw(st.booleans()) else ""
            rows.append(f"{fo} >< {dv} via LongValueMapNameForTesting{default}")
        elif shape == "lookup":
            rows.append(f"{fo} = {dv}.{draw(DV_NAME)}.{draw(DV_NAME)} : int")
        elif shape == "constant":
            # `_` keeps it apart from every drawn name (`msdyn_0` + `0` would be `msdyn_00`).
            rows.append(f"none >> {dv}_{index} default {_dsl_string(draw(PRINTABLE))}")
        else:
            rows.append(f"{fo} > {dv} : string default {_dsl_string(draw(PRINTABLE))}")
    filter_field = "Filtered"
    filter_value = draw(st.sampled_from(['"x"', "1", '"it\'s"', "Some::Value"]))
    entries = "".join(f"    {symbol} : {806380000 + i}\n" for i, symbol in enumerate(symbols))
    return (
        f"template {draw(TEMPLATE_NAME)} {{\n"
        f"    label {_dsl_string(draw(PRINTABLE))}\n"
        f"    finance_operations {_dsl_string(draw(PRINTABLE))}\n"
        f"    dataverse {draw(DV_NAME)}\n"
        f"    description {_dsl_string(draw(PRINTABLE))}\n"
        f"    unmapped finance_operations {filter_field}\n"
        f"    source_filter ({filter_field} == {filter_value})"
        f' || ({filter_field} like "{"a" * draw(st.integers(0, 90))}*")\n'
        + "".join(f"    {row}\n" for row in rows)
        + "}\n\nvaluemap LongValueMapNameForTesting {\n"
        + entries
        + "}\n"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_random_templates_are_laid_out_as_black_lays_out_the_whole_module(text: str) -> None:
    (module,) = rendered([("m/t.dwmap", text)]).values()
    assert format_module(module) == format_module(module, everything=True)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" \n\tabc#()[]{}:=\"'", max_size=400))
def test_statements_put_back_together_are_the_source(source: str) -> None:
    assert "".join(top_level_statements(source)) == source


def test_a_comment_belongs_to_the_statement_below_it() -> None:
    source = "X = 1\n# about Y\nY = (\n    2\n)\n\n\ndef f() -> None:\n\n    pass\n"
    assert top_level_statements(source) == [
        "X = 1\n",
        "# about Y\nY = (\n    2\n)\n",
        "\n\n",
        "def f() -> None:\n\n    pass\n",
    ]
