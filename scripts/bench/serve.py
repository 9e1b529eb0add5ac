"""Benchmark 3, `mkdocs serve`: from saving a page to the rebuilt page being served.

`mkdocs serve --livereload` runs on a free 127.0.0.1 port in a copy of the site; each edit appends
a unique sentence to a content page, and the page is fetched every 10 ms until the sentence is in
it. The serve log's `Documentation built in N seconds` lines give the rebuild's own share; the rest
is noticing the change (MkDocs 1.6 polls the files every 0.5 s) and its 0.1 s debounce.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.report import INFO, Row, Table, verdict
from bench.sites import Site, make_variant
from bench.timing import build_env, median, spread

GOAL_S = 1.0
"""Longest acceptable time from saving a page to the rebuilt page being served."""
PAGE = "car-t-cells.md"
"""The page edited."""
POLL_S = 0.01
"""How often the page is fetched while waiting."""
TIMEOUT_S = 30.0
"""Give up on one edit (or the first build) after this long."""

_BUILT = re.compile(r"Documentation built in ([\d.]+) seconds")


class ServeFailed(Exception):
    """`mkdocs serve` did not start or did not serve an edit in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(project: Path, edits: int, work: Path, rerun: str, python: str = sys.executable) -> Table:
    """Serve a copy of the site, make `edits` edits (after one uncounted), time each; the table.

    The floor (bare Material) is served and edited the same way, for context: what `mkdocs serve`
    takes for these pages with no citation work at all.
    """
    started = time.perf_counter()
    table = Table("serve", "3. `mkdocs serve`: save → rebuilt page served", rerun=rerun)
    latencies, rebuilds = measure(make_variant(project, "full", work / "serve"), project, edits, work / "serve.log", python)
    latency = median(latencies)
    table.rows.append(Row(f"save → page served, median (min–max) of {len(latencies)} edits",
                          f"{latency:.2f} s ({spread(latencies)})", f"< {GOAL_S:g} s", verdict(latency < GOAL_S)))
    if rebuilds:
        rebuild = median(rebuilds)
        table.rows.append(Row("of which the rebuild itself (serve log, median)", f"{rebuild:.2f} s", "", INFO))
        table.rows.append(Row("of which noticing the change and the debounce (difference)", f"{latency - rebuild:.2f} s", "", INFO))
    floor_latencies, floor_rebuilds = measure(make_variant(project, "floor", work / "serve-floor"), project, edits,
                                              work / "serve-floor.log", python)
    table.rows.append(Row("context: bare Material (floor), save → page served",
                          f"{median(floor_latencies):.2f} s ({spread(floor_latencies)}); rebuild "
                          f"{median(floor_rebuilds):.2f} s" if floor_rebuilds else f"{median(floor_latencies):.2f} s", "", INFO))
    table.notes.append(
        f"`mkdocs serve --livereload` on a free 127.0.0.1 port in a copy of the site; each edit appends a unique "
        f"sentence to `docs/{PAGE}` and `/{PAGE.removesuffix('.md')}/` is fetched every {POLL_S * 1000:.0f} ms until it "
        "shows it; one uncounted edit first. MkDocs 1.6 watches files with watchdog's polling observer (every 0.5 s), "
        "waits 0.1 s for more changes, then rebuilds the whole site (`on_config` included: the hook loads the `.bib` "
        "again): about 0.35 s on average passes before the rebuild starts, leaving ~0.65 s for the rebuild."
    )
    table.seconds = time.perf_counter() - started
    return table


def measure(site: Site, project: Path, edits: int, log_path: Path, python: str = sys.executable) -> tuple[list[float], list[float]]:
    """Latencies of `edits` edits (after one uncounted) and the rebuild times the serve log reports."""
    port = free_port()
    page_url = f"http://127.0.0.1:{port}/{PAGE.removesuffix('.md')}/"
    latencies = []
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [python, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}", "--livereload"],
            cwd=site.root, env=build_env(project), stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(page_url, "</html>", server)
            source = site.root / "docs" / PAGE
            original = source.read_text(encoding="utf-8")
            for edit in range(edits + 1):
                marker = f"Benchmark edit {edit} at {time.time_ns()}."
                time.sleep(0.6)  # let the watcher settle, so an edit never lands mid-rebuild
                saved = time.perf_counter()
                source.write_text(f"{original.rstrip()}\n\n{marker}\n", encoding="utf-8")
                _wait_for(page_url, marker, server)
                if edit > 0:
                    latencies.append(time.perf_counter() - saved)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    builds = [float(value) for value in _BUILT.findall(log_path.read_text(encoding="utf-8", errors="replace"))]
    return latencies, builds[2:]  # not the first build at start-up, nor the uncounted edit's


def _wait_for(url: str, text: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise ServeFailed(f"mkdocs serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (127.0.0.1 only)
                if text in response.read().decode("utf-8", "replace"):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(POLL_S)
    raise ServeFailed(f"{url} did not show {text!r} within {TIMEOUT_S:g} s")
