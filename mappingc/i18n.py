"""Translations of the published docs: gettext catalogs managed with Babel.

Used by the emitters (the localized reference) and by publishing (the site): it knows no
template, so both may use it. Finding the strings to translate is mappingc.publish.extract.

Catalogs live in `<locales>/<lang>/LC_MESSAGES/mappingc.po` and are compiled in memory at build
time. Prose (page intros, descriptions) is translated sentence by sentence, the way Microsoft's
own localisation aligns these pages, so a sentence that did not change keeps its translation when
its neighbours do.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.core import get_global
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "mappingc"
SOURCE_LOCALE = "en"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph.strip()) if s]


def prose_messages(text: str) -> Iterator[str]:
    """The message ids a piece of prose is translated by: one per sentence."""
    for paragraph in paragraphs(text):
        yield from sentences(paragraph)


def translate_prose(translations: NullTranslations, text: str) -> str:
    return "\n\n".join(
        " ".join(translations.gettext(s) for s in sentences(p)) for p in paragraphs(text)
    )


# English is the source language: its "translations" return every message as it is.
SOURCE_TRANSLATIONS = NullTranslations()


def published_locales(catalogs: Iterable[LocaleCatalog]) -> list[tuple[str, NullTranslations]]:
    """Every locale the reference is published in: English, then each catalog's language."""
    return [
        (SOURCE_LOCALE, SOURCE_TRANSLATIONS),
        *((c.language, c.translations()) for c in catalogs),
    ]


def content_locale(language: str) -> str:
    """`sv` → `sv-SE`, the form of `ms.contentlocale`; English pages are `en-us` on Learn."""
    if language == SOURCE_LOCALE:
        return "en-us"
    likely = get_global("likely_subtags").get(language, language)
    parsed = Locale.parse(likely)
    return f"{parsed.language}-{parsed.territory}" if parsed.territory else parsed.language


@dataclass(frozen=True)
class LocaleCatalog:
    language: str
    catalog: Catalog

    def translations(self) -> NullTranslations:
        buffer = io.BytesIO()
        write_mo(buffer, self.catalog)  # fuzzy entries are left out: they fall back to English
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)


def load_catalogs(locales_dir: Path | None) -> list[LocaleCatalog]:
    """Every `<lang>/LC_MESSAGES/mappingc.po` below `locales_dir`, by language."""
    if locales_dir is None or not locales_dir.is_dir():
        return []
    found = []
    for path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = path.parent.parent.name
        with path.open("rb") as handle:
            found.append(LocaleCatalog(language, read_po(handle, locale=language)))
    return found


@dataclass(frozen=True)
class Coverage:
    language: str
    missing: list[str]
    fuzzy: list[str]


def coverage(template: Catalog, catalogs: Iterable[LocaleCatalog]) -> list[Coverage]:
    """Per locale, the messages that would fall back to English."""
    report = []
    for entry in catalogs:
        missing, fuzzy = [], []
        for message in template:
            if not message.id:
                continue
            translated = entry.catalog.get(message.id)
            if translated is None or not translated.string:
                missing.append(str(message.id))
            elif translated.fuzzy:
                fuzzy.append(str(message.id))
        report.append(Coverage(entry.language, missing, fuzzy))
    return report
