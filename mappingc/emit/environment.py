"""The one Jinja2 environment every emitter renders with."""

from __future__ import annotations

import functools
import json
import re

import jinja2
from babel.support import NullTranslations

from mappingc.emit.literals import LINE_LENGTH, python_literal
from mappingc.publish.i18n import SOURCE_TRANSLATIONS, translate_prose


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


def _docstring(text: str) -> str:
    """Prose as part of a `\"\"\"` docstring: backslashes and quotes escaped, so that no text
    ends the docstring early or starts an escape, and each line's spaces and tabs made single
    spaces, which black would otherwise change."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(lines).replace("\\", "\\\\").replace('"', '\\"')


def _markdown_cell(text: str) -> str:
    # A `|` would end the table cell; the published tables escape it the same way.
    return text.replace("|", "\\|")


def _code_span(text: str) -> str:
    """Markdown inline code that may hold single backticks itself: fenced by two, with a space
    where the text starts or ends with one (Markdown strips one space on each side)."""
    start = " " if text.startswith("`") else ""
    end = " " if text.endswith("`") else ""
    return f"``{start}{_markdown_cell(text)}{end}``"


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
    env.filters["pretty_json"] = _pretty_json
    env.filters["markdown_cell"] = _markdown_cell
    env.filters["code_span"] = _code_span
    env.filters["pyrepr"] = python_literal
    env.filters["pystring"] = _pystring
    env.filters["docstring"] = _docstring
    env.filters["dsl_string"] = dsl_string
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
