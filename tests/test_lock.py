"""Tests for citesite.lock: round trip, freshness, corruption, concurrent writers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from citesite.bib import Author, BibEntry
from citesite.lock import LockRecord, format_time, parse_time, read_lock, update_lock
from citesite.resolve import FOUND, NOT_FOUND, Registered, Relation, Resolution

NOW = datetime(2025, 11, 26, 10, 0, 0, tzinfo=timezone.utc)
ENTRY = BibEntry(
    key="sterner2021",
    entry_type="article",
    authors=(Author("Sterner", "R. C."),),
    et_al=False,
    title="CAR-T cell therapy: current limitations and potential strategies",
    container="Blood Cancer J",
    year="2021",
    doi="10.1038/s41408-021-00459-7",
    source="@article{sterner2021, ...}",
)


def _record(doi: str = ENTRY.doi, checked_at: datetime = NOW, fingerprint: str = ENTRY.fingerprint) -> LockRecord:
    registered = Registered(
        title="CAR-T cell therapy: current limitations and potential strategies",
        authors=(Author("Sterner", "Robert C."), Author("Sterner", "Rosalie M.")),
        issued="2021-04-06",
        journal="Blood Cancer Journal",
        volume="11",
        issue="4",
        article_number="69",
    )
    relation = Relation("correction", "10.1038/s41408-021-00999-1", "Correction", "2021-06-01")
    resolution = Resolution(doi, FOUND, ra="Crossref", registered=registered, updated_by=(relation,))
    return LockRecord(doi, "sterner2021", "verified", format_time(checked_at), fingerprint, resolution)


def test_round_trip_keeps_every_field(tmp_path) -> None:
    """A record written and read back is equal, found and not-found alike."""
    path = tmp_path / "doi-lock.json"
    missing = LockRecord("10.1200/edbk.397912", "fein2023", "not_found", format_time(NOW), "abc",
                         Resolution("10.1200/edbk.397912", NOT_FOUND, "DOI not registered (HTTP 404, responseCode 100)"))
    update_lock(path, {ENTRY.doi: _record(), missing.doi: missing})
    assert read_lock(path) == {ENTRY.doi: _record(), missing.doi: missing}


def test_file_is_sorted_indented_and_reviewable(tmp_path) -> None:
    """The file is JSON with sorted keys, indent 2 and a final newline, holding the registry's values."""
    path = tmp_path / "doi-lock.json"
    update_lock(path, {ENTRY.doi: _record()})
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    record = data["entries"][ENTRY.doi]
    assert (record["ra"], record["status"], record["checked_at"], record["fingerprint"]) == (
        "Crossref", "verified", "2025-11-26T10:00:00Z", ENTRY.fingerprint
    )
    assert record["registry"]["journal"] == "Blood Cancer Journal"
    assert record["updated_by"][0]["type"] == "correction"
    assert [name.name for name in tmp_path.iterdir()] == ["doi-lock.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("checked_at", "fingerprint", "fresh"),
    [
        (NOW - timedelta(days=1), ENTRY.fingerprint, True),
        (NOW - timedelta(days=30), ENTRY.fingerprint, True),
        (NOW - timedelta(days=30, seconds=1), ENTRY.fingerprint, False),
        (NOW - timedelta(days=1), "0123456789abcdef", False),
    ],
    ids=["young", "exactly 30 days", "older than 30 days", "entry edited"],
)
def test_freshness(checked_at, fingerprint, fresh) -> None:
    """A record is fresh while younger than the maximum age and the entry's fingerprint is unchanged."""
    assert _record(checked_at=checked_at, fingerprint=fingerprint).is_fresh(ENTRY, NOW, 30) is fresh


