"""Link the first mention of each glossary term on a page to its glossary entry.

A *term* is a glossary anchor with the surface forms that mention it (`nk-cell`: `NK cells`,
`NK cell`). Only text is linked: never inside a link, heading, code, citation, or the page's
reference list; the first mention on the page wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_TAG = re.compile(r"<(?P<close>/)?(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>[^>]*?)(?P<self>/)?>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_SKIP = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style", "sup", "button", "summary", "svg", "figcaption", "th", "title"}
# Where the linkable part of a page ends: its generated reference list (or the References list).
_STOP = re.compile(r'<h2 id="references-on-this-page"|<ol class="(?:page-references|bibliography)"')


@dataclass(frozen=True)
class Term:
    """A glossary entry and the words that mention it."""

    anchor: str
    """Id of the entry on the glossary page (`icans`)."""
    forms: tuple[str, ...]
    """Surface forms, matched as whole words; a capitalised first letter also matches."""


def terms_from_meta(meta: Mapping[str, object]) -> list[Term]:
    """Read the `terms:` mapping (anchor -> list of forms) of the glossary page's front matter."""
    raw = meta.get("terms") or {}
    if not isinstance(raw, Mapping):
        raise ValueError("glossary front matter: 'terms' must map anchors to lists of words")
    terms = []
    for anchor, forms in raw.items():
        if isinstance(forms, str):
            forms = [forms]
        if not isinstance(forms, list) or not all(isinstance(form, str) and form for form in forms):
            raise ValueError(f"glossary front matter: term '{anchor}' needs a list of words")
        terms.append(Term(str(anchor), tuple(forms)))
    return terms


def link_terms(html: str, terms: Sequence[Term], href: Callable[[str], str]) -> str:
    """Wrap the first mention of each term in a link to `href(anchor)`; leave everything else as is."""
    pattern = _pattern(terms)
    if pattern is None:
        return html
    owner = {form.lower(): term.anchor for term in terms for form in term.forms}
    stop = _STOP.search(html)
    body, rest = (html[: stop.start()], html[stop.start() :]) if stop else (html, "")
    linked: set[str] = set()
    out: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TOKEN.finditer(body):
        text = body[position : match.start()]
        out.append(text if _skipping(stack) else _link_text(text, pattern, owner, linked, href))
        out.append(match.group(0))
        position = match.end()
        _track(match.group(0), stack)
    tail = body[position:]
    out.append(tail if _skipping(stack) else _link_text(tail, pattern, owner, linked, href))
    return "".join(out) + rest


def _pattern(terms: Iterable[Term]) -> re.Pattern[str] | None:
    forms = {form for term in terms for form in term.forms}
    forms |= {form[0].upper() + form[1:] for form in forms}
    if not forms:
        return None
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def _link_text(text: str, pattern: re.Pattern[str], owner: Mapping[str, str], linked: set[str],
               href: Callable[[str], str]) -> str:
    def replace(match: re.Match[str]) -> str:
        anchor = owner[match.group(0).lower()]
        if anchor in linked:
            return match.group(0)
        linked.add(anchor)
        return f'<a class="glossary-link" href="{escape(href(anchor))}">{match.group(0)}</a>'

    return pattern.sub(replace, text)


def _track(token: str, stack: list[str]) -> None:
    tag = _TAG.match(token)
    if not tag:
        return
    name = tag.group("name").lower()
    if tag.group("close"):
        if name in stack:
            while stack and stack.pop() != name:
                pass
    elif name not in _VOID and not tag.group("self"):
        stack.append(name)


def _skipping(stack: Sequence[str]) -> bool:
    return any(name in _SKIP for name in stack)
