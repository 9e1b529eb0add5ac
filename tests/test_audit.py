"""Tests for citesite.audit: the read-back of built HTML, one fixture site per fault.

Each folder under fixtures/audit/ holds a tiny built site (index.html, two.html, references.html)
and expected.txt, the kinds of problem the audit must report, one per line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from citesite.audit import audit_pages, expand, parse_page

CASES = sorted((Path(__file__).parent / "fixtures" / "audit").iterdir())
URLS = {"index.html": "", "two.html": "two/", "references.html": "references/"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_audit_fixture_sites(case: Path) -> None:
    """The audit reports exactly the faults each fixture site was built with."""
    parsed = {URLS[name]: parse_page((case / name).read_text()) for name in URLS}
    problems = audit_pages(parsed, "references/", ["", "two/", "references/"])
    expected = sorted(line for line in (case / "expected.txt").read_text().splitlines() if line)
    assert sorted(problem.kind for problem in problems) == expected, [str(p) for p in problems]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("1", [1]), ("1,2", [1, 2]), ("1–3,5", [1, 2, 3, 5]), ("12-14", [12, 13, 14]), ("x", None), ("1–", None)],
)
def test_expand(text: str, numbers: list[int] | None) -> None:
    """Superscript text expands to the numbers it shows, ranges included."""
    assert expand(text) == numbers


def test_parse_page_reads_nested_markup() -> None:
    """Citation marks are read whole, separators included, and ids are collected."""
    page = parse_page('<h2 id="s">S</h2><sup class="cite" data-keys="a b c"><a data-key="a" href="#">1</a>'
                      '<span class="cite__sep">–</span><a data-key="c" href="#">3</a></sup>')
    assert page.marks[0].text == "1–3" and page.marks[0].keys == ["a", "b", "c"]
    assert [link[0] for link in page.marks[0].links] == ["a", "c"]
    assert page.ids == {"s"}
