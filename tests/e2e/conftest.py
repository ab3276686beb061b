"""Real-browser fixtures: the app served on a local port, Debian's chromium via Playwright.

Without chromium the browser tests are skipped with one line saying why; in CI
(``CI=true``) they fail instead, so a green CI always means they ran.
"""

from __future__ import annotations

import os
import shutil
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import build_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERIOUS = {"serious", "critical"}


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    reason = "browser tests need Debian's chromium (/usr/bin/chromium); `make test` installs it as root"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " — CI must run them")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an asyncio loop running in
    this thread while it is open, so it is closed after the module; other tests call
    pyHanko, which starts loops of its own."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path):
    # On the run's backend (PBI_TEST_BACKEND: SQLite, or a throw-away PostgreSQL database).
    # Real CSRF and rate limits, as served; cheap hashing keeps the test quick.
    return build_app(tmp_path, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, PBI_ENV="development")


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def with_lang(url: str, lang: str) -> str:
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("lang="))
    query = f"{query}&lang={lang}" if query else f"lang={lang}"
    return urlunsplit(parts._replace(query=query))


class AccessibilityAudit:
    """axe-core scans; each visited GET page is scanned in kk, ru and en."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.problems: list[str] = []
        self.scanned: list[str] = []

    def scan_current(self, label: str) -> None:
        results = self.axe.run(self.page)
        for violation in results.response["violations"]:
            if violation.get("impact") in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(f"{label}: {violation['id']} ({violation['impact']}) {targets}")
        self.scanned.append(label)

    def scan_in_all_languages(self) -> None:
        url = self.page.url
        for lang in ("kk", "ru", "en"):
            self.page.goto(with_lang(url, lang))
            self.scan_current(f"{urlsplit(url).path} [{lang}]")

    def assert_clean(self) -> None:
        assert not self.problems, "serious/critical accessibility violations:\n" + "\n".join(self.problems)


@pytest.fixture
def audit(page):
    return AccessibilityAudit(page)
