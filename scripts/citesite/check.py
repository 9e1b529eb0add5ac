"""Check every bibliography entry against the DOI registries, or (offline) against the lockfile.

The *status* of an entry is one of `STATUSES`. Online, entries without a fresh lock record are
resolved and the lockfile updated; offline, no request is made and such entries are `unverified`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from citesite.bib import BibEntry, Bibliography
from citesite.compare import FieldProblem, compare
from citesite.doi import is_valid_doi
from citesite.lock import DEFAULT_MAX_AGE_DAYS, LockRecord, format_time, read_lock, update_lock
from citesite.resolve import FOUND, NOT_FOUND, Resolution, registry_urls, resolve

if TYPE_CHECKING:
    # Only the online path needs the HTTP stack; see `default_client`.
    from citesite.http import PoliteClient

VERIFIED, MISMATCH, NOT_FOUND_STATUS, RETRACTED = "verified", "mismatch", "not_found", "retracted"
UNVERIFIED, INVALID, NO_DOI = "unverified", "invalid", "no_doi"
STATUSES = (VERIFIED, MISMATCH, NOT_FOUND_STATUS, RETRACTED, UNVERIFIED, INVALID, NO_DOI)
"""Every status, in report order."""
PROBLEM_STATUSES = (MISMATCH, NOT_FOUND_STATUS, RETRACTED, INVALID)
"""Statuses that say the entry is wrong (a failed check): warnings in every build, so `--strict`
fails on them. `unverified` and `no_doi` are not problems."""
MAX_WORKERS = 6
"""DOIs resolved at once; the client still caps requests in flight per host."""
PROGRESS_MIN_LOOKUPS = 10
"""Show progress on a non-TTY stderr only for more lookups than this."""


@dataclass(frozen=True)
class ReferenceResult:
    """The outcome of checking one `.bib` entry."""

    key: str
    """Citation key."""
    doi: str
    """DOI in normal form, or empty."""
    number: int | None
    """Site-wide citation number, None when the entry is not cited."""
    printed: tuple[int, ...]
    """Number(s) in the printed article's list."""
    status: str
    """One of `STATUSES`."""
    problems: tuple[FieldProblem, ...] = ()
    """Disagreements with the registry (warnings included), each with both values."""
    checked_at: str = ""
    """When the registry answered (ISO UTC), empty if it has not."""
    detail: str = ""
    """Why the status, in one sentence, when the problems do not say it (e.g. `not yet verified`)."""
    url: str = ""
    """The entry's URL (web pages without a DOI)."""


def check_references(
    bibliography: Bibliography,
    *,
    online: bool,
    lock_path: str | Path,
    numbers: Mapping[str, int],
    now: datetime | None = None,
    client: PoliteClient | None = None,
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    resolver_url: str | None = None,
    crossref_url: str | None = None,
    progress: TextIO | None = None,
) -> list[ReferenceResult]:
    """Status of every entry, in file order; online, resolve what the lock lacks and update the lock.

    Base URLs default to `DOI_RESOLVER_URL` / `CROSSREF_API_URL`; `client` defaults to one built
    from `CITESITE_MAILTO` (and is closed afterwards); `progress` defaults to stderr.
    """
    now = now or datetime.now(timezone.utc)
    lock = read_lock(lock_path)
    entries = list(bibliography.entries.values())
    known: dict[str, tuple[Resolution, str]] = {}
    to_resolve: dict[str, str] = {}
    for entry in entries:
        if entry.doi and is_valid_doi(entry.doi) and entry.doi not in known:
            record = lock.get(entry.doi)
            if record is not None and record.is_fresh(entry, now, max_age_days):
                known[entry.doi] = (record.resolution, record.checked_at)
            elif online:
                to_resolve.setdefault(entry.doi, entry.doi_raw)

    fetched = _resolve_all(to_resolve, client, resolver_url, crossref_url, progress) if to_resolve else {}
    checked_at = format_time(now)
    known.update({doi: (resolution, checked_at) for doi, resolution in fetched.items()})

    results = [_result(entry, numbers, known.get(entry.doi), lock.get(entry.doi)) for entry in entries]
    # Only real answers are kept. `not_found` is one: the handle API said so with a definitive
    # responseCode 100, and keeping it lets offline builds block on it. Timeouts, 5xx, rate
    # limits and unusable answers say nothing about the DOI and are never stored. DOIs no longer
    # in the bibliography are dropped, so the lockfile mirrors the `.bib` file.
    stored: dict[str, LockRecord] = {}
    for entry, result in zip(entries, results):
        resolution = fetched.get(entry.doi)
        if resolution is not None and resolution.outcome in (FOUND, NOT_FOUND):
            stored.setdefault(entry.doi, LockRecord(entry.doi, entry.key, result.status, checked_at, entry.fingerprint, resolution))
    if stored:
        update_lock(lock_path, stored, keep={entry.doi for entry in entries if entry.doi})
    return results


def publish_blockers(results: Iterable[ReferenceResult]) -> list[ReferenceResult]:
    """Results that must stop publishing: anything not `verified`, except a web page (no DOI, with URL)."""
    return [
        result
        for result in results
        if result.status != VERIFIED and not (result.status == NO_DOI and result.url)
    ]


