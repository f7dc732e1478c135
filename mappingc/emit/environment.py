"""The one Jinja2 environment every emitter renders with."""

from __future__ import annotations

import functools
import json

import jinja2


def _pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _markdown_cell(text: str) -> str:
    # A `|` would end the table cell; the published tables escape it the same way.
    return text.replace("|", "\\|")


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mappingc", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Python and Markdown, not HTML
    )
    env.filters["pretty_json"] = _pretty_json
    env.filters["markdown_cell"] = _markdown_cell
    env.filters["pyrepr"] = repr
    return env


def render(template_name: str, **context: object) -> str:
    return environment().get_template(template_name).render(**context)
