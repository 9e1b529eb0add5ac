"""Tests for citesite.http: retries, timeouts, body cap, redirects, per-host limits, offline switch."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest
from werkzeug import Request, Response

from citesite.http import (
    MAX_BODY_BYTES,
    FetchError,
    PoliteClient,
    RateLimiter,
    parse_rate_limit,
    parse_retry_after,
    user_agent,
)


@pytest.fixture
def httpserver(threaded_httpserver):
    """The threaded local server: a slow handler in one test must not hold up the next."""
    return threaded_httpserver


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    """A client with short timeouts and backoff and no default rate limit, for fast tests."""
    with PoliteClient(mailto="tests@example.org", total_timeout_s=0.5, backoff_s=0.01, max_retries=2, rate_per_s=None) as client:
        yield client


@pytest.mark.parametrize(
    ("mailto", "expected"),
    [
        ("editor@example.org", "citesite/1.0 (+reference check; mailto:editor@example.org)"),
        ("", "citesite/1.0 (+reference check)"),
    ],
)
def test_user_agent_names_project_and_contact(mailto, expected) -> None:
    """The User-Agent names the project and, when configured, the mailto contact."""
    assert user_agent(mailto) == expected


@pytest.mark.parametrize(
    ("headers", "spacing"),
    [
        ({"x-rate-limit-limit": "50", "x-rate-limit-interval": "1s"}, 0.02),
        ({"x-rate-limit-limit": "10", "x-rate-limit-interval": "1s"}, 0.1),
        ({"x-rate-limit-limit": "5", "x-rate-limit-interval": "60s"}, 12.0),
        ({"x-rate-limit-limit": "4", "x-rate-limit-interval": "500ms"}, 0.125),
        ({"x-rate-limit-limit": "10"}, 0.1),
        ({}, None),
        ({"x-rate-limit-limit": "many", "x-rate-limit-interval": "1s"}, None),
        ({"x-rate-limit-limit": "0", "x-rate-limit-interval": "1s"}, None),
        ({"x-rate-limit-limit": "10", "x-rate-limit-interval": "soon"}, None),
    ],
)
def test_parse_rate_limit(headers, spacing) -> None:
    """x-rate-limit headers become the minimum spacing between requests."""
    assert parse_rate_limit(headers) == spacing


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("0", 0.0), ("Wed, 26 Nov 2025 10:00:30 GMT", 30.0), ("Wed, 26 Nov 2025 09:00:00 GMT", 0.0), ("later", None)],
)
def test_parse_retry_after(value, seconds) -> None:
    """Retry-After is read as seconds or as an HTTP date relative to now."""
    assert parse_retry_after(value, now=datetime(2025, 11, 26, 10, 0, 0, tzinfo=timezone.utc)) == seconds


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_slots_and_obeys_headers_and_pauses() -> None:
    """Slots are spaced by the default, then by what the host's headers announce, and held back by a pause."""
    clock = FakeClock()
    limiter = RateLimiter(0.2, clock=clock, sleep=clock.sleep)
    assert [limiter.wait("a") for _ in range(3)] == [100.0, 100.2, 100.4]
    assert limiter.wait("b") == pytest.approx(100.4)  # hosts are independent
    limiter.observe("a", {"x-rate-limit-limit": "2", "x-rate-limit-interval": "1s"})
    assert limiter.wait("a") == pytest.approx(100.6)
    assert limiter.wait("a") == pytest.approx(101.1)
    limiter.observe("a", {"x-rate-limit-limit": "1000", "x-rate-limit-interval": "1s"})
    assert limiter.wait("a") == pytest.approx(101.6)
    assert limiter.wait("a") == pytest.approx(101.601)  # the host allows 1000/s
    limiter.pause("a", 5.0)
    assert limiter.wait("a") == pytest.approx(106.601)


def test_get_sends_user_agent_and_returns_reply(httpserver, client) -> None:
    """A plain GET returns status, lower-cased headers and body, with the polite User-Agent sent."""
    httpserver.expect_request("/ok", headers={"User-Agent": client.user_agent}).respond_with_data(
        '{"a": 1}', content_type="application/json; charset=utf-8", headers={"X-Thing": "y"}
    )
    reply = client.get(httpserver.url_for("/ok"))
    assert (reply.status, reply.content_type, reply.body, reply.headers["x-thing"]) == (200, "application/json", b'{"a": 1}', "y")


