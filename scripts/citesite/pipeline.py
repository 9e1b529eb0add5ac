"""One build's citation work, free of MkDocs: number the site's citations, find the problems a
source edit can cause, and turn each page's Markdown into Markdown with rendered citations.

*Commands* are lines that the build replaces with generated HTML: `\\full_bibliography` (the name
mkdocs-bibtex gives it) for the References page, `\\concordance` for the printed-to-site table.
*Source commands* (such as the key-figures chart) are expanded before numbering, because what they
generate may cite sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from citesite.bib import Bibliography, validate
from citesite.citations import Numbering, PageSource, find_citations, number_citations, replace_citations
from citesite.fragments import Fragments
from citesite.problems import NumberingProblem
from citesite.render import (
    PAGE_REFERENCES_HEADING,
    Link,
    SiteUrls,
    render_bibliography,
    render_citation,
    render_concordance,
    render_page_references,
)

BIB_FILE = "bib/references.bib"
"""The bibliography, relative to mkdocs.yml."""
LOCK_FILE = "bib/doi-lock.json"
"""The DOI verification lockfile, relative to mkdocs.yml."""
CACHE_DIR = ".cache/citesite"
"""Where the parsed `.bib` is kept between builds, relative to mkdocs.yml (Material's plugins
keep their caches under `.cache/` too); safe to delete."""
FULL_BIBLIOGRAPHY = "\\full_bibliography"
"""Command replaced by the References list (mkdocs-bibtex's name for it)."""
CONCORDANCE = "\\concordance"
"""Command replaced by the table of printed numbers to site numbers."""

Commands = Mapping[str, Callable[[], str]]
"""Extra commands a page may use, by name, each returning the HTML that replaces it."""


@dataclass
class SiteCitations:
    """The citation state of one build: what every page needs to render its citations."""

    bibliography: Bibliography
    """The loaded `.bib` file."""
    numbering: Numbering
    """Site-wide numbers and citing places."""
    urls: SiteUrls
    """Where the References list and the concordance are."""
    verified: dict[str, str] = field(default_factory=dict)
    """Keys whose DOI the lockfile verifies, with the date (ISO)."""


def expand_commands(markdown: str, commands: Commands) -> str:
    """Replace each command that stands on a line of its own by the HTML it generates.

    The HTML goes on the command's own line, so every later line keeps its number in messages.
    """
    for name, make in commands.items():
        pattern = _command_pattern(name)
        if pattern.search(markdown):
            # A function replacement: the generated HTML may contain backslashes.
            replacement = " ".join(make().splitlines())
            markdown = pattern.sub(lambda _: replacement, markdown)
    return markdown


def command_page(pages: Sequence[PageSource], command: str) -> str | None:
    """URL of the first page that uses `command` on a line of its own, if any."""
    pattern = _command_pattern(command)
    return next((page.url for page in pages if pattern.search(page.markdown)), None)


def prepare(bibliography: Bibliography, pages: Sequence[PageSource]) -> SiteCitations:
    """Number the citations of all pages (in reading order) and locate the generated lists."""
    numbering = number_citations(pages, bibliography.entries)
    references = command_page(pages, FULL_BIBLIOGRAPHY) or ""
    notes = command_page(pages, CONCORDANCE) or references
    return SiteCitations(bibliography, numbering, SiteUrls(references=references, notes=notes))


def source_problems(site: SiteCitations) -> list[NumberingProblem]:
    """Problems visible in the sources: unknown keys, `.bib` faults, uncited entries, printed numbers."""
    problems = [
        NumberingProblem("unknown_key", unknown.page.path, unknown.line, unknown.key, f"unknown citation key '{unknown.key}'")
        for unknown in site.numbering.unknown
    ]
    bib_path = site.bibliography.path
    for problem in validate(site.bibliography):
        kind = "duplicate_doi" if problem.severity == "error" else "no_identifier"
        problems.append(NumberingProblem(kind, bib_path, problem.line, problem.key, problem.message, problem.severity))
    for key, entry in site.bibliography.entries.items():
        if key not in site.numbering.numbers:
            problems.append(NumberingProblem("uncited", bib_path, entry.line, key, f"entry '{key}' is never cited", "warning"))
    problems += _printed_problems(site)
    if site.numbering.numbers and not site.urls.references:
        problems.append(NumberingProblem("references_mismatch", "", 0, "", f"no page has a '{FULL_BIBLIOGRAPHY}' line for the References list"))
    return problems


def render_markdown(markdown: str, page: PageSource, site: SiteCitations, link: Link,
                    fragments: Fragments | None = None) -> str:
    """The page's Markdown with citations rendered, its reference list appended, commands replaced.

    `markdown` is expected to have its source commands expanded already (see `expand_commands`).
    With `fragments`, the generated HTML is left out of the Markdown, each piece as a token that
    `FragmentsExtension` hands to Markdown as raw HTML (see `citesite.fragments`).
    """
    numbering = site.numbering
    if markdown == page.markdown:
        blocks = numbering.blocks.get(page.url, [])
        anchors = numbering.anchors.get(page.url, {})
    else:
        # Another plugin changed the text after the numbering pass: number this page again alone,
        # keeping site-wide numbers (anchors only depend on the page's own order).
        local = number_citations([PageSource(page.path, page.url, page.title, markdown, page.line_offset)], numbering.numbers)
        blocks, anchors = local.blocks[page.url], local.anchors[page.url]
    bibliography = site.bibliography
    out: Callable[[str], str] = fragments.token if fragments is not None else lambda html: html
    html = replace_citations(
        markdown, blocks, lambda block: out(render_citation(block, numbering, bibliography, site.urls, link, anchors))
    )
    html = expand_commands(html, {
        FULL_BIBLIOGRAPHY: lambda: out(render_bibliography(numbering, bibliography, link, site.verified)),
        CONCORDANCE: lambda: out(render_concordance(numbering, bibliography, site.urls, link)),
    })
    if page.url != site.urls.references:
        keys = numbering.keys_in(blocks)
        if keys:
            html += PAGE_REFERENCES_HEADING + out(render_page_references(keys, numbering, bibliography, site.urls, link)) + "\n"
    return html


def _command_pattern(command: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*{re.escape(command)}[ \t]*$", re.MULTILINE)


def _printed_problems(site: SiteCitations) -> list[NumberingProblem]:
    """Every printed number maps to exactly one entry, or is marked missing in the text."""
    problems = []
    owners = site.bibliography.by_printed()
    missing = site.numbering.missing
    path = site.bibliography.path
    for printed, entries in owners.items():
        if len(entries) > 1:
            problems.append(NumberingProblem("printed_unmapped", path, entries[1].line, entries[1].key,
                                             f"printed number {printed} is claimed by {', '.join(e.key for e in entries)}"))
        if printed in missing:
            page, line = missing[printed][0]
            problems.append(NumberingProblem("printed_unmapped", page.path, line, entries[0].key,
                                             f"printed number {printed} is marked missing but belongs to '{entries[0].key}'"))
    if owners or missing:
        for printed in range(1, max([*owners, *missing]) + 1):
            if printed not in owners and printed not in missing:
                problems.append(NumberingProblem("printed_unmapped", path, 0, "",
                                                 f"printed number {printed} maps to no entry and is not marked missing"))
    return problems
