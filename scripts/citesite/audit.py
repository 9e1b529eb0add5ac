"""Read the built HTML back and check that the numbers readers see are right.

The audit trusts nothing the build meant to write: it parses each built page in reading order and
checks that numbers first appear as 1..N, that a source has the same number everywhere, that every
citation link lands on a References entry showing that number, and that the References page lists
exactly the cited sources, in number order.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from citesite.citations import PageSource
from citesite.pipeline import SiteCitations
from citesite.problems import NumberingProblem


@dataclass
class CiteMark:
    """A rendered citation superscript."""

    keys: list[str]
    """Keys from `data-keys`, in number order."""
    text: str = ""
    """Visible text (`1–3,5`)."""
    links: list[tuple[str, str, str]] = field(default_factory=list)
    """(data-key, href, text) of each link inside."""


@dataclass
class ParsedPage:
    """What the audit reads from one built page."""

    marks: list[CiteMark] = field(default_factory=list)
    """Citation superscripts in document order."""
    entries: list[tuple[str, str, str]] = field(default_factory=list)
    """References-list items: (id, data-key, data-number), in order."""
    page_list: list[tuple[str, str]] = field(default_factory=list)
    """"References on this page" items: (data-key, value)."""
    ids: set[str] = field(default_factory=set)
    """Every id on the page."""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._mark: CiteMark | None = None
        self._depth = 0
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.page.ids.add(values["id"])
        classes = values.get("class", "").split()
        if self._mark is not None:
            if tag == "sup":
                self._depth += 1
            if tag == "a":
                self._link = [values.get("data-key", ""), values.get("href", ""), ""]
        elif tag == "sup" and "cite" in classes:
            self._mark = CiteMark(keys=values.get("data-keys", "").split())
            self._depth = 1
        elif tag == "li" and "data-number" in values:
            self.page.entries.append((values.get("id", ""), values.get("data-key", ""), values["data-number"]))
        elif tag == "li" and "data-key" in values and "value" in values:
            self.page.page_list.append((values["data-key"], values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._mark is None:
            return
        if tag == "a" and self._link is not None:
            self._mark.links.append((self._link[0], self._link[1], self._link[2]))
            self._link = None
        if tag == "sup":
            self._depth -= 1
            if self._depth == 0:
                self.page.marks.append(self._mark)
                self._mark = None

    def handle_data(self, data: str) -> None:
        if self._mark is not None:
            self._mark.text += data
            if self._link is not None:
                self._link[2] += data


def parse_page(html: str) -> ParsedPage:
    """Citation marks, reference entries and ids of one built page's `<article>` (or whole page)."""
    # Everything the audit reads is inside the article; the rest of a page is mostly the site's
    # navigation, which grows with the number of pages, so parsing it made the audit quadratic.
    start, end = html.find("<article"), html.rfind("</article>")
    if start != -1 and end > start:
        html = html[start : end + len("</article>")]
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def expand(text: str) -> list[int] | None:
    """Numbers shown by a superscript: `1–3,5` -> [1, 2, 3, 5]; None if it is not a number list."""
    numbers: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, dash, last = part.replace("-", "–").partition("–")
        if not first.isdigit() or (dash and not last.isdigit()):
            return None
        numbers.extend(range(int(first), int(last) + 1) if dash else [int(first)])
    return numbers


def audit_site(site_dir: Path, site: SiteCitations, pages: Sequence[PageSource]) -> list[NumberingProblem]:
    """Check the built site's numbering; pages in reading order, as the build saw them."""
    parsed = {page.url: parse_page(_read(site_dir, page.url)) for page in pages}
    return audit_pages(parsed, site.urls.references, [page.url for page in pages])