def test_missing_file_is_empty_without_warning(tmp_path, caplog) -> None:
    """No lockfile yet is normal: empty, and nothing logged."""
    assert read_lock(tmp_path / "doi-lock.json") == {}
    assert caplog.records == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1, "entries": {"10.1038/x": {"key": "a", "sta', "corrupt DOI lockfile"),
        ("", "corrupt DOI lockfile"),
        ("[1, 2]", "no 'entries' object"),
        ('{"version": 1}', "no 'entries' object"),
    ],
    ids=["truncated", "empty", "a list", "no entries"],
)
def test_corrupt_file_warns_and_is_empty(tmp_path, caplog, text, message) -> None:
    """A corrupt or truncated lockfile logs a warning naming the file and is treated as empty."""
    path = tmp_path / "doi-lock.json"
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.citesite"):
        assert read_lock(path) == {}
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert message in caplog.text and str(path) in caplog.text


def test_bad_record_is_skipped_with_warning(tmp_path, caplog) -> None:
    """One unreadable record is dropped with a warning naming its DOI; the others are kept."""
    path = tmp_path / "doi-lock.json"
    update_lock(path, {ENTRY.doi: _record()})
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entries"]["10.1000/broken"] = {"key": "x", "status": "verified"}
    path.write_text(json.dumps(data), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.citesite"):
        assert list(read_lock(path)) == [ENTRY.doi]
    assert "'10.1000/broken'" in caplog.text


def test_corrupt_file_is_replaced_on_next_write(tmp_path, caplog) -> None:
    """Writing after corruption gives a valid file with the new records."""
    path = tmp_path / "doi-lock.json"
    path.write_text('{"entries": {', encoding="utf-8")
    update_lock(path, {ENTRY.doi: _record()})
    assert list(read_lock(path)) == [ENTRY.doi]


def test_update_merges_and_keep_prunes(tmp_path) -> None:
    """Updates merge with what is on disk; `keep` drops DOIs no longer in the bibliography."""
    path = tmp_path / "doi-lock.json"
    update_lock(path, {"10.1000/a": _record("10.1000/a")})
    update_lock(path, {"10.1000/b": _record("10.1000/b")})
    assert sorted(read_lock(path)) == ["10.1000/a", "10.1000/b"]
    update_lock(path, {"10.1000/c": _record("10.1000/c")}, keep={"10.1000/b", "10.1000/c"})
    assert sorted(read_lock(path)) == ["10.1000/b", "10.1000/c"]


@pytest.mark.parametrize(("text", "parsed"), [("2025-11-26T10:00:00Z", NOW), ("2025-11-26T10:00:00", NOW), ("yesterday", None)])
def test_parse_time(text, parsed) -> None:
    """Timestamps are ISO UTC; a naive one is read as UTC; garbage is None."""
    assert parse_time(text) == parsed


WRITER = """
import sys
from datetime import datetime, timezone
from citesite.lock import LockRecord, format_time, update_lock
from citesite.resolve import NOT_FOUND, Resolution
path, writer = sys.argv[1], sys.argv[2]
for n in range(10):
    doi = f"10.1000/w{writer}-{n}"
    record = LockRecord(doi, f"k{writer}{n}", "not_found", format_time(datetime.now(timezone.utc)), "f", Resolution(doi, NOT_FOUND))
    update_lock(path, {doi: record})
"""


def test_concurrent_processes_lose_nothing(tmp_path) -> None:
    """Six processes writing ten records each, interleaved, leave all sixty in one valid file."""
    path = tmp_path / "doi-lock.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n)], env=env) for n in range(6)]
    assert [writer.wait(timeout=60) for writer in writers] == [0] * 6
    records = read_lock(path)
    assert sorted(records) == sorted(f"10.1000/w{w}-{n}" for w in range(6) for n in range(10))
    assert [name.name for name in Path(tmp_path).iterdir()] == ["doi-lock.json"]


def test_concurrent_threads_lose_nothing(tmp_path) -> None:
    """Threads updating different records at once leave all of them."""
    path = tmp_path / "doi-lock.json"
    dois = [f"10.1000/t{n}" for n in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda doi: update_lock(path, {doi: replace(_record(doi), key=doi)}), dois))
    assert sorted(read_lock(path)) == sorted(dois)