@pytest.mark.parametrize("status", [404, 410, 400])
def test_client_errors_are_returned_not_retried(httpserver, client, status) -> None:
    """4xx other than 429 is an answer: returned at once, never retried."""
    httpserver.expect_request("/gone").respond_with_data("no", status=status)
    assert client.get(httpserver.url_for("/gone")).status == status
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_then_reported(httpserver, client, status) -> None:
    """5xx is retried MAX_RETRIES times, then reported with the status and attempt count."""
    httpserver.expect_request("/down").respond_with_data("down", status=status)
    with pytest.raises(FetchError, match=rf"HTTP {status} \(gave up after 3 attempts\)"):
        client.get(httpserver.url_for("/down"))
    assert len(httpserver.log) == 3


def test_server_error_then_success_recovers(httpserver, client) -> None:
    """A transient 503 followed by a 200 gives the 200."""
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("fine")
    assert client.get(httpserver.url_for("/flaky")).body == b"fine"


def test_429_waits_for_retry_after(httpserver) -> None:
    """A 429 with Retry-After: 1 waits that long (recorded, really slept) and then succeeds."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    httpserver.expect_ordered_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request("/busy").respond_with_data("ok")
    with PoliteClient(rate_per_s=None, backoff_s=0.01, sleep=sleep) as client:
        assert client.get(httpserver.url_for("/busy")).body == b"ok"
    assert 1.0 in waits
    first, second = (request.headers for request, _ in httpserver.log)
    assert first["User-Agent"] == second["User-Agent"]


def test_429_asking_too_long_gives_up_at_once(httpserver, client) -> None:
    """A Retry-After beyond the cap is reported at once instead of waited out."""
    httpserver.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="retry after 3600 s"):
        client.get(httpserver.url_for("/busy"))
    assert len(httpserver.log) == 1


def test_429_without_end_gives_up_after_retries(httpserver, client) -> None:
    """Repeated 429s (Retry-After 0) are bounded by MAX_RETRIES."""
    httpserver.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "0"})
    with pytest.raises(FetchError, match=r"HTTP 429 \(gave up after 3 attempts\)"):
        client.get(httpserver.url_for("/busy"))


def test_slow_response_times_out(httpserver, client) -> None:
    """A server slower than the total timeout gives a timeout error after the bounded retries."""
    httpserver.expect_request("/slow").respond_with_handler(lambda request: time.sleep(1.5) or Response("late"))
    with pytest.raises(FetchError, match=r"no answer within 0.5 s \(gave up after 3 attempts\)"):
        client.get(httpserver.url_for("/slow"))


def test_trickling_body_hits_the_wall_clock_deadline(httpserver) -> None:
    """A body sent a byte at a time, each byte within the read timeout, still stops at the deadline."""

    def trickle(request: Request) -> Response:
        return Response((time.sleep(0.05) or b"x" for _ in range(100)), content_type="text/plain")

    httpserver.expect_request("/trickle").respond_with_handler(trickle)
    with PoliteClient(total_timeout_s=0.3, max_retries=0, rate_per_s=None) as client:
        with pytest.raises(FetchError, match=r"body not complete within 0.3 s"):
            client.get(httpserver.url_for("/trickle"))


def test_huge_streamed_body_is_cut_off(httpserver, client) -> None:
    """A 50 MB streamed body is abandoned once past MAX_BODY_BYTES; far less than 50 MB is sent."""
    sent = [0]

    def huge(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for _ in range(800):
                sent[0] += 65536
                yield b"x" * 65536

        return Response(chunks(), content_type="application/json")

    httpserver.expect_request("/huge").respond_with_handler(huge)
    with pytest.raises(FetchError, match=f"body exceeds the {MAX_BODY_BYTES}-byte limit"):
        client.get(httpserver.url_for("/huge"))
    assert sent[0] < 50 * 1024 * 1024 // 2


def test_declared_oversized_body_is_refused_unread(httpserver, client) -> None:
    """A Content-Length above the cap is refused before reading."""
    httpserver.expect_request("/big").respond_with_data("x" * (MAX_BODY_BYTES + 1))
    with pytest.raises(FetchError, match=f"body of {MAX_BODY_BYTES + 1} bytes exceeds"):
        client.get(httpserver.url_for("/big"))


def test_redirects_are_followed(httpserver, client) -> None:
    """A 302 is followed to its target, the Accept header kept."""
    httpserver.expect_request("/doi").respond_with_data("", status=302, headers={"Location": "/meta"})
    httpserver.expect_request("/meta", headers={"Accept": "application/json"}).respond_with_data("{}")
    reply = client.get(httpserver.url_for("/doi"), {"Accept": "application/json"})
    assert (reply.status, reply.url) == (200, httpserver.url_for("/meta"))


def test_redirect_loop_is_named(httpserver, client) -> None:
    """A redirect loop is stopped and reported with the loop's addresses."""
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/a"})
    with pytest.raises(FetchError, match=r"redirect loop: .*/a -> .*/b -> .*/a"):
        client.get(httpserver.url_for("/a"))


