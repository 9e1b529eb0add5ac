"""Render references as HTML: Vancouver formatting, citation superscripts, per-page lists, the
References page and the printed-to-site concordance.

Every function takes a `link` callable that turns a site URL (`references/#ref-x`) into a URL
relative to the page being rendered, so the HTML is right at any depth and is tested without MkDocs.
All text from the `.bib` file is escaped: a field holding HTML is shown, never executed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from citesite.bib import BibEntry, Bibliography
from citesite.citations import CitationBlock, Numbering, compress, ref_anchor
from citesite.doi import doi_url

Link = Callable[[str], str]
"""Turns a site URL (`references/#ref-x`) into a URL relative to the page being rendered."""

MAX_AUTHORS = 6
"""Vancouver: list up to six authors, then `et al.`"""

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class FormattedReference:
    """A reference formatted in Vancouver style."""

    text: str
    """Plain text, for tooltips and metadata (no link)."""
    html: str
    """HTML with the journal in italics and the DOI or URL as a link."""


@dataclass(frozen=True)
class SiteUrls:
    """Site URLs of the pages that the rendered HTML links to."""

    references: str
    """The References page (`references/`)."""
    notes: str
    """The page with the printed-to-site concordance (`notes/`)."""


def format_authors(entry: BibEntry) -> str:
    """`Wang W, Liu Y, et al.`: family name and initials, at most six, then et al."""
    names = [author.vancouver for author in entry.authors[:MAX_AUTHORS]]
    if entry.et_al or len(entry.authors) > MAX_AUTHORS:
        names.append("et al")
    return ", ".join(names)


def format_pages(pages: str) -> str:
    """NLM page range: `1769--1781` -> `1769-81`; an article number is kept as it is."""
    first, separator, last = pages.replace("–", "--").partition("--")
    first, last = first.strip(), last.strip().lstrip("-")
    if not separator or not last:
        return first
    if len(first) == len(last) and first.isdigit() and last.isdigit():
        common = 0
        while common < len(last) - 1 and first[common] == last[common]:
            common += 1
        last = last[common:]
    return f"{first}-{last}"


def format_date(iso: str) -> str:
    """`2023-07-07` -> `2023 Jul 7` (NLM date order)."""
    parts = iso.split("-")
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        words = [parts[0], _MONTHS[int(parts[1]) - 1]]
        if len(parts) == 3 and parts[2].isdigit():
            words.append(str(int(parts[2])))
        return " ".join(words)
    return iso


@lru_cache(maxsize=None)
def format_reference(entry: BibEntry) -> FormattedReference:
    """Format one entry the way the printed article does (Vancouver / NLM).

    Cached: every citation's tooltip and every list need the same text (entries are immutable).
    """
    authors = format_authors(entry)
    title = _sentence(entry.title)
    if entry.entry_type == "article":
        source = f"{entry.year};{entry.volume}" if entry.volume else entry.year
        if entry.issue:
            source += f"({entry.issue})"
        if entry.pages:
            source += f":{format_pages(entry.pages)}"
        text_parts = [_sentence(authors), title, _sentence(entry.container), _sentence(source)]
        html_parts = [
            escape(_sentence(authors)),
            escape(title),
            f"<i>{escape(entry.container)}</i>." if entry.container else "",
            escape(_sentence(source)),
        ]
    else:
        # A web page (NLM "Homepage/Web site" form): Title [Internet]. Site. Date [cited Date].
        date = format_date(entry.date) if entry.date else entry.year
        cited = f" [cited {format_date(entry.urldate)}]" if entry.urldate else ""
        title_internet = f"{title.rstrip('.')} [Internet]." if title.endswith(".") else f"{title} [Internet]."
        text_parts = [_sentence(authors), title_internet, _sentence(entry.container), f"{date}{cited}."]
        html_parts = [
            escape(_sentence(authors)),
            escape(title_internet),
            f"<i>{escape(entry.container)}</i>." if entry.container else "",
            escape(f"{date}{cited}."),
        ]
    target, shown = _identifier(entry)
    text = " ".join(part for part in text_parts if part)
    html = " ".join(part for part in html_parts if part)
    if target:
        text += f" Available from: {shown}"
        html += f' Available from: <a class="reference__link" href="{escape(target)}">{escape(shown)}</a>'
    return FormattedReference(text=text, html=html)


def render_citation(block: CitationBlock, numbering: Numbering, bibliography: Bibliography,
                    urls: SiteUrls, link: Link, anchors: Mapping[tuple[int, str], str]) -> str:
    """Inline HTML for one citation block: linked superscript numbers, ranges compressed.

    `anchors` gives the id of each cite link by (block start, key), as the numbering assigned it.
    A missing-reference marker renders as a visible editorial note instead.
    """
    if block.missing is not None:
        return render_missing_marker(block.missing, urls, link)
    keys = sorted({key for key in block.keys if key in numbering.numbers}, key=numbering.numbers.__getitem__)
    by_number = {numbering.numbers[key]: key for key in keys}
    pieces: list[str] = []
    for first, last in compress(by_number):
        if pieces:
            pieces.append('<span class="cite__sep">,</span>')
        pieces.append(_cite_link(by_number[first], first, bibliography, urls, link, anchors.get((block.start, by_number[first]))))
        if last != first:
            pieces.append('<span class="cite__sep">–</span>')
            pieces.append(_cite_link(by_number[last], last, bibliography, urls, link, anchors.get((block.start, by_number[last]))))
    return f'<sup class="cite" data-keys="{escape(" ".join(keys))}">{"".join(pieces)}</sup>'


def render_missing_marker(number: int, urls: SiteUrls, link: Link) -> str:
    """A visible editorial note where the printed article cites a number its list lacks."""
    href = escape(link(f"{urls.notes}#printed-{number}"))
    return (
        f'<span class="cite-missing" role="note" data-missing="{number}">[Editorial note: the printed article '
        f'cites <a href="{href}">reference {number}</a> here, but its reference list has no item {number}.]</span>'
    )


PAGE_REFERENCES_HEADING = (
    "\n\n## References on this page {#references-on-this-page .page-references__heading data-search-exclude}\n\n"
)
"""Markdown heading of a page's reference list (Markdown, so that it is in the table of contents)."""


