"""Helpers for tests that read the built site: its pages' text and the article's sentences."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "article"
_SUPERSCRIPTS = re.compile(r"\^\{[\d,\s–-]+\}|[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


class _Text(HTMLParser):
    """Text of the page's article, without elements whose class is in `skip_classes`."""

    BLOCK = {"p", "li", "ol", "ul", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr",
             "table", "figure", "figcaption", "blockquote", "dd", "dt", "dl", "details", "summary", "nav", "br"}
    VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "path", "rect", "line", "circle"}

    def __init__(self, skip_classes: set[str], skip_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_classes, self.skip_tags = skip_classes, skip_tags
        self.stack: list[bool] = []
        self.parts: list[str] = []
        self.inside_article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.parts.append(" ")
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "article":
            self.inside_article += 1
        self.stack.append(bool(classes & self.skip_classes) or tag in self.skip_tags)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCK:
            self.parts.append(" ")
        if tag in self.VOID or not self.stack:
            return
        self.stack.pop()
        if tag == "article":
            self.inside_article -= 1

    def handle_data(self, data: str) -> None:
        if self.inside_article and not any(self.stack):
            self.parts.append(data)


def article_text(html: str, skip_classes: set[str] = frozenset(), skip_tags: set[str] = frozenset()) -> str:
    """The visible text of a built page's article, white space folded."""
    reader = _Text(set(skip_classes) | {"headerlink"}, set(skip_tags) | {"script", "style"})
    reader.feed(html)
    return " ".join(unescape("".join(reader.parts)).split())


def text_fixes() -> list[tuple[str, str]]:
    """(printed, shown) pairs of the text-extraction slips the site fixes."""
    lines = (FIXTURES / "text-fixes.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def article_sentences() -> list[str]:
    """Every sentence of the article's body and of the reviewer's bio, citations removed, slips fixed."""
    text = (FIXTURES / "article.txt").read_text(encoding="utf-8")
    body = text[text.index("Chimeric Antigen Receptors (CARs)") : text.index("REVIEWED BY:")]
    bio = text[text.index("Dr. Amaris Balitsky is") : text.index("EDITED BY:")]
    lines = [line for line in (body + "\n" + bio).splitlines() if not _is_heading(line)]
    prose = " ".join(" ".join(lines).split())
    prose = _SUPERSCRIPTS.sub("", prose)
    for printed, shown in text_fixes():
        prose = prose.replace(printed, shown)
    return [sentence.strip() for sentence in _SENTENCE_END.split(prose) if sentence.strip()]


def _is_heading(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and line.strip() == line.strip().upper() and len(letters) > 3
