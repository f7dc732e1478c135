"""mappingc's own manual (the Markdown pages of a folder such as docs/) as the site's "Using
mappingc" section: written into the English site, linked from the menu of every locale."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

MANUAL_FOLDER = "manual"
MANUAL_TITLE = "Using mappingc"
_LINK = re.compile(r"\]\(([\w.-]+)\.md(?:#[^)]*)?\)")
_HEADING = re.compile(r"^# (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class ManualPage:
    name: str  # the file name without `.md`
    title: str


@dataclass(frozen=True)
class Manual:
    folder: Path
    pages: list[ManualPage]  # index first, then in the order index.md links them

    def write(self, target: Path) -> None:
        """The pages and their images, as they are, into `target`."""
        shutil.copytree(self.folder, target, ignore=shutil.ignore_patterns(".*"))

    def nav(self, language: str) -> list[dict[str, str]] | str:
        """The English site's menu lists the pages; another locale's links to the English
        manual's first page (every page of a site carries its menu, so it stays short)."""
        if language == "en":
            return [{"title": p.title, "path": f"{MANUAL_FOLDER}/{p.name}.md"} for p in self.pages]
        return f"../en/{MANUAL_FOLDER}/{self.pages[0].name}.html"


def _title(text: str, name: str) -> str:
    found = _HEADING.search(text)
    return found.group(1).strip().replace("`", "") if found else name


def read_manual(folder: Path) -> Manual:
    """The manual in `folder`: `index.md`, then the pages it links to in that order, then any
    other page by name."""
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}
    order = ["index"] if "index" in texts else []
    for name in _LINK.findall(texts.get("index", "")):
        if name in texts and name not in order:
            order.append(name)
    order += [name for name in texts if name not in order]
    return Manual(folder, [ManualPage(name, _title(texts[name], name)) for name in order])
