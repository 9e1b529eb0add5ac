"""Tests for citesite.glossary: first-mention links to glossary entries."""

from __future__ import annotations

import pytest

from citesite.glossary import Term, link_terms, terms_from_meta

TERMS = [Term("icans", ("ICANS",)), Term("nk-cell", ("NK cells", "NK cell")), Term("autologous", ("autologous",))]


def href(anchor: str) -> str:
    return f"../glossary/#{anchor}"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>ICANS and ICANS</p>", '<p><a class="glossary-link" href="../glossary/#icans">ICANS</a> and ICANS</p>'),
        ("<p>Autologous cells</p>", '<p><a class="glossary-link" href="../glossary/#autologous">Autologous</a> cells</p>'),
        ("<p>NK cells, NK cell</p>", '<p><a class="glossary-link" href="../glossary/#nk-cell">NK cells</a>, NK cell</p>'),
        ("<h2>ICANS</h2><p>ICANS</p>", '<h2>ICANS</h2><p><a class="glossary-link" href="../glossary/#icans">ICANS</a></p>'),
        ('<p><a href="x">ICANS</a> ICANS</p>', '<p><a href="x">ICANS</a> <a class="glossary-link" href="../glossary/#icans">ICANS</a></p>'),
        ("<pre><code>ICANS</code></pre>", "<pre><code>ICANS</code></pre>"),
        ('<p><sup class="cite"><a title="ICANS">1</a></sup></p>', '<p><sup class="cite"><a title="ICANS">1</a></sup></p>'),
        ("<p>ICANSX and XICANS and CAR-ICANS</p>", "<p>ICANSX and XICANS and CAR-ICANS</p>"),
        ('<p><abbr title="Immune">ICANS</abbr></p>', '<p><abbr title="Immune"><a class="glossary-link" href="../glossary/#icans">ICANS</a></abbr></p>'),
        ('<h2 id="references-on-this-page">R</h2><p>ICANS</p>', '<h2 id="references-on-this-page">R</h2><p>ICANS</p>'),
        ('<p><span title="ICANS">x</span> XNK cells NK cells</p>',
         '<p><span title="ICANS">x</span> XNK cells <a class="glossary-link" href="../glossary/#nk-cell">NK cells</a></p>'),
        ("<p>autologous<br>ICANS<!-- ICANS --></p>", '<p><a class="glossary-link" href="../glossary/#autologous">autologous</a><br><a class="glossary-link" href="../glossary/#icans">ICANS</a><!-- ICANS --></p>'),
    ],
)
def test_link_terms(html: str, expected: str) -> None:
    """Only the first mention in running text links; headings, links, code and citations are left alone."""
    assert link_terms(html, TERMS, href) == expected


def test_terms_from_meta() -> None:
    """Front matter `terms:` maps anchors to a word or a list of words."""
    assert terms_from_meta({"terms": {"icans": "ICANS", "nk-cell": ["NK cells", "NK cell"]}}) == [
        Term("icans", ("ICANS",)), Term("nk-cell", ("NK cells", "NK cell"))]


@pytest.mark.parametrize("meta", [{"terms": ["ICANS"]}, {"terms": {"icans": [1]}}, {"terms": {"icans": [""]}}])
def test_terms_from_meta_rejects_bad_shapes(meta: dict) -> None:
    """A malformed `terms:` mapping is an error naming the problem."""
    with pytest.raises(ValueError, match="glossary front matter"):
        terms_from_meta(meta)
