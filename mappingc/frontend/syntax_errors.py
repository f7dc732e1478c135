"""Lark's parse errors → diagnostics in the words a person would type, with a hint where the
mistake is a common one: a misspelt header keyword, OData words in an X++ filter (or the other way
round), a character that only looks like the one meant, a `{` that is never closed."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr, TerminalDef

from mappingc.characters import describe
from mappingc.diagnostics import Code, Diagnostic, Severity, Span, did_you_mean
from mappingc.frontend.comments import split_comments
from mappingc.frontend.syntax import HEADER_KEYWORDS
from mappingc.ir import MapType

# Terminals matched by a pattern, named as what a person would write there. Every other terminal
# is a literal, shown as written (`label`, `||`, `->`).
_PATTERN_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "LONG_STRING": 'a """text block"""',
    "INT": "a whole number",
    "SIGNED_NUMBER": "a number",
    "MAP_TYPE": "a map type (= > < >> << ><)",
    "_NL": "end of line",
    "BOOL": "True or False",
    "BOOL_LOWER": "`true` or `false`",
    "FO_OP": "a comparison (== != = < > <= >= like)",
    "OD_OP": "a comparison (eq ne gt ge lt le)",
    "OD_FUNCTION": "`startswith`, `endswith` or `contains`",
    "OD_STRING": "a quoted string ('…')",
    "ENUM_LITERAL": "an enum value (`Enum::Value`)",
    "$END": "end of file",
}
# Letters of other scripts that are drawn like Latin ones (the ones met in copied names).
_LOOKALIKES = dict(
    zip(
        "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456"
        "\u0458\u0455\u0501\u051b\u051d\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf",
        "ABEKMHOPCTXaeopcyxijsdqwABEZHIKMNOPTYXo",
        strict=True,
    )
)
_TERMINALS: dict[str, TerminalDef] = {}


def use_terminals(terminals: Iterable[TerminalDef]) -> None:
    """The grammar's terminals, so that a literal is shown as its text (the parser sets them)."""
    _TERMINALS.update((t.name, t) for t in terminals)


def _word(terminal: str) -> str:
    if terminal in _PATTERN_WORDS:
        return _PATTERN_WORDS[terminal]
    found = _TERMINALS.get(terminal)
    if found is not None and isinstance(found.pattern, PatternStr):
        return f"`{found.pattern.value}`"
    return f"`{terminal.lower()}`"


def _describe_expected(expected: set[str]) -> str:
    words = sorted({_word(t) for t in expected})
    if len(words) > 6:
        words = [*words[:6], "…"]
    return ", ".join(words)


def _keyword_hint(error: UnexpectedInput, line_text: str) -> str | None:
    """`labl "X"` reads as a row missing its map type; say what was probably meant."""
    if not isinstance(error, UnexpectedToken) or "MAP_TYPE" not in (error.expected or set()):
        return None
    words = line_text.split()
    if not words or (len(words) > 1 and words[1] in {m.value for m in MapType}):
        return None
    return did_you_mean(words[0], HEADER_KEYWORDS) or (
        "a line inside a template is a header (`label`, `key`, …) or a row `FIELD = column`"
    )


def _dialect_hint(found: str, line_text: str) -> str | None:
    """OData's words in an X++ filter, or X++'s signs in an OData one."""
    statement = line_text.split(maxsplit=1)[0] if line_text.strip() else ""
    if statement == "source_filter" and found in {"and", "or", "not", "eq", "ne"}:
        return (
            "a source_filter is an X++ query range: `&&`, `||`, `!`, `==`, `!=` "
            "(`and`, `or`, `not`, `eq` are OData's, for reversed_filter)"
        )
    if statement == "reversed_filter" and found in {"&&", "||", "!", "==", "!="}:
        return (
            "a reversed_filter is OData: `and`, `or`, `not`, `eq`, `ne` "
            "(`&&`, `||`, `!`, `==` are X++'s, for source_filter)"
        )
    return None


def _character(char: str, at_start: bool) -> tuple[str, str | None]:
    """What to say about a character the lexer cannot read, and a hint."""
    if char == '"':  # a string is read whole, so a quote the lexer stops at has no end
        return (
            'unterminated string: it has no closing `"` on its line',
            'close it on the same line; text over several lines goes in a `"""…"""` block',
        )
    if char.isascii() and char.isprintable():
        return f"unexpected character `{char}`", None
    message = f"unexpected character {describe(char)}"
    if char == "\ufeff":
        hint = (
            "a byte-order mark: remove it (one at the very start of a file is read as the "
            "encoding's mark)"
            if not at_start
            else None
        )
        return message, hint
    if char in _LOOKALIKES:
        return message, f"it looks like the Latin `{_LOOKALIKES[char]}`: retype it"
    if unicodedata.category(char) == "Zs":
        return message, "it looks like a space: retype it as a plain space"
    if char in "\u2018\u2019\u201c\u201d":
        return message, "a typographic quote: write `\"` (or `'` in an OData filter)"
    return message, "names, keywords and map types are ASCII; only strings hold other text"


def syntax_diagnostic(path: str, error: UnexpectedInput, line_text: str = "") -> Diagnostic:
    line, column = error.line, error.column
    hint: str | None = None
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
        hint = _dialect_hint(str(token), line_text) or _keyword_hint(error, line_text)
        if token.type == "$END":
            hint = "is a closing `}` missing?"
    elif isinstance(error, UnexpectedCharacters):
        message, hint = _character(error.char, line == 1 and column == 1)
        width = 1
    else:  # UnexpectedEOF
        message = "unexpected end of file"
        width = 1
    line = max(line, 1)
    column = max(column, 1)
    span = Span(line, column, line, column + width)
    return Diagnostic(path, span, Severity.ERROR, Code.SYNTAX, message, hint)


_OPENERS = ("template", "valuemap", "page")


def unclosed_blocks(path: str, text: str) -> list[Diagnostic]:
    """A `{` that is never closed, reported at that `{`: Lark would only see the trouble at the
    next block, or at the end of the file, and say something about that instead."""
    found: list[Diagnostic] = []
    open_at: tuple[int, int, str] | None = None  # (line, column of `{`, what opens)
    lines = split_comments(text)
    for number, line in enumerate(lines, start=1):
        code = line.code.strip()
        words = code.split()
        opens = bool(words) and words[0] in _OPENERS and code.endswith("{")
        if opens and open_at is not None:
            found.append(_unclosed(path, open_at, f"before line {number} (`{code}`)"))
        if opens:
            open_at = (number, len(line.code.rstrip()), " ".join(words[:2]))
        elif code == "}":
            open_at = None
    if open_at is not None:
        found.append(_unclosed(path, open_at, "at the end of the file"))
    return found


def _unclosed(path: str, open_at: tuple[int, int, str], where: str) -> Diagnostic:
    line, column, what = open_at
    return Diagnostic(
        path,
        Span(line, column, line, column + 1),
        Severity.ERROR,
        Code.SYNTAX,
        f"the `{{` of `{what}` is not closed",
        f"add a line `}}` {where}",
    )
