"""Tests for citesite.render: Vancouver formatting and the HTML of citations and reference lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from citesite.bib import load_bibliography, parse_bibliography
from citesite.citations import PageSource, number_citations
from citesite.render import (
    SiteUrls,
    format_pages,
    format_reference,
    render_bibliography,
    render_citation,
    render_concordance,
    render_missing_marker,
    render_page_references,
)

ROOT = Path(__file__).parents[1]
BIB = load_bibliography(ROOT / "bib" / "references.bib")
URLS = SiteUrls(references="references/", notes="notes/")


def identity(url: str) -> str:
    return url


@pytest.mark.parametrize(
    ("pages", "shown"),
    [
        ("1769--1781", "1769-81"),
        ("85--96", "85-96"),
        ("175--188", "175-88"),
        ("123--124", "123-4"),
        ("99--101", "99-101"),
        ("e397912", "e397912"),
        ("40", "40"),
        ("1–16", "1-16"),
    ],
)
def test_format_pages(pages: str, shown: str) -> None:
    """Page ranges drop repeated leading digits (NLM); article numbers are kept."""
    assert format_pages(pages) == shown


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("wang2024", "Wang W, Liu Y, He Z, Li L, Liu S, Jiang M, et al. Breakthrough of solid tumor treatment: "
                     "CAR-NK immunotherapy. Cell Death Discov. 2024;10(1):40. "
                     "Available from: https://doi.org/10.1038/s41420-024-01815-9"),
        ("rezvani2017", "Rezvani K, Rouce R, Liu E, Shpall E. Engineering natural killer cells for cancer "
                        "immunotherapy. Mol Ther. 2017;25(8):1769-81. Available from: https://doi.org/10.1016/j.ymthe.2017.06.012"),
        ("abouelenein2021", "Abou-El-Enein M, Elsallab M, Feldman SA, Fesnak AD, Heslop HE, Marks P, et al. Scalable "
                            "manufacturing of CAR T cells for cancer immunotherapy. Blood Cancer Discov. 2021;2(5):408-22. "
                            "Available from: https://doi.org/10.1158/2643-3230.BCD-21-0084"),
        ("damico2023", "D'Amico D. What is CAR-NK therapy, and is it the “off-the-shelf” solution the cancer research "
                       "field needs? [Internet]. Life in the Lab. 2023 Jul 7 [cited 2025 Oct 26]. Available from: "
                       "https://www.thermofisher.com/blog/life-in-the-lab/what-is-car-nk-therapy-and-is-it-the-off-the-shelf-solution-the-cancer-research-field-needs/"),
    ],
)
def test_vancouver_text(key: str, text: str) -> None:
    """References read like the printed list: six authors then et al., journal, year;vol(issue):pages."""
    assert format_reference(BIB[key]).text == text


def test_html_escapes_every_field() -> None:
    """A field holding HTML or script is shown as text, never as markup."""
    bibliography = load_bibliography(ROOT / "tests" / "fixtures" / "bib" / "script.bib")
    html = format_reference(bibliography["xss2020"]).html
    assert "<script>" not in html and "<img" not in html and "<b " not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://doi.org/10.1000/%22%3E%3Cscript%3Ealert(1)%3C/script%3E"' in html


def _numbering(*pages: tuple[str, str]):
    return number_citations([PageSource(f"docs/{u}.md", u, u or "Home", m) for u, m in pages], BIB.entries)


def test_citation_superscript_links_and_tooltips() -> None:
    """Each number links to its References entry by key, with the formatted reference as title."""
    numbering = _numbering(("a/", "[@wang2024] [@dagar2023; @wang2024]"))
    blocks = numbering.blocks["a/"]
    html = render_citation(blocks[1], numbering, BIB, URLS, lambda u: "../" + u, numbering.anchors["a/"])
    assert html.startswith('<sup class="cite" data-keys="wang2024 dagar2023">')
    assert 'id="cite-wang2024-2"' in html and 'id="cite-dagar2023-1"' in html
    assert 'href="../references/#ref-wang2024"' in html
    assert 'title="Wang W, Liu Y' in html
    assert ">1</a><span class=\"cite__sep\">,</span><a" in html


def test_citation_ranges_compress() -> None:
    """Three consecutive numbers render as a linked range 1–3."""
    numbering = _numbering(("a/", "[@wang2024] [@dagar2023] [@chen2024] [@chen2024; @wang2024; @dagar2023]"))
    block = numbering.blocks["a/"][3]
    html = render_citation(block, numbering, BIB, URLS, identity, numbering.anchors["a/"])
    assert '>1</a><span class="cite__sep">–</span><a' in html and ">3</a></sup>" in html
    assert ">2</a>" not in html


def test_missing_marker_is_visible_text() -> None:
    """The missing printed reference renders as a visible note linking to the concordance."""
    html = render_missing_marker(29, URLS, identity)
    assert "the printed article cites" in html and "has no item 29" in html
    assert 'href="notes/#printed-29"' in html


def test_page_references_use_site_numbers() -> None:
    """A page's list shows its sources under their site-wide numbers, in number order."""
    numbering = _numbering(("a/", "[@wang2024]"), ("b/", "[@chen2024] [@wang2024]"))
    html = render_page_references(numbering.keys_on("b/"), numbering, BIB, URLS, identity)
    assert html.startswith('<ol class="page-references">') and html.endswith("</ol>")
    assert html.index('value="1" data-key="wang2024"') < html.index('value="2" data-key="chen2024"')
    assert render_page_references([], numbering, BIB, URLS, identity) == ""


def test_bibliography_backlinks_printed_numbers_and_verification() -> None:
    """The References list has every cited source in order, with backlinks, printed numbers, verification."""
    numbering = _numbering(("a/", "# A\n\n## Safety\n\n[@morris2022] [@morris2022]"), ("b/", "[@wang2024] [@morris2022]"))
    html = render_bibliography(numbering, BIB, identity, {"wang2024": "2026-11-20"})
    assert html.index('id="ref-morris2022"') < html.index('id="ref-wang2024"')
    assert 'href="a/#cite-morris2022-1">a/ › Safety</a> <a class="reference__backlink reference__backlink--more" ' \
           'href="a/#cite-morris2022-2" aria-label="a/ › Safety, citation 2">2</a>' in html
    assert 'href="b/#cite-morris2022-1">b/</a>' in html
    assert "Printed as references 10 and 24" in html
    assert "DOI verified on 2026-11-20" in html
    assert html.count("DOI verified") == 1


def test_concordance_maps_every_printed_number() -> None:
    """Every printed number has a row: its site number, a duplicate note, or the missing marker."""
    numbering = _numbering(("a/", "[@wang2024] [@morris2022] [@?29]"))
    html = render_concordance(numbering, BIB, URLS, identity)
    for printed in range(1, 30):
        assert f'id="printed-{printed}"' in html
    assert '<tr id="printed-24"><td>24</td><td><a href="references/#ref-morris2022">2</a>' in html
    assert "Same source as printed 10" in html
    assert '<tr id="printed-29"><td>29</td><td>—</td><td>not in the printed list</td>' in html
    assert '<tr id="printed-3"><td>3</td><td>not cited</td>' in html


def test_web_page_without_date_uses_year() -> None:
    """A web page without month falls back to its year."""
    entry = parse_bibliography("@misc{w, author={A, B.}, title={Page}, howpublished={Site}, year={2020}, url={https://x.org}}")["w"]
    assert format_reference(entry).text == "A B. Page [Internet]. Site. 2020. Available from: https://x.org"
