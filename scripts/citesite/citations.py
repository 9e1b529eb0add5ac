"""Find citations in Markdown and number them site-wide.

A *citation block* is pandoc's bracketed citation as mkdocs-bibtex reads it: `[@key]`,
`[@a; @b]`, with optional prefix and locator (`[see @a, p. 3]`). A *missing-reference marker*
`[@?29]` stands where the printed article cites a number its reference list lacks. A source's
*number* is the order of its first citation in reading order: pages in nav order, each page top to
bottom, each block left to right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

# One item of a citation block: optional prefix, @key, optional ", locator". Keys follow pandoc:
# they start with a letter, digit or underscore and may contain internal punctuation :.#$%&-+?<>~/
_KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
_ITEM = re.compile(rf"^\s*(?:(?P<prefix>[^@;\[\]]*?[^\s@;\[\]])\s+)?-?@(?P<key>{_KEY})(?:\s*,\s*(?P<suffix>[^;\[\]]*?))?\s*$")
_MISSING = re.compile(r"^@\?(?P<number>\d+)$")
# A bracketed span with an @ inside, not escaped, not an image, not a link `[..](..)` or a link
# definition `[..]:`. (`[@a][@b]` is two citations, as in pandoc, not a reference-style link.)
_BLOCK = re.compile(r"(?<![\\!])\[(?P<body>[^\[\]\n]*@[^\[\]\n]*)\](?![(:])")
# Regions where a citation is only text: fenced code, inline code spans, HTML comments.
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^(?P=indent)?[ \t]*(?P=fence)[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(?<!`)(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)
_ATTR_LIST = re.compile(r"\s*\{[:#.][^}]*\}\s*$")


@dataclass(frozen=True)
class Cite:
    """One `@key` inside a citation block."""

    key: str
    """The cited key."""
    prefix: str = ""
    """Text before `@key` (`see`)."""
    suffix: str = ""
    """Locator after the comma (`p. 3`)."""


@dataclass(frozen=True)
class CitationBlock:
    """A bracketed citation or missing-reference marker found in a page's Markdown."""

    start: int
    """Offset of `[` in the Markdown."""
    end: int
    """Offset just after `]`."""
    line: int
    """1-based line of `[`."""
    cites: tuple[Cite, ...]
    """The cited keys in written order; empty for a missing-reference marker."""
    missing: int | None = None
    """For `[@?N]`: the printed number N that the printed reference list lacks."""
    section: str = ""
    """Text of the nearest heading above the block, for backlinks."""

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys in written order."""
        return tuple(cite.key for cite in self.cites)


@dataclass(frozen=True)
class PageSource:
    """A page's Markdown as the numbering needs it."""

    path: str
    """Source path used in messages (`docs/safety.md`)."""
    url: str
    """Site URL of the page (`safety/`)."""
    title: str
    """Page title, for backlinks."""
    markdown: str = field(repr=False)
    """The page's Markdown as MkDocs renders it (front matter removed)."""
    line_offset: int = 0
    """Lines of front matter removed above `markdown`, so messages name the file's own line."""


@dataclass(frozen=True)
class Occurrence:
    """One citation of one key at one place of the site."""

    key: str
    """The cited key."""
    page: PageSource
    """Page that cites it."""
    anchor: str
    """Id of the citation link on that page (`cite-wang2024-2`)."""
    line: int
    """Line of the citation block in the page's source."""
    section: str
    """Heading the citation stands under."""


@dataclass(frozen=True)
class UnknownKey:
    """A cited key that the bibliography does not hold."""

    page: PageSource
    """Page that cites it."""
    line: int
    """Line of the citation."""
    key: str
    """The key as written."""

    def __str__(self) -> str:
        return f"{self.page.path}:{self.line}: unknown citation key '{self.key}'"


@dataclass(frozen=True)
class Numbering:
    """Site-wide citation numbers and every place each source is cited."""

    numbers: dict[str, int]
    """Number of each cited key; keys in number order."""
    occurrences: dict[str, list[Occurrence]] = field(default_factory=dict)
    """Every citing place of each key, in reading order."""
    blocks: dict[str, list[CitationBlock]] = field(default_factory=dict)
    """Citation blocks of each page (by page URL), in page order."""
    unknown: list[UnknownKey] = field(default_factory=list)
    """Citations of keys not in the bibliography, in reading order."""
    missing: dict[int, list[tuple[PageSource, int]]] = field(default_factory=dict)
    """Printed numbers marked missing with `[@?N]`, with the page and line of each marker."""
    anchors: dict[str, dict[tuple[int, str], str]] = field(default_factory=dict)
    """Id of each cite link by page URL, then by (block start, key)."""

    def keys_on(self, url: str) -> list[str]:
        """Known keys cited on a page, in number order."""
        return self.keys_in(self.blocks.get(url, []))

    def keys_in(self, blocks: Iterable[CitationBlock]) -> list[str]:
        """Known keys cited by these blocks, in number order."""
        keys = {key for block in blocks for key in block.keys if key in self.numbers}
        return sorted(keys, key=self.numbers.__getitem__)


