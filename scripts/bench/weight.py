"""Benchmark 5, page weight and Lighthouse.

*Weight* of a page: the gzip-compressed bytes (level 6) of its HTML and of every stylesheet, script,
image and icon the HTML names, as a server with gzip would send them (images as they are). The
search index, which Material's search worker fetches after load, is shown apart. Pages are compared
with the same pages of the floor (bare Material, citations stripped). *Lighthouse* (npm, installed
under `scripts/bench/`) runs against the built site served with gzip from 127.0.0.1.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.report import INFO, NOT_RUN, Row, Table, verdict
from bench.sites import make_variant
from bench.timing import run_build

PAGES = {"home": "", "content page": "car-t-cells/", "References": "references/"}
"""Pages weighed and audited, by label: site URLs."""
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
"""Lighthouse categories, in report order."""
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 100}
"""Lowest acceptable score per category."""
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
"""Flags Lighthouse starts Chromium with."""
CHROME_PATH = "/usr/bin/chromium"
"""Debian's Chromium (`make chromium` installs it)."""
BENCH_DIR = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
_COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".bib"}


@dataclass(frozen=True)
class Weight:
    """What one page costs to load."""

    total: int
    """Bytes of the HTML and its resources as sent with gzip."""
    html: int
    """Of which the HTML."""
    resources: int
    """Number of resources (HTML included)."""


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        rel = values.get("rel", "").split()
        if tag == "link" and values.get("href") and ({"stylesheet", "icon", "preload", "modulepreload"} & set(rel)):
            self.urls.append(values["href"])
        elif tag in {"script", "img", "source"} and values.get("src"):
            self.urls.append(values["src"])


def gzip_size(path: Path) -> int:
    """Bytes sent for a file by a server with gzip: compressed if text, as is otherwise."""
    data = path.read_bytes()
    return len(gzip.compress(data, 6)) if path.suffix in _COMPRESSIBLE else len(data)


def page_weight(site_dir: Path, url: str) -> Weight:
    """Weight of the page at site URL `url` (`""` for home) in a built site."""
    html_path = site_dir / url / "index.html"
    parser = _Resources()
    parser.feed(html_path.read_text(encoding="utf-8"))
    seen: set[Path] = set()
    total = html = gzip_size(html_path)
    for ref in parser.urls:
        if re.match(r"^[a-z]+:|^//", ref):
            continue  # off-site or data: URLs; a Material page without fonts has none
        path = (site_dir / posixpath.normpath(posixpath.join(url, ref.split("#")[0].split("?")[0]))).resolve()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        total += gzip_size(path)
    return Weight(total, html, len(seen) + 1)


class _GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it, as a production host serves them."""

    def send_head(self) -> Any:  # noqa: D102 (SimpleHTTPRequestHandler's hook)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to `.../`
            path = path / "index.html"
        if not path.is_file() or path.suffix not in _COMPRESSIBLE or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve_static(root: Path) -> Iterator[str]:
    """Serve `root` with gzip on a free 127.0.0.1 port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_GzipHandler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bench-static", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def lighthouse_available() -> str:
    """Empty when Lighthouse can run, else why not."""
    if not LIGHTHOUSE.exists():
        return "Lighthouse not installed (npm ci in scripts/bench/)"
    if not Path(os.environ.get("CHROME_PATH", CHROME_PATH)).exists():
        return f"no Chromium at {CHROME_PATH} (make chromium)"
    return ""


