"""Tests for citesite.fragments: generated HTML passes through Markdown unread and unchanged."""

from __future__ import annotations

import re

import markdown
import pytest

from citesite.bib import parse_bibliography
from citesite.citations import PageSource
from citesite.fragments import Fragments, FragmentsExtension
from citesite.pipeline import prepare, render_markdown

CITE = '<sup class="cite"><a href="r/#ref-a" title="Li W. *Not emphasis* &amp; CAR_T_cells.">1</a></sup>'
LIST = '<ol class="bibliography">\n<li id="ref-a">Li W. <i>J</i>. 2024;1:2.</li>\n</ol>'


def convert(text: str, fragments: Fragments, *extensions: str) -> str:
    md = markdown.Markdown(extensions=[*extensions, FragmentsExtension(fragments)])
    return fragments.restore(md.convert(text))


def test_inline_and_block_html_come_back_verbatim() -> None:
    """An inline piece stays inside its paragraph; a block piece alone in a paragraph replaces it."""
    fragments = Fragments()
    text = f"Text{fragments.token(CITE)} and *more*.\n\n{fragments.token(LIST)}\n"
    html = convert(text, fragments)
    assert html == f"<p>Text{CITE} and <em>more</em>.</p>\n{LIST}"


def test_pieces_in_tables_lists_and_headings() -> None:
    """Tokens work wherever inline HTML does; a heading's table-of-contents entry gets the piece's text."""
    fragments = Fragments()
    text = (
        f"# Title{fragments.token(CITE)}\n\n"
        f"| A | B |\n|---|---|\n| cell{fragments.token(CITE)} | x |\n\n"
        f"- item{fragments.token(CITE)}\n"
    )
    md = markdown.Markdown(extensions=["tables", "toc", FragmentsExtension(fragments)])
    html = fragments.restore(md.convert(text))
    assert html.count(CITE) == 3 and "\x0e" not in html
    assert md.toc_tokens[0]["name"] == "Title1"  # type: ignore[attr-defined]
    assert md.toc_tokens[0]["id"] == "title1"  # type: ignore[attr-defined]


def test_same_html_as_without_tokens() -> None:
    """A page rendered with tokens converts to the HTML it gives with its HTML written inline.

    The only difference allowed is inside the block lists: written inline, a list is joined onto
    the command's line; stashed, it keeps its own line breaks.
    """
    bib = parse_bibliography(
        "@article{a, author={Li, Wei}, title={On {CAR} cells}, journal={J}, year={2024}, doi={10.1/a}, printed={1}}\n"
        "@article{b, author={Wu, Bo}, title={More}, journal={K}, year={2023}, doi={10.1/b}, printed={2}}\n"
    )
    sources = [
        PageSource("a.md", "a/", "A", "# A\n\n## Safety\n\nCAR T cells [@a; @b], *then* [@b].\n\n| x | y |\n|---|---|\n| 1 [@a] | 2 |\n\n*[CAR]: chimeric antigen receptor\n"),
        PageSource("r.md", "r/", "R", "# References\n\n\\full_bibliography\n"),
    ]
    site = prepare(bib, sources)
    extensions = ["tables", "attr_list", "toc", "abbr"]
    for page in sources:
        fragments = Fragments()
        with_tokens = convert(render_markdown(page.markdown, page, site, lambda url: url, fragments), fragments, *extensions)
        inline = markdown.Markdown(extensions=extensions).convert(render_markdown(page.markdown, page, site, lambda url: url))
        assert "\x0e" not in with_tokens and ('<abbr title="chimeric antigen receptor">CAR</abbr>' in with_tokens) == (page.url == "a/")
        assert re.sub(r"\s+", " ", with_tokens) == re.sub(r"\s+", " ", inline)


def test_restore_puts_back_what_markdown_never_saw() -> None:
    """Tokens left in HTML that another Markdown instance rendered are replaced directly."""
    fragments = Fragments()
    inline, block = fragments.token(CITE), fragments.token(LIST)
    assert fragments.restore(f"<p>a{inline}</p>\n<p>{block}</p>") == f"<p>a{CITE}</p>\n{LIST}"
    assert fragments.restore("<p>no tokens</p>") == "<p>no tokens</p>"


@pytest.mark.parametrize("html", ["", "<b>x</b>", "a\nb", "\\1 \x02wzxhzdk:0\x03"])
def test_any_html_round_trips(html: str) -> None:
    """Backslashes, newlines and Markdown's own placeholder syntax inside a piece are kept as they are."""
    fragments = Fragments()
    assert fragments.restore(f"[{fragments.token(html)}]") == f"[{html}]"
