"""`python -m bench`: run the benchmarks and write the report (`BENCHMARKS.md` by default).

`--quick` is a smoke run (one repetition, small sites, no Lighthouse, no profiling) for the test
suite: it shows that every benchmark runs and the report has its tables, and measures nothing.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import buildcost, doicheck, scaling, serve, weight
from bench.report import Table, render

BENCHMARKS = ("build", "scaling", "serve", "doi", "weight")
"""Benchmark names, in report order (`--only` takes these)."""
PROJECT = Path(__file__).resolve().parents[2]
"""The repository root (this file is scripts/bench/__main__.py)."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 repetition, small sites, no Lighthouse")
    parser.add_argument("--runs", type=int, default=5, help="alternating rounds per timing (default 5)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", type=Path, help="report path (default BENCHMARKS.md; bench-<names>.md with --only)")
    parser.add_argument("--project", type=Path, default=PROJECT, help="repository root (default: this checkout)")
    parser.add_argument("--no-profile", action="store_true", help="skip the pyinstrument profiles")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.out is None:
        partial = args.only != list(BENCHMARKS)
        args.out = args.project / ("bench-" + "-".join(args.only) + ".md" if partial else "BENCHMARKS.md")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    project = args.project.resolve()
    runs = 1 if args.quick else args.runs
    profile = not (args.quick or args.no_profile)
    started = time.perf_counter()
    tables: list[Table] = []
    load_before = _load()
    compile_hook(project)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        for name in args.only:
            rerun = f"make bench ARGS='--only {name}'"
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            folder = work / name
            folder.mkdir()
            if name == "build":
                table = buildcost.run(project, runs, folder, rerun, profile=profile, warmup=0 if args.quick else 1)
            elif name == "scaling":
                table = (scaling.run(project, runs, folder, rerun, scales=(1, 2), references=(50, 200),
                                     floor_context=False, profile=False)
                         if args.quick else scaling.run(project, runs, folder, rerun, profile=profile))
            elif name == "serve":
                table = serve.run(project, runs, folder, rerun)
            elif name == "doi":
                table = doicheck.run(project, runs, folder, rerun, entries=6 if args.quick else None,
                                     build_runs=None if args.quick else 2 * runs)
            else:
                table = weight.run(project, folder, rerun, use_lighthouse=not args.quick)
            print(f"bench: {name} took {table.seconds:.0f} s", file=sys.stderr, flush=True)
            tables.append(table)
    total = time.perf_counter() - started
    command = "make bench" + (f" ARGS='{' '.join(argv or sys.argv[1:])}'" if (argv or sys.argv[1:]) else "")
    text = render(tables, command=command, quick=args.quick, total_s=total, commit=_commit(project),
                  load=f"{load_before} at start, {_load()} at end")
    args.out.write_text(text, encoding="utf-8")
    print(f"bench: wrote {args.out} in {total / 60:.1f} min", file=sys.stderr)
    return 0


def compile_hook(project: Path) -> None:
    """Byte-compile the hook's modules as `make build` does, so no build pays for compiling them.

    Python would keep this bytecode itself on first import, but not where PYTHONDONTWRITEBYTECODE
    is set; builds would then measure the compiler (~25 ms each) rather than the hook.
    """
    scripts = project / "scripts"
    compileall.compile_file(scripts / "hooks.py", quiet=1)
    compileall.compile_dir(scripts / "citesite", quiet=1)


def _commit(project: Path) -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()


def _load() -> str:
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
