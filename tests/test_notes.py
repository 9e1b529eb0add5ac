"""The notes page's corrections table and the .bib agree: every corrected value shown to readers is
the value the bibliography holds, and no printed (wrong) value survives in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citesite.bib import BibEntry, load_bibliography

ROOT = Path(__file__).parents[1]
BIB = load_bibliography(ROOT / "bib" / "references.bib")


def corrections() -> list[tuple[int, str, str, str]]:
    """(printed number, field, printed value, corrected value) rows of docs/notes.md."""
    text = (ROOT / "docs" / "notes.md").read_text(encoding="utf-8")
    section = text[text.index("## Corrections to individual entries") : text.index("## Reference 29")]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            rows.append((int(cells[0]), cells[1], cells[2], cells[3]))
    return rows


def entry(printed: int) -> BibEntry:
    return next(e for e in BIB.entries.values() if printed in e.printed)


def shown(field: str, item: BibEntry) -> str:
    authors = [f"{a.family} {a.initials}" for a in item.authors]
    return {
        "DOI": item.doi_raw,
        "First author": authors[0],
        "Second author": authors[1],
        "Authors": ", ".join(authors),
        "Year": item.year,
        "Article number": f"{item.volume}({item.issue}):{item.pages}",
        "Pages": f"{item.volume}({item.issue}):{item.pages}",
    }[field]


ROWS = corrections()


def test_every_reference_notes_correction_is_listed() -> None:
    """All 13 corrections from reference-notes.md are on the notes page."""
    assert len(ROWS) == 13


@pytest.mark.parametrize(("printed", "field", "before", "after"), ROWS, ids=[f"{r[0]}-{r[1]}" for r in ROWS])
def test_correction_is_what_the_bib_holds(printed: int, field: str, before: str, after: str) -> None:
    """The corrected value on the notes page is the .bib's value; the printed one is gone."""
    value = shown(field, entry(printed))
    corrected = re.split(r" \(", after)[0]
    assert value == corrected
    assert value != before
