"""Tests for citesite.check: statuses of whole bibliographies against the fake registry and the lock."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug import Response

from citesite.bib import load_bibliography, parse_bibliography
from citesite.check import (
    MAX_WORKERS,
    PROBLEM_STATUSES,
    ReferenceResult,
    check_references,
    default_client,
    publish_blockers,
)
from citesite.http import PoliteClient
from citesite.lock import read_lock
from citesite.compare import FieldProblem

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 11, 26, 10, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    """A fast client: no default rate limit, short timeouts and backoff."""
    with PoliteClient(mailto="tests@example.org", rate_per_s=None, total_timeout_s=2.0, backoff_s=0.01, max_retries=1) as client:
        yield client


def _check(bibliography, registry, client, lock_path, *, online=True, now=NOW, **options) -> list[ReferenceResult]:
    return check_references(
        bibliography,
        online=online,
        lock_path=lock_path,
        numbers={},
        now=now,
        client=client,
        resolver_url=registry.url if registry else None,
        crossref_url=registry.url if registry else None,
        progress=io.StringIO(),
        **options,
    )


def _faults(results: list[ReferenceResult]) -> set[tuple[int, str, str, str]]:
    faults = set()
    for result in results:
        for problem in result.problems:
            faults.add((result.printed[0], result.status, problem.field, problem.severity))
    return faults


def test_printed_list_shows_exactly_the_known_faults(fake_registry, client, tmp_path) -> None:
    """The printed list against the corrected records yields exactly the faults of reference-notes.md.

    Expected, by printed number: 19 and 22 not_found (wrong DOIs); 23 first author (Li vs Han) and
    the other five listed authors; 3 first author (Wiget vs Wittibschlager) plus a year *warning*
    (2024 vs 2023: one year apart, which the check treats as online-vs-print); 5 article number
    (59 vs 69), 2 (42 vs 449), 6 (33 vs 133); 1 pages (1-16 vs article 40); 4 first author
    (Pietrobbon vs Pietrobon); 8 second author (Valliulina vs Valiullina). 9 is a web page (no_doi).
    Everything else, duplicates 24, 25, 27 and the open 26 and 28 included, verifies.
    """
    results = _check(load_bibliography(FIXTURES / "printed-references.bib"), fake_registry, client, tmp_path / "lock.json")
    assert _faults(results) == {
        (1, "mismatch", "pages", "error"),
        (2, "mismatch", "pages", "error"),
        (3, "mismatch", "first_author", "error"),
        (3, "mismatch", "year", "warning"),
        (4, "mismatch", "first_author", "error"),
        (5, "mismatch", "pages", "error"),
        (6, "mismatch", "pages", "error"),
        (8, "mismatch", "authors", "error"),
        (19, "not_found", "doi", "error"),
        (22, "not_found", "doi", "error"),
        (23, "mismatch", "first_author", "error"),
        (23, "mismatch", "authors", "error"),
    }
    statuses = {result.printed[0]: result.status for result in results}
    assert statuses[9] == "no_doi"
    assert sorted(n for n, status in statuses.items() if status == "verified") == [
        7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 24, 25, 26, 27, 28
    ]
    by_number = {result.printed[0]: result for result in results}
    assert FieldProblem("pages", "59", "69") in by_number[5].problems
    assert FieldProblem("first_author", "Wiget V", "Wittibschlager V") in by_number[3].problems
    assert FieldProblem("year", "2024", "2023", "warning") in by_number[3].problems


def test_duplicate_dois_are_resolved_once(fake_registry, client, tmp_path) -> None:
    """Printed 10 and 24 share a DOI: one handle lookup serves both."""
    _check(load_bibliography(FIXTURES / "printed-references.bib"), fake_registry, client, tmp_path / "lock.json")
    assert fake_registry.paths().count("/api/handles/10.1038/s41577-021-00547-6") == 1


def test_corrected_bibliography_verifies_clean(fake_registry, client, tmp_path) -> None:
    """bib/references.bib verifies with no problem at all; only the web page is no_doi; the lock holds 24 records."""
    lock_path = tmp_path / "doi-lock.json"
    results = _check(load_bibliography(ROOT / "bib" / "references.bib"), fake_registry, client, lock_path)
    assert {(result.key, result.status) for result in results if result.status != "verified"} == {("damico2023", "no_doi")}
    assert [result for result in results if result.problems] == []
    lock = read_lock(lock_path)
    assert len(lock) == 24 and {record.status for record in lock.values()} == {"verified"}
    assert publish_blockers(results) == []


def test_fresh_lock_is_reused_online_and_offline(fake_registry, client, tmp_path) -> None:
    """A second run, online or offline, answers from the fresh lock without a single request."""
    bibliography = load_bibliography(ROOT / "bib" / "references.bib")
    lock_path = tmp_path / "doi-lock.json"
    first = _check(bibliography, fake_registry, client, lock_path)
    fake_registry.hits.clear()
    sent = client.requests_sent
    again = _check(bibliography, fake_registry, client, lock_path, now=NOW + timedelta(days=10))
    offline = _check(bibliography, fake_registry, client, lock_path, online=False, now=NOW + timedelta(days=10))
    assert fake_registry.hits == [] and client.requests_sent == sent
    assert [(r.key, r.status, r.problems) for r in again] == [(r.key, r.status, r.problems) for r in first]
    assert [(r.key, r.status, r.checked_at) for r in offline] == [(r.key, r.status, r.checked_at) for r in first]


def test_offline_without_lock_is_not_yet_verified(fake_registry, client, tmp_path) -> None:
    """Offline with no lock: every DOI entry is unverified ('not yet verified'), with no request made."""
    results = _check(load_bibliography(ROOT / "bib" / "references.bib"), fake_registry, client, tmp_path / "none.json", online=False)
    assert {result.status for result in results} == {"unverified", "no_doi"}
    assert all(result.detail == "not yet verified: no record in the lockfile" for result in results if result.status == "unverified")
    assert all(result.problems == () for result in results)
    assert fake_registry.hits == [] and client.requests_sent == 0
    assert not (tmp_path / "none.json").exists()
    assert len(publish_blockers(results)) == 24


def test_offline_never_builds_a_client(tmp_path, monkeypatch) -> None:
    """Offline mode does not even create an HTTP client."""
    monkeypatch.setattr("citesite.check.default_client", lambda: pytest.fail("offline mode created a client"))
    results = check_references(load_bibliography(ROOT / "bib" / "references.bib"), online=False, lock_path=tmp_path / "l.json", numbers={})
    assert len(results) == 25


def test_stale_and_edited_records_need_a_new_check(fake_registry, client, tmp_path) -> None:
    """Records older than the maximum age, or for an edited entry, are unverified offline and re-resolved online."""
    lock_path = tmp_path / "doi-lock.json"
    bibliography = load_bibliography(ROOT / "bib" / "references.bib")
    _check(bibliography, fake_registry, client, lock_path)
    later = NOW + timedelta(days=31)
    stale = _check(bibliography, fake_registry, client, lock_path, online=False, now=later)
    assert {r.detail for r in stale if r.status == "unverified"} == {"not yet verified: last checked on 2025-11-26T10:00:00Z, record is stale"}

    text = (ROOT / "bib" / "references.bib").read_text(encoding="utf-8").replace("{Mol Ther}", "{Mol. Ther.}")
    edited = _check(parse_bibliography(text), fake_registry, client, lock_path, online=False)
    assert [r.key for r in edited if r.status == "unverified"] == ["rezvani2017"]
    assert "entry edited since it was checked" in next(r.detail for r in edited if r.key == "rezvani2017")

    fake_registry.hits.clear()
    rechecked = _check(bibliography, fake_registry, client, lock_path, now=later)
    assert len({path for path in fake_registry.paths() if path.startswith("/api/handles/")}) == 24
    assert {r.checked_at for r in rechecked if r.doi} == {"2025-12-27T10:00:00Z"}


def test_network_absent_goes_offline_at_once(tmp_path, refused_url) -> None:
    """With the resolver refusing connections, the run goes offline after the first failures: no lock written."""
    url = refused_url
    with PoliteClient(rate_per_s=None) as client:
        results = check_references(
            load_bibliography(ROOT / "bib" / "references.bib"), online=True, lock_path=tmp_path / "lock.json",
            numbers={}, client=client, resolver_url=url, crossref_url=url, progress=io.StringIO(),
        )
    assert client.offline and client.requests_sent <= MAX_WORKERS
    unverified = [result for result in results if result.status == "unverified"]
    assert len(unverified) == 24 and all("offline" in result.detail for result in unverified)
    assert not (tmp_path / "lock.json").exists()


def test_transient_failures_are_not_stored(fake_registry, client, tmp_path) -> None:
    """A 503 for one DOI leaves that entry unverified and out of the lock; the others are stored."""
    fake_registry.override(r"^/metadata/10\.1038/s41408-021-00459-7$", lambda request: Response("busy", status=503))
    lock_path = tmp_path / "lock.json"
    results = _check(load_bibliography(ROOT / "bib" / "references.bib"), fake_registry, client, lock_path)
    sterner = next(result for result in results if result.key == "sterner2021")
    assert sterner.status == "unverified" and "HTTP 503" in sterner.detail and sterner.checked_at == ""
    lock = read_lock(lock_path)
    assert len(lock) == 23 and "10.1038/s41408-021-00459-7" not in lock


def test_not_found_is_stored_and_blocks_offline(fake_registry, client, tmp_path) -> None:
    """A definitive not_found is kept in the lock, so an offline build still reports it."""
    lock_path = tmp_path / "lock.json"
    bibliography = load_bibliography(FIXTURES / "printed-references.bib")
    _check(bibliography, fake_registry, client, lock_path)
    assert read_lock(lock_path)["10.1182/bloodcancerdiscov.2021.0012"].status == "not_found"
    offline = _check(bibliography, None, None, lock_path, online=False)
    assert {r.printed[0] for r in offline if r.status == "not_found"} == {19, 22}
    assert {r.printed[0] for r in publish_blockers(offline)} == {1, 2, 3, 4, 5, 6, 8, 19, 22, 23}


def test_retraction_blocks_unless_cited_as_retracted(make_registry, client, tmp_path) -> None:
    """A retracted source is `retracted` and blocks; with `retracted = {cited}` it passes with a warning; a correction warns."""
    registry = make_registry("retraction.json")
    text = (FIXTURES / "registry" / "retraction.bib").read_text(encoding="utf-8")
    results = {r.key: r for r in _check(parse_bibliography(text), registry, client, tmp_path / "a.json")}
    assert results["doe2020"].status == "retracted"
    assert results["doe2020"].problems == (FieldProblem("retraction", "", "retracted by 10.5555/retraction.2021.7 (2021-03-04)"),)
    assert results["roe2020"].status == "verified"
    assert results["roe2020"].problems == (FieldProblem("updated_by", "", "Correction 10.5555/correction.2021.8 (2021-06-01)", "warning"),)
    assert [r.key for r in publish_blockers(results.values())] == ["doe2020"]

    cited = text.replace("doi     = {10.5555/retracted.2020.1},", "doi     = {10.5555/retracted.2020.1},\n  retracted = {cited},")
    knowing = {r.key: r for r in _check(parse_bibliography(cited), registry, client, tmp_path / "b.json")}
    assert knowing["doe2020"].status == "verified"
    assert knowing["doe2020"].problems[0].severity == "warning"
    assert publish_blockers(knowing.values()) == []


def test_year_warning_alone_does_not_block(fake_registry, client, tmp_path) -> None:
    """An entry whose only difference is a one-year gap verifies, with the warning kept."""
    text = (ROOT / "bib" / "references.bib").read_text(encoding="utf-8")
    text = text.replace("year      = {2023},\n  volume    = {24},", "year      = {2024},\n  volume    = {24},")
    results = _check(parse_bibliography(text), fake_registry, client, tmp_path / "lock.json")
    witt = next(result for result in results if result.key == "wittibschlager2023")
    assert (witt.status, witt.problems) == ("verified", (FieldProblem("year", "2024", "2023", "warning"),))
    assert publish_blockers(results) == []


def test_invalid_doi_and_missing_identifiers(fake_registry, client, tmp_path) -> None:
    """A malformed DOI is `invalid` without a request; an entry with neither DOI nor URL is a `no_doi` blocker."""
    text = """
