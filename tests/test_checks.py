"""Every check: its code, its message, where it points and its hint."""

from __future__ import annotations

import pytest

from conftest import HEADER, compile_text, template
from mappingc.diagnostics import Code

NOYES = "valuemap NoYes {\n    yes : True\n    no : False\n}\n"
SAME_VALUE = "valuemap Flag {\n    on : 1\n    yes : 1\n}\n"


def only(text: str, code: Code) -> list[str]:
    """Rendered diagnostics of `code` for `text`, one string each."""
    result = compile_text(text)
    chosen = [d for d in result.diagnostics if d.code is code]
    assert chosen, f"expected {code.value}, got:\n{result.render_diagnostics()}"
    from mappingc.diagnostics import render

    return [render(d, text) for d in chosen]


def test_unknown_map_type_points_at_the_symbol_with_a_hint() -> None:
    text = template("A => a")
    (shown,) = only(text, Code.UNKNOWN_MAP_TYPE)
    assert shown == (
        "mappings/t.dwmap:5:7: error[E101]: unknown map type `=>`\n"
        " 5 |     A => a\n"
        "   |       ^^\n"
        "   = hint: did you mean `>`? (FO → Dataverse)"
    )


@pytest.mark.parametrize(
    ("symbol", "hint"),
    [
        ("<>", "did you mean `=` (bidirectional) or `><` (bidirectional with a transform)?"),
        ("<=", "did you mean `<`? (Dataverse → FO)"),
        (">>>", "did you mean `>>`?"),
    ],
)
def test_unknown_map_type_hints(symbol: str, hint: str) -> None:
    (shown,) = only(template(f"A {symbol} a"), Code.UNKNOWN_MAP_TYPE)
    assert shown.endswith(f"= hint: {hint}")


def test_unknown_field_type_suggests_the_closest() -> None:
    (shown,) = only(template("A = a : strng"), Code.UNKNOWN_FIELD_TYPE)
    assert "error[E102]: unknown field type `strng`" in shown
    assert shown.endswith("hint: did you mean `string`?")


def test_size_on_a_type_without_one() -> None:
    (shown,) = only(template("A = a : int(4)"), Code.UNKNOWN_FIELD_TYPE)
    assert "`int` takes no size" in shown


def test_unknown_value_map_suggests_a_declared_one() -> None:
    (shown,) = only(template("A >< a via NoYs", after=NOYES), Code.UNKNOWN_VALUE_MAP)
    assert "mappings/t.dwmap:5:16: error[E103]: unknown value map `NoYs`" in shown
    assert shown.endswith("hint: did you mean `NoYes`?")


def test_dataverse_field_written_twice_towards_dataverse() -> None:
    (shown,) = only(template("A = a", "B > a"), Code.DATAVERSE_FIELD_TWICE)
    assert "6:9: error[E200]: `a` is written twice towards Dataverse" in shown
    assert "line 5 writes it from `A` already" in shown


def test_dataverse_field_read_twice_towards_fo_is_fine() -> None:
    result = compile_text(template("A < a", "B < a"))
    assert result.ok, result.render_diagnostics()


def test_column_written_as_value_and_as_lookup() -> None:
    (shown,) = only(template("A > a", "B > a.key"), Code.DATAVERSE_FIELD_TWICE)
    assert "`a` is written both as a column and as a lookup" in shown


def test_lookup_key_parts_share_one_related_row() -> None:
    result = compile_text(template("A > a.x", "B > a.y"))
    assert result.ok, result.render_diagnostics()


def test_value_map_on_a_map_type_without_transform() -> None:
    (shown,) = only(template("A = a via NoYes", after=NOYES), Code.VALUE_MAP_WITHOUT_TRANSFORM)
    assert "error[E201]: a value map needs a transform map type, not `=`" in shown
    assert shown.endswith("hint: did you mean `><`?")


def test_transform_map_type_with_nothing_to_apply() -> None:
    (shown,) = only(template("A >> a"), Code.TRANSFORM_WITHOUT_EFFECT)
    assert "error[E202]: `>>` transforms, but this row has no value map or default" in shown
    assert "use `>`" in shown


def test_transform_with_only_a_default_is_fine() -> None:
    assert compile_text(template("A >> a : int default 0")).ok


def test_value_map_not_invertible_for_bidirectional_map() -> None:
    (shown,) = only(template("A >< a via Flag", after=SAME_VALUE), Code.VALUE_MAP_NOT_INVERTIBLE)
    assert "value map `Flag` maps `on`, `yes` all to 1, so `><` cannot map 1 back" in shown


