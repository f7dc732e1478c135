"""The built site, served over HTTP and driven in headless Chromium (Debian's `chromium`,
installed by `make test`) through Playwright.

What a reader does: open the loyalty page in each language (its `lang`, its tables, links that
land on anchors), switch language on a template page and stay on it, search in Russian, and read
the tables on a phone.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LOCALES, REPO, repo_build
from mappingc.i18n import load_catalogs

playwright = pytest.importorskip("playwright.sync_api")

BUILD = repo_build()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mappingc.publish.site import build_site

    assert BUILD.catalog is not None
    folder = tmp_path_factory.mktemp("site") / "site"
    build_site(BUILD.catalog, BUILD.files, load_catalogs(REPO / "locales"), folder)
    return folder


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site over HTTP (search runs in a web worker, which a file:// page cannot start)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM, "chromium is not installed: `make test` installs Debian's chromium package"
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _title(locale: str, name: str) -> str:
    return BUILD.files[f"docs/{locale}/{name}.md"].split("\ntitle: ", 1)[1].split("\n")[0]


@pytest.mark.parametrize("locale", LOCALES)
def test_loyalty_page_has_its_language_tables_and_anchors(
    locale: str, served: str, browser: object
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{served}/{locale}/customer_loyalty.html")
    assert page.evaluate("document.documentElement.lang") == locale
    # The templates table, the legend, and one mapping table per template on the page.
    assert page.locator("article table").count() == 5
    assert page.locator("article h1").inner_text().strip() == _title(locale, "customer_loyalty")
    links = page.eval_on_selector_all(
        "article a[href^='mapping-reference.html#']", "links => links.map(a => a.hash)"
    )
    assert sorted(links) == ["#149", "#150", "#226"]
    page.goto(f"{served}/{locale}/mapping-reference.html")
    for anchor in links:
        assert page.locator(f"[name='{anchor[1:]}'], [id='{anchor[1:]}']").count() >= 1
    page.close()


def test_language_switch_stays_on_the_page(served: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{served}/ru/template/loyalty_card.html")
    page.hover(".md-header__option .md-select")
    page.locator("a.md-select__link[hreflang='sv']").click()
    page.wait_for_load_state()
    assert page.url == f"{served}/sv/template/loyalty_card.html"
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert "Förmånskort" in page.locator("article h1").inner_text()
    page.close()


def test_search_in_russian_finds_a_russian_word(site: Path, served: str, browser: object) -> None:
    index = json.loads((site / "ru" / "search" / "search_index.json").read_text("utf-8"))
    assert not any("лояльность" in doc["text"] for doc in index["docs"])
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{served}/ru/index.html")
    search = "input.md-search__input"
    page.click(search)
    # The index loads in a web worker; the meta line leaves "Инициализация поиска" when ready.
    page.wait_for_function(
        "() => !document.querySelector('.md-search-result__meta').textContent"
        ".includes('Инициализация')",
        timeout=30_000,
    )
    # "лояльность" is on no page: only the Russian stemmer matches it to "лояльности". (The
    # last word of a query is searched as a prefix, unstemmed, so it is not the one tested.)
    page.fill(search, "лояльность клиентов")
    page.dispatch_event(search, "keyup")
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    results = page.locator(".md-search-result__item").all_inner_texts()
    assert any("лояльности" in text for text in results)
    page.close()


def test_wide_tables_scroll_on_a_phone(served: str, browser: object) -> None:
    page = browser.new_page(viewport=PHONE)  # type: ignore[attr-defined]
    page.goto(f"{served}/hu/customer_loyalty.html")
    # The page itself never scrolls sideways; a table wider than the screen scrolls in its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    boxes = page.eval_on_selector_all(
        ".md-typeset__scrollwrap",
        "boxes => boxes.map(b => [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX])",
    )
    assert len(boxes) == 5
    assert all(overflow == "auto" for _, _, overflow in boxes)
    assert any(width > shown for width, shown, _ in boxes)
    page.close()
