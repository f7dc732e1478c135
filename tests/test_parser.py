"""The grammar and the parse tree → AST step: what is accepted, what it means, syntax errors."""

from __future__ import annotations

import decimal

from conftest import compile_text, template
from mappingc.diagnostics import Code, render
from mappingc.frontend import syntax as ast
from mappingc.frontend.parser import parse


def parse_ok(text: str) -> ast.SourceFile:
    source, errors = parse("m.dwmap", text)
    assert errors == [], [render(e, text) for e in errors]
    return source


def test_every_map_type_and_side() -> None:
    rows = ["A = a", "B >< b via { x: 1 }", "C > c", "D >> d default 1", "E < e", "F << f via M"]
    source = parse_ok(template(*rows))
    (decl,) = source.templates
    assert [p.map_type.text for p in decl.rows] == ["=", "><", ">", ">>", "<", "<<"]


def test_none_sides_and_defaults_keep_their_literal_kind() -> None:
    source = parse_ok(
        template(
            "none >> a default 3",
            "B << none default Organization",
            'none >> c default "text"',
            "none >> d default 1.0000000000",
            "none >> e default True",
        )
    )
    pairs = source.templates[0].rows
    assert pairs[0].fo is None and pairs[1].dataverse is None
    defaults = [p.default for p in pairs]
    assert [(d.kind, d.value) for d in defaults if d] == [
        ("number", 3),
        ("symbol", "Organization"),
        ("string", "text"),
        ("number", decimal.Decimal("1.0000000000")),
        ("bool", True),
    ]


def test_lookup_paths() -> None:
    source = parse_ok(
        template(
            "A = a.b",
            "B = m.n.o",
            "C = customerid.Account(accountnumber).Contact(msdyn_contactpersonid)",
        )
    )
    paths = [p.dataverse for p in source.templates[0].rows]
    assert [p.text for p in paths if p] == [
        "a.b",
        "m.n.o",
        "customerid.Account(accountnumber).Contact(msdyn_contactpersonid)",
    ]
    polymorphic = paths[2]
    assert polymorphic is not None
    assert [(s.name.text, s.key.text if s.key else None) for s in polymorphic.steps] == [
        ("Account", "accountnumber"),
        ("Contact", "msdyn_contactpersonid"),
    ]


def test_filters_are_parsed_into_expressions() -> None:
    header = (
        'template t {\n    label "T"\n    finance_operations T\n    dataverse t\n'
        '    source_filter ((DocumentAttachmentTypeCode == "Note") || (TypeId == "URL"))\n'
        "    reversed_filter msdyn_sellable eq true and not (x ne null)\n"
    )
    source = parse_ok(template("A = a", header=header))
    by_keyword = {s.keyword: s for s in source.templates[0].statements}
    source_filter = by_keyword["source_filter"]
    assert isinstance(source_filter, ast.SourceFilter)
    fo = source_filter.filter
    assert fo.text == '((DocumentAttachmentTypeCode == "Note") || (TypeId == "URL"))'
    assert isinstance(fo.expr, ast.BoolOp) and fo.expr.operator == "or"
    reversed_filter = by_keyword["reversed_filter"]
    assert isinstance(reversed_filter, ast.ReversedFilter)
    odata = reversed_filter.filter
    assert isinstance(odata.expr, ast.BoolOp)
    assert odata.expr.operator == "and"
    assert isinstance(odata.expr.operands[1], ast.Not)


def test_comments_blank_lines_and_missing_final_newline() -> None:
    text = "# leading\n\n" + template("A = a  # trailing", "", "# inside", "B = b").rstrip("\n")
    source = parse_ok(text)
    assert len(source.templates[0].rows) == 2


def test_keywords_are_only_keywords_where_a_keyword_can_stand() -> None:
    # `none` as a value-map symbol and `description` as a Dataverse column are ordinary names.
    source = parse_ok(
        template("A >< description via M") + "valuemap M {\n    none : 1\n    blank : 2\n}\n"
    )
    entries = source.value_maps[0].entries
    assert [e.key.value for e in entries] == ["none", "blank"]


def test_syntax_error_message_and_position() -> None:
    text = template("A = a : string(")
    result = compile_text(text)
    (error,) = result.diagnostics
    assert error.code is Code.SYNTAX
    assert render(error, text) == (
        "mappings/t.dwmap:5:20: error[E100]: unexpected end of line; expected a whole number\n"
        " 5 |     A = a : string(\n"
        "   |                    ^"
    )


def test_every_broken_line_is_reported() -> None:
    result = compile_text(template("A = a : string(", "B = b via", "C = c", "D = d default"))
    assert [(d.code, d.span.line) for d in result.diagnostics] == [
        (Code.SYNTAX, 5),
        (Code.SYNTAX, 6),
        (Code.SYNTAX, 8),
    ]


def test_unclosed_template_is_reported_at_its_brace() -> None:
    result = compile_text('template t {\n    label "T"\n')
    (error,) = result.diagnostics
    assert error.message == "the `{` of `template t` is not closed"
    assert (error.span.line, error.span.column) == (1, 12)
    assert error.hint == "add a line `}` at the end of the file"


def test_unexpected_character() -> None:
    result = compile_text(template("A = a ; b"))
    (error,) = result.diagnostics
    assert error.message == "unexpected character `;`"
    assert (error.span.line, error.span.column) == (5, 11)


def test_misspelt_header_keyword_gets_a_hint() -> None:
    result = compile_text('template t {\n    labl "T"\n    entity T\n}\n')
    assert [d.hint for d in result.diagnostics] == [
        "did you mean `label`?",
        "a line inside a template is a header (`label`, `key`, …) or a row `FIELD = column`",
    ]


def _leading_keywords(rule: str) -> set[str]:
    """The keywords that the statements one grammar rule stands for start with."""
    from mappingc.frontend.parser import _parser

    grammar = _parser()
    terminals = {t.name: t for t in grammar.terminals}
    found = set()
    for alternative in (r for r in grammar.rules if r.origin.name == rule):
        statement = alternative.expansion[0].name
        for expansion in (r.expansion for r in grammar.rules if r.origin.name == statement):
            first = expansion[0]
            if first.is_term and first.name in terminals:
                found.add(str(terminals[first.name].pattern.value))
    return found


def test_the_grammar_has_the_keywords_the_hints_and_the_editor_offer() -> None:
    """One list (mappingc.frontend.syntax): a keyword the grammar adds and the list lacks was
    missing from the hints (`lokup` got no "did you mean `lookup`")."""
    assert _leading_keywords("template_item") == set(ast.HEADER_KEYWORDS)
    assert _leading_keywords("page_item") == set(ast.PAGE_KEYWORDS)


def test_a_misspelt_header_keyword_gets_its_suggestion_whatever_the_keyword() -> None:
    for keyword, line in [("lookup", "lokup b -> other"), ("company_specific", "company_specfic")]:
        text = (
            f'template t {{\n    label "T"\n    finance_operations A\n    dataverse b\n'
            f"    {line}\n    X = x\n}}\n"
        )
        _, diagnostics = parse("mappings/t.dwmap", text)
        assert [d.hint for d in diagnostics] == [f"did you mean `{keyword}`?"], diagnostics
