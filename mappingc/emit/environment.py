"""The one Jinja2 environment every emitter renders with."""

from __future__ import annotations

import functools
import json
import re

import jinja2
from babel.support import NullTranslations

from mappingc.characters import visible
from mappingc.emit.literals import LINE_LENGTH, python_literal
from mappingc.i18n import SOURCE_TRANSLATIONS, translate_prose


def _pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def dsl_string(text: str) -> str:
    """A DSL string literal: double quotes, with `"` and `\\` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pystring(text: str, prefix: int = 0, width: int = 72) -> str:
    """A Python string literal after `prefix` characters of a line. One that does not fit the
    line is put in parentheses on a line of its own, and one too long for that too becomes
    adjacent literals split after spaces: black moves strings but never splits them."""
    literal = python_literal(text)
    if prefix + len(literal) <= LINE_LENGTH:
        return literal
    if 4 + len(literal) <= LINE_LENGTH:
        return f"(\n    {literal}\n)"
    parts = re.findall(rf".{{1,{width}}}(?: |$)|.{{{width}}}", text)
    return "(\n" + "".join(f"    {python_literal(part)}\n" for part in parts) + ")"


def _triple_quoted(text: str) -> str:
    """Text as the body of a `\"\"\"` string: backslashes and quotes escaped, so that the
    string holds `text` exactly."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _docstring(text: str) -> str:
    """Prose as part of a `\"\"\"` docstring: backslashes and quotes escaped, so that no text
    ends the docstring early or starts an escape, and each line's spaces and tabs made single
    spaces, which black would otherwise change."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(lines).replace("\\", "\\\\").replace('"', '\\"')


# Text written in a template (labels, descriptions, defaults, filters) is data, not Markdown: the
# published pages and the site must show it as written, never run it as HTML or turn it into a
# link. Entities for what HTML would read, backslashes for what Markdown would.
_ENTITY = re.compile(r"&(?=#|[A-Za-z][A-Za-z0-9]*;)")


def markdown_text(text: str) -> str:
    """User text as inline Markdown that renders as exactly that text."""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")
    return re.sub(r"^(\s*)#", r"\1\\#", text, flags=re.MULTILINE)  # no heading of its own


def markdown_cell(text: str) -> str:
    """User text in a table cell: a `|` would end the cell (the published tables escape it
    the same way)."""
    return markdown_text(text).replace("|", "\\|")


def code_in_cell(text: str) -> str:
    """Inline code inside a table cell: fenced by more backticks than the text holds, and
    `|` escaped, which GFM reads before code spans."""
    runs = re.findall(r"`+", text)
    fence = "`" * (max((len(r) for r in runs), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text.replace('|', chr(92) + '|')}{padding}{fence}"


def _code_span(text: str) -> str:
    """Markdown inline code that may hold single backticks itself: fenced by two, with a space
    where the text starts or ends with one (Markdown strips one space on each side)."""
    start = " " if text.startswith("`") else ""
    end = " " if text.endswith("`") else ""
    return f"``{start}{text.replace('|', chr(92) + '|')}{end}``"


def html_text(text: str) -> str:
    """Text for places a theme prints as HTML as it is (titles): `&`, `<` and `>` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_PLAIN_YAML = re.compile(r"[\w(][^:#'\"{}\[\]&*!|>%@`,?]*")


def yaml_scalar(text: str) -> str:
    """A YAML value for front matter: as written where YAML reads it back the same, else as a
    double-quoted string (valid YAML), so that no label can add a key of its own."""
    if _PLAIN_YAML.fullmatch(text) and text == text.strip():
        return text
    return json.dumps(text, ensure_ascii=False)


@functools.cache
def environment(translations: NullTranslations = SOURCE_TRANSLATIONS) -> jinja2.Environment:
    """The environment for one locale (cached per translations object)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mappingc", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Python and Markdown, not HTML
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["prose"] = functools.partial(translate_prose, translations)
    # For data (labels): plain gettext. `_()` is for the templates' own strings, and formats them
    # with `%` (newstyle gettext), which a label such as "Discount 100%" must never go through.
    env.globals["translate"] = translations.gettext
    env.filters["pretty_json"] = _pretty_json
    env.filters["md"] = markdown_text
    env.filters["markdown_cell"] = markdown_cell
    env.filters["pipes"] = lambda text: text.replace("|", "\\|")  # mappingc's own Markdown
    env.filters["code_span"] = _code_span
    env.filters["yaml"] = yaml_scalar
    env.filters["html"] = html_text
    env.filters["pyrepr"] = python_literal
    env.filters["pystring"] = _pystring
    env.filters["docstring"] = _docstring
    env.filters["triple_quoted"] = _triple_quoted
    env.filters["dsl_string"] = dsl_string
    # A comment ends at the line's end: what it quotes is shown with its line breaks escaped.
    env.filters["comment"] = visible
    return env


def tidy_markdown(text: str) -> str:
    """No trailing spaces (the published tables end an empty last cell with `|`), one final
    newline."""
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def render(
    template_name: str, translations: NullTranslations = SOURCE_TRANSLATIONS, **context: object
) -> str:
    return environment(translations).get_template(template_name).render(**context)