def test_redirect_chain_is_bounded(httpserver, client) -> None:
    """More than MAX_REDIRECTS hops is an error."""
    for hop in range(10):
        httpserver.expect_request(f"/r{hop}").respond_with_data("", status=302, headers={"Location": f"/r{hop + 1}"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        client.get(httpserver.url_for("/r0"))


def test_connection_refused_switches_offline(client, refused_url) -> None:
    """A refused connection marks the client offline; later requests fail at once without sending."""
    url = f"{refused_url}/x"
    with pytest.raises(FetchError, match="offline: cannot connect") as first:
        client.get(url)
    assert first.value.offline and client.offline
    sent = client.requests_sent
    with pytest.raises(FetchError, match="offline") as second:
        client.get("http://127.0.0.1:1/other")
    assert second.value.offline
    assert client.requests_sent == sent


def test_in_flight_cap_per_host(fake_registry) -> None:
    """No more than MAX_IN_FLIGHT_PER_HOST requests reach one host at once, even with 9 callers."""
    fake_registry.latency_s = 0.2
    with PoliteClient(rate_per_s=None) as client, ThreadPoolExecutor(max_workers=9) as pool:
        list(pool.map(lambda n: client.get(f"{fake_registry.url}/ra/10.1000/{n}"), range(9)))
    assert 2 <= fake_registry.max_in_flight <= 3


def test_in_flight_cap_can_be_lowered_per_host(fake_registry) -> None:
    """A per-host override (Crossref's public pool: 1) holds."""
    fake_registry.latency_s = 0.1
    host = fake_registry.url.removeprefix("http://")
    with PoliteClient(rate_per_s=None, host_in_flight={host: 1}) as client, ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: client.get(f"{fake_registry.url}/ra/10.1000/{n}"), range(4)))
    assert fake_registry.max_in_flight == 1


def test_rate_limit_headers_slow_the_client(fake_registry) -> None:
    """After a host says 4 requests per second, requests arrive at least ~0.25 s apart (server clock)."""
    fake_registry.headers = {"x-rate-limit-limit": "4", "x-rate-limit-interval": "1s"}
    with PoliteClient(rate_per_s=None) as client:
        client.get(f"{fake_registry.url}/ra/10.1000/first")
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(lambda n: client.get(f"{fake_registry.url}/ra/10.1000/{n}"), range(4)))
    arrivals = [moment for moment, _ in fake_registry.hits]
    # Four slots after the first are 0.25 s apart: the last three gaps span 0.75 s; allow jitter.
    assert arrivals[-1] - arrivals[1] >= 0.6


def test_concurrent_gets_share_one_offline_switch(refused_url) -> None:
    """Once one thread finds the network gone, the others stop too."""
    with PoliteClient(rate_per_s=None) as client, ThreadPoolExecutor(max_workers=4) as pool:
        errors = list(pool.map(lambda n: _error(client, f"{refused_url}/{n}"), range(20)))
    assert all(error is not None and error.offline for error in errors)
    assert client.requests_sent <= 4


def _error(client: PoliteClient, url: str) -> FetchError | None:
    try:
        client.get(url)
    except FetchError as error:
        return error
    return None


def test_limiter_is_thread_safe() -> None:
    """Concurrent waits on one host get distinct, evenly spaced slots."""
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.sleeps.append(seconds)

    limiter = RateLimiter(0.1, clock=clock, sleep=sleep)
    with ThreadPoolExecutor(max_workers=8) as pool:
        slots = sorted(pool.map(lambda _: limiter.wait("h"), range(20)))
    assert slots == pytest.approx([100.0 + 0.1 * n for n in range(20)])


def test_connect_timeouts_on_every_attempt_switch_offline(monkeypatch) -> None:
    """A host that never accepts a connection (connect timeout on each attempt) is treated as absent."""
    with PoliteClient(rate_per_s=None, backoff_s=0.0, max_retries=2) as client:

        def no_connection(*args: object, **kwargs: object) -> None:
            raise httpx.ConnectTimeout("timed out")

        monkeypatch.setattr(client._http, "stream", no_connection)
        with pytest.raises(FetchError, match=r"could not connect to 127.0.0.1:9 within 5 s \(gave up after 3 attempts\)") as caught:
            client.get("http://127.0.0.1:9/x")
        assert caught.value.offline and client.offline and client.requests_sent == 3
