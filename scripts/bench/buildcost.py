"""Benchmark 1, build cost: the full build against the floor (bare Material) and the peer (mkdocs-bibtex).

A diagnostic variant `full-cold` is the full build started each time without the parsed `.bib` in
`.cache/`: the first build of a fresh clone, or the first after an edit of the `.bib`.

Another diagnostic variant, `full-with-bibtex`, is the full build with the bibtex plugin loaded
beside the hook, as the site was first configured: the hook renders every citation before the plugin
runs, so the plugin only costs its import and a second parse of the `.bib`; this variant measures it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import time
from pathlib import Path

from bench import profiling
from bench.report import INFO, NOT_RUN, Row, Table, verdict
from bench.sites import Site, load_config, make_variant, write_config
from bench.timing import alternate, median, paired_ratio, spread

GOAL_FLOOR_RATIO = 1.25
"""The full build may cost at most this many times the floor."""


def peer_available() -> bool:
    """The peer needs pandoc itself, which `pypandoc-binary` (a benchmark requirement) ships.

    Plain `pypandoc` (a dependency of mkdocs-bibtex, so always installed) has no pandoc: ask it.
    """
    if importlib.util.find_spec("pypandoc") is None:
        return False
    import pypandoc

    try:
        pypandoc.get_pandoc_version()
    except OSError:
        return False
    return True


def run(project: Path, runs: int, work: Path, rerun: str, *, profile: bool = True, warmup: int = 1) -> Table:
    """Build floor, full, full-with-bibtex and peer `runs` times each, alternating; the table."""
    started = time.perf_counter()
    table = Table("build", "1. Build cost: full build vs floor and peer", rerun=rerun)
    sites = [make_variant(project, "floor", work / "floor"), make_variant(project, "full", work / "full")]
    sites.append(dataclasses.replace(make_variant(project, "full", work / "full-cold"), name="full-cold", keep_cache=False))
    sites.append(_with_bibtex(project, work / "full-with-bibtex"))
    if peer_available():
        sites.append(make_variant(project, "peer", work / "peer"))
    results = alternate(sites, project, runs, warmup=warmup)
    ratio = paired_ratio(results, "full", "floor")
    table.rows.append(Row("full build ÷ floor (median of paired ratios)", f"{ratio:.2f}×", f"≤ {GOAL_FLOOR_RATIO}×",
                          verdict(ratio <= GOAL_FLOOR_RATIO)))
    if "peer" in results:
        peer_ratio = paired_ratio(results, "peer", "floor")
        full_peer = paired_ratio(results, "full", "peer")
        table.rows.append(Row("peer (mkdocs-bibtex + pandoc) ÷ floor", f"{peer_ratio:.2f}×", "", INFO))
        table.rows.append(Row("full build ÷ peer", f"{full_peer:.2f}×", "< 1× (faster than the peer)", verdict(full_peer < 1)))
    else:
        table.rows.append(Row("peer (mkdocs-bibtex + pandoc) ÷ floor", "pypandoc-binary not installed", "", NOT_RUN))
    table.rows.append(Row("diagnostic: full build without the cached `.bib` (first build of a clone) ÷ floor",
                          f"{paired_ratio(results, 'full-cold', 'floor'):.2f}×", "", INFO))
    table.rows.append(Row("diagnostic: full build with the bibtex plugin also loaded ÷ floor",
                          f"{paired_ratio(results, 'full-with-bibtex', 'floor'):.2f}×", "", INFO))
    for site in sites:
        times = [measured.seconds for measured in results[site.name]]
        memory = median([measured.max_rss_kib for measured in results[site.name]]) / 1024
        table.rows.append(Row(f"{site.name}: wall time, median (min–max) of {len(times)}",
                              f"{median(times):.2f} s ({spread(times)}); peak RSS {memory:.0f} MiB", "", INFO))
    full = next(site for site in sites if site.name == "full")
    table.notes += [
        f"Site: the article, {full.pages} pages, {full.citations} citation blocks, {full.references} references. "
        "Each build is a child process `python -m mkdocs build` (start-up and imports included), "
        f"{warmup} uncounted warm-up round(s), then {runs} rounds alternating the variants; ratios are taken within a round, then the "
        "median. The hook's modules are byte-compiled first, as `make build` and `make serve` do "
        "(see the Makefile; this machine sets PYTHONDONTWRITEBYTECODE). *full* keeps the parsed `.bib` in `.cache/` "
        "from the build before; *full-cold* deletes it before every build. *floor*: the same pages with `[@...]` blocks and the `\\full_bibliography`, `\\concordance` and "
        "`\\key_figures` lines removed, bibtex plugin and hook off. *peer*: mkdocs-bibtex with "
        "`csl_file: bib/nlm-citation-sequence.csl`, `bib_by_default: true`, `footnotes` and `smarty`, no hook "
        "(the hook-only `\\concordance`, `\\key_figures` and `[@?N]` markers removed).",
    ]
    if profile:
        table.notes += profile_notes(full, project, "full build of the article")
    table.seconds = time.perf_counter() - started
    return table


def profile_notes(site: Site, project: Path, label: str) -> list[str]:
    """Markdown lines naming where a profiled build of `site` spends its citation time."""
    found = profiling.profile_build(site.root, project)
    if found is None:
        return [f"Profile of the {label}: pyinstrument not installed (see scripts/bench/requirements.txt)."]
    events = ", ".join(f"`{name}` {seconds:.2f} s" for name, seconds in found.events[:8])
    hotspots = ", ".join(f"`{name}` {seconds:.2f} s" for name, seconds in found.hotspots[:8])
    proposed = profiling.fixes(found)
    return [
        f"Profile of the {label} (pyinstrument, {found.total_s:.2f} s under the profiler): "
        f"hook and mkdocs-bibtex frames: {events}. citesite hotspots (net of nested citesite calls): {hotspots}.",
        *(["", "Proposed fixes for what the profile shows:", "", *proposed, ""] if proposed else []),
    ]


def _with_bibtex(project: Path, target: Path) -> Site:
    site = make_variant(project, "full", target)
    config = load_config(target / "mkdocs.yml")
    plugin = {"bibtex": {"bib_file": "bib/references.bib", "bib_by_default": False, "enable_inline_citations": False}}
    config["plugins"] = [*config.get("plugins", []), plugin]
    write_config(config, target / "mkdocs.yml")
    return Site("full-with-bibtex", site.root, site.pages, site.citations, site.references)