def lighthouse(url: str, out: Path) -> dict[str, Any]:
    """Run Lighthouse (default mobile settings) on `url`; its JSON result."""
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", CHROME_PATH))
    subprocess.run(
        [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
         f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def failing_audits(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(category, audit id, title, value) of every audit Lighthouse shows as failing in a category.

    Scored audits below full marks, and unscored diagnostics and opportunities below 0.9 (the ones
    Lighthouse flags in red or orange), each title followed by Lighthouse's own value.
    """
    failing = []
    for category in CATEGORIES:
        for ref in result["categories"][category]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            score = audit.get("score")
            if score is None or audit.get("scoreDisplayMode") not in {"binary", "numeric", "metricSavings"}:
                continue
            if score < (1 if ref.get("weight", 0) > 0 else 0.9):
                title = audit["title"] + ("" if ref.get("weight", 0) > 0 else " [diagnostic]")
                failing.append((category, audit["id"], title, str(audit.get("displayValue") or f"score {score:.2f}")))
    return failing


def run(project: Path, work: Path, rerun: str, *, use_lighthouse: bool = True, lighthouse_runs: int = 3) -> Table:
    """Weigh the pages of the full and floor builds, then Lighthouse them; the table."""
    started = time.perf_counter()
    table = Table("weight", "5. Page weight and Lighthouse", rerun=rerun)
    built = {}
    for variant in ("full", "floor"):
        site = make_variant(project, variant, work / variant)
        built[variant] = work / f"{variant}-site"
        shutil.rmtree(built[variant], ignore_errors=True)
        run_build(site, project, out_dir=built[variant])
    for label, url in PAGES.items():
        ours, bare = page_weight(built["full"], url), page_weight(built["floor"], url)
        table.rows.append(Row(f"{label} (`/{url}`): bytes transferred, gzip",
                              f"{ours.total / 1024:.1f} KiB vs bare Material {bare.total / 1024:.1f} KiB "
                              f"({ours.total / bare.total:.2f}×; HTML {ours.html / 1024:.1f} vs {bare.html / 1024:.1f} KiB)",
                              "", INFO))
    index = built["full"] / "search" / "search_index.json"
    if index.exists():
        floor_index = built["floor"] / "search" / "search_index.json"
        table.rows.append(Row("search index (fetched by the search worker after load), gzip",
                              f"{gzip_size(index) / 1024:.1f} KiB vs {gzip_size(floor_index) / 1024:.1f} KiB", "", INFO))
    missing = lighthouse_available() if use_lighthouse else "skipped (--quick)"
    if missing:
        table.rows += [Row(f"Lighthouse {category}", missing, f"≥ {GOALS[category]}", NOT_RUN) for category in CATEGORIES]
    else:
        _lighthouse_rows(table, built, work, lighthouse_runs)
    table.notes.append(
        "Bytes: gzip level 6 of the HTML plus every stylesheet, script, image and icon it names (images as they are), "
        "as a host with gzip sends them on a first visit. Bare Material: the floor build of the same page (citations, "
        "generated lists, hook and bibtex plugin removed). Lighthouse 12 (npm, `scripts/bench/package.json`), default "
        f"mobile settings, {lighthouse_runs} runs per page (the run with the median performance score counts), Chromium at `{CHROME_PATH}` with `{CHROME_FLAGS}`, the built site served with "
        "gzip from 127.0.0.1 by `scripts/bench/weight.py`."
    )
    table.seconds = time.perf_counter() - started
    return table


def _lighthouse_rows(table: Table, built: dict[str, Path], work: Path, runs_per_page: int) -> None:
    results: dict[str, dict[str, Any]] = {}
    targets = [(label, built["full"], url) for label, url in PAGES.items()] + [("bare Material home", built["floor"], "")]
    for label, root, url in targets:
        with serve_static(root) as base:
            runs = [lighthouse(base + url, work / f"lighthouse-{label.replace(' ', '-')}-{number}.json")
                    for number in range(runs_per_page)]
        # The run with the median performance score stands for the page (scores, audits, bytes).
        runs.sort(key=lambda result: result["categories"]["performance"]["score"] or 0)
        results[label] = runs[len(runs) // 2]
    for category in CATEGORIES:
        scores = {label: round(100 * (result["categories"][category]["score"] or 0)) for label, result in results.items()}
        ours = [score for label, score in scores.items() if label in PAGES]
        shown = ", ".join(f"{label} {score}" for label, score in scores.items())
        table.rows.append(Row(f"Lighthouse {category} (lowest of our pages)", f"{min(ours)} ({shown})",
                              f"≥ {GOALS[category]}", verdict(min(ours) >= GOALS[category])))
    for label, result in results.items():
        weight = result["audits"].get("total-byte-weight", {}).get("numericValue")
        if weight is not None:
            table.rows.append(Row(f"Lighthouse total byte weight, {label}", f"{weight / 1024:.1f} KiB", "", INFO))
    failing: dict[tuple[str, str, str], list[str]] = {}
    for label, result in results.items():
        if label in PAGES:
            for category, audit, title, value in failing_audits(result):
                failing.setdefault((category, audit, title), []).append(f"{label} {value}")
    if failing:
        table.notes.append("Failing Lighthouse audits on our pages (category: `id` — title: page value):")
        table.notes += [""] + [f"- {category}: `{audit}` — {title}: {'; '.join(pages)}"
                               for (category, audit, title), pages in failing.items()]
    else:
        table.notes.append("Lighthouse lists no failing scored audit on our pages.")
