"""One polite HTTP client for the registries: timeouts, bounded retries, per-host limits.

*Polite* means: a User-Agent naming the project and a contact, at most `MAX_IN_FLIGHT_PER_HOST`
requests in flight per host, never faster than the host's `x-rate-limit-*` headers allow, a 429
waits for `Retry-After`. A connection that cannot be made at all switches the client *offline*.
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

logger = logging.getLogger("mkdocs.plugins.citesite")

DEFAULT_CONNECT_TIMEOUT_S = 5.0
"""Longest wait for a TCP/TLS connection."""
DEFAULT_TOTAL_TIMEOUT_S = 15.0
"""Wall-clock deadline for one attempt: every redirect hop and the whole body included."""
MAX_RETRIES = 3
"""Retries after the first attempt, only for 429, 5xx and timeouts."""
BACKOFF_S = 0.5
"""First backoff before a retry; doubled on each further retry."""
MAX_BACKOFF_S = 8.0
"""Longest backoff between two attempts."""
MAX_RETRY_AFTER_S = 60.0
"""Longest `Retry-After` honoured; a host asking for more is reported as unavailable."""
MAX_IN_FLIGHT_PER_HOST = 3
"""Concurrent requests per host (Crossref's polite pool allows 3)."""
DEFAULT_RATE_PER_S: float | None = None
"""Requests per second per host before the host announces a limit: none, the in-flight cap rules."""
CROSSREF_RATE_PER_S = {True: 10.0, False: 5.0}
"""Crossref's documented rates before its headers arrive: polite pool (with mailto), public pool."""
MAX_BODY_BYTES = 2 * 1024 * 1024
"""Largest response body read; a CSL record is a few kilobytes."""
MAX_REDIRECTS = 5
"""Redirect hops followed per request (doi.org needs one)."""
USER_AGENT = "citesite/1.0 (+reference check{contact})"
"""User-Agent template; `{contact}` becomes `; mailto:<address>` when a contact is configured."""

_REDIRECTS = {301, 302, 303, 307, 308}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class FetchError(Exception):
    """A request gave no usable answer: timeout, 5xx or 429 after retries, oversized body, offline."""

    def __init__(self, url: str, message: str, *, offline: bool = False) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.message = message
        self.offline = offline


@dataclass(frozen=True)
class Reply:
    """A complete HTTP response, body read within `MAX_BODY_BYTES`."""

    url: str
    """Final URL, after redirects."""
    status: int
    """HTTP status code."""
    headers: Mapping[str, str] = field(compare=False)
    """Response headers, names lower-cased."""
    body: bytes = field(repr=False)
    """The body, decoded from any content encoding."""

    @property
    def content_type(self) -> str:
        """Media type without parameters, lower-cased (`application/json`)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def user_agent(mailto: str = "") -> str:
    """User-Agent naming the project and, when given, the contact Crossref's polite pool asks for."""
    return USER_AGENT.format(contact=f"; mailto:{mailto}" if mailto else "")


def parse_rate_limit(headers: Mapping[str, str]) -> float | None:
    """Seconds between requests that `x-rate-limit-limit` / `x-rate-limit-interval` allow, if given."""
    try:
        limit = float(headers.get("x-rate-limit-limit", ""))
    except ValueError:
        return None
    match = _INTERVAL.match(headers.get("x-rate-limit-interval", "1s"))
    if limit <= 0 or not match:
        return None
    interval = float(match.group(1)) * _UNIT_S[(match.group(2) or "s").lower()]
    return interval / limit


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay in seconds or HTTP date)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


