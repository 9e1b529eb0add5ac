"""Tests for citesite.meta: Highwire tags and JSON-LD on the home page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from citesite.bib import load_bibliography
from citesite.meta import Article, ArticleAuthor, article_from_config, highwire_tags, json_ld

BIB = load_bibliography(Path(__file__).parents[1] / "bib" / "references.bib")
ARTICLE = Article("A </script> title", (ArticleAuthor("Ada", "Lovelace", "Uni"),), "J", "10.1/x", "48")


def test_highwire_tags() -> None:
    """Title, authors, journal, DOI, and one citation_reference per source."""
    tags = highwire_tags(ARTICLE, [BIB["marin2024"], BIB["damico2023"]], "https://x.org/")
    assert '<meta name="citation_author" content="Lovelace, Ada">' in tags
    assert '<meta name="citation_doi" content="10.1/x">' in tags
    references = re.findall(r'name="citation_reference" content="([^"]*)"', tags)
    assert len(references) == 2
    assert "citation_doi=10.1038/s41591-023-02785-8" in references[0]
    assert "citation_firstpage=772; citation_lastpage=784" in references[0]
    assert "citation_public_url=https://www.thermofisher.com/" in references[1]


def test_json_ld_is_valid_and_cannot_close_its_script() -> None:
    """The JSON-LD parses, lists the citations, and escapes `</` so no value ends the script."""
    block = json_ld(ARTICLE, [BIB["marin2024"]])
    body = block.removeprefix('<script type="application/ld+json">\n').removesuffix("\n</script>")
    assert "</script" not in body
    data = json.loads(body)
    assert data["@type"] == "ScholarlyArticle" and data["headline"] == "A </script> title"
    assert data["citation"][0]["identifier"]["value"] == "10.1038/s41591-023-02785-8"
    assert data["author"][0]["affiliation"]["name"] == "Uni"


def test_article_from_config() -> None:
    """`extra.article` in mkdocs.yml becomes an Article; without it there is none."""
    article = article_from_config({"article": {"title": "T", "journal": "J", "doi": "10.1/x",
                                               "authors": [{"given": "A", "family": "B"}]}})
    assert article == Article("T", (ArticleAuthor("A", "B"),), "J", "10.1/x")
    assert article_from_config({}) is None
