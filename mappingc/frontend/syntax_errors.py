"""Lark's parse errors → diagnostics in the words a person would type, with a hint where the
mistake is a common one (a misspelt header keyword, a missing `}`)."""

from __future__ import annotations

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from mappingc.diagnostics import Code, Diagnostic, Severity, Span, did_you_mean
from mappingc.frontend.ir import MapType

# How a terminal is named in "expected …" messages.
_TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "LONG_STRING": 'a """text block"""',
    "INT": "a whole number",
    "SIGNED_NUMBER": "a number",
    "MAP_TYPE": "a map type (= > < >> << ><)",
    "_NL": "end of line",
    "NONE": "`none`",
    "BOOL": "True or False",
    "BLANK": "`blank`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "DOT": "`.`",
    "FO_OP": "a comparison (== != = < > <= >= like)",
    "OD_OP": "a comparison (eq ne gt ge lt le)",
    "OD_STRING": "a quoted string ('…')",
    "$END": "end of file",
}


def _describe_expected(expected: set[str]) -> str:
    words = sorted({_TOKEN_WORDS.get(t, f"`{t.lower()}`" if t.isupper() else t) for t in expected})
    # Lark names anonymous keyword tokens after their text, e.g. "LABEL" for "label".
    if len(words) > 6:
        words = [*words[:6], "…"]
    return ", ".join(words)


_HEADER_KEYWORDS = (
    "label",
    "finance_operations",
    "dataverse",
    "ref",
    "description",
    "origin",
    "unmapped",
    "key",
    "source_filter",
    "reversed_filter",
)


def _keyword_hint(error: UnexpectedInput, line_text: str) -> str | None:
    """`labl "X"` reads as a row missing its map type; say what was probably meant."""
    if not isinstance(error, UnexpectedToken) or "MAP_TYPE" not in (error.expected or set()):
        return None
    words = line_text.split()
    if len(words) < 2 or words[1] in {m.value for m in MapType}:
        return None
    return did_you_mean(words[0], _HEADER_KEYWORDS) or (
        "a line inside a template is a header (`label`, `key`, …) or a row `FIELD = column`"
    )


def syntax_diagnostic(path: str, error: UnexpectedInput, line_text: str = "") -> Diagnostic:
    line, column = error.line, error.column
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            found = "end of file"
        elif token.type == "_NL":
            found = "end of line"
        else:
            found = f"`{token}`"
        message = (
            f"unexpected {found}; expected {_describe_expected(error.accepts or error.expected)}"
        )
        if token.type == "_NL":
            # The newline token starts after the last character of the line.
            line, column = token.line, token.column
        width = 1 if token.type in {"_NL", "$END"} else len(str(token))
    elif isinstance(error, UnexpectedCharacters):
        message = f"unexpected character `{error.char}`"
        width = 1
    else:  # UnexpectedEOF
        message = "unexpected end of file"
        width = 1
    line = max(line, 1)
    column = max(column, 1)
    hint = _keyword_hint(error, line_text)
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        hint = "is a closing `}` missing?"
    span = Span(line, column, line, column + width)
    return Diagnostic(path, span, Severity.ERROR, Code.SYNTAX, message, hint)
