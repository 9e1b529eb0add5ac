"""Search as readers use it: the header search box of the built site, one fresh page per query.

A fresh page per query, because after a second query on the same page Material can leave stale
result items in the list; the count text `.md-search-result__meta` is always current.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from browser.support import GLOSSARY, REFERENCES, Site, result_count, result_pages, search


def _marks(page: Page) -> list[list[str]]:
    """Highlighted words of each result item, in order."""
    marks: list[list[str]] = page.locator("li.md-search-result__item").evaluate_all(
        "items => items.map(item => [...item.querySelectorAll('mark')].map(mark => mark.textContent))"
    )
    return marks


def test_icans_lists_the_glossary_entry_first_and_every_page_that_mentions_it(page: Page, site: Site) -> None:
    """"ICANS" finds every page that mentions ICANS, glossary entry first, the term highlighted in each."""
    expected = site.pages_mentioning("ICANS")
    assert GLOSSARY in expected, "the glossary no longer defines ICANS"

    meta = search(page, site, "ICANS")
    assert result_count(meta) == len(expected)
    found = result_pages(page, site, len(expected))

    assert sorted(found) == sorted(expected)
    assert found[0] == GLOSSARY, f"results in order: {found}"
    entry = page.locator("li.md-search-result__item").first.locator("a", has=page.locator("h2", has_text="ICANS"))
    expect(entry).to_have_attribute("href", re.compile(r"glossary/\?h=icans#icans$"))
    for path, marks in zip(found, _marks(page)):
        assert "icans" in (mark.lower() for mark in marks), f"{path}: ICANS not highlighted ({marks})"


def test_following_a_result_highlights_the_term_on_the_page(page: Page, site: Site) -> None:
    """Following the glossary result opens the ICANS entry with the term highlighted in the text."""
    search(page, site, "ICANS")
    page.locator(f"li.md-search-result__item a[href*='/{GLOSSARY}']", has=page.locator("h2", has_text="ICANS")).click()

    expect(page).to_have_url(re.compile(r"/glossary/\?h=icans#icans$"))
    expect(page.locator("#icans")).to_be_in_viewport()
    expect(page.locator("article mark[data-md-highlight]").filter(has_text="ICANS").first).to_be_visible()


def test_neurotoxicity_finds_the_icans_pages(page: Page, site: Site) -> None:
    """"neurotoxicity" finds every page with a section on ICANS (the expansion of the abbreviation)."""
    icans_pages = [path for path in site.pages if any(re.search(r"\bICANS\b", h) for h in site.headings(path))]
    assert GLOSSARY in icans_pages

    meta = search(page, site, "neurotoxicity")
    found = result_pages(page, site, result_count(meta))

    assert set(icans_pages) <= set(found), f"missing: {sorted(set(icans_pages) - set(found))}"


@pytest.mark.parametrize("query", ["CAR-NK", "CAR NK"])
def test_car_nk_with_a_hyphen_or_a_space_finds_the_nk_pages(page: Page, site: Site, query: str) -> None:
    """"CAR-NK" and "CAR NK" both find every page whose title is about NK cells."""
    nk_pages = [path for path in site.pages if re.search(r"\bNK\b", site.headings(path)[0])]
    assert "nk-cells/" in nk_pages

    meta = search(page, site, query)
    found = result_pages(page, site, result_count(meta))

    assert set(nk_pages) <= set(found), f"missing: {sorted(set(nk_pages) - set(found))}"


def test_an_author_name_finds_the_references_page(page: Page, site: Site) -> None:
    """An author's family name from the reference list ("Marin") finds the References page."""
    assert re.search(r"\bMarin\b", site.article_text(REFERENCES)), "no author Marin on the References page"

    meta = search(page, site, "Marin")
    found = result_pages(page, site, result_count(meta))

    assert REFERENCES in found
