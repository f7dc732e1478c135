"""Property tests: no input crashes the compiler; what compiles round-trips."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import compile_text, load_module
from mappingc.diagnostics import render

SEED = (Path(__file__).resolve().parent / "fixtures" / "showcase" / "contacts.dwmap").read_text()
DSL_ALPHABET = string.ascii_letters + string.digits + " \t\n{}()<>=!|&:,.\"'#_-*"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=DSL_ALPHABET, max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    result = compile_text(text)
    for diagnostic in result.diagnostics:
        render(diagnostic, text)  # rendering must not crash either
    if not result.ok:
        assert result.files == {}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_template_never_crashes(data: st.DataObject) -> None:
    text = SEED
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()):
            text = text[:position] + data.draw(st.text(DSL_ALPHABET, max_size=5)) + text[position:]
        else:
            text = text[:position] + text[position + data.draw(st.integers(1, 8)) :]
    result = compile_text(text)
    assert all(d.span.line >= 1 and d.span.column >= 1 for d in result.diagnostics)
    assert result.ok or result.files == {}


# ---------------------------------------------------------------- valid templates round-trip
# Not `TRUE` or `FALSE`, which no store holds as a column (E216, tests/test_repro_names.py).
FO_NAMES = st.from_regex(r"[A-Z][A-Z0-9]{1,12}", fullmatch=True).filter(
    lambda n: n not in {"TRUE", "FALSE"}
)
DV_NAMES = st.from_regex(r"msdyn_[a-z]{1,10}", fullmatch=True)
PLAIN = st.sampled_from(["=", ">", "<"])
TYPES = st.sampled_from(["string", "int", "bool", "decimal(2)", "date"])


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str, str]]]:
    """A valid template and the doc rows it must produce: (FO, map type, Dataverse, default)."""
    fo_fields = draw(st.lists(FO_NAMES, min_size=1, max_size=8, unique=True))
    dv_fields = draw(
        st.lists(DV_NAMES, min_size=len(fo_fields), max_size=len(fo_fields), unique=True)
    )
    lines, rows = [], []
    for fo, dv in zip(fo_fields, dv_fields, strict=True):
        kind = draw(st.sampled_from(["plain", "mapped", "constant"]))
        if kind == "plain":
            map_type = draw(PLAIN)
            lines.append(f"{fo} {map_type} {dv} : {draw(TYPES)}")
            rows.append((fo, map_type, dv, ""))
        elif kind == "mapped":
            map_type = draw(st.sampled_from(["><", ">>", "<<"]))
            lines.append(f"{fo} {map_type} {dv} via Flag")
            rows.append((fo, f"{map_type}<br>`on` : `1`<br>`off` : `0`", dv, ""))
        else:
            value = draw(st.integers(0, 999))
            lines.append(f"none >> {dv} default {value}")
            rows.append(("none", ">>", dv, str(value)))
    body = "".join(f"    {line}\n" for line in lines)
    text = (
        'template gen {\n    label "Generated"\n    finance_operations Gen\n'
        f"    dataverse gen\n{body}}}\n\nvaluemap Flag {{\n    on : 1\n    off : 0\n}}\n"
    )
    return text, rows


def doc_rows(doc: str) -> list[tuple[str, str, str, str]]:
    table = doc.split("---|---|---|---\n", 1)[1]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.split(" | ")]
        cells[-1] = cells[-1].removesuffix("|").strip()
        rows.append((cells[0], cells[1], cells[2], cells[3] if len(cells) > 3 else ""))
    return rows


@settings(max_examples=60, deadline=None)
@given(templates())
def test_template_round_trips_into_the_docs_table(case: tuple[str, list[tuple[str, ...]]]) -> None:
    text, rows = case
    result = compile_text(text)
    assert result.ok, result.render_diagnostics()
    assert doc_rows(result.files["docs/gen.md"]) == rows


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_bidirectional_fields_round_trip_through_the_generated_module(data: st.DataObject) -> None:
    fields = data.draw(st.lists(FO_NAMES, min_size=1, max_size=5, unique=True))
    rows = []
    for index, fo in enumerate(fields):
        rows.append(
            data.draw(
                st.sampled_from(
                    [
                        f"{fo} = msdyn_f{index} : string",
                        f"{fo} >< msdyn_f{index} via Flag",
                        f"{fo} = msdyn_l{index}.code : int",
                    ]
                )
            )
        )
    text = (
        'template gen {\n    label "G"\n    finance_operations G\n    dataverse g\n'
        + "".join(f"    {r}\n" for r in rows)
        + "}\nvaluemap Flag {\n    on : 1\n    off : 0\n}\n"
    )
    result = compile_text(text)
    assert result.ok, result.render_diagnostics()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.py"
        path.write_text(result.files["sync/gen.py"], encoding="utf-8")
        module = load_module(path)
    values = {
        "string": st.text(max_size=10),
        "Flag": st.sampled_from(["on", "off"]),
        "int": st.integers(-(2**31), 2**31 - 1),  # a whole number in both systems: 32 bits
    }
    row = {}
    for line in rows:
        fo = line.split()[0]
        kind = "Flag" if "via Flag" in line else ("int" if line.endswith("int") else "string")
        if data.draw(st.booleans()):  # partial rows too
            row[fo] = data.draw(st.one_of(st.none(), values[kind]))
    assert module.to_finance_operations(module.to_dataverse(row)) == row
