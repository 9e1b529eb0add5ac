"""Run one build as a child process and measure it; alternate several sites and take medians.

A *build* is `python -m mkdocs build` run in the site's folder, measured from start to exit (Python
start-up and imports included: what a person waits for) with the child's peak resident memory
from `wait4`. Runs *alternate*: every site is built once per round, so slow drift of the machine
falls on all of them alike, and ratios are taken round by round before the median.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.sites import Site


class BuildFailed(Exception):
    """A benchmark build exited non-zero; the message holds the end of its log."""


@dataclass(frozen=True)
class BuildRun:
    """One measured build."""

    seconds: float
    """Wall-clock time from start to exit."""
    max_rss_kib: int
    """Peak resident set size of the build process, in KiB."""
    warnings: int
    """Lines of the log at WARNING level."""
    site_bytes: int = 0
    """Size of everything the build wrote."""


def build_env(project: Path) -> dict[str, str]:
    """Environment for a build: the project's `scripts/` importable, no MkDocs 2 banner, no network lookups."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project / "scripts"), env.get("PYTHONPATH", "")]))
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def run_build(site: Site, project: Path, out_dir: Path | None = None, python: str = sys.executable) -> BuildRun:
    """Build `site` once into `out_dir` (a temporary folder if None) and measure it."""
    if not site.keep_cache:
        shutil.rmtree(site.root / ".cache", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bench-site-") as scratch:
        target = out_dir or Path(scratch) / "site"
        log_path = Path(scratch) / "build.log"
        with open(log_path, "wb") as log:
            start = time.perf_counter()
            process = subprocess.Popen(
                [python, "-m", "mkdocs", "build", "--clean", "-d", str(target)],
                cwd=site.root, env=build_env(project), stdout=log, stderr=subprocess.STDOUT,
            )
            # wait4 gives this child's own rusage; RUSAGE_CHILDREN would give the peak of all
            # children so far, so a small build after a big one would report the big one's memory.
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if process.returncode != 0:
            raise BuildFailed(f"{site.name}: mkdocs build exited {process.returncode}:\n{text[-3000:]}")
        written = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
    # ru_maxrss is in KiB on Linux.
    return BuildRun(seconds, int(usage.ru_maxrss), text.count("WARNING"), written)


def alternate(sites: Sequence[Site], project: Path, runs: int, warmup: int = 1,
              python: str = sys.executable) -> dict[str, list[BuildRun]]:
    """Build every site once per round, `runs` rounds after `warmup` uncounted ones; runs by site name."""
    results: dict[str, list[BuildRun]] = {site.name: [] for site in sites}
    for round_number in range(warmup + runs):
        for site in sites:
            run = run_build(site, project, python=python)
            if round_number >= warmup:
                results[site.name].append(run)
    return results


def median(values: Sequence[float]) -> float:
    """Median; NaN for no values."""
    return statistics.median(values) if values else float("nan")


def paired_ratio(runs: Mapping[str, Sequence[BuildRun]], numerator: str, denominator: str) -> float:
    """Median over rounds of `numerator` time / `denominator` time in the same round."""
    pairs = zip(runs[numerator], runs[denominator])
    return median([top.seconds / bottom.seconds for top, bottom in pairs])


def spread(values: Sequence[float]) -> str:
    """`min–max` of the values, for the report."""
    return f"{min(values):.2f}–{max(values):.2f}" if values else "–"
