"""`python -m citesite check`: the reference check, standalone.

It runs the same check as every build (a real build into a temporary directory, so the numbering
audit also reads the rendered HTML back), plus the DOI check online or offline, and reports.
Exit status: 0 when there is no problem (entries not yet verified are not problems, except with
`--for-publish`), 1 when there is one, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from citesite import check
from citesite.bib import BibError, load_bibliography
from citesite.pipeline import BIB_FILE, CACHE_DIR, LOCK_FILE
from citesite.problems import NumberingProblem
from citesite.report import console_report, write_json_report

LOGGER = "mkdocs.plugins.citesite"


class _Collector(logging.Handler):
    """Keeps the numbering problems the build hook logs (it attaches each to its record)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.problems: list[NumberingProblem] = []

    def emit(self, record: logging.LogRecord) -> None:
        problem = getattr(record, "citesite_problem", None)
        if isinstance(problem, NumberingProblem):
            self.problems.append(problem)


def numbering_problems(config_file: Path) -> tuple[list[NumberingProblem], dict[str, int]]:
    """Build the site into a temporary directory; the numbering problems found and the numbers."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    collector = _Collector()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(collector)
    try:
        with tempfile.TemporaryDirectory(prefix="citesite-") as site_dir:
            config = load_config(str(config_file), site_dir=site_dir)
            try:
                build(config)
            except MkDocsException as error:
                # An unknown key stops the build after the hook has logged it; anything else that
                # stops it (a broken data file, say) is reported as it stands.
                if not any(problem.severity == "error" for problem in collector.problems):
                    collector.problems.append(NumberingProblem("build", str(config_file), 0, "", str(error)))
            numbers = _numbers(config)
    finally:
        logger.removeHandler(collector)
    return collector.problems, numbers


def _numbers(config: object) -> dict[str, int]:
    """Site-wide numbers of the build just run, from the hook that numbered them."""
    for plugin in config.plugins.values():  # type: ignore[attr-defined]
        numbers = getattr(plugin, "site_numbers", None)
        if callable(numbers):
            return numbers()
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m citesite", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("check", help="numbering audit and DOI check")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--online", dest="online", action="store_true", help="resolve DOIs the lockfile lacks (default)")
    mode.add_argument("--offline", dest="online", action="store_false", help="use the lockfile only; no network")
    run.set_defaults(online=True)
    run.add_argument("--json", metavar="PATH", help="write the JSON report here")
    run.add_argument("--config", default="mkdocs.yml", help="the site's mkdocs.yml (default: %(default)s)")
    run.add_argument("--max-age-days", type=float, default=check.DEFAULT_MAX_AGE_DAYS, help="lock records older than this are re-checked")
    run.add_argument("--for-publish", action="store_true", help="also fail on every DOI not verified (what make publish needs)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    config_file = Path(args.config)
    root = config_file.parent
    try:
        bibliography = load_bibliography(root / BIB_FILE, root / CACHE_DIR)
    except (BibError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    problems, numbers = numbering_problems(config_file)
    results = check.check_references(
        bibliography, online=args.online, lock_path=root / LOCK_FILE, numbers=numbers, max_age_days=args.max_age_days
    )
    sys.stdout.write(console_report(results, problems))
    if args.json:
        write_json_report(args.json, results, problems)
    failed = any(result.status in check.PROBLEM_STATUSES for result in results)
    failed |= bool(problems)
    if args.for_publish:
        blockers = check.publish_blockers(results)
        for result in blockers:
            print(f"blocks publishing: {result.key} is {result.status}" + (f" ({result.detail})" if result.detail else ""), file=sys.stderr)
        failed |= bool(blockers)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
