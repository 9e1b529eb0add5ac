"""Without JavaScript the article still reads: text, citation links and References, and every link works."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from browser.support import REFERENCES, NewContext, Site, citations


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """A page in a fresh context with JavaScript switched off."""
    return new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800}).new_page()


def _target_exists(site: Site, url: str) -> bool:
    """True when a same-site URL names a built file and, if it has a fragment, an id in that page."""
    parts = urlsplit(url)
    relative = unquote(parts.path).removeprefix(urlsplit(site.base_url).path)
    file = site.root / relative / "index.html" if relative.endswith("/") or not relative else site.root / relative
    if not file.is_file():
        return False
    if not parts.fragment:
        return True
    html = file.read_text(encoding="utf-8")
    return re.search(rf"""\bid=["']?{re.escape(unquote(parts.fragment))}["'\s>]""", html) is not None


def test_every_page_reads_without_javascript(page: Page, site: Site) -> None:
    """Each page shows its heading, every top-level block of text and every citation number outside closed details."""
    for path in site.pages:
        page.goto(site.url(path))
        expect(page.locator("html")).to_have_class(re.compile(r"\bno-js\b"))

        expect(page.locator("article h1")).to_be_visible()
        blocks = page.locator("article > p, article > ul, article > ol, article > table, article > dl")
        hidden = [index for index, shown in enumerate(blocks.evaluate_all(
            "blocks => blocks.map(block => block.checkVisibility({ visibilityProperty: true }))"
        )) if not shown]
        assert blocks.count() and not hidden, f"/{path}: hidden blocks {hidden} of {blocks.count()}"
        # Citations in a closed <details> (the chart's data table) show once it is opened.
        links = page.locator("sup.cite a.cite__link")
        expect(links).to_have_count(len(citations(site, path)))
        hidden_links = links.evaluate_all(
            "links => links.filter(link => !link.closest('details:not([open])')"
            " && !link.checkVisibility({ visibilityProperty: true })).map(link => link.id)"
        )
        assert not hidden_links, f"/{path}: hidden citation links {hidden_links}"


def test_every_link_leads_somewhere_without_javascript(page: Page, site: Site) -> None:
    """Every link on every page that stays on the site names a built page or file, and an id that exists there."""
    broken = []
    for path in site.pages:
        page.goto(site.url(path))
        hrefs = page.locator("a[href]").evaluate_all("links => links.map(link => link.href)")
        for href in hrefs:
            if href.startswith(site.base_url) and not _target_exists(site, href):
                broken.append(f"/{path} -> {href}")
    assert not broken, "\n".join(broken)


def test_citation_links_reach_their_entries_without_javascript(page: Page, site: Site) -> None:
    """On each cited page, following the first citation opens the References page at that entry."""
    cited = [path for path in site.pages if path != REFERENCES and citations(site, path)]
    assert cited, "no page cites anything"
    for path in cited:
        citation = citations(site, path)[0]
        page.goto(site.url(path))

        page.locator(f"a.cite__link[id='{citation.id}']").click()

        expect(page).to_have_url(site.url(f"{REFERENCES}#ref-{citation.key}"))
        entry = page.locator(f"li[id='ref-{citation.key}']")
        expect(entry).to_be_in_viewport()
        expect(entry.locator(".reference__text")).to_have_text(citation.title)


def test_the_references_page_reads_without_javascript(page: Page, site: Site) -> None:
    """Every entry of the References page is shown with its text and a working link to the source."""
    page.goto(site.url(REFERENCES))
    entries = page.locator("ol.bibliography > li[id^='ref-']")
    assert entries.count(), "the References page lists nothing"

    for index in range(entries.count()):
        entry = entries.nth(index)
        expect(entry.locator(".reference__text")).to_be_visible()
        expect(entry.locator("a.reference__link").first).to_have_attribute("href", re.compile(r"^https://"))
