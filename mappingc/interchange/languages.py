"""The languages Microsoft publishes its dual-write mapping tables in: what a localized page writes
for the English words of a table (languages.toml, learned from the pages by
scripts/l10n_facts.py), and what a page's translation leaves certain.

A page's language is known by its table header, exactly as Microsoft's page of that language
writes it. Then a translated `none` is `none`, a translated `True` default is `True`, and in a
filter the translated `and`, `or`, `true`, `false` and quote marks are mapped back: each stands
where the English page has its word. Anything else a translation touched (a filter value, a
field name, an added word) is not certain, and is never taken silently.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

# Quote marks some translations write around a filter's text values.
_QUOTES = {"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "「": '"', "」": '"'}
_TOKEN = re.compile(r'"[^"]*"|\'[^\']*\'|[^\s()]+|[()]|\s+')


@dataclass(frozen=True)
class Language:
    code: str  # `de-de`
    source: str  # the repository and commit the facts were learned from
    headers: tuple[str, ...]  # each header the language's pages give a mapping table
    none: tuple[str, ...]
    words: dict[str, str]  # a translated filter word → the English one (`und` → `and`)
    booleans: dict[str, str]  # a translated `True` or `False` default → the English one
    source_filter: tuple[str, ...]
    reversed_filter: tuple[str, ...]
    to: tuple[str, ...]  # what a heading writes for `to` (`zu`, `->`)
    values: dict[str, str]  # text a page translated → the English page's text
    names: dict[str, str]  # a field or column name a page translated → the English name

    def english_filter(self, text: str) -> tuple[str, str | None]:
        """`text` with the translated words and quote marks mapped back, and why what is left
        is not certain (None where it is)."""
        for mark, plain in _QUOTES.items():
            text = text.replace(mark, plain)
        # Some pages space the operator (`! =` for `!=`, `= =` for `==`); X++ has no other.
        text = re.sub(r"!\s+=", "!=", re.sub(r"=\s+=", "==", text))
        tokens = _TOKEN.findall(text)
        mapped = [self.words.get(t, self.words.get(t.lower(), t)) for t in tokens]
        english = "".join(mapped)
        for token in tokens:
            value = token.strip("\"'")
            if token[:1] in "\"'" and value in self.values:
                return english, (
                    f"`{value}` is the translation of `{self.values[value]}` on Microsoft's "
                    f"{self.code} pages"
                )
        if not english.isascii():
            foreign = next(t for t in tokens if not t.isascii())
            return english, f"`{foreign.strip()}` is not English: a translated name or value"
        return english, None


@functools.cache
def languages() -> tuple[Language, ...]:
    data = tomllib.loads(
        resources.files("mappingc.interchange").joinpath("languages.toml").read_text("utf-8")
    )
    found = []
    for code, facts in sorted(data.items()):
        words = {w: english for english in ("and", "or", "not") for w in facts.get(english, [])}
        booleans = {
            w: english.title() for english in ("true", "false") for w in facts.get(english, [])
        }
        words |= {w: e.lower() for w, e in booleans.items()}
        found.append(
            Language(
                code=code,
                source=facts["source"],
                headers=tuple(_folded(h) for h in facts.get("headers", [])),
                none=tuple(facts.get("none", [])),
                words=words,
                booleans=booleans,
                source_filter=tuple(facts.get("source_filter", [])),
                reversed_filter=tuple(facts.get("reversed_filter", [])),
                to=tuple(facts.get("to", [])),
                values=dict(facts.get("values", {})),
                names=dict(facts.get("names", {})),
            )
        )
    return tuple(found)


def _folded(header: str) -> str:
    return re.sub(r"\s+", " ", header).strip().casefold()


def of_header(cells: tuple[str, ...] | list[str]) -> Language | None:
    """The language whose pages give a mapping table this header, if one does."""
    header = _folded(" | ".join(cells))
    return next((lang for lang in languages() if header in lang.headers), None)
