"""Link the first mention of each glossary term on a page to its glossary entry.

A *term* is a glossary anchor with the surface forms that mention it (`nk-cell`: `NK cells`,
`NK cell`). Only text is linked: never inside a link, heading, code, citation, or the page's
reference list; the first mention on the page wins.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape

# A comment, a tag (its name, and whether it closes or closes itself), or other markup such as `<!DOCTYPE>`.
_TOKEN = re.compile(
    r"<!--.*?-->|<(?P<close>/)?(?P<name>[a-zA-Z][a-zA-Z0-9-]*)[^>]*?(?P<self>/)?>|<[^>]*>", re.DOTALL
)
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
    matcher = _matcher(tuple(terms))
    if matcher is None:
        return html
    pattern, owner = matcher
    stop = _STOP.search(html)
    body, rest = (html[: stop.start()], html[stop.start() :]) if stop else (html, "")
    # Find the mentions first (one pass of one pattern), then read the markup only as far as the
    # last mention that needs its context: most pages link every term they use early on.
    tokens = _TOKEN.finditer(body)
    token = next(tokens, None)
    stack: list[str] = []
    linked: set[str] = set()
    out: list[str] = []
    position = 0
    for mention in _mentions(pattern, body):
        anchor = owner[mention.group(0).lower()]
        if anchor in linked:
            continue
        while token is not None and token.end() <= mention.start():
            _track(token, stack)
            token = next(tokens, None)
        if token is not None and token.start() < mention.end():
            continue  # inside a tag or comment: an attribute value, not text
        if any(name in _SKIP for name in stack):
            continue
        linked.add(anchor)
        out += [body[position : mention.start()], f'<a class="glossary-link" href="{escape(href(anchor))}">',
                mention.group(0), "</a>"]
        position = mention.end()
        if len(linked) == len(terms):
            break
    out.append(body[position:])
    return "".join(out) + rest


def _mentions(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of `pattern` that are whole words: not preceded by a letter, digit, `_` or `-`.

    The same as a `(?<![\\w-])` lookbehind in the pattern, but that would keep `re` from finding
    candidates by their first character (a scan in C); a rejected match is searched past by one
    character, not skipped whole, so a mention inside it is still found.
    """
    position = 0
    while (match := pattern.search(text, position)) is not None:
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            position = start + 1
            continue
        yield match
        position = match.end()


@functools.lru_cache(maxsize=8)
def _matcher(terms: tuple[Term, ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One pattern matching every form as a whole word, and the anchor owning each form (lower case)."""
    forms = {form for term in terms for form in term.forms}
    forms |= {form[0].upper() + form[1:] for form in forms}
    if not forms:
        return None
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    owner = {form.lower(): term.anchor for term in terms for form in term.forms}
    return re.compile(rf"(?:{alternatives})(?![\w-])"), owner


def _track(token: re.Match[str], stack: list[str]) -> None:
    """Keep `stack` as the open elements after `token` (a tag or comment)."""
    name = token.group("name")
    if name is None:
        return
    name = name.lower()
    if token.group("close"):
        if name in stack:
            while stack and stack.pop() != name:
                pass
    elif name not in _VOID and not token.group("self"):
        stack.append(name)
