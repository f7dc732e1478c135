"""The built site, opened in headless Chromium (Debian's `chromium`, installed by `make test`).

Reads the DOM after the browser has rendered each page: the loyalty page shows its tables in
every locale, and every link to the reference lands on an anchor that exists.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import LOCALES, REPO, repo_build
from mappingc.publish.i18n import load_catalogs

BUILD = repo_build()

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.anchors: set[str] = set()
        self.links: list[str] = []
        self.h1 = ""
        self._in_h1 = False
        self._div_depth = 0
        self._main_depth: int | None = None  # tables are counted inside role="main" only

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "div":
            self._div_depth += 1
            if attributes.get("role") == "main":
                self._main_depth = self._div_depth
        if tag == "table" and self._main_depth is not None:
            self.tables += 1
        for key in ("id", "name"):
            if attributes.get(key):
                self.anchors.add(str(attributes[key]))
        if tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        if tag == "div":
            if self._main_depth == self._div_depth:
                self._main_depth = None
            self._div_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mappingc.publish.site import build_site

    assert BUILD.catalog is not None
    folder = tmp_path_factory.mktemp("site") / "site"
    build_site(BUILD.catalog, BUILD.files, load_catalogs(REPO / "locales"), folder)
    return folder


def rendered(page: Path, profile: Path) -> _Dom:
    assert CHROMIUM, "chromium is not installed: `make test` installs Debian's chromium package"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = _Dom()
    dom.feed(result.stdout)
    return dom


@pytest.mark.parametrize("locale", LOCALES)
def test_loyalty_page_renders_its_tables_and_anchors_resolve(
    locale: str, site: Path, tmp_path: Path
) -> None:
    page = rendered(site / locale / "customer_loyalty.html", tmp_path / "profile")
    # The templates table, the legend, and one mapping table per template on the page.
    assert page.tables == 5
    title = (
        BUILD.files[f"docs/{locale}/customer_loyalty.md"].split("\ntitle: ", 1)[1].split("\n")[0]
    )
    assert page.h1.strip() == title
    reference_links = [link for link in page.links if link.startswith("mapping-reference.html#")]
    assert sorted(reference_links) == [f"mapping-reference.html#{n}" for n in ("149", "150", "226")]
    reference = rendered(site / locale / "mapping-reference.html", tmp_path / "profile")
    for link in reference_links:
        assert link.split("#", 1)[1] in reference.anchors