def test_non_invertible_value_map_is_fine_one_way() -> None:
    assert compile_text(template("A >> a via Flag", after=SAME_VALUE)).ok


def test_non_invertible_value_map_towards_fo_is_an_error() -> None:
    only(template("A << a via Flag", after=SAME_VALUE), Code.VALUE_MAP_NOT_INVERTIBLE)


def test_key_field_not_mapped() -> None:
    header = HEADER + "    key msdyn_cardnumbr\n"
    (shown,) = only(template("A = msdyn_cardnumber", header=header), Code.KEY_FIELD)
    assert "integration key field `msdyn_cardnumbr` is not mapped in template `t`" in shown
    assert shown.endswith("hint: did you mean `msdyn_cardnumber`?")


def test_key_field_not_bidirectional_in_bidirectional_template() -> None:
    header = HEADER + "    key a\n"
    (shown,) = only(template("A > a", "B = b", header=header), Code.KEY_FIELD)
    assert "integration key field `a` is mapped `>`, but the template syncs both ways" in shown


def test_one_way_template_key_may_be_one_way() -> None:
    header = HEADER + "    key a\n"
    assert compile_text(template("A > a", "B > b", header=header)).ok


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('A = a : int default "many"', 'default "many" does not fit `int`'),
        ("A = a : int default 1.5", "default 1.5 does not fit `int`"),
        ("A = a : bool default 1", "default 1 does not fit `bool`"),
        ("A = a : decimal(2) default 1.234", "default 1.234 does not fit `decimal(2)`"),
        ('A = a : string(2) default "abc"', 'default "abc" does not fit `string(2)`'),
        ('A = a : date default "31/01/2024"', 'default "31/01/2024" does not fit `date`'),
        ("A >< a via NoYes default maybe", "default maybe is not a symbol of value map `NoYes`"),
    ],
)
def test_default_that_does_not_fit_the_field_type(row: str, message: str) -> None:
    (shown,) = only(template(row, after=NOYES), Code.DEFAULT_TYPE)
    assert message in shown


@pytest.mark.parametrize(
    "row",
    [
        'A = a : date default "2024-01-31"',
        'A = a : datetime default "2024-01-31T12:00:00"',
        "A = a : decimal(2) default 1.25",
        "A >< a via NoYes default no",
        "none >> a default 3",
    ],
)
def test_defaults_that_fit(row: str) -> None:
    result = compile_text(template(row, after=NOYES))
    assert result.ok, result.render_diagnostics()


def test_duplicate_template_name_across_files() -> None:
    from mappingc.build import compile_sources

    result = compile_sources([("m/a.dwmap", template("A = a")), ("m/b.dwmap", template("B = b"))])
    # Both files are blamed equally: the alphabetical order of their names says nothing of
    # which one is new.
    found = [d for d in result.diagnostics if d.code is Code.DUPLICATE_TEMPLATE]
    assert sorted((d.path, d.message, d.hint) for d in found) == [
        ("m/a.dwmap", "template `t` is defined twice", "the other is at m/b.dwmap:1"),
        ("m/b.dwmap", "template `t` is defined twice", "the other is at m/a.dwmap:1"),
    ]


def test_duplicate_reference_id() -> None:
    first = HEADER.replace("template t", "template a") + "    ref 149\n"
    second = HEADER.replace("template t", "template b") + "    ref 149\n"
    text = template("A = a", header=first) + template("B = b", header=second)
    (shown,) = only(text, Code.DUPLICATE_REF)
    assert "reference id 149 is already used by template `a`" in shown


def test_none_row_without_default() -> None:
    (shown,) = only(template("none >> a"), Code.NONE_SIDE)
    assert "needs a default value" in shown


def test_none_row_reading_the_none_side() -> None:
    messages = only(template("none = a default 1"), Code.NONE_SIDE)
    assert any("`=` reads the finance and operations side, which is `none`" in m for m in messages)


def test_value_map_duplicate_symbol_and_duplicate_name() -> None:
    text = template("A >< a via M") + "valuemap M {\n    x : 1\n    x : 2\n}\n"
    text += "valuemap M {\n    y : 1\n}\n"
    messages = only(text, Code.VALUE_MAP_DEFINITION)
    assert any("value map `M` lists `x` twice" in m for m in messages)
    assert any("value map `M` is defined twice" in m for m in messages)


def test_type_on_a_value_mapped_row() -> None:
    only(template("A >< a : int via NoYes", after=NOYES), Code.TYPE_WITH_VALUE_MAP)


