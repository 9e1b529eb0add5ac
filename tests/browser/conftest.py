"""Fixtures for the real-browser tests: one strict build, one local server, one Chromium.

The site is built once per session into a temporary directory and served from 127.0.0.1 by a
threaded `http.server` inside the test process. Each test gets fresh browser contexts whose every
request and console message is recorded; a test fails if a request leaves 127.0.0.1 or the console
shows an error, whatever else it checks.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from browser.support import AXE_JS, CHROMIUM, CHROMIUM_ARGS, REPO, NewContext, Site, Traffic

HERE = Path(__file__).parent
# One limit for every wait, actions (Playwright's default 30 s) and `expect` (default 5 s) alike:
# a page of this site loads in well under a second, but CI has two cores and runs other tests.
DEFAULT_TIMEOUT_MS = 10_000
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this directory `browser`, so `-m "not browser"` skips them all."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site; keeps the access log out of the test output."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _page_paths(site_dir: Path) -> list[str]:
    """Site-relative paths of every page, from the built sitemap.xml (home page as "")."""
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text or "" for loc in ET.parse(site_dir / "sitemap.xml").getroot().iterfind("sm:url/sm:loc", namespace)]
    if not locs:
        return []
    # Every loc starts with site_url, which is the shortest of them (the home page).
    root = urlsplit(min(locs, key=len)).path
    return [urlsplit(loc).path[len(root) :] for loc in locs]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site, built strictly once for the session and served from 127.0.0.1 on a free port.

    The port is bound first so the build can be given its address as `SITE_URL`, as the publish
    workflow gives the real one: the sitemap then lists every page, and Material's instant
    navigation (which follows only links the sitemap lists) works as it does for readers.
    """
    out = tmp_path_factory.mktemp("site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out)))
    base_url = f"http://127.0.0.1:{server.server_port}/"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO / "scripts"), "SITE_URL": base_url}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    if build.returncode != 0:
        server.server_close()
        pytest.fail(f"mkdocs build --strict failed:\n{build.stdout}\n{build.stderr}", pytrace=False)
    pages = _page_paths(out)
    if not pages:
        server.server_close()
        pytest.fail("the built sitemap.xml lists no page (is site_url still read from SITE_URL?)", pytrace=False)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield Site(root=out, base_url=base_url, pages=pages)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """The Playwright driver, for the whole session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, launched once (Playwright cannot download its own browsers here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`", pytrace=False)
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(REPO)} is missing: run `npm ci --prefix tests/browser`", pytrace=False)
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def traffic() -> Traffic:
    """The requests and console errors of this test's pages."""
    return Traffic()


@pytest.fixture
def new_context(browser: Browser, site: Site, traffic: Traffic) -> Iterator[NewContext]:
    """Make fresh browser contexts (keyword arguments as `Browser.new_context`), recorded by `traffic`.

    At teardown every context is closed, and the test fails if any page requested something
    beyond 127.0.0.1 or logged a console error.
    """
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=site.base_url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        traffic.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not traffic.offsite(), f"requests left 127.0.0.1: {traffic.offsite()}"
    assert not traffic.console_errors, "console errors:\n" + "\n".join(traffic.console_errors)


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """A page in a fresh desktop context (1280×800, light palette, JavaScript on)."""
    return new_context(viewport={"width": 1280, "height": 800}, color_scheme="light").new_page()
