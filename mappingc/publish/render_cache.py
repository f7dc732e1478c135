"""A MkDocs plugin (`mappingc-render-cache`): a page whose Markdown is the same as in an earlier
build gets that build's HTML back instead of being converted again.

Converting Markdown is half of a site build. MkDocs has no incremental build that keeps the
search index whole (`--dirty` indexes only the pages it rebuilds), so every page still goes
through the theme and the search plugin; only the conversion is skipped. The key of a page is
its Markdown, its path, the names of all pages (links are checked and rewritten against them)
and the versions of MkDocs, Python-Markdown and the theme, so what it returns is what the
conversion would have returned.

Entries live in `<folder>/<key>.json`, one folder per locale; a build removes the entries it did
not use. mappingc's cache folder is never committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, get_toc

_VERSIONS = "|".join(version(p) for p in ("mkdocs", "markdown", "mkdocs-material"))


class RenderCacheConfig(Config):  # type: ignore[no-untyped-call]  # MkDocs is untyped here
    folder = config_options.Type(str, default="")


def _tokens(links: list[AnchorLink]) -> list[dict[str, Any]]:
    return [
        {"level": a.level, "id": a.id, "name": a.title, "children": _tokens(a.children)}
        for a in links
    ]


class RenderCache(BasePlugin[RenderCacheConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self._salt = ""
        self._keys: dict[str, str] = {}
        self._hits: dict[str, dict[str, Any]] = {}
        self._used: set[str] = set()
        self.converted = 0

    def on_files(self, files: Files, **_: Any) -> Files:
        names = "\n".join(sorted(f.src_uri for f in files.documentation_pages()))
        self._salt = f"{_VERSIONS}\n{names}\n"
        return files

    def _path(self, key: str) -> Path:
        return Path(self.config.folder) / f"{key}.json"

    def on_page_markdown(self, markdown: str, page: Page, **_: Any) -> str:
        if not self.config.folder:
            return markdown
        text = f"{self._salt}{page.file.src_uri}\n{markdown}"
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self._keys[page.file.src_uri] = key
        self._used.add(f"{key}.json")
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.converted += 1
            return markdown
        self._hits[page.file.src_uri] = entry
        return ""  # converted in no time; on_page_content puts the earlier HTML in its place

    def on_page_content(self, html: str, page: Page, **_: Any) -> str:
        uri = page.file.src_uri
        hit = self._hits.pop(uri, None)
        if hit is not None:
            page.toc = get_toc(hit["toc"])
            return str(hit["html"])
        key = self._keys.pop(uri, None)
        if key is not None:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            entry = {"html": html, "toc": _tokens(list(page.toc))}
            temporary.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, path)  # whole or not at all: a killed build leaves no half entry
        return html

    def on_post_build(self, **_: Any) -> None:
        """Keep only what this build used: the cache holds one site's pages, not its history."""
        folder = Path(self.config.folder)
        if self.config.folder and folder.is_dir():
            for path in folder.iterdir():
                if path.name not in self._used:
                    path.unlink(missing_ok=True)
