"""Citations and abbreviations as readers meet them: hover, keyboard focus, click-through, DOI, backlinks.

The first citation of the first cited page is followed all the way: its tooltip, its entry on the
References page, that entry's DOI link and every backlink back to the places that cite it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from citesite.bib import load_bibliography
from browser.support import REFERENCES, REPO, Citation, Site, citations

ABBREVIATIONS = REPO / "docs" / "includes" / "abbreviations.md"


@pytest.fixture(scope="module")
def first_citation(site: Site) -> tuple[str, Citation]:
    """The first cited page (sitemap order) and its first citation."""
    for path in site.pages:
        if path != REFERENCES and citations(site, path):
            return path, citations(site, path)[0]
    pytest.fail("no page cites anything")


def _tooltip_of(page: Page, host: Locator) -> Locator:
    """The tooltip Material shows for `host` (the element its aria-describedby names)."""
    expect(host).to_have_attribute("aria-describedby", re.compile(r"\S"))
    return page.locator(f"[id='{host.get_attribute('aria-describedby')}'][role='tooltip']")


def _link(page: Page, citation: Citation) -> Locator:
    return page.locator(f"sup.cite a.cite__link[id='{citation.id}']")


def test_hovering_a_citation_shows_the_formatted_reference(page: Page, site: Site, first_citation: tuple[str, Citation]) -> None:
    """Hovering a citation number shows its formatted reference as a tooltip."""
    path, citation = first_citation
    page.goto(site.url(path))
    link = _link(page, citation)

    link.hover()

    tooltip = _tooltip_of(page, link)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(citation.title)


def test_focusing_a_citation_with_the_keyboard_shows_the_formatted_reference(page: Page, site: Site, first_citation: tuple[str, Citation]) -> None:
    """Tabbing onto a citation number shows the same tooltip as hovering it."""
    path, citation = first_citation
    page.goto(site.url(path))
    link = _link(page, citation)

    # Arrive by keyboard: from the link to the element before it, then Tab back onto it.
    link.focus()
    page.keyboard.press("Shift+Tab")
    expect(link).not_to_be_focused()
    page.keyboard.press("Tab")

    expect(link).to_be_focused()
    tooltip = _tooltip_of(page, link)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(citation.title)


def test_clicking_a_citation_lands_on_its_entry_with_the_exact_doi_link(page: Page, site: Site, first_citation: tuple[str, Citation]) -> None:
    """A citation leads to its entry on the References page, which links https://doi.org/<doi> exactly."""
    path, citation = first_citation
    doi = load_bibliography(REPO / "bib" / "references.bib")[citation.key].doi_raw
    assert doi, f"{citation.key} has no DOI to check"
    page.goto(site.url(path))

    _link(page, citation).click()

    expect(page).to_have_url(site.url(f"{REFERENCES}#ref-{citation.key}"))
    entry = page.locator(f"li[id='ref-{citation.key}']")
    expect(entry).to_be_in_viewport()
    expect(entry.locator(".reference__text")).to_have_text(citation.title)
    expect(entry.locator("a.reference__link")).to_have_attribute("href", f"https://doi.org/{doi}")


def test_every_doi_link_on_the_references_page_is_exact(page: Page, site: Site) -> None:
    """Every entry of a source with a DOI links exactly https://doi.org/<doi as in the .bib>."""
    bibliography = load_bibliography(REPO / "bib" / "references.bib")
    page.goto(site.url(REFERENCES))

    links = page.locator("ol.bibliography > li[id^='ref-']").evaluate_all(
        "items => items.map(li => [li.id.slice(4), [...li.querySelectorAll('a.reference__link')].map(a => a.getAttribute('href'))])"
    )

    assert links, "the References page lists nothing"
    wrong = {
        key: hrefs for key, hrefs in links
        if bibliography[key].doi_raw and hrefs != [f"https://doi.org/{bibliography[key].doi_raw}"]
    }
    assert not wrong, f"DOI links that are not exactly https://doi.org/<doi>: {wrong}"


def test_backlinks_return_to_every_place_that_cites_the_entry(page: Page, site: Site, first_citation: tuple[str, Citation]) -> None:
    """Each backlink of the entry opens the citing page scrolled to that very citation."""
    _, citation = first_citation
    entry_url = site.url(f"{REFERENCES}#ref-{citation.key}")
    page.goto(entry_url)
    backlinks = page.locator(f"li[id='ref-{citation.key}'] a.reference__backlink")
    hrefs = backlinks.evaluate_all("links => links.map(link => link.href)")
    assert len(hrefs) >= 2, f"{citation.key}: expected several backlinks, found {hrefs}"

    for index, href in enumerate(hrefs):
        backlinks.nth(index).click()
        expect(page).to_have_url(href)
        target = page.locator(f"[id='{href.rsplit('#', 1)[1]}']")
        expect(target).to_have_count(1)
        expect(target).to_be_in_viewport()
        page.go_back()
        expect(page).to_have_url(entry_url)


def _expansion(abbreviation: str) -> str:
    """The expansion docs/includes/abbreviations.md gives for `abbreviation`."""
    match = re.search(rf"^\*\[{re.escape(abbreviation)}\]:\s*(.+)$", ABBREVIATIONS.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{ABBREVIATIONS.relative_to(REPO)} does not define {abbreviation}"
    return match[1].strip()


def test_hovering_icans_shows_its_expansion(page: Page, site: Site) -> None:
    """Hovering the abbreviation ICANS shows "Immune effector cell-associated neurotoxicity syndrome"."""
    expansion = _expansion("ICANS")
    pages = [path for path in site.pages if re.search(r"<abbr title=\"[^\"]*\">(<a [^>]*>)?ICANS<", site.html(path))]
    assert pages, "no page marks up ICANS as an abbreviation"
    page.goto(site.url(pages[0]))
    abbr = page.locator("article abbr").filter(has_text=re.compile(r"^ICANS$")).first

    abbr.hover()

    tooltip = _tooltip_of(page, abbr)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(expansion)

