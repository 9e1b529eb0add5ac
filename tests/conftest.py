"""Shared test fixtures: a guard that keeps every socket on 127.0.0.1, and a fake DOI registry.

The fake registry is a real HTTP server on 127.0.0.1 (pytest-httpserver) speaking doi.org's
handle API, RA lookup and content negotiation, and Crossref's `/works/<doi>`.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FIXTURES = Path(__file__).parent / "fixtures"
REGISTRY_FIXTURES = FIXTURES / "registry"
CSL_JSON = "application/vnd.citationstyles.csl+json"

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlocked(ConnectionRefusedError):
    """Raised by the test guard for any connection or name lookup beyond the loopback interface."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower().rstrip(".") in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def _check_address(address: object) -> None:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise NetworkBlocked(f"blocked by the test network guard: {address[0]}:{address[1]} is not loopback")


@pytest.fixture(autouse=True, scope="session")
def _network_guard() -> Iterator[None]:
    """Refuse every name lookup and connection that would leave 127.0.0.1 / ::1, for the whole session."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise NetworkBlocked(f"blocked by the test network guard: name lookup of {host!r}")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        _check_address(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check_address(address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check_address(address)
        return real_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "create_connection", create_connection)
        yield


@pytest.fixture
def refused_url() -> str:
    """A loopback address where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def network_blocked() -> type[Exception]:
    """The exception type the network guard raises."""
    return NetworkBlocked


def load_records(name: str = "corrected.json") -> dict[str, Any]:
    """Registry records from `tests/fixtures/registry/<name>`, keys starting with `_` dropped."""
    data = json.loads((REGISTRY_FIXTURES / name).read_text(encoding="utf-8"))
    return {doi.lower(): record for doi, record in data.items() if not doi.startswith("_")}


Handler = Callable[[Request], Response]


class FakeRegistry:
    """doi.org and Crossref on one local server, answering from a dict of records keyed by DOI.

    A record is `{"ra": "Crossref", "csl": {...CSL JSON...}, "updated-by": [...]}`. `override`
    puts a handler in front for paths matching a pattern (faults); `latency_s` delays every
    answer; `max_in_flight` and `hits` record concurrency and arrival times for assertions.
    """

    def __init__(self, server: HTTPServer, records: dict[str, Any]) -> None:
        self.server = server
        self.records = {doi.lower(): record for doi, record in records.items()}
        self.url = server.url_for("").rstrip("/")
        self.latency_s = 0.0
        self.headers: dict[str, str] = {}
        self.overrides: list[tuple[re.Pattern[str], Handler]] = []
        self.hits: list[tuple[float, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server.expect_request(re.compile(r"/.*")).respond_with_handler(self._dispatch)

    def override(self, pattern: str, handler: Handler) -> None:
        """Answer paths matching the regex `pattern` with `handler` (checked before the records)."""
        self.overrides.insert(0, (re.compile(pattern), handler))

    def paths(self) -> list[str]:
        """Paths requested so far, in arrival order."""
        return [path for _, path in self.hits]

    def _dispatch(self, request: Request) -> Response:
        with self._lock:
            self.hits.append((time.monotonic(), request.path))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency_s:
                time.sleep(self.latency_s)
            response = self._answer(request)
            response.headers.update(self.headers)
            return response
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, request: Request) -> Response:
        path = request.path
        for pattern, handler in self.overrides:
            if pattern.search(path):
                return handler(request)
        for prefix, route in (
            ("/api/handles/", self._handle),
            ("/ra/", self._ra),
            ("/metadata/", self._metadata),
            ("/works/", self._works),
        ):
            if path.startswith(prefix):
                return route(path[len(prefix) :])
        return self._negotiate(path[1:], request.headers.get("Accept", ""))

    def _handle(self, doi: str) -> Response:
        if doi.lower() in self.records:
            value = {"index": 1, "type": "URL", "data": {"format": "string", "value": f"https://publisher.invalid/{doi}"}}
            return _json({"responseCode": 1, "handle": doi, "values": [value]})
        return _json({"responseCode": 100, "handle": doi}, status=404)

    def _ra(self, doi: str) -> Response:
        record = self.records.get(doi.lower())
        return _json([{"DOI": doi, "RA": record["ra"]}] if record else [{"DOI": doi, "status": "DOI does not exist"}])

    def _negotiate(self, doi: str, accept: str) -> Response:
        if doi.lower() not in self.records:
            return Response("<html><body>DOI Not Found</body></html>", status=404, content_type="text/html")
        if CSL_JSON in accept:
            # doi.org hands content negotiation to the RA's metadata service with a redirect.
            return Response("", status=302, headers={"Location": f"/metadata/{doi}"})
        return Response(f"<html><body>landing page of {doi}</body></html>", content_type="text/html")

    def _metadata(self, doi: str) -> Response:
        record = self.records.get(doi.lower())
        if record is None:
            return Response("Resource not found.", status=404, content_type="text/plain")
        return Response(json.dumps(record["csl"]), content_type=CSL_JSON)

    def _works(self, doi: str) -> Response:
        record = self.records.get(doi.lower())
        if record is None:
            return Response("Resource not found.", status=404, content_type="text/plain")
        message: dict[str, Any] = {"DOI": doi, "title": [record["csl"].get("title", "")]}
        if record.get("updated-by"):
            message["updated-by"] = record["updated-by"]
        return _json({"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message})


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json;charset=UTF-8")


@pytest.fixture(scope="session")
def registry_server() -> Iterator[HTTPServer]:
    """A threaded local HTTP server (concurrent requests overlap, so the in-flight cap can be seen)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def threaded_httpserver(registry_server: HTTPServer) -> Iterator[HTTPServer]:
    """The threaded local server, without handlers, for tests that set their own."""
    registry_server.clear()
    yield registry_server
    registry_server.clear()


@pytest.fixture
def make_registry(threaded_httpserver: HTTPServer) -> Callable[[str], FakeRegistry]:
    """Factory: a fake registry answering from `tests/fixtures/registry/<name>`."""
    return lambda name: FakeRegistry(threaded_httpserver, load_records(name))


@pytest.fixture
def fake_registry(make_registry: Callable[[str], FakeRegistry]) -> FakeRegistry:
    """The fake registry holding the corrected sources (`tests/fixtures/registry/corrected.json`)."""
    return make_registry("corrected.json")
