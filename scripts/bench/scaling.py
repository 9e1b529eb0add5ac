"""Benchmark 2, scaling: synthetic sites 10× and 100× the article, and 500 vs 5,000 references.

Goals: the 100× build takes at most 11× the 10× build, in time and in peak memory; the same for
5,000 references against 500 (same 12 pages, citations growing with the references). For context,
the floor (bare Material) is built once at 10× and 100×: what Material itself does with a nav of
1,200 pages is not the citation work's doing, and `full − floor` is; floor and full are also built
once each with Material's `navigation.prune`, the proposed remedy for the nav's share.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.buildcost import profile_notes
from bench.report import INFO, Row, Table, verdict
from bench.sites import Site, load_config, make_synthetic, write_config
from bench.timing import BuildRun, alternate, median, run_build

GOAL_RATIO = 11.0
"""Ten times the size may cost at most this many times as much."""


def run(project: Path, runs: int, work: Path, rerun: str, *, scales: tuple[int, int] = (10, 100),
        references: tuple[int, int] = (500, 5000), floor_context: bool = True, profile: bool = True) -> Table:
    """Build the synthetic sites `runs` times each, alternating within each pair; the table."""
    started = time.perf_counter()
    small, large = scales
    table = Table("scaling", f"2. Scaling: {small}× → {large}× the article, {references[0]:,} → {references[1]:,} references",
                  rerun=rerun)
    pages = {
        "small": make_synthetic(project, work / f"x{small}", scale=small, name=f"x{small}"),
        "large": make_synthetic(project, work / f"x{large}", scale=large, name=f"x{large}"),
        "refs-small": make_synthetic(project, work / f"r{references[0]}", references=references[0], name=f"refs{references[0]}"),
        "refs-large": make_synthetic(project, work / f"r{references[1]}", references=references[1], name=f"refs{references[1]}"),
    }
    by_pages = alternate([pages["small"], pages["large"]], project, runs, warmup=0)
    by_refs = alternate([pages["refs-small"], pages["refs-large"]], project, runs, warmup=0)
    _goal_rows(table, by_pages, pages["small"], pages["large"], f"{large}× ÷ {small}×")
    _goal_rows(table, by_refs, pages["refs-small"], pages["refs-large"], f"{references[1]:,} ÷ {references[0]:,} references")
    context: dict[str, BuildRun] = {}
    if floor_context:
        for scale in scales:
            floor = make_synthetic(project, work / f"floor-x{scale}", scale=scale, name=f"floor x{scale}", variant="floor")
            context[floor.name] = run_build(floor, project)
        floor_small, floor_large = context[f"floor x{small}"], context[f"floor x{large}"]
        table.rows.append(Row(f"context: floor {large}× ÷ floor {small}× (bare Material, 1 run each)",
                              f"{floor_large.seconds / floor_small.seconds:.1f}× ({floor_small.seconds:.1f} s → {floor_large.seconds:.1f} s)",
                              "", INFO))
        work_small = median([r.seconds for r in by_pages[pages["small"].name]]) - floor_small.seconds
        work_large = median([r.seconds for r in by_pages[pages["large"].name]]) - floor_large.seconds
        table.rows.append(Row(f"context: citation work (full − floor) {large}× ÷ {small}×",
                              f"{work_large / work_small:.1f}× ({work_small:.1f} s → {work_large:.1f} s)", "", INFO))
        # Material writes the whole nav into every page; its `navigation.prune` feature writes only
        # the visible part. Measured here as the proposed way to bring the nav's cost down.
        for variant in ("floor", "full"):
            for scale in scales:
                pruned = make_synthetic(project, work / f"prune-{variant}-x{scale}", scale=scale,
                                        name=f"{variant} x{scale} + navigation.prune", variant=variant)
                _prune(pruned.root)
                context[pruned.name] = run_build(pruned, project)
            little, big = context[f"{variant} x{small} + navigation.prune"], context[f"{variant} x{large} + navigation.prune"]
            table.rows.append(Row(f"context: {variant} with `navigation.prune`, {large}× ÷ {small}× (1 run each)",
                                  f"{big.seconds / little.seconds:.1f}× ({little.seconds:.1f} s → {big.seconds:.1f} s)", "", INFO))
    for key, results in (("small", by_pages), ("large", by_pages), ("refs-small", by_refs), ("refs-large", by_refs)):
        site = pages[key]
        measured = results[site.name]
        table.rows.append(Row(
            f"{site.name}: {site.pages:,} pages, {site.citations:,} citation blocks, {site.references:,} references",
            f"{median([r.seconds for r in measured]):.2f} s, peak RSS {median([r.max_rss_kib for r in measured]) / 1024:.0f} MiB, "
            f"output {median([r.site_bytes for r in measured]) / 2**20:.0f} MiB", "", INFO))
    for name, measured_run in context.items():
        table.rows.append(Row(f"{name}", f"{measured_run.seconds:.2f} s, peak RSS {measured_run.max_rss_kib / 1024:.0f} MiB, "
                              f"output {measured_run.site_bytes / 2**20:.0f} MiB", "", INFO))
    table.notes.append(
        f"Sites are generated into a temporary folder: copy 0 is the article as it is; each further copy puts every nav page "
        f"under `part-NNN/` with its keys renamed (`key-sNNN`) and a `.bib` entry per renamed key (own DOI, no printed number), "
        f"so pages, citations and references all grow {large // small}×; References page, concordance and glossary stay single. "
        f"The reference sites add entries cited five to a block on the content pages. {runs} rounds, each pair alternating; "
        "time ratios are the median of within-round ratios, memory is each build's own peak RSS (`wait4`)."
    )
    if profile:
        table.notes += profile_notes(pages["small"], project, f"{small}× build")
        table.notes += profile_notes(pages["refs-large"], project, f"{references[1]:,}-reference build")
    table.seconds = time.perf_counter() - started
    return table


def _prune(root: Path) -> None:
    config = load_config(root / "mkdocs.yml")
    theme = config.setdefault("theme", {})
    theme["features"] = [*theme.get("features", []), "navigation.prune"]
    write_config(config, root / "mkdocs.yml")


def _goal_rows(table: Table, results: dict[str, list[BuildRun]], small: Site, large: Site, label: str) -> None:
    pairs = list(zip(results[small.name], results[large.name]))
    time_ratio = median([big.seconds / little.seconds for little, big in pairs])
    memory_ratio = median([big.max_rss_kib / little.max_rss_kib for little, big in pairs])
    table.rows.append(Row(f"time {label} (median of {len(pairs)} paired ratios)", f"{time_ratio:.1f}×",
                          f"≤ {GOAL_RATIO:g}×", verdict(time_ratio <= GOAL_RATIO)))
    table.rows.append(Row(f"peak memory {label}", f"{memory_ratio:.1f}×", f"≤ {GOAL_RATIO:g}×",
                          verdict(memory_ratio <= GOAL_RATIO)))
