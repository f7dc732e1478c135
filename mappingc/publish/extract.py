"""The strings to translate: Babel's extraction over the Jinja2 templates, the Python modules
that translate words of their own, and every `.dwmap` file (labels, descriptions, page prose),
the same as `pybabel extract -F babel.cfg` (`make translations`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract

from mappingc.i18n import DOMAIN, prose_messages

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
# Python modules that translate words of their own (babel.cfg lists them too).
PYTHON_SOURCES = [Path(__file__).resolve().parent / "site_pages.py"]


def extract_dwmap(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor for `.dwmap` files (entry point `dwmap` in pyproject.toml)."""
    # The front end pulls in Lark; only extraction needs it here.
    from mappingc.frontend import syntax
    from mappingc.frontend.parser import parse

    text = fileobj.read().decode("utf-8")
    source, errors = parse(getattr(fileobj, "name", "<dwmap>"), text)
    if errors:
        return
    for template in source.templates:
        label = next((s.text.value for s in template.statements if isinstance(s, syntax.Label)), "")
        yield template.span.line, None, label, [f"label of template {template.name.text}"]
        for statement in template.statements:
            if isinstance(statement, syntax.Description):
                for sentence in prose_messages(statement.text.value):
                    yield (
                        statement.span.line,
                        None,
                        sentence,
                        [f"description of template {template.name.text}"],
                    )
    for page in source.pages:
        for item in page.statements:
            if isinstance(item, syntax.Title | syntax.Description | syntax.Intro):
                for sentence in prose_messages(item.text.value):
                    yield (
                        item.span.line,
                        None,
                        sentence,
                        [f"{item.keyword} of page {page.name.text}"],
                    )


def extract_messages(mappings_dir: Path) -> Catalog:
    """The template catalog (.pot) for the Jinja2 templates and every `.dwmap` file, in memory.

    Same result as `pybabel extract -F babel.cfg`, used by the build to list untranslated strings.
    """
    catalog = Catalog(domain=DOMAIN, project="mappingc")
    sources: list[tuple[str, Path]] = [("jinja2", p) for p in sorted(TEMPLATES_DIR.glob("*.j2"))]
    sources += [("python", p) for p in PYTHON_SOURCES]
    sources += [
        ("mappingc.publish.extract:extract_dwmap", p) for p in sorted(mappings_dir.rglob("*.dwmap"))
    ]
    for method, path in sources:
        with path.open("rb") as handle:
            options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
            for lineno, message, comments, _context in extract(
                method, handle, comment_tags=("TRANSLATORS:",), options=options
            ):
                if isinstance(message, str) and message:
                    catalog.add(message, locations=[(path.name, lineno)], auto_comments=comments)
    return catalog
