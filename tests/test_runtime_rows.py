"""`mappingc.runtime.rows`: the row table every generated module applies (its behaviour over the
whole catalog is in test_catalog.py; these are the edges a template cannot reach)."""

from __future__ import annotations

import re
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, load_module
from mappingc.runtime import (
    FieldTypeError,
    MappingError,
    PolymorphicLookup,
    ValueMap,
    ValueMapError,
    check_int,
    check_str,
)
from mappingc.runtime.rows import Row, Rows

FLAG = ValueMap("Flag", (("on", 1), ("off", 0)))
BLANKABLE = ValueMap("Blankable", (("never", None), ("always", "always")))


def test_a_row_refuses_an_unknown_map_type() -> None:
    with pytest.raises(ValueError, match="unknown map type '=>'"):
        Row("A", "=>", "a", check_str)


def test_a_row_that_reads_nothing_needs_a_default() -> None:
    with pytest.raises(ValueError, match="neither a source field nor a default"):
        Rows(Row(None, ">", "a"))
    with pytest.raises(ValueError, match="says nothing about its type"):
        Rows(Row("A", ">", "a"))


def test_rows_move_only_the_way_their_map_type_allows() -> None:
    rows = Rows(
        Row("A", ">", "a", check_str),
        Row("B", "<", "b", check_str),
        Row("C", "=", "c", check_int),
    )
    assert rows.to_dataverse({"A": "x", "B": "y", "C": 1}) == {"a": "x", "c": 1}
    assert rows.to_finance_operations({"a": "x", "b": "y", "c": 1}) == {"B": "y", "C": 1}


def test_sizes_defaults_and_value_maps() -> None:
    rows = Rows(
        Row("NAME", "=", "name", check_str, size=3),
        Row("FLAG", "><", "flag", FLAG, default="off"),
        Row(None, ">>", "kind", FLAG, default="on"),
        Row("WHEN", ">>", "when", BLANKABLE),
    )
    assert rows.to_dataverse({"WHEN": "never"}) == {"flag": 0, "kind": 1, "when": None}
    assert rows.to_finance_operations({"flag": None}) == {"FLAG": "off"}
    with pytest.raises(FieldTypeError, match="NAME: 4 characters is longer than 3"):
        rows.to_dataverse({"NAME": "abcd"})


def test_lookups_nest_clear_and_read_back() -> None:
    rows = Rows(
        Row("CODE", "=", "currency.isocurrencycode", check_str),
        Row("ZONE", "=", "currency.zone", check_str),
        Row(
            "OWNER",
            "=",
            PolymorphicLookup("owner", (("account", "no"), ("contact", "id"))),
            check_str,
        ),
    )
    out = rows.to_dataverse({"CODE": "EUR", "ZONE": "EU", "OWNER": "42"})
    assert out == {
        "currency": {"isocurrencycode": "EUR", "zone": "EU"},
        "owner": {"account": {"no": "42"}, "contact": {"id": "42"}},
    }
    assert rows.to_finance_operations(out) == {"CODE": "EUR", "ZONE": "EU", "OWNER": "42"}
    assert rows.to_dataverse({"CODE": None, "OWNER": None}) == {"currency": None, "owner": None}


def test_a_later_row_wins_where_two_write_one_field() -> None:
    rows = Rows(Row("A", ">", "x", check_str), Row("B", ">", "x", check_str))
    assert rows.to_dataverse({"A": "first", "B": "second"}) == {"x": "second"}


def test_the_runtime_knows_the_directions_the_compiler_gives_each_map_type() -> None:
    """Generated modules import only the runtime, so it keeps its own copy of the map types'
    directions; this keeps the two the same."""
    from mappingc import ir
    from mappingc.runtime import rows as runtime_rows

    for map_type in ir.MapType:
        moves = Rows(Row("A", map_type.value, "a", check_str))
        assert bool(moves.to_dataverse({"A": "x"})) is map_type.to_dataverse, map_type
        assert bool(moves.to_finance_operations({"a": "x"})) is map_type.to_finance_operations
    towards = runtime_rows._TOWARDS_DATAVERSE | runtime_rows._TOWARDS_FINANCE_OPERATIONS
    assert towards == {m.value for m in ir.MapType}


@pytest.mark.parametrize(
    "name", ["it's", 'say "hi"', "back\\slash", "new\nline", "nul\x00", "sep\u2028", "é 名"]
)
def test_field_names_are_data_in_the_written_out_functions(name: str) -> None:
    """`Rows` writes each direction out as Python source: a name is a literal there, never
    code, whatever characters it holds."""
    rows = Rows(
        Row(name, "=", name.upper() + "'", check_str), Row(None, ">>", name, FLAG, default="on")
    )
    assert rows.to_dataverse({name: "v"}) == {name.upper() + "'": "v", name: 1}
    assert rows.to_finance_operations({name.upper() + "'": "w"}) == {name: "w"}


