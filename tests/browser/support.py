"""What the browser tests share besides fixtures: paths, the served site, and what readers do.

A *page path* is a page's URL relative to the site root: "" for the home page, "glossary/" for
the glossary. Pages are listed from the built sitemap.xml, so new pages are tested as they appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Request, WebError, expect

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (`make chromium` installs it)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
"""No sandbox (containers), and none of Chromium's own calls home."""
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, pinned in tests/browser/package.json and installed by `make test`."""
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
"""Where screenshots go for a person to look at (gitignored)."""
SCHEMES = {"light": "default", "dark": "slate"}
"""Reader's palette -> Material's `data-md-color-scheme`."""

NewContext = Callable[..., BrowserContext]
"""The `new_context` fixture: keyword arguments as `Browser.new_context`."""
GLOSSARY = "glossary/"
"""Page path of the glossary."""
REFERENCES = "references/"
"""Page path of the References page."""

_RESULTS = re.compile(r"^(\d+|No) matching documents?$")
# Schemes that never touch the network (inline images, Material's generated blobs).
_LOCAL_SCHEMES = {"data", "blob", "about"}


@dataclass(frozen=True)
class Site:
    """The built site and where it is served."""

    root: Path
    """Directory of the built site."""
    base_url: str
    """`http://127.0.0.1:<port>/`."""
    pages: list[str]
    """Page paths of every page in the sitemap."""

    def url(self, path: str) -> str:
        """Absolute URL of a page path (fragments and queries allowed)."""
        return urljoin(self.base_url, path)

    def path_of(self, url: str) -> str:
        """Page path of a URL on this site, query and fragment dropped."""
        return urlsplit(url).path.removeprefix(urlsplit(self.base_url).path)

    def html(self, path: str) -> str:
        """The built HTML of a page."""
        return (self.root / path / "index.html").read_text(encoding="utf-8")

    def article_text(self, path: str) -> str:
        """The text of a page's article (what the search index holds), tags dropped."""
        reader = _ArticleText()
        reader.feed(self.html(path))
        return "".join(reader.text)

    def pages_mentioning(self, word: str) -> list[str]:
        """Pages whose article contains `word` as a whole word (case-insensitive)."""
        pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
        return [path for path in self.pages if pattern.search(self.article_text(path))]

    def headings(self, path: str) -> list[str]:
        """Text of a page's headings `<h1>`..`<h6>`, in order, tags and permalink marks dropped."""
        found = re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", self.html(path), re.DOTALL)
        return [" ".join(re.sub(r"<[^>]+>|¶", " ", inner).split()) for _, inner in found]

    def pages_containing(self, html: str) -> list[str]:
        """Pages whose built HTML contains the literal string `html`."""
        return [path for path in self.pages if html in self.html(path)]


@dataclass(frozen=True)
class Citation:
    """One citation link as built (`sup.cite a.cite__link`), before Material turns its title into a tooltip."""

    id: str
    """The link's id, the target of the References page's backlink (`cite-<key>-<n>`)."""
    key: str
    """Citation key."""
    href: str
    """The link as written (relative), e.g. `../references/#ref-<key>`."""
    title: str
    """The formatted reference, shown as the tooltip."""


def citations(site: Site, path: str) -> list[Citation]:
    """Every citation link of a page's built HTML, in order."""
    reader = _CitationLinks()
    reader.feed(site.html(path))
    return reader.found


class _CitationLinks(HTMLParser):
    """Collects `a.cite__link` elements and their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Citation] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "cite__link" in values.get("class", "").split():
            self.found.append(Citation(values["id"], values["data-key"], values["href"], values["title"]))


class _ArticleText(HTMLParser):
    """Collects the text inside Material's `<article>`."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


class Traffic:
    """What the pages of one test asked for and complained about."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        """Every URL requested, in order."""
        self.console_errors: list[str] = []
        """Console messages of type `error` and uncaught exceptions, with their page."""

    def watch(self, context: BrowserContext) -> None:
        """Record the requests and console errors of every page of `context`."""
        context.on("request", self.on_request)
        context.on("console", self.on_console)
        context.on("weberror", self.on_web_error)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            page = message.page.url if message.page else "?"
            self.console_errors.append(f"{page}: {message.text} ({message.location.get('url', '')})")

    def on_web_error(self, error: WebError) -> None:
        page = error.page.url if error.page else "?"
        self.console_errors.append(f"{page}: uncaught {error.error}")

    def offsite(self) -> list[str]:
        """Requested URLs that would leave 127.0.0.1."""
        return [
            url for url in self.requests
            if urlsplit(url).scheme not in _LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"
        ]


def search(page: Page, site: Site, query: str) -> Locator:
    """Type `query` into the header search of the home page; the result count once it is shown.

    The query is entered in one go (`fill`, then a key so Material's keyup handler runs) so that
    no result list for a prefix of the query is ever drawn, and only once the search index is
    loaded ("Initializing search" has given way to the placeholder): a query typed earlier could
    show "No matching documents" for a moment before its results.
    """
    page.goto(site.url(""))
    box = page.locator("input.md-search__input")
    box.click()
    meta = page.locator(".md-search-result__meta")
    expect(meta).to_have_text("Type to start searching")
    box.fill(query)
    box.press("End")
    expect(meta).to_have_text(_RESULTS)
    return meta


def result_count(meta: Locator) -> int:
    """The number in "N matching documents"."""
    match = _RESULTS.match(meta.inner_text().strip())
    assert match, meta.inner_text()
    return 0 if match[1] == "No" else int(match[1])


def result_pages(page: Page, site: Site, count: int) -> list[str]:
    """Page paths of the search results, best first, after scrolling until all `count` are drawn.

    Material draws ten results and more as the list is scrolled.
    """
    items = page.locator("li.md-search-result__item")
    for _ in range(count):
        drawn = items.count()
        if drawn >= count:
            break
        page.locator(".md-search__scrollwrap").evaluate("wrap => wrap.scrollTo(0, wrap.scrollHeight)")
        expect(items).not_to_have_count(drawn)
    expect(items).to_have_count(count)
    hrefs = items.evaluate_all("items => items.map(item => item.querySelector('a').href)")
    return [site.path_of(href) for href in hrefs]


def nav_link(nav: Locator, site: Site, path: str) -> Locator:
    """The link to page `path` in a navigation (`nav` scopes it), matched by resolved URL."""
    links = nav.locator("a.md-nav__link")
    hrefs = links.evaluate_all("links => links.map(link => link.href)")
    assert site.url(path) in hrefs, f"the navigation has no link to /{path}: {hrefs}"
    return links.nth(hrefs.index(site.url(path)))


def settle(page: Page) -> None:
    """Wait until no CSS transition or animation runs (a palette switch fades colours for 0.25 s)."""
    page.wait_for_function("() => document.getAnimations().every(animation => animation.playState !== 'running')")


def run_axe(page: Page) -> dict[str, Any]:
    """axe-core's results for the page as it is now (every rule axe runs by default), colours settled."""
    settle(page)
    page.add_script_tag(path=str(AXE_JS))
    results: dict[str, Any] = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return results


def violations(results: dict[str, Any]) -> list[str]:
    """One line per violated rule, whatever its impact: rule, impact, how many elements, the first few."""
    lines = []
    for violation in results["violations"]:
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(node["target"]) for node in nodes[:3]) + (", ..." if len(nodes) > 3 else "")
        summary = " ".join(nodes[0]["failureSummary"].split())
        lines.append(f"{violation['id']} ({violation['impact']}, {len(nodes)} elements: {targets}): {summary}")
    return lines
