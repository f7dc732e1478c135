"""DSL text → typed syntax tree (mappingc.frontend.syntax), with syntax errors as diagnostics.

This module and mappingc.frontend.to_syntax (the tree → node rewrite) are the only ones that
touch Lark.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from importlib import resources
from typing import Any

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from mappingc.diagnostics import Code, Diagnostic, Severity
from mappingc.frontend import syntax as ast
from mappingc.frontend.syntax_errors import syntax_diagnostic, unclosed_blocks, use_terminals
from mappingc.frontend.to_syntax import ToSyntax

# After this many syntax errors in one file the rest are counted, not shown (up to _MAX_COUNTED).
MAX_SYNTAX_ERRORS = 20
_MAX_COUNTED = 1000


def _more(path: str, last: Diagnostic, beyond: int) -> list[Diagnostic]:
    """The note that says how many syntax errors were not shown."""
    if not beyond:
        return []
    plus = "+" if beyond >= _MAX_COUNTED else ""
    return [
        Diagnostic(
            path,
            last.span,
            Severity.ERROR,
            Code.SYNTAX,
            f"… and {beyond}{plus} more syntax error(s) in this file, not shown",
            "fix the ones above first: later ones are often caused by them",
        )
    ]


def _cache_file() -> str | None:
    """Where Lark keeps the parser tables it built (0.2 s of every start otherwise): the user's
    own cache folder, never a shared one, since Lark stores them with pickle. None: build them."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "mappingc")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.stat(folder).st_uid != os.getuid() or os.stat(folder).st_mode & 0o022:
            return None
    except OSError:
        return None
    return os.path.join(folder, f"lark-{lark.__version__}.pickle")


@functools.cache
def _parser() -> lark.Lark:
    grammar = (
        resources.files("mappingc.frontend").joinpath("grammar/mapping.lark").read_text("utf-8")
    )
    options: dict[str, Any] = {
        "parser": "lalr",
        "lexer": "contextual",
        "propagate_positions": True,
        "start": ["start", "fo_filter", "od_filter"],
    }
    cache = _cache_file()
    built: lark.Lark | None = None
    if cache is not None:
        try:
            # Lark keys the cache by grammar and options, and rebuilds when either changed.
            built = lark.Lark(grammar, cache=cache, **options)
        except Exception:  # a broken cache file is only a slower start
            with contextlib.suppress(OSError):
                os.unlink(cache)
    built = built or lark.Lark(grammar, **options)
    use_terminals(built.terminals)
    return built


# Deeper filters are refused before they are parsed (E107): every step after the parser recurses.
MAX_FILTER_DEPTH = 50
_FILTER_LINE = re.compile(r"[ \t]*(source_filter|reversed_filter)\b")


def filter_depth(text: str) -> int:
    """An upper bound of how deep a filter nests: open parentheses plus negations."""
    depth = deepest = negations = 0
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
        elif char == "!" and text[index + 1 : index + 2] != "=":
            negations += 1
    negations += len(re.findall(r"\bnot\b", text))
    return deepest + negations


def parse(path: str, text: str) -> tuple[ast.SourceFile, list[Diagnostic]]:
    """Parse one DSL file. Syntax errors come back as diagnostics, never as exceptions.

    After a syntax error the offending line is blanked and the file parsed again, so every broken
    line of a file is reported in one run; a broken line that opens a block ends the recovery,
    because what follows it would only produce confusing follow-on errors.
    """
    # A byte-order mark at the very start is the encoding's mark (Windows editors write one),
    # not text; `mappingc fmt` writes the file without it.
    text = text.removeprefix("\ufeff")
    if not text.endswith("\n"):
        text += "\n"
    lines = text.split("\n")
    diagnostics: list[Diagnostic] = []
    for index, line in enumerate(lines):
        if _FILTER_LINE.match(line) and (depth := filter_depth(line)) > MAX_FILTER_DEPTH:
            column = len(line) - len(line.lstrip()) + 1
            diagnostics.append(
                Diagnostic(
                    path,
                    ast.Span(index + 1, column, index + 1, len(line) + 1),
                    Severity.ERROR,
                    Code.TOO_DEEP,
                    f"the filter nests {depth} levels deep; at most {MAX_FILTER_DEPTH}",
                    "write it flatter: `a || b || c` needs no parentheses around each term",
                )
            )
            lines[index] = ""
    unclosed = unclosed_blocks(path, text)
    if unclosed:
        return ast.SourceFile(path, text), [*diagnostics, *unclosed]
    syntax_errors: list[Diagnostic] = []
    beyond = 0  # syntax errors past the cap: counted, not shown
    while True:
        try:
            tree = _parser().parse("\n".join(lines), start="start")
        except (UnexpectedToken, UnexpectedCharacters, UnexpectedEOF) as error:
            error_line = getattr(error, "line", 0)
            line_text = lines[error_line - 1] if 0 < error_line <= len(lines) else ""
            diagnostic = syntax_diagnostic(path, error, line_text)
            if len(syntax_errors) < MAX_SYNTAX_ERRORS:
                diagnostics.append(diagnostic)
            else:
                beyond += 1
            syntax_errors.append(diagnostic)
            index = diagnostic.span.line - 1
            broken = lines[index] if index < len(lines) else ""
            at_end = isinstance(error, UnexpectedEOF) or (
                isinstance(error, UnexpectedToken) and error.token.type == "$END"
            )
            if at_end or "{" in broken or "}" in broken or beyond >= _MAX_COUNTED:
                return ast.SourceFile(path, text), [*diagnostics, *_more(path, diagnostic, beyond)]
            lines[index] = ""
            continue
        if syntax_errors:
            last = syntax_errors[-1]
            return ast.SourceFile(path, text), [*diagnostics, *_more(path, last, beyond)]
        break
    transformer = ToSyntax(text, path)
    items = transformer.transform(tree).children
    return (
        ast.SourceFile(
            path,
            text,
            templates=tuple(i for i in items if isinstance(i, ast.TemplateDecl)),
            value_maps=tuple(i for i in items if isinstance(i, ast.ValueMapDecl)),
            pages=tuple(i for i in items if isinstance(i, ast.PageDecl)),
        ),
        [*diagnostics, *transformer.problems],
    )


class FilterSyntaxError(ValueError):
    """A filter that does not parse; the message says where."""


def parse_filter(text: str, dialect: str) -> ast.Expr:
    """One filter expression: `finance_operations` (X++ range) or `odata` (reversed filter)."""
    start = "fo_filter" if dialect == "finance_operations" else "od_filter"
    if (depth := filter_depth(text)) > MAX_FILTER_DEPTH:
        raise FilterSyntaxError(f"{dialect} filter nests {depth} levels deep")
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        raise FilterSyntaxError(f"{dialect} filter {text!r}: {error}") from None
    transformer = ToSyntax(text)
    expr = transformer.transform(tree).children[0]
    if transformer.problems:
        raise FilterSyntaxError(f"{dialect} filter {text!r}: {transformer.problems[0].message}")
    assert isinstance(expr, ast.Compare | ast.Call | ast.BoolOp | ast.Not)
    return expr
