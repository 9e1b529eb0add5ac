"""The benchmark runs end to end in its quick form and writes a report with every table.

Times are never asserted: they belong to BENCHMARKS.md, not to the test suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.__main__ import main, parse_args
from bench.sites import make_synthetic, make_variant, strip_citations
from citesite.citations import find_citations

PROJECT = Path(__file__).resolve().parents[1]
TABLE_HEADER = "| Measure | Figure | Goal | Verdict |"
SECTIONS = (
    "## 1. Build cost",
    "## 2. Scaling",
    "## 3. `mkdocs serve`",
    "## 4. DOI check",
    "## 5. Page weight and Lighthouse",
)


def test_quick_run_writes_every_table(tmp_path: Path) -> None:
    """`python -m bench --quick` writes a report with the machine, a summary and one table per benchmark."""
    out = tmp_path / "BENCHMARKS.md"
    assert main(["--quick", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Quick run" in text
    for heading in ("## Summary", "## Machine", *SECTIONS):
        assert heading in text
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for section in sections:
        if section.split(".")[0].isdigit():
            assert TABLE_HEADER in section, section[:60]
            assert "Rerun: `make bench ARGS='--only " in section
    for figure in ("full build ÷ floor", "time 2× ÷ 1×", "save → page served", "cold check ÷ floor", "bytes transferred, gzip"):
        assert figure in text


def test_only_writes_a_partial_report_beside_the_full_one() -> None:
    """`--only` picks benchmarks and, by default, does not overwrite BENCHMARKS.md."""
    args = parse_args(["--only", "doi,build"])
    assert args.only == ["doi", "build"]
    assert args.out.name == "bench-doi-build.md"
    with pytest.raises(SystemExit):
        parse_args(["--only", "nonsense"])


def test_floor_has_no_citations_and_no_hook(tmp_path: Path) -> None:
    """The floor keeps the pages but strips citations, generated-list commands, hook and bibtex plugin."""
    site = make_variant(PROJECT, "floor", tmp_path / "floor")
    config = (site.root / "mkdocs.yml").read_text(encoding="utf-8")
    assert "hooks" not in config and "bibtex" not in config
    for page in (site.root / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert not find_citations(text), page
        assert "\\full_bibliography" not in text and "\\concordance" not in text
    assert strip_citations("A[@a; @b].\n\\key_figures\nB") == "A.\nB"


def test_synthetic_site_multiplies_pages_citations_and_references(tmp_path: Path) -> None:
    """A 3× site has three times the pages, citation blocks and `.bib` entries of the article."""
    one = make_synthetic(PROJECT, tmp_path / "x1", scale=1)
    three = make_synthetic(PROJECT, tmp_path / "x3", scale=3)
    assert (three.pages, three.citations, three.references) == (3 * one.pages, 3 * one.citations, 3 * one.references)
    refs = make_synthetic(PROJECT, tmp_path / "r", references=100)
    assert refs.references == 100 and refs.pages == one.pages
