"""Ask the DOI registries about one DOI (`citesite.compare` holds what they say against the `.bib`).

A *resolution* is everything learned about a DOI: whether it exists (doi.org's handle API), its
registration agency (RA), the registered metadata (CSL JSON by content negotiation) and, for
Crossref DOIs, the notices that update it (`updated-by`: retractions, corrections).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from citesite.bib import Author
from citesite.doi import doi_url, is_valid_doi, normalize_doi

if TYPE_CHECKING:
    from citesite.http import PoliteClient, Reply

DEFAULT_RESOLVER_URL = "https://doi.org"
"""doi.org: handle API, RA lookup and content negotiation (env `DOI_RESOLVER_URL`)."""
DEFAULT_CROSSREF_URL = "https://api.crossref.org"
"""Crossref's REST API, for `updated-by` relations (env `CROSSREF_API_URL`)."""
CSL_JSON = "application/vnd.citationstyles.csl+json"
"""Media type of CSL JSON, asked for by content negotiation."""

FOUND, NOT_FOUND, UNAVAILABLE, INVALID = "found", "not_found", "unavailable", "invalid"
"""Outcomes of a resolution; only `found` and `not_found` are answers worth keeping."""


@dataclass(frozen=True)
class Relation:
    """A notice that updates the work (Crossref `updated-by`)."""

    type: str
    """`retraction`, `correction`, `expression_of_concern`, ..."""
    doi: str
    """DOI of the notice."""
    label: str = ""
    """Crossref's label, e.g. `Retraction`."""
    date: str = ""
    """ISO date of the update, as far as known."""


@dataclass(frozen=True)
class Registered:
    """The metadata a registration agency holds for a DOI (from its CSL JSON)."""

    title: str
    """Title, markup kept as registered (may hold `<i>`)."""
    subtitle: str = ""
    """Subtitle, if registered apart from the title."""
    authors: tuple[Author, ...] = ()
    """Authors in order; organisations as `family` with empty `given`."""
    issued: str = ""
    """ISO (partial) date of `issued`: the earliest publication date."""
    published_print: str = ""
    """ISO (partial) date of the print issue."""
    published_online: str = ""
    """ISO (partial) date of online publication."""
    journal: str = ""
    """`container-title`: the journal's full title."""
    journal_short: str = ""
    """`container-title-short`: its abbreviation, if registered."""
    volume: str = ""
    """Volume."""
    issue: str = ""
    """Issue."""
    pages: str = ""
    """`page`: page range or article number."""
    article_number: str = ""
    """`article-number`, if registered apart from `page`."""

    @property
    def years(self) -> tuple[str, ...]:
        """Distinct years of issue, print and online publication, in that order."""
        years = [date[:4] for date in (self.issued, self.published_print, self.published_online) if date]
        return tuple(dict.fromkeys(years))


@dataclass(frozen=True)
class Resolution:
    """What the registries said about one DOI."""

    doi: str
    """The DOI in normal form."""
    outcome: str
    """`found`, `not_found`, `unavailable` (no answer now: retry later) or `invalid` (bad syntax)."""
    message: str = ""
    """Why, when the outcome is not `found`, naming the URL and value."""
    ra: str = ""
    """Registration agency, e.g. `Crossref`, `DataCite`."""
    registered: Registered | None = None
    """The registered metadata, when found."""
    updated_by: tuple[Relation, ...] = ()
    """Notices updating the work (Crossref DOIs only)."""
    offline: bool = False
    """The network was unreachable; nothing was learned."""


def registry_urls() -> tuple[str, str]:
    """Resolver and Crossref base URLs, from `DOI_RESOLVER_URL` and `CROSSREF_API_URL` or the defaults."""
    resolver = os.environ.get("DOI_RESOLVER_URL") or DEFAULT_RESOLVER_URL
    crossref = os.environ.get("CROSSREF_API_URL") or DEFAULT_CROSSREF_URL
    return resolver.rstrip("/"), crossref.rstrip("/")


def resolve(
    doi: str,
    client: PoliteClient,
    *,
    resolver_url: str = DEFAULT_RESOLVER_URL,
    crossref_url: str = DEFAULT_CROSSREF_URL,
) -> Resolution:
    """Existence, RA, CSL metadata and (Crossref) update notices of `doi`; never raises for network faults."""
    # Imported here, not at the top: every build compares against the lockfile offline, and only
    # this online path needs the HTTP stack (httpx costs ~70 ms to import, 8% of a build).
    from citesite.http import FetchError

    normal = normalize_doi(doi)
    if not is_valid_doi(doi):
        return Resolution(normal, INVALID, f"'{doi}' is not a DOI (expected 10.<4-9 digits>/<suffix>)")
    try:
        return _resolve(doi, normal, client, resolver_url.rstrip("/"), crossref_url.rstrip("/"))
    except FetchError as error:
        return Resolution(normal, UNAVAILABLE, str(error), offline=error.offline)
    except _Unusable as error:
        return Resolution(normal, UNAVAILABLE, str(error))


