"""The one Jinja2 environment every emitter renders with."""

from __future__ import annotations

import functools
import json
import re

import jinja2
from babel.support import NullTranslations

from mappingc.i18n import SOURCE_TRANSLATIONS, translate_prose


def _pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def dsl_string(text: str) -> str:
    """A DSL string literal: double quotes, with `"` and `\\` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pystring(text: str, width: int = 72) -> str:
    """A Python string literal; a long one as adjacent literals in parentheses, split after
    spaces, so that generated lines stay within the line length whatever the text."""
    if len(text) <= width:
        return repr(text)
    parts = re.findall(rf".{{1,{width}}}(?: |$)|.{{{width}}}", text)
    return "(\n" + "".join(f"    {part!r}\n" for part in parts) + ")"


def _markdown_cell(text: str) -> str:
    # A `|` would end the table cell; the published tables escape it the same way.
    return text.replace("|", "\\|")


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
    env.filters["pyrepr"] = repr
    env.filters["pystring"] = _pystring
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
