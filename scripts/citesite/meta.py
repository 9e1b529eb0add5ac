"""Scholarly metadata for the home page: Highwire Press `citation_*` tags (Google Scholar, Zotero)
and a schema.org `ScholarlyArticle` in JSON-LD, both listing every cited source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from citesite.bib import BibEntry
from citesite.doi import doi_url
from citesite.render import format_pages


@dataclass(frozen=True)
class ArticleAuthor:
    """An author of the article."""

    given: str
    """Given name."""
    family: str
    """Family name."""
    affiliation: str = ""
    """Institution."""


@dataclass(frozen=True)
class Article:
    """The published article, as mkdocs.yml `extra.article` describes it."""

    title: str
    """Full title."""
    authors: tuple[ArticleAuthor, ...]
    """Authors in order."""
    journal: str
    """Journal title."""
    doi: str
    """The article's DOI."""
    issue: str = ""
    """Journal issue."""
    language: str = "en"
    """Language code."""


def article_from_config(extra: Mapping[str, object]) -> Article | None:
    """Read `extra.article` from mkdocs.yml; None when the site declares no article."""
    raw = extra.get("article")
    if not isinstance(raw, Mapping):
        return None
    authors = tuple(
        ArticleAuthor(str(a["given"]), str(a["family"]), str(a.get("affiliation", "")))
        for a in raw.get("authors", [])  # type: ignore[union-attr]
    )
    return Article(
        title=str(raw["title"]),
        authors=authors,
        journal=str(raw["journal"]),
        doi=str(raw["doi"]),
        issue=str(raw.get("issue", "")),
        language=str(raw.get("language", "en")),
    )


def highwire_tags(article: Article, sources: Sequence[BibEntry], page_url: str = "") -> str:
    """`<meta name="citation_*">` tags for the article and one `citation_reference` per source."""
    tags: list[tuple[str, str]] = [("citation_title", article.title)]
    tags += [("citation_author", f"{a.family}, {a.given}") for a in article.authors]
    tags += [("citation_journal_title", article.journal), ("citation_doi", article.doi)]
    if article.issue:
        tags.append(("citation_issue", article.issue))
    tags.append(("citation_language", article.language))
    if page_url:
        tags.append(("citation_abstract_html_url", page_url))
    tags += [("citation_reference", _highwire_reference(entry)) for entry in sources]
    return "\n".join(f'<meta name="{name}" content="{escape(value)}">' for name, value in tags)


def json_ld(article: Article, sources: Sequence[BibEntry], page_url: str = "") -> str:
    """A `<script type="application/ld+json">` block describing the article and its citations."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": article.title,
        "name": article.title,
        "inLanguage": article.language,
        "author": [
            {"@type": "Person", "givenName": a.given, "familyName": a.family, "name": f"{a.given} {a.family}",
             **({"affiliation": {"@type": "Organization", "name": a.affiliation}} if a.affiliation else {})}
            for a in article.authors
        ],
        "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": article.doi},
        "sameAs": doi_url(article.doi),
        "isPartOf": {"@type": "PublicationIssue", "issueNumber": article.issue,
                     "isPartOf": {"@type": "Periodical", "name": article.journal}}
        if article.issue else {"@type": "Periodical", "name": article.journal},
        "citation": [_ld_reference(entry) for entry in sources],
    }
    if page_url:
        data["url"] = page_url
    # `</` cannot appear inside a script element; escape it so a title can never close the tag.
    # No `indent`: it forces Python's pure-Python encoder; the compact form uses the C one.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def _highwire_reference(entry: BibEntry) -> str:
    parts = [f"citation_title={entry.title}"]
    parts += [f"citation_author={a.family}, {a.initials}" for a in entry.authors]
    if entry.container:
        key = "citation_journal_title" if entry.entry_type == "article" else "citation_publisher"
        parts.append(f"{key}={entry.container}")
    if entry.year:
        parts.append(f"citation_publication_date={entry.year}")
    if entry.volume:
        parts.append(f"citation_volume={entry.volume}")
    if entry.issue:
        parts.append(f"citation_issue={entry.issue}")
    if entry.pages:
        first, _, last = format_pages(entry.pages).partition("-")
        parts.append(f"citation_firstpage={first}")
        if last:
            parts.append(f"citation_lastpage={entry.pages.split('--')[-1].strip()}")
    if entry.doi_raw:
        parts.append(f"citation_doi={entry.doi_raw}")
    elif entry.url:
        parts.append(f"citation_public_url={entry.url}")
    # Highwire separates fields with "; ", so a literal ";" inside a value would split it.
    return "; ".join(part.replace(";", ",") for part in parts)


def _ld_reference(entry: BibEntry) -> dict[str, object]:
    item: dict[str, object] = {
        "@type": "ScholarlyArticle" if entry.entry_type == "article" else "WebPage",
        "name": entry.title,
        "author": [{"@type": "Person", "familyName": a.family, "name": a.vancouver} for a in entry.authors],
        "datePublished": entry.date or entry.year,
    }
    if entry.container:
        item["isPartOf"] = {"@type": "Periodical" if entry.entry_type == "article" else "WebSite", "name": entry.container}
    if entry.doi_raw:
        item["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": entry.doi_raw}
        item["url"] = doi_url(entry.doi_raw)
    elif entry.url:
        item["url"] = entry.url
    return item