def classify(entry: BibEntry, resolution: Resolution) -> tuple[str, tuple[FieldProblem, ...], str]:
    """Status, problems and detail for an entry from what the registries said about its DOI."""
    if resolution.outcome == NOT_FOUND:
        return NOT_FOUND_STATUS, (FieldProblem("doi", entry.doi_raw, "not registered"),), resolution.message
    if resolution.outcome != FOUND or resolution.registered is None:
        return UNVERIFIED, (), resolution.message or "not yet verified"
    problems = compare(entry, resolution.registered)
    retractions = [relation for relation in resolution.updated_by if relation.type == "retraction"]
    for relation in resolution.updated_by:
        if relation.type != "retraction":
            notice = f"{relation.label or relation.type} {relation.doi} ({relation.date or 'undated'})"
            problems.append(FieldProblem("updated_by", "", notice, "warning"))
    for relation in retractions:
        notice = f"retracted by {relation.doi} ({relation.date or 'undated'})"
        cited = entry.cited_as_retracted
        problems.append(FieldProblem("retraction", "cited as retracted" if cited else "", notice, "warning" if cited else "error"))
    if entry.cited_as_retracted and not retractions:
        problems.append(FieldProblem("retraction", "cited as retracted", "no retraction registered", "warning"))
    if retractions and not entry.cited_as_retracted:
        status = RETRACTED
    elif any(problem.severity == "error" for problem in problems):
        status = MISMATCH
    else:
        status = VERIFIED
    return status, tuple(problems), ""


def _result(
    entry: BibEntry,
    numbers: Mapping[str, int],
    known: tuple[Resolution, str] | None,
    record: LockRecord | None,
) -> ReferenceResult:
    """The result for one entry; `known` is its DOI's resolution (none offline without a fresh record)."""
    base = {"key": entry.key, "doi": entry.doi, "number": numbers.get(entry.key), "printed": entry.printed, "url": entry.url}
    if not entry.doi:
        return ReferenceResult(**base, status=NO_DOI, detail="no DOI" + (f"; web page {entry.url}" if entry.url else " and no URL"))
    if not is_valid_doi(entry.doi):
        problem = FieldProblem("doi", entry.doi_raw, "not a DOI (expected 10.<4-9 digits>/<suffix>)")
        return ReferenceResult(**base, status=INVALID, problems=(problem,))
    if known is None:
        if record is None:
            detail = "not yet verified: no record in the lockfile"
        elif record.fingerprint != entry.fingerprint:
            detail = f"not yet verified: entry edited since it was checked on {record.checked_at}"
        else:
            detail = f"not yet verified: last checked on {record.checked_at}, record is stale"
        return ReferenceResult(**base, status=UNVERIFIED, detail=detail)
    resolution, checked_at = known
    status, problems, detail = classify(entry, resolution)
    return ReferenceResult(**base, status=status, problems=problems, detail=detail, checked_at=checked_at if status != UNVERIFIED else "")


def default_client() -> PoliteClient:
    """A client whose User-Agent carries `CITESITE_MAILTO`, held to Crossref's pool for that case.

    With a contact, Crossref's polite pool allows 10 requests/s, 3 at a time; without one, its
    public pool 5/s, one at a time. Its `x-rate-limit-*` headers take over once they arrive.
    """
    # Imported here: offline builds never reach the network and so skip httpx's import (~70 ms).
    import httpx

    from citesite.http import CROSSREF_RATE_PER_S, PoliteClient

    mailto = os.environ.get("CITESITE_MAILTO", "").strip()
    crossref_host = httpx.URL(registry_urls()[1]).netloc.decode()
    return PoliteClient(
        mailto=mailto,
        host_in_flight={} if mailto else {crossref_host: 1},
        host_rate_per_s={crossref_host: CROSSREF_RATE_PER_S[bool(mailto)]},
    )


def _resolve_all(
    dois: Mapping[str, str],
    client: PoliteClient | None,
    resolver_url: str | None,
    crossref_url: str | None,
    progress: TextIO | None,
) -> dict[str, Resolution]:
    resolver_default, crossref_default = registry_urls()
    resolver_url = resolver_url or resolver_default
    crossref_url = crossref_url or crossref_default
    own = client is None
    active = client or default_client()
    meter = _Progress(len(dois), progress or sys.stderr)
    results: dict[str, Resolution] = {}
    try:
        with ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="citesite-doi") as pool:
            futures = {
                doi: pool.submit(resolve, raw, active, resolver_url=resolver_url, crossref_url=crossref_url)
                for doi, raw in dois.items()
            }
            for doi, future in futures.items():
                results[doi] = future.result()
                meter.step(doi)
    finally:
        meter.done()
        if own:
            active.close()
    return results


class _Progress:
    """`checking DOIs 12/25` on stderr: redrawn in place on a TTY, a line per tenth otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.count = 0
        self.stream = stream
        self.tty = stream.isatty()
        self.enabled = self.tty or total > PROGRESS_MIN_LOOKUPS

    def step(self, doi: str) -> None:
        self.count += 1
        if not self.enabled:
            return
        if self.tty:
            self.stream.write(f"\rchecking DOIs {self.count}/{self.total} {doi[:50]:<50}")
            self.stream.flush()
        elif self.count == self.total or self.count % max(1, self.total // 10) == 0:
            self.stream.write(f"checking DOIs {self.count}/{self.total}\n")

    def done(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
