"""Tests for citesite.citations: the citation parser, site-wide numbering and compression."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citesite.citations import (
    Cite,
    PageSource,
    compress,
    find_citations,
    number_citations,
    parse_block_body,
    protected_spans,
    replace_citations,
)


def page(url: str, markdown: str, offset: int = 0) -> PageSource:
    return PageSource(f"docs/{url or 'index'}.md", url, url.title() or "Home", markdown, offset)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@a", ((Cite("a"),), None)),
        ("@a; @b", ((Cite("a"), Cite("b")), None)),
        ("see @a, p. 3", ((Cite("a", "see", "p. 3"),), None)),
        ("@wang2024;@dagar-2023", ((Cite("wang2024"), Cite("dagar-2023")), None)),
        ("@?29", ((), 29)),
        ("me@example.org", None),
        ("@a; not a cite", None),
        ("email @", None),
    ],
)
def test_parse_block_body(body: str, expected: object) -> None:
    """The inside of a bracket is a citation only when every item is `[prefix] @key[, locator]`."""
    assert parse_block_body(body) == expected


@pytest.mark.parametrize(
    ("markdown", "keys"),
    [
        ("Text.[@a]", [("a",)]),
        ("One [@a; @b] two [@c]", [("a", "b"), ("c",)]),
        ("A link [@a](https://x.org) is not a citation", []),
        ("An image ![@a] is not a citation", []),
        ("Escaped \\[@a] is text", []),
        ("Code `[@a]` is text", []),
        ("```\n[@a]\n```\nafter [@b]", [("b",)]),
        ("~~~md\n[@a]\n~~~", []),
        ("<!-- [@a] -->[@b]", [("b",)]),
        ("[@a]: https://x.org is a link definition", []),
        ("Two in a row [@a][@b]", [("a",), ("b",)]),
        ("Mail [me@x.org] is not a citation", []),
        ("Unclosed [@a", []),
    ],
)
def test_find_citations(markdown: str, keys: list[tuple[str, ...]]) -> None:
    """Citation blocks are found in prose, never in code, comments, links or link definitions."""
    assert [block.keys for block in find_citations(markdown)] == keys


def test_find_citations_lines_and_sections() -> None:
    """Each block knows its line and the heading above it (without attribute lists or markup)."""
    markdown = "# Title\n\nIntro [@a].\n\n## *Safety* {#safety}\n\nText\nmore [@b]\n"
    blocks = find_citations(markdown)
    assert [(block.line, block.section) for block in blocks] == [(3, "Title"), (8, "Safety")]


def test_numbering_follows_reading_order() -> None:
    """Numbers follow first citation across pages in nav order, and never change afterwards."""
    pages = [page("", "[@c] then [@a; @c]"), page("two/", "[@b] [@a] [@d]")]
    numbering = number_citations(pages, ["a", "b", "c", "d"])
    assert numbering.numbers == {"c": 1, "a": 2, "b": 3, "d": 4}
    assert numbering.keys_on("two/") == ["a", "b", "d"]
    assert [o.anchor for o in numbering.occurrences["c"]] == ["cite-c-1", "cite-c-2"]
    assert [o.page.url for o in numbering.occurrences["a"]] == ["", "two/"]


def test_numbering_reports_unknown_keys_with_file_lines() -> None:
    """An unknown key is reported with the file's own line (front matter counted), never numbered."""
    numbering = number_citations([page("p/", "x\n[@nope] [@a]", offset=4)], ["a"])
    assert numbering.numbers == {"a": 1}
    assert [str(u) for u in numbering.unknown] == ["docs/p/.md:6: unknown citation key 'nope'"]


def test_numbering_records_missing_markers() -> None:
    """`[@?29]` records printed number 29 as missing and numbers nothing."""
    numbering = number_citations([page("p/", "a\n[@?29]")], [])
    assert numbering.numbers == {}
    assert [(p.url, line) for p, line in numbering.missing[29]] == [("p/", 2)]


def test_same_key_twice_in_one_block_is_one_place() -> None:
    """`[@a; @a]` makes one citing place, not two."""
    numbering = number_citations([page("p/", "[@a; @a]")], ["a"])
    assert len(numbering.occurrences["a"]) == 1


@pytest.mark.parametrize(
    ("numbers", "runs"),
    [
        ([1], [(1, 1)]),
        ([1, 2], [(1, 1), (2, 2)]),
        ([1, 2, 3], [(1, 3)]),
        ([5, 3, 1, 2], [(1, 3), (5, 5)]),
        ([2, 2, 4, 5, 6, 9], [(2, 2), (4, 6), (9, 9)]),
        ([], []),
    ],
)
def test_compress(numbers: list[int], runs: list[tuple[int, int]]) -> None:
    """Runs of three or more compress to ranges; pairs and singles stay as they are."""
    assert compress(numbers) == runs


# Markdown-ish text: arbitrary characters mixed with the pieces the parser cares about.
markdown_text = st.lists(
    st.one_of(
        st.text(max_size=5),
        st.sampled_from(["[", "]", "@", ";", "(", ")", "!", "\\", "`", "```", "~~~", "<!--", "-->", "#", "\n",
                         "[@a]", "[@a; @b]", "[@?1]", "[see @a, p. 2]", "@a", " "]),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(markdown_text)
def test_parser_never_crashes_and_changes_only_citations(markdown: str) -> None:
    """Arbitrary Markdown never crashes the parser, and text outside citation blocks is unchanged."""
    blocks = find_citations(markdown)
    assert all(a.end <= b.start for a, b in zip(blocks, blocks[1:]))
    assert replace_citations(markdown, blocks, lambda block: markdown[block.start : block.end]) == markdown
    outside = _outside(markdown, blocks)
    rendered = replace_citations(markdown, blocks, lambda block: f"<{block.line}>")
    expected = outside[0] + "".join(f"<{block.line}>{text}" for block, text in zip(blocks, outside[1:]))
    assert rendered == expected
    for block in blocks:
        assert markdown[block.start] == "[" and markdown[block.end - 1] == "]"
        assert not any(start <= block.start < end for start, end in protected_spans(markdown))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=12))
def test_numbering_property(keys: list[str]) -> None:
    """Numbers are 1..N in order of first appearance, whatever the citation sequence."""
    markdown = " ".join(f"[@{key}]" for key in keys)
    numbering = number_citations([page("p/", markdown)], "abcd")
    expected = list(dict.fromkeys(keys))
    assert list(numbering.numbers) == expected
    assert list(numbering.numbers.values()) == list(range(1, len(expected) + 1))


def _outside(markdown: str, blocks: list) -> list[str]:
    parts, position = [], 0
    for block in blocks:
        parts.append(markdown[position : block.start])
        position = block.end
    parts.append(markdown[position:])
    return parts


DOCS = sorted((Path(__file__).parents[1] / "docs").rglob("*.md"))


@pytest.mark.parametrize("page", DOCS, ids=[page.name for page in DOCS])
def test_pages_cite_as_mkdocs_bibtex_reads_them(page: Path) -> None:
    """Every citation on the site's pages is one mkdocs-bibtex finds too, with the same keys.

    The pages must stay readable by the plugin (the syntax is its own), so that it remains a
    drop-in replacement for our numbering. `[@?N]` markers are ours alone and are left out.
    """
    from mkdocs_bibtex.citation import CitationBlock

    text = page.read_text(encoding="utf-8")
    ours = [block.keys for block in find_citations(text) if block.missing is None]
    theirs = [tuple(c.key for c in block.citations) for block in CitationBlock.from_markdown(text)
              if not block.raw.startswith("@?")]
    assert ours == theirs
