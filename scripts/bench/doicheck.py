"""Benchmark 4, the DOI check: cold against a local registry with injected latency, and warm.

*Cold*: `check_references(online=True)` with an empty lockfile against `bench.registry` (every
answer delayed `LATENCY_S`), with the client the project builds by default (`default_client()`,
with `CITESITE_MAILTO` set, so 3 requests in flight per host). The *floor* is what the cap and the
latency allow: ceil(requests / 3) × latency, counting the requests the check actually made.
*Warm*: with the lockfile that cold run wrote (fresh for every entry), the offline check every
build runs, timed in-process; and a build with that lockfile against the same build without one.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from citesite import check
from citesite.bib import Bibliography, load_bibliography
from citesite.http import MAX_IN_FLIGHT_PER_HOST, PoliteClient

from bench.registry import Registry
from bench.report import INFO, Row, Table, verdict
from bench.sites import make_variant
from bench.timing import alternate, median, spread

LATENCY_S = 0.1
"""Injected latency of every answer."""
GOAL_COLD_RATIO = 1.3
"""Cold check: at most this many times the floor."""
GOAL_WARM_S = 0.05
"""Warm check: at most this much added to a build."""
LOCK_FILE = "bib/doi-lock.json"
"""Where the hook reads the lockfile, relative to mkdocs.yml."""


@contextmanager
def registry_env(resolver: str, crossref: str) -> Iterator[None]:
    """Point the check at the local registries, with a contact address, for this block only."""
    names = ("DOI_RESOLVER_URL", "CROSSREF_API_URL", "CITESITE_MAILTO")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({"DOI_RESOLVER_URL": resolver, "CROSSREF_API_URL": crossref, "CITESITE_MAILTO": "bench@example.invalid"})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(project: Path, runs: int, work: Path, rerun: str, *, entries: int | None = None, build_runs: int | None = None) -> Table:
    """Cold and warm DOI-check figures; `entries` limits the bibliography (for a quick run)."""
    started = time.perf_counter()
    table = Table("doi", "4. DOI check: cold against a local registry, warm from a fresh lockfile", rerun=rerun)
    bibliography = load_bibliography(project / "bib" / "references.bib")
    if entries is not None:
        bibliography = Bibliography(bibliography.path, dict(list(bibliography.entries.items())[:entries]))
    dois = len({entry.doi for entry in bibliography.entries.values() if entry.doi})
    lock = work / "doi-lock.json"
    cold, uncapped, requests, busiest, in_flight = [], [], [], [], []
    records = list(bibliography.entries.values())
    # Two local hosts, as in reality: doi.org (handle API, RA lookup, content negotiation and
    # the CSL it redirects to) and api.crossref.org (`/works/`), each with its own 3-request cap.
    with Registry(records, LATENCY_S) as resolver, Registry(records, LATENCY_S) as crossref, \
            registry_env(resolver.url, crossref.url):
        for _ in range(runs):
            # As shipped: `default_client()` (3 in flight per host; Crossref's pool rate for its host).
            lock.unlink(missing_ok=True)
            resolver.reset()
            crossref.reset()
            cold.append(_timed(lambda: _check(bibliography, lock, online=True)))
            requests.append(resolver.requests + crossref.requests)
            busiest.append(max(resolver.requests, crossref.requests))
            in_flight.append(max(resolver.max_in_flight, crossref.max_in_flight))
            # Diagnostic: the same check with no rate limit at all (cap and latency only).
            lock.unlink(missing_ok=True)
            with PoliteClient(mailto="bench@example.invalid", rate_per_s=None) as client:
                uncapped.append(_timed(lambda: _check(bibliography, lock, online=True, client=client)))
        resolver.reset()
        crossref.reset()
        warm_offline = [_timed(lambda: _check(bibliography, lock, online=False)) for _ in range(max(runs, 5))]
        warm_online = [_timed(lambda: _check(bibliography, lock, online=True)) for _ in range(max(runs, 5))]
        warm_requests = resolver.requests + crossref.requests
    verified = sum(result.status == check.VERIFIED for result in _check(bibliography, lock, online=False))

    floor = math.ceil(median(requests) / MAX_IN_FLIGHT_PER_HOST) * LATENCY_S
    ratio = median([seconds / (math.ceil(count / MAX_IN_FLIGHT_PER_HOST) * LATENCY_S) for seconds, count in zip(cold, requests)])
    table.rows.append(Row(f"cold check ÷ floor (median of {len(cold)})", f"{ratio:.2f}× ({median(cold):.2f} s vs {floor:.2f} s)",
                          f"≤ {GOAL_COLD_RATIO}×", verdict(ratio <= GOAL_COLD_RATIO)))
    warm = median(warm_offline)
    table.rows.append(Row(f"warm: offline check with a fresh lockfile, in-process (median of {len(warm_offline)})",
                          f"{warm * 1000:.1f} ms ({spread([s * 1000 for s in warm_offline])} ms)", f"< {GOAL_WARM_S * 1000:.0f} ms",
                          verdict(warm < GOAL_WARM_S)))
    table.rows.append(Row("requests made by one cold check (server count)",
                          f"{median(requests):.0f} for {dois} DOIs; at most {max(in_flight)} in flight", "", INFO))
    table.rows.append(Row("diagnostic: cold check with every rate limit off ÷ floor",
                          f"{median([s / floor for s in uncapped]):.2f}× ({median(uncapped):.2f} s)", "", INFO))
    strict = math.ceil(median(busiest) / MAX_IN_FLIGHT_PER_HOST) * LATENCY_S
    table.rows.append(Row("stricter floor with one cap per host: ceil(busiest host's requests / 3) × latency",
                          f"{strict:.2f} s (cold check {median(cold) / strict:.2f}× of it)", "", INFO))
    table.rows.append(Row("warm: online check with a fresh lockfile (requests made)",
                          f"{median(warm_online) * 1000:.1f} ms ({warm_requests} requests)", "", INFO))
    if build_runs:
        table.rows.append(_build_difference(project, work, lock, build_runs))
    table.notes.append(
        f"Registry: `scripts/bench/registry.py`, threaded HTTP/1.1 servers on 127.0.0.1 speaking the handle API, RA "
        f"lookup, content negotiation (302 to CSL JSON) and Crossref `/works/`, with {LATENCY_S * 1000:.0f} ms before "
        f"every answer; records made from the `.bib`, so all {verified} entries with a DOI verify. The check is "
        "`citesite.check.check_references` with `DOI_RESOLVER_URL`, `CROSSREF_API_URL` pointing at it and "
        "`CITESITE_MAILTO` set (3 in flight per host). Resolver and Crossref are two local servers (two hosts, "
        "as doi.org and api.crossref.org are); the floor puts every request through one 3-request cap, as defined "
        "for this benchmark, and the stricter per-host floor is shown beside it. Warm builds: the full build with that "
        "lockfile in `bib/` against the same build with none, alternating."
    )
    table.seconds = time.perf_counter() - started
    return table


def _check(bibliography: Bibliography, lock: Path, *, online: bool, client: PoliteClient | None = None) -> list[check.ReferenceResult]:
    return check.check_references(bibliography, online=online, lock_path=lock, numbers={}, client=client, progress=io.StringIO())


def _timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def _build_difference(project: Path, work: Path, lock: Path, runs: int) -> Row:
    """Full build with the fresh lockfile against the same build without a lockfile."""
    with_lock = make_variant(project, "full", work / "with-lock")
    shutil.copyfile(lock, with_lock.root / LOCK_FILE)
    without = make_variant(project, "full", work / "without-lock")
    (without.root / LOCK_FILE).unlink(missing_ok=True)
    with_lock = type(with_lock)("with-lock", with_lock.root, with_lock.pages, with_lock.citations, with_lock.references)
    without = type(without)("without-lock", without.root, without.pages, without.citations, without.references)
    results = alternate([without, with_lock], project, runs)
    differences = [(a.seconds - b.seconds) * 1000 for a, b in zip(results["with-lock"], results["without-lock"])]
    return Row(f"warm: build with fresh lockfile − build without one (median of {runs} paired differences)",
               f"{median(differences):+.0f} ms ({spread(differences)} ms)", "", INFO)
