"""DOI syntax: normalise, validate and link.

The *normal form* of a DOI is the bare `10.prefix/suffix`, stripped of resolver prefixes and white
space and lower-cased. DOIs are case-insensitive, so every comparison and cache key uses it; the
form written in the `.bib` file is kept for display.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_VALID = re.compile(r"^10\.\d{4,9}/\S+$")

DOI_RESOLVER = "https://doi.org"
"""Where DOI links on the site point."""

# RFC 3986 characters a DOI may keep unescaped in a URL path; everything else is percent-encoded
# (DOI Handbook 2.5.2.4: `<`, `>`, `#`, `%`, `"`, space, `?`, `{`, `}` and the like).
_SAFE = "/:;()[]-._~!$&'*+,=@"


def normalize_doi(doi: str) -> str:
    """Normal form: strip `https://doi.org/`, `doi:` and white space; lower-case."""
    return _PREFIXES.sub("", "".join(doi.split())).lower()


def is_valid_doi(doi: str) -> bool:
    """True when the DOI has the form `10.` + 4–9 digit registrant + `/` + suffix."""
    return bool(_VALID.match(normalize_doi(doi)))


def doi_url(doi: str, resolver: str = DOI_RESOLVER) -> str:
    """Link for a DOI (as written, not lower-cased), percent-encoded where the DOI needs it."""
    bare = _PREFIXES.sub("", doi.strip())
    return f"{resolver.rstrip('/')}/{quote(bare, safe=_SAFE)}"