class RateLimiter:
    """Spaces requests to each host: one slot every `spacing` seconds, and none while paused."""

    def __init__(
        self,
        default_spacing_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.default_spacing_s = default_spacing_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._spacing: dict[str, float] = {}
        self._next: dict[str, float] = {}

    def wait(self, host: str) -> float:
        """Reserve the next slot for `host` and sleep until it; return the slot's time."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self._spacing.get(host, self.default_spacing_s)
        if slot > now:
            self._sleep(slot - now)
        return slot

    def observe(self, host: str, headers: Mapping[str, str]) -> None:
        """Follow the rate the host's `x-rate-limit-*` headers announce: they are the host's own word."""
        spacing = parse_rate_limit(headers)
        if spacing is not None:
            self.set_rate(host, spacing)

    def spacing(self, host: str) -> float:
        """Seconds between two requests to `host` now."""
        with self._lock:
            return self._spacing.get(host, self.default_spacing_s)

    def set_rate(self, host: str, spacing_s: float) -> None:
        """Space requests to `host` by `spacing_s` seconds (until its headers say otherwise)."""
        with self._lock:
            self._spacing[host] = spacing_s

    def pause(self, host: str, seconds: float) -> None:
        """Give `host` no slot for `seconds` (after a 429)."""
        with self._lock:
            until = self._clock() + seconds
            self._next[host] = max(self._next.get(host, until), until)


class PoliteClient:
    """GET with timeouts, retries, per-host concurrency and rate limits, a body cap and an offline switch."""

    def __init__(
        self,
        *,
        mailto: str = "",
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        total_timeout_s: float = DEFAULT_TOTAL_TIMEOUT_S,
        max_retries: int = MAX_RETRIES,
        backoff_s: float = BACKOFF_S,
        max_retry_after_s: float = MAX_RETRY_AFTER_S,
        max_in_flight_per_host: int = MAX_IN_FLIGHT_PER_HOST,
        host_in_flight: Mapping[str, int] | None = None,
        rate_per_s: float | None = DEFAULT_RATE_PER_S,
        host_rate_per_s: Mapping[str, float] | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.user_agent = user_agent(mailto)
        self.connect_timeout_s = connect_timeout_s
        self.total_timeout_s = total_timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.max_in_flight_per_host = max_in_flight_per_host
        self.host_in_flight = dict(host_in_flight or {})
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self.limiter = RateLimiter(1.0 / rate_per_s if rate_per_s else 0.0, clock=clock, sleep=sleep)
        for host, rate in (host_rate_per_s or {}).items():
            self.limiter.set_rate(host, 1.0 / rate)
        self.requests_sent = 0
        """Requests put on the wire, every retry and redirect hop counted."""
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._offline_reason = ""
        # Redirects are followed here, not by httpx, so that every hop passes the host's
        # semaphore and rate limiter and the one deadline, and a loop is named in the error.
        self._http = httpx.Client(
            headers={"User-Agent": self.user_agent},
            follow_redirects=False,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    @property
    def offline(self) -> bool:
        """True once a connection could not be made: no further request is sent."""
        return bool(self._offline_reason)

    def go_offline(self, reason: str) -> None:
        """Send no further request; every `get` fails at once with `reason`."""
        with self._lock:
            if not self._offline_reason:
                self._offline_reason = reason
                logger.warning("network unreachable (%s): remaining lookups are skipped", reason)

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Reply:
        """GET `url`, following redirects; return the reply (any status but 429/5xx) or raise `FetchError`."""
        attempt = 0
        while True:
            if self._offline_reason:
                raise FetchError(url, f"offline: {self._offline_reason}", offline=True)
            try:
                reply = self._attempt(url, headers or {})
            except _Retryable as retryable:
                reason, wait = retryable.message, self._backoff(attempt)
                if retryable.connect and attempt >= self.max_retries:
                    # Not one connection in every attempt: the host is as good as absent.
                    self.go_offline(reason)
            else:
                if reply.status != 429 and reply.status < 500:
                    return reply
                reason, wait = f"HTTP {reply.status}", self._backoff(attempt)
                if reply.status == 429:
                    wait = self._retry_after(reply, url)
                    self.limiter.pause(httpx.URL(reply.url).netloc.decode(), wait)
            if attempt >= self.max_retries:
                attempts = f"{attempt + 1} attempt" + ("s" if attempt else "")
                raise FetchError(url, f"{reason} (gave up after {attempts})", offline=self.offline)
            logger.debug("%s: %s; retry %d in %.1f s", url, reason, attempt + 1, wait)
            self._sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF_S, self.backoff_s * 2**attempt)

    def _retry_after(self, reply: Reply, url: str) -> float:
        wait = parse_retry_after(reply.headers.get("retry-after", ""))
        if wait is None:
            return self.backoff_s
        if wait > self.max_retry_after_s:
            raise FetchError(url, f"HTTP 429: host asks to retry after {wait:.0f} s (limit {self.max_retry_after_s:.0f} s)")
        return wait

    def _attempt(self, url: str, headers: Mapping[str, str]) -> Reply:
        """One attempt: every redirect hop within one deadline, counted from the first send."""
        deadline: float | None = None
        seen = [url]
        current = url
        while True:
            reply, deadline = self._hop(current, headers, deadline)
            location = reply.headers.get("location")
            if reply.status not in _REDIRECTS or not location:
                return reply
            target = str(httpx.URL(current).join(location))
            if target in seen:
                raise FetchError(url, "redirect loop: " + " -> ".join([*seen, target]))
            if len(seen) > self.max_redirects:
                raise FetchError(url, f"more than {self.max_redirects} redirects (last: {target})")
            if not target.startswith(("http://", "https://")):
                raise FetchError(url, f"redirect to a non-HTTP address: {target}")
            seen.append(target)
            current = target

    def _hop(self, url: str, headers: Mapping[str, str], deadline: float | None) -> tuple[Reply, float]:
        """One request, body read within the size cap and the deadline (set here on the first hop)."""
        host = httpx.URL(url).netloc.decode()
        # The rate slot is taken while holding an in-flight slot, so requests freed together by
        # the semaphore still leave at the host's pace; the deadline starts after both waits.
        with self._slot(host):
            self.limiter.wait(host)
            if deadline is None:
                deadline = self._clock() + self.total_timeout_s
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise _Retryable(f"no answer within {self.total_timeout_s:g} s")
            timeout = httpx.Timeout(remaining, connect=min(self.connect_timeout_s, remaining))
            with self._lock:
                self.requests_sent += 1
            try:
                with self._http.stream("GET", url, headers=dict(headers), timeout=timeout) as response:
                    self.limiter.observe(host, response.headers)
                    body = self._read(response, url, deadline)
                    reply = Reply(
                        url=url,
                        status=response.status_code,
                        headers={name.lower(): value for name, value in response.headers.items()},
                        body=body,
                    )
                    return reply, deadline
            except httpx.ConnectTimeout:
                raise _Retryable(f"could not connect to {host} within {timeout.connect:g} s", connect=True) from None
            except httpx.TimeoutException:
                raise _Retryable(f"no answer within {self.total_timeout_s:g} s") from None
            except httpx.ConnectError as error:
                # Connection refused or name not resolved: the network (or the host) is plainly
                # absent, so waiting out a timeout for every remaining entry would only waste time.
                self.go_offline(f"cannot connect to {host}: {error}")
                raise FetchError(url, f"offline: cannot connect to {host}: {error}", offline=True) from None
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
                raise FetchError(url, f"{type(error).__name__}: {error}") from None

    def _read(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        """The body, stopping at `max_body_bytes` and at the deadline."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise FetchError(url, f"body of {int(declared)} bytes exceeds the {self.max_body_bytes}-byte limit")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise FetchError(url, f"body exceeds the {self.max_body_bytes}-byte limit (stopped reading)")
            if self._clock() > deadline:
                raise _Retryable(f"body not complete within {self.total_timeout_s:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._slots:
                limit = self.host_in_flight.get(host, self.max_in_flight_per_host)
                self._slots[host] = threading.BoundedSemaphore(limit)
            return self._slots[host]


class _Retryable(Exception):
    """A timeout inside one attempt; `get` retries it."""

    def __init__(self, message: str, *, connect: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.connect = connect
        """The connection itself timed out (nothing reached the host)."""
