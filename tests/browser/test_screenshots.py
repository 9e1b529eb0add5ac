"""Screenshots for a person to look at, light and dark, in test-artifacts/screenshots/ (not committed).

Home page, a content page with a citation tooltip open, search results, and the References page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.support import REFERENCES, SCHEMES, SCREENSHOTS, NewContext, Site, citations, search, settle


def _shoot(page: Page, name: str) -> None:
    """Save the viewport once colours and transitions have settled; fail on an empty file."""
    settle(page)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    assert path.stat().st_size > 0, path


@pytest.mark.parametrize("palette", list(SCHEMES))
def test_screenshots_of_home_tooltip_search_and_references(new_context: NewContext, site: Site, palette: str) -> None:
    """The four views readers see most are saved as PNGs in this palette."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(color_scheme=palette, viewport={"width": 1280, "height": 800}).new_page()

    page.goto(site.url(""))
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES[palette])
    _shoot(page, f"{palette}-home")

    path = next(path for path in site.pages if path not in ("", REFERENCES) and citations(site, path))
    page.goto(site.url(path))
    link = page.locator("sup.cite a.cite__link").first
    link.scroll_into_view_if_needed()
    page.mouse.wheel(0, -200)  # the tooltip opens below the number: leave room above for context
    link.hover()
    expect(page.locator("[role='tooltip'].md-tooltip2--active")).to_be_visible()
    _shoot(page, f"{palette}-citation-tooltip")

    search(page, site, "ICANS")
    expect(page.locator("li.md-search-result__item").first).to_be_visible()
    _shoot(page, f"{palette}-search-results")

    page.goto(site.url(REFERENCES))
    _shoot(page, f"{palette}-references")
