"""Screenshots of the built site for docs/images/: the loyalty page in Swedish, Latvian and
Russian, and in Hungarian at phone width. Run after `make docs`:

    .venv/bin/python scripts/site-screenshots.py [SITE_FOLDER]

It serves the folder over HTTP on a free local port and drives Debian's chromium with Playwright.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
SHOTS = [
    ("sv", {"width": 1280, "height": 900}, "site-sv.png"),
    ("lv", {"width": 1280, "height": 900}, "site-lv.png"),
    ("ru", {"width": 1280, "height": 900}, "site-ru.png"),
    ("hu", {"width": 390, "height": 844}, "site-hu-phone.png"),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main(site: Path) -> int:
    chromium = shutil.which("chromium")
    if chromium is None or not (site / "index.html").is_file():
        print("needs Debian's chromium and a built site (`make docs`)", file=sys.stderr)
        return 2
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for language, viewport, name in SHOTS:
            page = browser.new_page(viewport=viewport)
            page.goto(f"{root}/{language}/customer_loyalty.html")
            if viewport["width"] < 500:  # on a phone, show the first mapping table
                page.locator("article table").nth(2).scroll_into_view_if_needed()
            page.wait_for_timeout(800)  # the header settles after a scroll
            page.screenshot(path=str(IMAGES / name))
            page.close()
            print(f"docs/images/{name}")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "site")))
