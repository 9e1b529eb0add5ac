"""Compare a `.bib` entry with what the DOI registry holds for its DOI.

The comparison is tolerant of what differs only in form (case, accents, punctuation, markup, page
abbreviations, journal abbreviations) and strict about what differs in substance; each difference
is a `FieldProblem` naming both values. A year one apart (online and print publication) is a
warning, not an error.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from citesite.bib import Author, BibEntry

if TYPE_CHECKING:
    from citesite.resolve import Registered


@dataclass(frozen=True)
class FieldProblem:
    """One field where the `.bib` entry and the registry disagree."""

    field: str
    """`doi`, `title`, `first_author`, `authors`, `year`, `journal`, `volume`, `issue`, `pages`, `retraction`, `updated_by`."""
    bib: str
    """Value in the `.bib` entry."""
    registry: str
    """Value the registry holds."""
    severity: str = "error"
    """`error` (the entry is wrong) or `warning` (worth a look, e.g. online vs print year)."""


_TAGS = re.compile(r"<[^>]+>")
_PARENS = re.compile(r"\([^)]*\)")
_PAGE_SPLIT = re.compile(r"\s*(?:--|[-\u2010-\u2015])\s*")
_STOPWORDS = frozenset({"and", "the", "of", "in", "for", "on", "de", "la", "le", "des", "der", "und", "et"})


def compare(entry: BibEntry, registered: Registered) -> list[FieldProblem]:
    """Fields where `entry` and the registry disagree, each with both values; a one-year gap is a warning."""
    problems: list[FieldProblem] = []
    titles = {_plain(registered.title)}
    if registered.subtitle:
        titles.add(_plain(f"{registered.title} {registered.subtitle}"))
    if entry.title and registered.title and _plain(entry.title) not in titles:
        full = f"{registered.title}: {registered.subtitle}" if registered.subtitle else registered.title
        problems.append(FieldProblem("title", entry.title, _unmarked(full)))
    if entry.authors and registered.authors:
        problems.extend(_compare_authors(entry.authors, registered.authors))
    if entry.year and registered.years:
        problems.extend(_compare_year(entry.year, registered))
    if entry.container and (registered.journal or registered.journal_short) and not _same_journal(entry.container, registered):
        shown = " / ".join(_unmarked(name) for name in (registered.journal, registered.journal_short) if name)
        problems.append(FieldProblem("journal", entry.container, shown))
    for name, bib, registry in (("volume", entry.volume, registered.volume), ("issue", entry.issue, registered.issue)):
        if bib and registry and _number(bib) != _number(registry):
            problems.append(FieldProblem(name, bib, registry))
    registry_pages = [value for value in (registered.pages, registered.article_number) if value]
    if entry.pages and registry_pages and not _same_pages(entry.pages, registry_pages):
        shown = registered.pages or ""
        if registered.article_number and registered.article_number != registered.pages:
            shown = f"{shown}; article number {registered.article_number}" if shown else registered.article_number
        problems.append(FieldProblem("pages", entry.pages.replace("--", "-"), shown))
    return problems


def _compare_authors(bib: tuple[Author, ...], registry: tuple[Author, ...]) -> list[FieldProblem]:
    """First author's family name; then one problem naming every other listed author that differs."""
    problems = []
    if _name_key(bib[0].family) != _name_key(registry[0].family):
        problems.append(FieldProblem("first_author", bib[0].vancouver, registry[0].vancouver))
    differ = [
        index
        for index in range(1, len(bib))
        if index >= len(registry) or _name_key(bib[index].family) != _name_key(registry[index].family)
    ]
    if differ:
        problems.append(
            FieldProblem(
                "authors",
                ", ".join(f"{bib[index].vancouver} ({index + 1})" for index in differ),
                ", ".join(
                    f"{registry[index].vancouver} ({index + 1})" if index < len(registry) else f"none ({index + 1})"
                    for index in differ
                ),
            )
        )
    return problems


def _compare_year(year: str, registered: Registered) -> list[FieldProblem]:
    years = registered.years
    if year in years:
        return []
    labelled = [
        f"{date[:4]} ({label})"
        for label, date in (("issued", registered.issued), ("print", registered.published_print),
                            ("online", registered.published_online))
        if date
    ]
    shown = years[0] if len(years) == 1 else ", ".join(labelled)
    near = year.isdigit() and any(other.isdigit() and abs(int(other) - int(year)) == 1 for other in years)
    # One year apart is usually online-first vs print date, so it is worth a look but not an error.
    return [FieldProblem("year", year, shown, "warning" if near else "error")]


def _same_journal(bib: str, registered: Registered) -> bool:
    names = [name for name in (registered.journal, registered.journal_short) if name]
    return any(_abbreviates(bib, name) or _abbreviates(name, bib) for name in names)


def _abbreviates(short: str, full: str) -> bool:
    """True when every word of `short` abbreviates the matching significant word of `full` (NLM/ISO 4 style).

    A word abbreviates another when it is a prefix (`Discov`, `Discovery`) or a contraction keeping
    the first and last letters in order (`Natl`, `National`). Parenthesised qualifiers such as
    `(Basel)` are ignored.
    """
    if _plain(short) == _plain(full):
        return True
    short_words = [word for word in _plain(_PARENS.sub(" ", short)).split() if word not in _STOPWORDS]
    full_words = [word for word in _plain(_PARENS.sub(" ", full)).split() if word not in _STOPWORDS]
    return len(short_words) == len(full_words) > 0 and all(map(_abbreviates_word, short_words, full_words))


def _abbreviates_word(short: str, full: str) -> bool:
    if full.startswith(short):
        return True
    if short[0] != full[0] or short[-1] != full[-1]:
        return False
    letters = iter(full)
    return all(letter in letters for letter in short)


def _same_pages(bib: str, registry: list[str]) -> bool:
    """Equal ranges (`1769--1781`, `1769-81`, `1769–1781`) or article numbers; a first page alone matches its range."""
    mine = _page_range(bib)
    for value in registry:
        theirs = _page_range(value)
        if mine == theirs or (len(mine) == 1 and mine[0] == theirs[0]):
            return True
    return False


def _page_range(pages: str) -> tuple[str, ...]:
    parts = [part.casefold() for part in _PAGE_SPLIT.split(pages.strip()) if part]
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and len(parts[1]) < len(parts[0]):
        # Vancouver's abbreviated end page: 1769-81 is 1769-1781.
        parts[1] = parts[0][: len(parts[0]) - len(parts[1])] + parts[1]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return tuple(parts)


def _number(value: str) -> str:
    value = value.strip().casefold()
    return value.lstrip("0") or "0" if value.isdigit() else value


def _unmarked(text: str) -> str:
    """Registered text without markup: `<i>in vivo</i> &amp; more` -> `in vivo & more`."""
    return " ".join(html.unescape(_TAGS.sub("", text)).split())


def _plain(text: str) -> str:
    """Comparison form: no markup, accents, case or punctuation; `&` read as `and`."""
    text = unicodedata.normalize("NFKD", _unmarked(text).replace("&", " and "))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def _name_key(name: str) -> str:
    """A family name for comparison: `Abou-El-Enein`, `abou el enein` and `Abou El Enéin` are one."""
    return _plain(name).replace(" ", "")