def test_missing_header_property_has_a_hint() -> None:
    text = 'template t {\n    label "T"\n    dataverse t\n    A = a\n}\n'
    (shown,) = only(text, Code.TEMPLATE_PROPERTY)
    assert "template `t` has no `finance_operations`" in shown
    assert "add `finance_operations LoyaltyCard`" in shown


def test_mixed_lookup_path() -> None:
    only(template("A = a.b.T(k)"), Code.LOOKUP_PATH)


def test_same_fo_field_written_twice_is_a_warning_not_an_error() -> None:
    result = compile_text(template("A < a", "A < b"))
    assert result.ok
    (warning,) = result.diagnostics
    assert warning.code is Code.FO_FIELD_TWICE
    assert warning.message == (
        "`A` is written twice towards finance and operations (also on line 5)"
    )
    # One FO field read into two columns, as Microsoft's Units template does, is fine.
    assert compile_text(template("A > a", "A > b")).diagnostics == []


def test_unused_value_map_is_a_warning() -> None:
    result = compile_text(template("A = a", after=NOYES))
    assert result.ok
    assert [d.code for d in result.diagnostics] == [Code.UNUSED_VALUE_MAP]


def test_all_errors_of_a_file_are_reported_at_once() -> None:
    text = template("A => a", "B = b : strng", "C >< c via Nope", "D >> d")
    result = compile_text(text)
    codes = [d.code for d in result.diagnostics]
    assert codes == [
        Code.UNKNOWN_MAP_TYPE,
        Code.UNKNOWN_FIELD_TYPE,
        Code.UNKNOWN_VALUE_MAP,
        Code.TRANSFORM_WITHOUT_EFFECT,
    ]
    assert result.files == {}


def test_misspelt_reference_does_not_also_warn_that_the_map_is_unused() -> None:
    result = compile_text(template("A >< a via NoYs", after=NOYES))
    assert [d.code for d in result.diagnostics] == [Code.UNKNOWN_VALUE_MAP]


def test_header_property_set_twice() -> None:
    header = HEADER + '    label "Again"\n'
    (shown,) = only(template("A = a", header=header), Code.TEMPLATE_PROPERTY)
    assert "mappings/t.dwmap:5:5: error[E104]: template `t` sets `label` twice" in shown
    assert shown.endswith("hint: the first is on line 2")


def test_key_field_listed_twice() -> None:
    header = HEADER + "    key a, a\n"
    (shown,) = only(template("A = a", header=header), Code.KEY_FIELD)
    assert "`a` is listed twice in the key" in shown


def test_value_map_to_a_fraction_is_not_an_option_set_value() -> None:
    (shown,) = only(
        template("A >< a via M", after="valuemap M {\n    x : 1.5\n}\n"), Code.VALUE_MAP_DEFINITION
    )
    assert "value map `M` maps `x` to 1.5, which is not an option-set value" in shown


def test_template_names_that_give_one_module_file() -> None:
    first = HEADER.replace("template t", "template loyaltyCard")
    second = HEADER.replace("template t", "template loyalty_card")
    shown = only(
        template("A = a", header=first) + template("B = b", header=second), Code.DUPLICATE_TEMPLATE
    )
    assert "gives the same module name `loyalty_card` as template `loyaltyCard`" in shown[1]
    assert "gives the same module name `loyalty_card` as template `loyalty_card`" in shown[0]


def test_none_on_both_sides() -> None:
    messages = only(template("none >> none default 1"), Code.NONE_SIDE)
    assert messages[0].split("\n")[0].endswith("a row cannot be `none` on both sides")


def test_lookup_target_for_a_column_that_is_no_lookup() -> None:
    header = HEADER + "    lookup msdyn_currency -> transactioncurrencies\n"
    (shown,) = only(
        template("A = msdyn_currencyid.isocurrencycode", header=header), Code.LOOKUP_PATH
    )
    assert "`msdyn_currency` is not a lookup column of any row in `t`" in shown
    assert shown.endswith("hint: did you mean `msdyn_currencyid`?")


def test_lookup_target_declared_twice() -> None:
    header = HEADER + "    lookup a -> x\n    lookup a -> y\n"
    (shown,) = only(template("A = a.k", header=header), Code.LOOKUP_PATH)
    assert "lookup `a` is declared twice" in shown


# ---------------------------------------------------------------- likely mistakes
STATUS = "valuemap Status {\n    open : 806380000\n    closed : 806380001\n}\n"


