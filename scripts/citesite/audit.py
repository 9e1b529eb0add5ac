"""Read the built HTML back and check that the numbers readers see are right.

The audit trusts nothing the build meant to write: it parses each built page in reading order and
checks that numbers first appear as 1..N, that a source has the same number everywhere, that every
citation link lands on a References entry showing that number, and that the References page lists
exactly the cited sources, in number order.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import unescape
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


_TOKEN = re.compile(r"""<(?P<close>/)?(?P<tag>[a-zA-Z][a-zA-Z0-9]*)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)>|<!--.*?-->""", re.S)
_ATTR = re.compile(r"""(?P<name>[^\s=/>]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+)))?""")


def _attributes(text: str) -> dict[str, str]:
    return {
        m.group("name").lower(): unescape(m.group("dq") or m.group("sq") or m.group("bare") or "")
        for m in _ATTR.finditer(text)
    }


def parse_page(html: str) -> ParsedPage:
    """Citation marks, reference entries and ids of one built page's `<article>` (or whole page)."""
    # Everything the audit reads is inside the article; the rest of a page is mostly the site's
    # navigation, which grows with the number of pages, so parsing it made the audit quadratic.
    start, end = html.find("<article"), html.rfind("</article>")
    if start != -1 and end > start:
        html = html[start : end + len("</article>")]
    # A tokenizer over tags, not html.parser: the audit reads a few attributes and the text of
    # citation marks, and html.parser's per-tag cost made it a third of the hook's time.
    page = ParsedPage()
    mark: CiteMark | None = None
    depth = 0
    link: list[str] | None = None
    position = 0
    for token in _TOKEN.finditer(html):
        if mark is not None and token.start() > position:
            text = unescape(html[position : token.start()])
            mark.text += text
            if link is not None:
                link[2] += text
        position = token.end()
        tag = (token.group("tag") or "").lower()
        if not tag:
            continue  # a comment
        if token.group("close"):
            if mark is None:
                continue
            if tag == "a" and link is not None:
                mark.links.append((link[0], link[1], link[2]))
                link = None
            elif tag == "sup":
                depth -= 1
                if depth == 0:
                    page.marks.append(mark)
                    mark = None
            continue
        attrs = _attributes(token.group("attrs") or "")
        if "id" in attrs:
            page.ids.add(attrs["id"])
        if mark is not None:
            if tag == "sup":
                depth += 1
            elif tag == "a":
                link = [attrs.get("data-key", ""), attrs.get("href", ""), ""]
        elif tag == "sup" and "cite" in attrs.get("class", "").split():
            mark, depth = CiteMark(keys=attrs.get("data-keys", "").split()), 1
        elif tag == "li" and "data-number" in attrs:
            page.entries.append((attrs.get("id", ""), attrs.get("data-key", ""), attrs["data-number"]))
        elif tag == "li" and "data-key" in attrs and "value" in attrs:
            page.page_list.append((attrs["data-key"], attrs["value"]))
    return page


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