def audit_pages(parsed: dict[str, ParsedPage], references_url: str, order: Sequence[str]) -> list[NumberingProblem]:
    """The checks of `audit_site` on already parsed pages (page URL -> parsed page)."""
    problems: list[NumberingProblem] = []
    seen: dict[str, tuple[int, str]] = {}
    first_order: list[str] = []
    references = parsed.get(references_url, ParsedPage())
    listed = {key: (ident, number) for ident, key, number in references.entries}
    owners = {ident: key for ident, key, _ in references.entries}
    for url in order:
        page = parsed[url]
        for mark in page.marks:
            shown = expand(mark.text)
            if shown is None or len(shown) != len(mark.keys):
                problems.append(_problem("inconsistent_number", url, ",".join(mark.keys),
                                         f"citation shows '{mark.text}' for keys {', '.join(mark.keys) or '(none)'}"))
                continue
            for key, number in zip(mark.keys, shown):
                if key not in seen:
                    seen[key] = (number, url)
                    first_order.append(key)
                elif seen[key][0] != number:
                    problems.append(_problem("inconsistent_number", url, key,
                                             f"'{key}' is {number} here but {seen[key][0]} on {seen[key][1] or 'the home page'}"))
            for key, href, text in mark.links:
                problems += _check_link(url, key, href, text, references_url, references, listed, owners)
        for key, value in page.page_list:
            if key in seen and str(seen[key][0]) != value:
                problems.append(_problem("inconsistent_number", url, key,
                                         f"'{key}' is listed as {value} under References on this page but cited as {seen[key][0]}"))
    for position, key in enumerate(first_order, start=1):
        if seen[key][0] != position:
            problems.append(_problem("order", seen[key][1], key,
                                     f"'{key}' first appears as {seen[key][0]} but is source {position} in reading order"))
    listed_keys = [key for _, key, _ in references.entries]
    if set(listed_keys) != set(seen):
        extra = sorted(set(listed_keys) - set(seen))
        absent = sorted(set(seen) - set(listed_keys))
        problems.append(_problem("references_mismatch", references_url, "",
                                 f"References page lists uncited {extra or 'none'} and lacks cited {absent or 'none'}"))
    numbers = [number for _, _, number in references.entries]
    if numbers != [str(n) for n in range(1, len(numbers) + 1)]:
        problems.append(_problem("references_mismatch", references_url, "",
                                 f"References page numbers are {', '.join(numbers)}, not 1..{len(numbers)} in order"))
    for key, (ident, number) in listed.items():
        if key in seen and str(seen[key][0]) != number:
            problems.append(_problem("inconsistent_number", references_url, key,
                                     f"'{key}' is {number} on the References page but cited as {seen[key][0]}"))
    return problems


def _check_link(url: str, key: str, href: str, text: str, references_url: str, references: ParsedPage,
                listed: dict[str, tuple[str, str]], owners: dict[str, str]) -> list[NumberingProblem]:
    target = urlsplit(href)
    resolved = posixpath.normpath(posixpath.join("/" + url, target.path)) if target.path else "/" + url
    fragment = unquote(target.fragment)
    expected = posixpath.normpath("/" + references_url) if references_url else "/"
    if resolved.rstrip("/") != expected.rstrip("/") or fragment not in references.ids:
        return [_problem("broken_link", url, key, f"citation link '{href}' does not land on a References entry")]
    owner = owners.get(fragment)
    if owner != key:
        return [_problem("broken_link", url, key, f"citation link '{href}' lands on '{owner}', not '{key}'")]
    if listed[key][1] != text.strip():
        return [_problem("inconsistent_number", url, key,
                         f"citation shows {text.strip()} but its References entry shows {listed[key][1]}")]
    return []


def _problem(kind: str, page: str, key: str, detail: str) -> NumberingProblem:
    return NumberingProblem(kind, page or "index", 0, key, detail)


def _read(site_dir: Path, url: str) -> str:
    path = site_dir / unquote(url)
    if not url or url.endswith("/"):
        path = path / "index.html"
    return path.read_text(encoding="utf-8") if path.is_file() else ""