def _filtered(condition: str, *rows: str) -> str:
    return template(*rows, header=HEADER + f"    source_filter ({condition})\n", after=STATUS)


def test_a_template_without_a_key_is_a_warning() -> None:
    text = template("A = a")
    result = compile_text(text, ignores=None)
    (found,) = [d for d in result.diagnostics if d.code is Code.NO_KEY]
    assert found.message == "template `t` has no key"
    keyed = compile_text(template("A = a", header=HEADER + "    key a\n"), ignores=None)
    assert [d.code for d in keyed.diagnostics] == []


def test_a_filter_value_outside_the_value_map_is_an_error_with_a_hint() -> None:
    (shown,) = only(
        _filtered('(STATUS == "Clsoed")', "STATUS >< status via Status"), Code.FILTER_VALUE
    )
    assert (
        'error[E214]: `STATUS` is compared with "Clsoed", which is not a symbol of value map '
        "`Status`" in shown
    )
    assert "hint: did you mean `closed`?" in shown
    assert compile_text(_filtered('(STATUS == "Closed")', "STATUS >< status via Status")).ok


def test_a_filter_value_of_the_wrong_type_is_an_error() -> None:
    (shown,) = only(_filtered('(POINTS > "many")', "POINTS = points : int"), Code.FILTER_VALUE)
    assert '`POINTS` is int, and is compared with "many"' in shown
    assert "hint: compare it with a number" in shown


def test_comparing_words_with_a_number_never_matches() -> None:
    (shown,) = only(
        _filtered("(STATUS = 1)", "STATUS >< status via Status"), Code.FILTER_NEVER_MATCHES
    )
    # FO compares an enum with its member's value; mappingc cannot, not knowing the values.
    assert (
        "`STATUS` holds enum symbols (`open`, `closed`), and mappingc does not know which "
        "member 1 is: the sync's filter compares the symbol with 1 and lets no row through"
    ) in shown
    # No value map, but its default is a word: what the published CDS Contacts V2 filter does.
    text = _filtered("(KIND = 1)", 'KIND << none default "Vendor"')
    (shown,) = only(text, Code.FILTER_NEVER_MATCHES)
    assert '`KIND` holds enum symbols (`"Vendor"`)' in shown


def test_a_number_compared_with_a_no_yes_field_is_its_member() -> None:
    """X++ reads `(B2B == 1)` on a NoYes field as `Yes`: the filter compares with the symbol
    FO sends, and nothing is reported."""
    text = _filtered("(B2B == 1)", "B2B >< b2b via { no: False, yes: True }")
    result = compile_text(text)
    assert Code.FILTER_NEVER_MATCHES not in [d.code for d in result.diagnostics]
    assert 'xpp_equal(row.get("B2B"), "Yes")' in result.files["sync/t.py"]
    two = _filtered("(B2B == 2)", "B2B >< b2b via { no: False, yes: True }")
    (shown,) = only(two, Code.FILTER_NEVER_MATCHES)
    assert "no member of `NoYes` has the value 2" in shown


def test_a_row_with_its_sides_swapped_gets_a_hint() -> None:
    (shown,) = only(template("msdyn_cardnumber > CARDNUMBER"), Code.SIDES_SWAPPED)
    assert "`msdyn_cardnumber > CARDNUMBER` looks swapped: the FO field comes first" in shown
    assert "hint: write `CARDNUMBER < msdyn_cardnumber`" in shown


def test_a_value_map_that_mixes_numbers_and_text_is_a_warning() -> None:
    mixed = 'valuemap Mixed {\n    open : 806380000\n    closed : "closed"\n}\n'
    (shown,) = only(template("S >< s via Mixed", after=mixed), Code.MIXED_VALUE_MAP)
    assert 'value map `Mixed` mixes numbers (806380000) and text ("closed")' in shown


def test_a_table_another_template_maps_is_a_note() -> None:
    """Issue 30: nothing said that a table was already mapped by another template."""
    from mappingc.build import compile_sources

    one = (
        'template a {\n    label "A"\n    finance_operations E\n    dataverse t\n'
        "    key k\n    K = k : string\n}\n"
    )
    two = one.replace("template a", "template b").replace(
        "finance_operations E", "finance_operations F"
    )
    found = compile_sources([("m/a.dwmap", one), ("m/b.dwmap", two)]).diagnostics
    (note,) = [d for d in found if d.code is Code.TABLE_MAPPED_TWICE]
    assert note.path == "m/b.dwmap" and note.severity.value == "note"
    assert note.message == "`t` is mapped by template `a` too (m/a.dwmap:1)"