@article{bad, author = {A, B.}, title = {T}, journal = {J}, year = {2020}, doi = {11.1000/x}}
@misc{page, author = {C, D.}, title = {Web page}, year = {2020}, url = {https://example.org/}}
@misc{bare, author = {E, F.}, title = {Nothing}, year = {2020}}
"""
    results = _check(parse_bibliography(text), fake_registry, client, tmp_path / "lock.json")
    assert [(r.key, r.status) for r in results] == [("bad", "invalid"), ("page", "no_doi"), ("bare", "no_doi")]
    assert results[0].problems[0].field == "doi" and results[0].problems[0].bib == "11.1000/x"
    assert [r.key for r in publish_blockers(results)] == ["bad", "bare"]
    assert fake_registry.hits == []


def test_numbers_come_from_the_mapping(fake_registry, client, tmp_path) -> None:
    """`number` is the site-wide number passed in; uncited entries get None; printed numbers are kept."""
    results = check_references(
        load_bibliography(ROOT / "bib" / "references.bib"), online=False, lock_path=tmp_path / "l.json",
        numbers={"wang2024": 1, "morris2022": 7},
    )
    by_key = {r.key: r for r in results}
    assert (by_key["wang2024"].number, by_key["morris2022"].number, by_key["dagar2023"].number) == (1, 7, None)
    assert by_key["morris2022"].printed == (10, 24)


def test_registry_urls_come_from_the_environment(fake_registry, client, tmp_path, monkeypatch) -> None:
    """DOI_RESOLVER_URL and CROSSREF_API_URL replace doi.org and api.crossref.org."""
    monkeypatch.setenv("DOI_RESOLVER_URL", fake_registry.url + "/")
    monkeypatch.setenv("CROSSREF_API_URL", fake_registry.url)
    results = check_references(
        load_bibliography(ROOT / "bib" / "references.bib"), online=True, lock_path=tmp_path / "l.json",
        numbers={}, client=client, now=NOW, progress=io.StringIO(),
    )
    assert {r.status for r in results} == {"verified", "no_doi"}
    assert any(path.startswith("/works/") for path in fake_registry.paths())


def test_progress_is_shown_for_long_runs(fake_registry, client, tmp_path) -> None:
    """More than ten lookups on a non-TTY stream print a line per tenth, ending with the total."""
    stream = io.StringIO()
    check_references(
        load_bibliography(ROOT / "bib" / "references.bib"), online=True, lock_path=tmp_path / "l.json", numbers={},
        client=client, now=NOW, resolver_url=fake_registry.url, crossref_url=fake_registry.url, progress=stream,
    )
    lines = stream.getvalue().splitlines()
    assert lines[-1] == "checking DOIs 24/24" and 2 <= len(lines) <= 13


@pytest.mark.parametrize(
    ("mailto", "crossref_in_flight"),
    [("editor@example.org", 3), ("", 1)],
    ids=["polite pool", "public pool"],
)
def test_default_client_follows_crossref_pools(monkeypatch, mailto, crossref_in_flight) -> None:
    """CITESITE_MAILTO goes into the User-Agent; without it Crossref gets one request at a time."""
    monkeypatch.setenv("CITESITE_MAILTO", mailto)
    monkeypatch.delenv("CROSSREF_API_URL", raising=False)
    with default_client() as client:
        assert client.user_agent.endswith(f"; mailto:{mailto})" if mailto else "(+reference check)")
        assert client.host_in_flight.get("api.crossref.org", client.max_in_flight_per_host) == crossref_in_flight


BLOCKERS = [
    ("verified", "", False),
    ("mismatch", "", True),
    ("not_found", "", True),
    ("retracted", "", True),
    ("unverified", "", True),
    ("invalid", "", True),
    ("no_doi", "https://example.org/page", False),
    ("no_doi", "", True),
]


@pytest.mark.parametrize(("status", "url", "blocks"), BLOCKERS)
def test_publish_blockers(status, url, blocks) -> None:
    """Everything but `verified` blocks publishing, except a web page with a URL."""
    result = replace(ReferenceResult("k", "", None, (), "verified"), status=status, url=url)
    assert (publish_blockers([result]) == [result]) is blocks


def test_lock_file_written_by_check_is_valid_json(fake_registry, client, tmp_path) -> None:
    """The lock written by a run parses, keyed by normal-form DOI, with the entry's key recorded."""
    lock_path = tmp_path / "lock.json"
    _check(load_bibliography(ROOT / "bib" / "references.bib"), fake_registry, client, lock_path)
    entries = json.loads(lock_path.read_text(encoding="utf-8"))["entries"]
    assert entries["10.1200/edbk_397912"]["key"] == "fein2023"


def test_lock_drops_dois_no_longer_in_the_bibliography(fake_registry, client, tmp_path) -> None:
    """After a DOI is corrected in the `.bib`, the next online run drops the old DOI's record."""
    lock_path = tmp_path / "lock.json"
    text = (ROOT / "bib" / "references.bib").read_text(encoding="utf-8")
    _check(parse_bibliography(text.replace("10.1200/EDBK_397912", "10.1200/EDBK.397912")), fake_registry, client, lock_path)
    assert "10.1200/edbk.397912" in read_lock(lock_path)
    _check(parse_bibliography(text), fake_registry, client, lock_path)
    lock = read_lock(lock_path)
    assert "10.1200/edbk.397912" not in lock and lock["10.1200/edbk_397912"].status == "verified"


@pytest.mark.parametrize(
    ("status", "problem"),
    [("verified", False), ("mismatch", True), ("not_found", True), ("retracted", True), ("unverified", False), ("invalid", True), ("no_doi", False)],
)
def test_problem_statuses(status, problem) -> None:
    """Statuses that say the entry is wrong are problems; not yet verified and web pages are not."""
    assert (status in PROBLEM_STATUSES) is problem


@pytest.mark.parametrize(("mailto", "spacing", "in_flight"), [("", 0.2, {"127.0.0.1:9": 1}), ("ed@example.org", 0.1, {})])
def test_default_client_follows_crossrefs_pools(monkeypatch: pytest.MonkeyPatch, mailto: str, spacing: float,
                                                in_flight: dict[str, int]) -> None:
    """Without a contact Crossref gets its public pool (5/s, one at a time); with one, the polite pool (10/s)."""
    monkeypatch.setenv("CROSSREF_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CITESITE_MAILTO", mailto)
    with default_client() as client:
        assert client.limiter.spacing("127.0.0.1:9") == pytest.approx(spacing)
        assert client.limiter.spacing("doi.org") == 0.0
        assert client.host_in_flight == in_flight