def render_page_references(keys: Sequence[str], numbering: Numbering, bibliography: Bibliography,
                           urls: SiteUrls, link: Link) -> str:
    """The list of "References on this page": the page's sources under their site-wide numbers.

    It goes under `PAGE_REFERENCES_HEADING`; an empty string for a page that cites nothing.
    """
    if not keys:
        return ""
    items = []
    for key in keys:
        number = numbering.numbers[key]
        formatted = format_reference(bibliography[key])
        entry_href = escape(link(f"{urls.references}#{ref_anchor(key)}"))
        items.append(
            f'<li value="{number}" data-key="{escape(key)}">{formatted.html} '
            f'<a class="reference__entry" href="{entry_href}" aria-label="Entry on the References page (reference {number})">'
            f"Entry on the References page</a></li>"
        )
    return '<ol class="page-references">\n' + "\n".join(items) + "\n</ol>"


def render_bibliography(numbering: Numbering, bibliography: Bibliography, link: Link,
                        verified: Mapping[str, str]) -> str:
    """The References page list: every cited source in number order, with backlinks.

    `verified` maps keys to the date (ISO) on which the lockfile verified the entry's DOI.
    """
    items = []
    for key, number in numbering.numbers.items():
        entry = bibliography[key]
        formatted = format_reference(entry)
        details = []
        if key in verified:
            details.append(f'<span class="reference__verified">DOI verified on {escape(verified[key])}</span>')
        if entry.printed:
            details.append(f'<span class="reference__printed">{_printed_label(entry.printed)}</span>')
        backlinks = _backlinks(key, numbering, link)
        items.append(
            f'<li id="{ref_anchor(key)}" value="{number}" data-key="{escape(key)}" data-number="{number}">'
            f'<p class="reference__text">{formatted.html}</p>'
            f'<p class="reference__meta">{" · ".join(details)}</p>'
            f'<p class="reference__backlinks">Cited in: {backlinks}</p></li>'
        )
    return '<ol class="bibliography">\n' + "\n".join(items) + "\n</ol>\n"