def protected_spans(markdown: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans where brackets are literal text: code and HTML comments."""
    spans: list[tuple[int, int]] = []
    for pattern in (_FENCE, _COMMENT, _CODE_SPAN):
        for match in pattern.finditer(markdown):
            if not any(start <= match.start() < end for start, end in spans):
                spans.append((match.start(), match.end()))
    return sorted(spans)


def parse_block_body(body: str) -> tuple[tuple[Cite, ...], int | None] | None:
    """Parse the inside of `[...]`: its cites, or its missing number; None if not a citation."""
    missing = _MISSING.match(body.strip())
    if missing:
        return (), int(missing.group("number"))
    cites = []
    for item in body.split(";"):
        match = _ITEM.match(item)
        if not match:
            return None
        cites.append(Cite(match.group("key"), match.group("prefix") or "", match.group("suffix") or ""))
    return tuple(cites), None


def find_citations(markdown: str) -> list[CitationBlock]:
    """Every citation block and missing-reference marker of a page, in order, outside code."""
    spans = protected_spans(markdown)
    headings = [(m.start(), _heading_text(m.group("text"))) for m in _HEADING.finditer(markdown)]
    headings = [(pos, text) for pos, text in headings if not _inside(pos, spans)]
    blocks: list[CitationBlock] = []
    for match in _BLOCK.finditer(markdown):
        if _inside(match.start(), spans):
            continue
        parsed = parse_block_body(match.group("body"))
        if parsed is None:
            continue
        cites, missing = parsed
        section = next((text for pos, text in reversed(headings) if pos < match.start()), "")
        blocks.append(
            CitationBlock(
                start=match.start(),
                end=match.end(),
                line=markdown.count("\n", 0, match.start()) + 1,
                cites=cites,
                missing=missing,
                section=section,
            )
        )
    return blocks


def replace_citations(markdown: str, blocks: Sequence[CitationBlock], render: Callable[[CitationBlock], str]) -> str:
    """Replace each block (as found by `find_citations`) by `render(block)`; keep all other text."""
    parts: list[str] = []
    position = 0
    for block in blocks:
        parts.append(markdown[position : block.start])
        parts.append(render(block))
        position = block.end
    parts.append(markdown[position:])
    return "".join(parts)


def number_citations(pages: Iterable[PageSource], known_keys: Iterable[str]) -> Numbering:
    """Number cited keys by first citation in reading order; collect places, unknown keys, markers."""
    known = set(known_keys)
    numbering = Numbering(numbers={})
    for page in pages:
        blocks = find_citations(page.markdown)
        numbering.blocks[page.url] = blocks
        anchors = numbering.anchors.setdefault(page.url, {})
        seen_on_page: dict[str, int] = {}
        for block in blocks:
            if block.missing is not None:
                numbering.missing.setdefault(block.missing, []).append((page, block.line + page.line_offset))
            for key in block.keys:
                if key not in known:
                    numbering.unknown.append(UnknownKey(page, block.line + page.line_offset, key))
                    continue
                numbering.numbers.setdefault(key, len(numbering.numbers) + 1)
                if (block.start, key) in anchors:
                    continue  # the same key twice in one block: one link, one citing place
                seen_on_page[key] = seen_on_page.get(key, 0) + 1
                anchors[(block.start, key)] = cite_anchor(key, seen_on_page[key])
                numbering.occurrences.setdefault(key, []).append(
                    Occurrence(key, page, anchors[(block.start, key)], block.line + page.line_offset, block.section)
                )
    return numbering


def cite_anchor(key: str, index: int) -> str:
    """Id of the `index`-th (1-based) citation of `key` on a page."""
    return f"cite-{anchor_slug(key)}-{index}"


def ref_anchor(key: str) -> str:
    """Id of a source's entry on the References page; derived from the key so it survives renumbering."""
    return f"ref-{anchor_slug(key)}"


def anchor_slug(key: str) -> str:
    """A key made safe for an HTML id and a URL fragment."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def compress(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated runs, Vancouver-style: runs of three or more become ranges.

    `[5, 1, 2, 3]` gives `[(1, 3), (5, 5)]`; two consecutive numbers stay separate (`1,2`).
    """
    ordered = sorted(set(numbers))
    runs: list[tuple[int, int]] = []
    for number in ordered:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    result: list[tuple[int, int]] = []
    for first, last in runs:
        if last - first == 1:
            result.extend([(first, first), (last, last)])
        else:
            result.append((first, last))
    return result


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _heading_text(text: str) -> str:
    text = _ATTR_LIST.sub("", text)
    text = re.sub(r"\[(@[^\]]*)\]", "", text)  # a citation inside a heading is not its name
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())
