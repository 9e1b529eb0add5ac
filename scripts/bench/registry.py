"""A local stand-in for doi.org and Crossref, with injected latency, for the DOI-check benchmark.

It speaks what `citesite.resolve` asks: the handle API `/api/handles/{doi}`, the RA lookup
`/ra/{doi}`, content negotiation `/{doi}` (302 to `/metadata/{doi}`, which answers CSL JSON) and
Crossref's `/works/{doi}`. Records are made from the `.bib` entries, so every DOI verifies. Every
answer waits `latency_s` first; the server counts requests and the most ever in flight at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from citesite.bib import BibEntry

CSL_JSON = "application/vnd.citationstyles.csl+json"


def csl_record(entry: BibEntry) -> dict[str, Any]:
    """CSL JSON that agrees with the entry in every field the check compares."""
    record: dict[str, Any] = {
        "type": "article-journal",
        "DOI": entry.doi_raw,
        "title": entry.title,
        "author": [{"family": author.family, "given": author.given} for author in entry.authors],
        "container-title": entry.container,
        "issued": {"date-parts": [[int(entry.year)]] if entry.year.isdigit() else []},
    }
    for name, value in (("volume", entry.volume), ("issue", entry.issue), ("page", entry.pages.replace("--", "-"))):
        if value:
            record[name] = value
    return record


class Registry:
    """The server, its records and its counters; use as a context manager."""

    def __init__(self, entries: Iterable[BibEntry], latency_s: float = 0.1) -> None:
        self.records = {entry.doi: csl_record(entry) for entry in entries if entry.doi}
        self.latency_s = latency_s
        self.requests = 0
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-registry", daemon=True)

    @property
    def url(self) -> str:
        """Base URL, `http://127.0.0.1:PORT`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Zero the counters."""
        with self._lock:
            self.requests = self.max_in_flight = 0

    def __enter__(self) -> Registry:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, accept: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET of `path`."""
        for prefix, route in (("/api/handles/", self._handle), ("/ra/", self._ra),
                              ("/metadata/", self._metadata), ("/works/", self._works)):
            if path.startswith(prefix):
                return route(unquote(path[len(prefix):]))
        doi = unquote(path[1:])
        if doi.lower() not in self.records:
            return 404, {"Content-Type": "text/html"}, b"<html><body>DOI Not Found</body></html>"
        if CSL_JSON in accept:
            return 302, {"Location": f"/metadata/{path[1:]}"}, b""
        return 200, {"Content-Type": "text/html"}, b"<html><body>landing page</body></html>"

    def _handle(self, doi: str) -> tuple[int, dict[str, str], bytes]:
        if doi.lower() in self.records:
            return _json({"responseCode": 1, "handle": doi, "values": []})
        return _json({"responseCode": 100, "handle": doi}, 404)

    def _ra(self, doi: str) -> tuple[int, dict[str, str], bytes]:
        return _json([{"DOI": doi, "RA": "Crossref"}] if doi.lower() in self.records else [{"DOI": doi, "status": "DOI does not exist"}])

    def _metadata(self, doi: str) -> tuple[int, dict[str, str], bytes]:
        record = self.records.get(doi.lower())
        if record is None:
            return 404, {"Content-Type": "text/plain"}, b"Resource not found."
        return 200, {"Content-Type": CSL_JSON}, json.dumps(record).encode()

    def _works(self, doi: str) -> tuple[int, dict[str, str], bytes]:
        record = self.records.get(doi.lower())
        if record is None:
            return 404, {"Content-Type": "text/plain"}, b"Resource not found."
        return _json({"status": "ok", "message-type": "work", "message": {"DOI": doi, "title": [record["title"]]}})


def _json(data: object, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(data).encode()


def _handler_for(registry: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps connections open, as doi.org and Crossref do; the client reuses them.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and delayed
        # ACKs would add ~40 ms to some answers and blur the injected latency.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            with registry._lock:
                registry.requests += 1
                registry._in_flight += 1
                registry.max_in_flight = max(registry.max_in_flight, registry._in_flight)
            try:
                time.sleep(registry.latency_s)
                status, headers, body = registry.answer(urlsplit(self.path).path, self.headers.get("Accept", ""))
            finally:
                with registry._lock:
                    registry._in_flight -= 1
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
            pass

    return Handler
