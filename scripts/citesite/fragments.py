"""Keep generated HTML out of Python-Markdown's parsers.

Citations, reference lists and the concordance are HTML when they reach Markdown, and Markdown
reads raw HTML with a pure-Python HTML parser and again with its inline patterns: for the article
that took ~50 ms, a sixteenth of a build, to give the same HTML back. `Fragments` hands out a short
*token* for each piece of generated HTML instead. `FragmentsExtension`, ahead of every other
reader of the page, stores each piece in Markdown's own stash of raw HTML (`md.htmlStash`) and puts
Markdown's placeholder where the token was; Markdown then writes the piece out unchanged at the end,
as it does with raw HTML it sets aside itself. A piece alone in its paragraph replaces the
paragraph when it is block-level HTML; headings show a piece's text in the table of contents.

`Fragments.restore` puts back any token that did not pass through the extension (a page that
another plugin rendered with its own Markdown instance).
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

# Shift Out / Shift In: control characters no Markdown syntax uses and no page contains.
_TOKEN = re.compile("\x0e(?P<id>[0-9]+)\x0f")
_WRAPPED = re.compile("<p>\x0e(?P<id>[0-9]+)\x0f</p>")

PRIORITY = 29
"""Preprocessor priority: after whitespace normalisation (30), before the fenced-code (25) and raw
HTML (20) readers. Snippets (32) have been included by then."""


class Fragments:
    """The generated HTML of one build, by token."""

    def __init__(self) -> None:
        self._html: list[str] = []

    def token(self, html: str) -> str:
        """A token to put in the Markdown in place of `html`."""
        self._html.append(html)
        return f"\x0e{len(self._html) - 1}\x0f"

    def html(self, token_id: int) -> str:
        """The HTML a token stands for."""
        return self._html[token_id]

    def restore(self, text: str) -> str:
        """`text` with every token left in it replaced by its HTML."""
        if "\x0e" not in text:
            return text
        text = _WRAPPED.sub(lambda match: self._html[int(match["id"])], text)
        return _TOKEN.sub(lambda match: self._html[int(match["id"])], text)


class FragmentsExtension(Extension):
    """Python-Markdown extension that stashes the HTML of `fragments` before any parsing."""

    def __init__(self, fragments: Fragments) -> None:
        super().__init__()
        self.fragments = fragments

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.preprocessors.register(_StashFragments(md, self.fragments), "citesite_fragments", PRIORITY)


class _StashFragments(Preprocessor):
    def __init__(self, md: Markdown, fragments: Fragments) -> None:
        super().__init__(md)
        self.fragments = fragments

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "\x0e" not in text:
            return lines
        stash = self.md.htmlStash
        text = _TOKEN.sub(lambda match: stash.store(self.fragments.html(int(match["id"]))), text)
        return text.split("\n")
