"""Tests for citesite.resolve: resolution against a fake doi.org/Crossref."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug import Request, Response

from citesite.bib import Author
from citesite.http import PoliteClient
from citesite.resolve import (
    CSL_JSON,
    FOUND,
    INVALID,
    NOT_FOUND,
    UNAVAILABLE,
    registered_from_csl,
    resolve,
)

WANG = "10.1038/s41420-024-01815-9"


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    """A client with short timeouts and backoff and no default rate limit, for fast tests."""
    with PoliteClient(mailto="tests@example.org", total_timeout_s=0.5, backoff_s=0.01, max_retries=1, rate_per_s=None) as client:
        yield client


def test_found_doi_has_ra_metadata_and_no_notices(fake_registry, client) -> None:
    """A registered DOI resolves through the handle API, the RA lookup, the 302 to metadata and Crossref."""
    resolution = resolve(WANG.upper(), client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert resolution.outcome == FOUND
    assert resolution.doi == WANG
    assert resolution.ra == "Crossref"
    assert resolution.registered is not None
    assert resolution.registered.journal == "Cell Death Discovery"
    assert resolution.registered.article_number == "40"
    assert resolution.updated_by == ()
    assert fake_registry.paths() == [
        f"/api/handles/{WANG.upper()}",
        f"/ra/{WANG.upper()}",
        f"/{WANG.upper()}",
        f"/metadata/{WANG.upper()}",
        f"/works/{WANG.upper()}",
    ]


def test_unregistered_doi_is_not_found(fake_registry, client) -> None:
    """The handle API's responseCode 100 with HTTP 404 means the DOI does not exist."""
    resolution = resolve("10.1182/bloodcancerdiscov.2021.0012", client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert resolution.outcome == NOT_FOUND
    assert "HTTP 404, responseCode 100" in resolution.message
    assert len(fake_registry.hits) == 1


def test_bad_syntax_is_invalid_without_a_request(fake_registry, client) -> None:
    """A string that is not a DOI is reported as invalid and never sent."""
    resolution = resolve("11.1000/x", client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert resolution.outcome == INVALID
    assert "'11.1000/x' is not a DOI" in resolution.message
    assert fake_registry.hits == []


def _status(code: int, content_type: str = "application/json", body: str = "{}") -> object:
    return lambda request: Response(body, status=code, content_type=content_type)


def _slow(request: Request) -> Response:
    time.sleep(1.5)
    return Response("{}", content_type=CSL_JSON)


def _huge(request: Request) -> Response:
    chunk = b"x" * 65536
    return Response((chunk for _ in range(800)), content_type=CSL_JSON)  # 50 MB, no Content-Length


def _loop(request: Request) -> Response:
    target = "/loop-b" if request.path.endswith("-a") else "/loop-a"
    return Response("", status=302, headers={"Location": target})


FAULTS = [
    # (what, path pattern, handler, outcome, message fragment)
    ("handle 410", r"^/api/handles/", _status(410, body='{"responseCode": 100}'), NOT_FOUND, "HTTP 410, responseCode 100"),
    ("handle 404 page", r"^/api/handles/", _status(404, "text/html", "<html></html>"), UNAVAILABLE, "expected JSON, got text/html (HTTP 404)"),
    ("handle 404 no code", r"^/api/handles/", _status(404), UNAVAILABLE, "unexpected answer HTTP 404, responseCode None"),
    ("handle 500", r"^/api/handles/", _status(500), UNAVAILABLE, "HTTP 500 (gave up after 2 attempts)"),
    ("handle 503", r"^/api/handles/", _status(503), UNAVAILABLE, "HTTP 503 (gave up after 2 attempts)"),
    ("handle HTML", r"^/api/handles/", _status(200, "text/html", "<html></html>"), UNAVAILABLE, "expected JSON, got text/html"),
    ("metadata 404", r"^/metadata/", _status(404, "text/plain", "nope"), UNAVAILABLE, "no registered metadata (HTTP 404)"),
    ("metadata HTML", r"^/metadata/", _status(200, "text/html", "<html></html>"), UNAVAILABLE, "expected CSL JSON, got text/html"),
    ("metadata bad JSON", r"^/metadata/", _status(200, CSL_JSON, '{"title": "x"'), UNAVAILABLE, "invalid JSON"),
    ("metadata not an object", r"^/metadata/", _status(200, CSL_JSON, "[1, 2]"), UNAVAILABLE, "expected a JSON dict, got list"),
    ("metadata slow", r"^/metadata/", _slow, UNAVAILABLE, "no answer within 0.5 s"),
    ("metadata 50 MB", r"^/metadata/", _huge, UNAVAILABLE, "exceeds the 2097152-byte limit"),
    ("redirect loop", r"^/(10\.|loop-)", _loop, UNAVAILABLE, "redirect loop"),
    ("Crossref 404", r"^/works/", _status(404, "text/plain", "Resource not found."), UNAVAILABLE, "retractions cannot be checked"),
]


@pytest.mark.parametrize(("what", "pattern", "handler", "outcome", "fragment"), FAULTS, ids=[fault[0] for fault in FAULTS])
def test_registry_faults_end_in_a_clear_outcome(fake_registry, client, what, pattern, handler, outcome, fragment) -> None:
    """Each registry fault gives the right outcome and a message naming it; none raises or hangs."""
    fake_registry.override(pattern, handler)
    resolution = resolve(WANG, client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert resolution.outcome == outcome
    assert fragment in resolution.message
    assert resolution.registered is None


def test_retraction_notice_is_read_from_crossref(fake_registry, client) -> None:
    """Crossref's `updated-by` relations come back as `Relation`s with type, notice DOI and date."""
    fake_registry.records[WANG]["updated-by"] = [
        {"DOI": "10.1038/S41420-025-99999-9", "type": "retraction", "label": "Retraction", "updated": {"date-parts": [[2025, 2, 3]]}}
    ]
    resolution = resolve(WANG, client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert [(r.type, r.doi, r.label, r.date) for r in resolution.updated_by] == [
        ("retraction", "10.1038/s41420-025-99999-9", "Retraction", "2025-02-03")
    ]


def test_non_crossref_doi_skips_crossref(fake_registry, client) -> None:
    """Only Crossref DOIs are looked up in Crossref's API."""
    fake_registry.records[WANG]["ra"] = "DataCite"
    resolution = resolve(WANG, client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert (resolution.outcome, resolution.ra) == (FOUND, "DataCite")
    assert not any(path.startswith("/works/") for path in fake_registry.paths())


def test_connection_refused_is_unavailable_and_offline(client, refused_url) -> None:
    """A resolver that refuses connections gives `unavailable` with the offline flag set."""
    resolution = resolve(WANG, client, resolver_url=refused_url, crossref_url=refused_url)
    assert resolution.outcome == UNAVAILABLE
    assert resolution.offline
    assert "cannot connect" in resolution.message


def test_csl_reading_tolerates_lists_numbers_and_literals() -> None:
    """CSL fields sent as lists or numbers, literal authors and string date parts are all read."""
    registered = registered_from_csl(
        {
            "title": ["Engineering <i>natural killer</i> cells"],
            "author": [{"literal": "CAR-NK Consortium"}, {"family": "Rezvani", "given": "Katayoun"}],
            "container-title": ["Molecular Therapy"],
            "volume": 25,
            "issue": "8",
            "page": "1769-1781",
            "issued": {"date-parts": [["2017", "6", "16"]]},
            "published-print": {"date-parts": [[2017, 8]]},
        }
    )
    assert registered.title == "Engineering <i>natural killer</i> cells"
    assert registered.authors == (Author("CAR-NK Consortium", ""), Author("Rezvani", "Katayoun"))
    assert (registered.volume, registered.issue, registered.pages) == ("25", "8", "1769-1781")
    assert (registered.issued, registered.published_print, registered.years) == ("2017-06-16", "2017-08", ("2017",))


def test_fixture_records_are_valid_csl() -> None:
    """Every fixture record parses into a `Registered` with a title, authors and a year."""
    records = json.loads((Path(__file__).parent / "fixtures" / "registry" / "corrected.json").read_text(encoding="utf-8"))
    for doi, record in records.items():
        if not doi.startswith("_"):
            registered = registered_from_csl(record["csl"])
            assert registered.title and registered.authors and registered.years, doi


def test_missing_registration_agency_is_unavailable(fake_registry, client) -> None:
    """An RA lookup without an agency leaves the retraction check undone, so nothing is verified."""
    fake_registry.override(r"^/ra/", lambda request: Response('[{"DOI": "x", "status": "DOI does not exist"}]', content_type="application/json"))
    resolution = resolve(WANG, client, resolver_url=fake_registry.url, crossref_url=fake_registry.url)
    assert resolution.outcome == UNAVAILABLE
    assert "no registration agency (HTTP 200)" in resolution.message