def _resolve(doi: str, normal: str, client: PoliteClient, resolver: str, crossref: str) -> Resolution:
    handle = client.get(doi_url(doi, f"{resolver}/api/handles"), {"Accept": "application/json"})
    # Only the handle API's own responseCode 100 means "not registered": a bare 404 (say, from a
    # wrong DOI_RESOLVER_URL) must not be stored in the lock as a verdict on the DOI.
    answer = _json(handle, dict)
    code = answer.get("responseCode")
    if code == 100:
        return Resolution(normal, NOT_FOUND, f"{handle.url}: DOI not registered (HTTP {handle.status}, responseCode 100)")
    if handle.status != 200 or code not in (1, 200):
        raise _Unusable(handle, f"unexpected answer HTTP {handle.status}, responseCode {code!r}")

    # The RA comes from doi.org's own RA lookup rather than from the CSL `source`/`publisher`:
    # only the lookup is authoritative, and only Crossref DOIs have `updated-by` notices to fetch.
    ra_reply = client.get(doi_url(doi, f"{resolver}/ra"), {"Accept": "application/json"})
    ra_list = _json(ra_reply, list)
    ra = str(ra_list[0].get("RA", "")) if ra_list and isinstance(ra_list[0], dict) else ""
    if ra_reply.status != 200 or not ra:
        # Without the RA, a Crossref DOI would go unchecked for retractions: not a verification.
        raise _Unusable(ra_reply, f"no registration agency (HTTP {ra_reply.status}): {ra_list!r:.100}")

    meta = client.get(doi_url(doi, resolver), {"Accept": CSL_JSON})
    if meta.status != 200:
        raise _Unusable(meta, f"no registered metadata (HTTP {meta.status}) for a DOI that exists")
    if meta.content_type not in (CSL_JSON, "application/json"):
        raise _Unusable(meta, f"expected CSL JSON, got {meta.content_type or 'no content type'}")
    registered = registered_from_csl(_json(meta, dict))

    updated_by: tuple[Relation, ...] = ()
    if ra.lower() == "crossref":
        works = client.get(doi_url(doi, f"{crossref}/works"), {"Accept": "application/json"})
        if works.status != 200:
            raise _Unusable(works, f"Crossref has no record (HTTP {works.status}); retractions cannot be checked")
        message = _json(works, dict).get("message")
        if not isinstance(message, dict):
            raise _Unusable(works, "Crossref answer has no 'message' object")
        updated_by = relations_from_crossref(message)
    return Resolution(normal, FOUND, ra=ra, registered=registered, updated_by=updated_by)


class _Unusable(Exception):
    """The registry answered, but not with something usable (HTML, bad JSON, odd status)."""

    def __init__(self, reply: Reply, message: str) -> None:
        super().__init__(f"{reply.url}: {message}")


def _json(reply: Reply, kind: type) -> Any:
    """The body as JSON of type `kind`, after checking the media type; raise `_Unusable`."""
    if reply.content_type not in ("application/json", CSL_JSON) and not reply.content_type.endswith("+json"):
        raise _Unusable(reply, f"expected JSON, got {reply.content_type or 'no content type'} (HTTP {reply.status})")
    try:
        value = json.loads(reply.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _Unusable(reply, f"invalid JSON: {error}") from None
    if not isinstance(value, kind):
        raise _Unusable(reply, f"expected a JSON {kind.__name__}, got {type(value).__name__}")
    return value


def registered_from_csl(csl: dict[str, Any]) -> Registered:
    """Read a CSL JSON item; tolerant of lists for strings and numbers for strings."""
    return Registered(
        title=_text(csl.get("title")),
        subtitle=_text(csl.get("subtitle")),
        authors=tuple(_author(person) for person in csl.get("author") or () if isinstance(person, dict)),
        issued=_date(csl.get("issued")),
        published_print=_date(csl.get("published-print")),
        published_online=_date(csl.get("published-online")),
        journal=_text(csl.get("container-title")),
        journal_short=_text(csl.get("container-title-short")),
        volume=_text(csl.get("volume")),
        issue=_text(csl.get("issue")),
        pages=_text(csl.get("page")),
        article_number=_text(csl.get("article-number")),
    )


def relations_from_crossref(message: dict[str, Any]) -> tuple[Relation, ...]:
    """The `updated-by` relations of a Crossref work."""
    relations = []
    for item in message.get("updated-by") or ():
        if isinstance(item, dict):
            relations.append(
                Relation(
                    type=_text(item.get("type")).lower(),
                    doi=normalize_doi(_text(item.get("DOI"))),
                    label=_text(item.get("label")),
                    date=_date(item.get("updated")),
                )
            )
    return tuple(relations)


def _text(value: object) -> str:
    """A CSL string field: Crossref sometimes sends a list, or a number for volume/issue."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if value is None or isinstance(value, (dict, bool)):
        return ""
    return " ".join(str(value).split())


def _author(person: dict[str, Any]) -> Author:
    family = _text(person.get("family")) or _text(person.get("literal")) or _text(person.get("name"))
    return Author(family=family, given=_text(person.get("given")))


def _date(value: object) -> str:
    """ISO (partial) date from a CSL date: `{"date-parts": [[2023, 3, 16]]}` -> `2023-03-16`."""
    if not isinstance(value, dict):
        return ""
    parts = value.get("date-parts")
    if not (isinstance(parts, list) and parts and isinstance(parts[0], list)):
        return ""
    numbers = [part for part in parts[0] if isinstance(part, int) or (isinstance(part, str) and part.isdigit())]
    if not numbers:
        return ""
    year, *rest = (int(part) for part in numbers[:3])
    return "-".join([f"{year:04d}", *(f"{part:02d}" for part in rest)])