def test_values_of_another_type_still_go_through_their_check() -> None:
    class Text(str):
        pass

    rows = Rows(Row("A", "=", "a", check_str, size=2), Row("F", "><", "f", FLAG))
    assert rows.to_dataverse({"A": Text("ab"), "F": Text("on")}) == {"a": "ab", "f": 1}
    with pytest.raises(FieldTypeError, match="A: 3 characters is longer than 2"):
        rows.to_dataverse({"A": Text("abc")})
    with pytest.raises(FieldTypeError, match="expected str, got int 1"):
        rows.to_dataverse({"A": 1})


_FIELDS = ("A", "B", "C", "D")
_ROWS = Rows(
    Row("A", "=", "a", check_str),
    Row("B", "><", "b", FLAG, default="off"),
    Row("C", ">", "c", check_int),
    Row("D", "=", "d.key", check_str),
    Row(None, ">>", "e", FLAG, default="on"),
)


def _by_hand(row: dict[str, object]) -> dict[str, object]:
    """What `_ROWS.to_dataverse` means, written plainly: the reference for both of its paths."""
    out: dict[str, object] = {}
    if "A" in row:
        out["a"] = None if row["A"] is None else check_str(row["A"], "A")
    out["b"] = FLAG.to_dataverse("off" if row.get("B") is None else row["B"], "B")  # default
    if "C" in row:
        out["c"] = None if row["C"] is None else check_int(row["C"], "C")
    if "D" in row:
        out["d"] = None if row["D"] is None else {"key": check_str(row["D"], "D")}
    out["e"] = 1
    return out


@given(
    st.dictionaries(
        st.sampled_from([*_FIELDS, "X", "Y", "Z"]),
        st.none() | st.sampled_from(["on", "off", "x"]) | st.integers(-3, 3),
        max_size=7,
    )
)
def test_full_and_sparse_rows_map_alike(row: dict[str, object]) -> None:
    """A row with as many keys as fields are read takes the `try` path, a smaller one the `in`
    path (see `_function`); rows with other keys and missing fields take the first too."""
    try:
        expected: object = _by_hand(row)
    except MappingError as error:
        expected = str(error)
    try:
        got: object = _ROWS.to_dataverse(row)
    except MappingError as error:
        got = str(error)
    assert got == expected


def test_each_direction_is_compiled_on_its_first_call_once() -> None:
    rows = Rows(Row("A", "=", "a", check_str))
    held = rows.to_dataverse  # the stand-in, taken before any call
    assert held({"A": "x"}) == {"a": "x"}
    compiled = rows.to_dataverse
    assert compiled is not held and held({"A": "y"}) == compiled({"A": "y"}) == {"a": "y"}
    assert rows.to_dataverse is compiled


def test_a_mapping_error_names_the_template_row_and_its_traceback_shows_the_row() -> None:
    """What runs is what a user reads: the error of `loyalty_card.to_dataverse` names the
    template's file and the row's line, and the traceback shows the written-out statement."""
    module = load_module(REPO / "generated" / "sync" / "loyalty_card.py")
    source = (REPO / "mappings" / "loyalty" / "loyalty_card.dwmap").read_text(encoding="utf-8")
    lines = enumerate(source.splitlines(), start=1)
    line = next(n for n, text in lines if text.strip().startswith("CARDTENDERTYPE"))
    where = f"mappings/loyalty/loyalty_card.dwmap:{line}"
    sparse = {"CARDNUMBER": "C1", "CARDTENDERTYPE": "lost"}
    full = {field: None for field in module.FINANCE_OPERATIONS_FIELDS} | sparse
    for row in (sparse, full):  # the two written-out functions
        with pytest.raises(MappingError) as raised:
            module.to_dataverse(row)
        assert str(raised.value).startswith(f"{where}: CARDTENDERTYPE: 'lost' is not in")
        shown = "".join(traceback.format_exception(raised.value))
        # "<…: to_dataverse #2>" where an earlier test of this process loaded the module too.
        assert re.search(r"<mappings/loyalty/loyalty_card\.dwmap: to_dataverse( #\d+)?>", shown)
        assert f"(value, 'CARDTENDERTYPE')  # {where}" in shown
    # Without a template behind it (rows made by hand), an error says what it always said.
    with pytest.raises(MappingError) as bare:
        Rows(Row("A", "=", "a", check_str)).to_dataverse({"A": 1})
    assert str(bare.value) == "A: expected str, got int 1"


def test_a_value_map_finds_an_fo_symbol_without_regard_to_case_in_ascii_only() -> None:
    """X++ symbols compare without case, and exports write them so (`no`, `Person`); text
    outside ASCII that some lower-casing turns into a symbol (the Kelvin sign) is not one, as
    the plans' LOWER and UPPER agree (tests/test_plans.py)."""
    tender = ValueMap("Tender", [("asCardTender", 806380000), ("blocked", 806380003)])
    assert tender.to_dataverse("asCardTender", "T") == 806380000
    assert tender.to_dataverse("AsCardTender", "T") == 806380000
    assert tender.to_dataverse("BLOCKED", "T") == 806380003
    kelvin = ValueMap("K", [("k", 1)])
    with pytest.raises(ValueMapError):
        kelvin.to_dataverse("\u212a", "K")