def render_concordance(numbering: Numbering, bibliography: Bibliography, urls: SiteUrls, link: Link) -> str:
    """Table from each printed reference number to the site-wide number of its source."""
    by_printed = bibliography.by_printed()
    highest = max([*by_printed, *numbering.missing, 0])
    rows = []
    for printed in range(1, highest + 1):
        entries = by_printed.get(printed, [])
        if entries:
            entry = entries[0]
            number = numbering.numbers.get(entry.key)
            site = (
                f'<a href="{escape(link(f"{urls.references}#{ref_anchor(entry.key)}"))}">{number}</a>'
                if number else "not cited"
            )
            source = escape(f"{format_authors(entry).split(',')[0]} {entry.year}")
            others = [p for p in entry.printed if p != printed]
            note = f"Same source as printed {', '.join(map(str, others))}" if others else ""
        elif printed in numbering.missing:
            site, source = "—", "not in the printed list"
            places = ", ".join(
                f'<a href="{escape(link(page.url))}">{escape(page.title)}</a>' for page, _ in numbering.missing[printed]
            )
            note = f"Cited in the text ({places}); shown there with an editorial note"
        else:
            site, source, note = "—", "no such item", "Neither listed nor cited"
        rows.append(f'<tr id="printed-{printed}"><td>{printed}</td><td>{site}</td><td>{source}</td><td>{note}</td></tr>')
    return (
        '<table class="concordance" data-concordance>\n<thead><tr><th scope="col">Printed no.</th>'
        '<th scope="col">Site no.</th><th scope="col">Source</th><th scope="col">Note</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n"
    )


def _cite_link(key: str, number: int, bibliography: Bibliography, urls: SiteUrls, link: Link, anchor: str | None) -> str:
    tooltip = format_reference(bibliography[key]).text
    href = escape(link(f"{urls.references}#{ref_anchor(key)}"))
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return (
        f'<a class="cite__link"{ident} data-key="{escape(key)}" href="{href}" '
        f'title="{escape(tooltip)}" aria-label="Reference {number}">{number}</a>'
    )


def _backlinks(key: str, numbering: Numbering, link: Link) -> str:
    """One link per citing place, grouped by page and section: `Safety, 2, 3` (Wikipedia's a b c)."""
    groups: dict[str, list[str]] = {}
    for occurrence in numbering.occurrences.get(key, []):
        label = occurrence.page.title
        if occurrence.section and occurrence.section != occurrence.page.title:
            label += f" › {occurrence.section}"
        groups.setdefault(label, []).append(link(f"{occurrence.page.url}#{occurrence.anchor}"))
    parts = []
    for label, hrefs in groups.items():
        links = [f'<a class="reference__backlink" href="{escape(hrefs[0])}">{escape(label)}</a>']
        links += [
            f'<a class="reference__backlink reference__backlink--more" href="{escape(href)}" '
            f'aria-label="{escape(label)}, citation {index}">{index}</a>'
            for index, href in enumerate(hrefs[1:], start=2)
        ]
        parts.append(" ".join(links))
    return "; ".join(parts)


def _printed_label(printed: Sequence[int]) -> str:
    if len(printed) == 1:
        return f"Printed as reference {printed[0]}"
    listed = ", ".join(map(str, printed[:-1])) + f" and {printed[-1]}"
    return f"Printed as references {listed} (one source listed {len(printed)} times)"


def _identifier(entry: BibEntry) -> tuple[str, str]:
    """Link target and shown text: the DOI as a doi.org URL, else the URL."""
    if entry.doi_raw:
        url = doi_url(entry.doi_raw)
        return url, url
    if entry.url:
        return entry.url, entry.url
    return "", ""


def _sentence(text: str) -> str:
    text = text.strip()
    if not text or text[-1] in ".?!":
        return text
    return f"{text}."
